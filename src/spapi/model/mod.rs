//! Hand-written DTOs for exactly the operations dakiya calls, checked against Amazon's models in
//! `shared/spapi-models/` by the contract tests.
//!
//! Amazon's enums are not closed in real data, so every enum here is an "open enum": known values
//! as variants plus `Unknown(String)`; an odd value never fails a response. Request types
//! serialize with the models' field names; response types ignore fields we do not use.

pub mod easy_ship;
pub mod feeds;
pub mod finances;
pub mod orders;
pub mod tokens;

use serde::{Deserialize, Serialize};

/// Declare an open enum: known string values plus `Unknown(String)`.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this build does not know.
            Unknown(String),
        }

        impl $name {
            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unknown(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            /// Known values are matched ignoring ASCII case: Amazon's spellings changed
            /// (`Pickup` → `PICKUP` in October 2025) and differ between docs and models.
            fn from(text: &str) -> Self {
                $(if text.eq_ignore_ascii_case($text) {
                    return $name::$variant;
                })+
                $name::Unknown(text.to_owned())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Ok($name::from(text.as_str()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use open_enum;

/// Amazon's error body: `{"errors":[{code, message, details?}]}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ErrorList {
    /// The errors.
    #[serde(default)]
    pub errors: Vec<ApiError>,
}

/// One error. Every field may be missing or `null` in a real answer (`"message": null` has been
/// seen, amzn/selling-partner-api-docs#3113): an odd error body still yields its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Error code (free text: `InvalidInput`, `"Invalid Input"`, `"400"`, …; empty when absent).
    #[serde(default, deserialize_with = "nullable_string")]
    pub code: String,
    /// Message (empty when absent or `null`); never stored or logged.
    #[serde(default, deserialize_with = "nullable_string")]
    pub message: String,
    /// Details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// A string that may be `null` (or any non-string, which is dropped): empty then.
fn nullable_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(match value {
        serde_json::Value::String(s) => s,
        _ => String::new(),
    })
}

/// Money as Amazon sends it: a decimal string and a currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Money {
    /// Decimal amount as text, e.g. `"299.90"`.
    pub amount: String,
    /// ISO 4217 code.
    pub currency_code: String,
}

/// An amount that is not a valid decimal with at most two places.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("amount {0:?} is not a decimal with at most two places")]
pub struct BadAmount(pub String);

impl Money {
    /// The amount in integer paise (hundredths), exactly; more than two non-zero decimals is an
    /// error rather than a silent rounding.
    pub fn paise(&self) -> Result<i64, BadAmount> {
        parse_paise(&self.amount)
    }
}

/// Parse a decimal string into hundredths, exactly.
pub fn parse_paise(text: &str) -> Result<i64, BadAmount> {
    let bad = || BadAmount(text.to_owned());
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let frac_trimmed = frac.trim_end_matches('0');
    if frac_trimmed.len() > 2 {
        return Err(bad());
    }
    let whole_value: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let mut frac_digits = frac_trimmed.to_owned();
    while frac_digits.len() < 2 {
        frac_digits.push('0');
    }
    let frac_value: i64 = frac_digits.parse().map_err(|_| bad())?;
    let value = whole_value.checked_mul(100).and_then(|w| w.checked_add(frac_value)).ok_or_else(bad)?;
    Ok(if negative { -value } else { value })
}

/// Format paise as a decimal string with two places.
pub fn format_paise(paise: i64) -> String {
    let sign = if paise < 0 { "-" } else { "" };
    let abs = paise.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paise_are_exact() {
        assert_eq!(parse_paise("299.90"), Ok(29990));
        assert_eq!(parse_paise("19940"), Ok(1_994_000));
        assert_eq!(parse_paise("0.5"), Ok(50));
        assert_eq!(parse_paise("-10.00"), Ok(-1000));
        assert_eq!(parse_paise("1.2300"), Ok(123));
        assert!(parse_paise("1.234").is_err());
        assert!(parse_paise("abc").is_err());
        assert!(parse_paise("").is_err());
        assert_eq!(format_paise(29990), "299.90");
        assert_eq!(format_paise(-5), "-0.05");
    }

    open_enum!(
        /// Test enum.
        Colour { Red = "RED", Blue = "BLUE" }
    );

    #[test]
    fn open_enums_keep_unknown_values() {
        let c: Vec<Colour> = serde_json::from_str(r#"["RED","MAUVE"]"#).expect("parses");
        assert_eq!(c, vec![Colour::Red, Colour::Unknown("MAUVE".into())]);
        assert_eq!(serde_json::to_string(&c).expect("json"), r#"["RED","MAUVE"]"#);
    }

    #[test]
    fn known_values_match_in_any_case_and_go_out_in_the_models_spelling() {
        // `Pickup` (India guide, models before October 2025) and `PICKUP` (today's model).
        let c: Vec<Colour> = serde_json::from_str(r#"["Red","red","RED"]"#).expect("parses");
        assert_eq!(c, vec![Colour::Red, Colour::Red, Colour::Red]);
        assert_eq!(serde_json::to_string(&c[0]).expect("json"), r#""RED""#);
        let m: easy_ship::HandoverMethod = serde_json::from_str(r#""Pickup""#).expect("parses");
        assert_eq!(m, easy_ship::HandoverMethod::Pickup);
    }

    #[test]
    fn error_bodies_with_null_or_missing_fields_keep_their_codes() {
        // amzn/selling-partner-api-docs#3113: `"message": null`.
        let list: ErrorList =
            serde_json::from_str(r#"{"errors":[{"code":"ScheduledPackageAlreadyExists","message":null},{"message":"x"},{}]}"#)
                .expect("parses");
        assert_eq!(list.errors[0].code, "ScheduledPackageAlreadyExists");
        assert_eq!(list.errors[0].message, "");
        assert_eq!(list.errors[1].code, "");
        assert_eq!(list.errors.len(), 3);
    }
}
