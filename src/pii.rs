//! [`Pii`]: a piece of customer data in memory. A leaf module (it imports nothing of dakiya's),
//! so the SP-API models and the vault can both use it without depending on each other.
//!
//! Invariant: a `Pii` prints as `[PII redacted]` in `Debug` and `Display` and is wiped from memory
//! on drop; its plaintext is reached only through [`Pii::expose`].

use std::fmt;

use zeroize::Zeroizing;

/// A piece of customer PII in memory. Prints as a redaction marker; wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Pii(Zeroizing<String>);

impl Pii {
    /// Wrap a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The plaintext; only for sending to Amazon or printing a label.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Pii {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[PII redacted]")
    }
}

impl fmt::Display for Pii {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[PII redacted]")
    }
}

impl<'de> serde::Deserialize<'de> for Pii {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Pii::new)
    }
}
