//! The PII vault: customer data encrypted field by field, purged and crypto-shredded on time.
//!
//! - [`cipher`]: AES-256-GCM, fresh 96-bit nonce per value; associated data binds order id,
//!   field and key id.
//! - [`keystore`]: epoch keys outside the database; destroying an epoch's key shreds its data
//!   everywhere, including old copies of the database and backups.
//! - [`credentials`]: the stored SP-API secrets.
//! - [`protect`]: how the keystore and credentials are protected at rest (DPAPI, passphrase,
//!   sandbox test key).
//!
//! Invariants: PII is plaintext only in memory (in [`Pii`], which redacts itself in
//! `Debug`/`Display` and is wiped on drop), inside this module, and while being sent to Amazon.
//! A value's epoch is a short lease: the UTC day of the earlier of its purge deadline and a week
//! from when it was sealed. The epoch is purged at that day's start, never later than the
//! deadline; a value whose deadline is further away is re-sealed under a later epoch before its
//! lease ends (`retain`). So every copy of a ciphertext (the database file, its WAL, a backup)
//! becomes unreadable within a week of being made, or at the deadline, whichever comes first.

pub mod cipher;
pub mod credentials;
pub mod keystore;
pub mod protect;

pub use crate::pii::Pii;

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use zeroize::Zeroizing;

use keystore::{Keystore, KeystoreError};

/// The PII fields dakiya may hold, all only in the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PiiField {
    /// Recipient name.
    RecipientName,
    /// Address line 1.
    AddressLine1,
    /// Address line 2.
    AddressLine2,
    /// Address line 3.
    AddressLine3,
    /// City.
    City,
    /// District or county.
    District,
    /// Postal code (PIN).
    PostalCode,
    /// Phone number.
    Phone,
    /// Buyer name.
    BuyerName,
    /// Buyer email.
    BuyerEmail,
}

impl PiiField {
    /// Every field.
    pub const ALL: [PiiField; 10] = [
        PiiField::RecipientName,
        PiiField::AddressLine1,
        PiiField::AddressLine2,
        PiiField::AddressLine3,
        PiiField::City,
        PiiField::District,
        PiiField::PostalCode,
        PiiField::Phone,
        PiiField::BuyerName,
        PiiField::BuyerEmail,
    ];

    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            PiiField::RecipientName => "recipient_name",
            PiiField::AddressLine1 => "address_line1",
            PiiField::AddressLine2 => "address_line2",
            PiiField::AddressLine3 => "address_line3",
            PiiField::City => "city",
            PiiField::District => "district",
            PiiField::PostalCode => "postal_code",
            PiiField::Phone => "phone",
            PiiField::BuyerName => "buyer_name",
            PiiField::BuyerEmail => "buyer_email",
        }
    }

    /// The field with this stored name.
    pub fn from_name(name: &str) -> Option<PiiField> {
        PiiField::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// An encrypted value as it is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Amazon order id.
    pub order_id: String,
    /// Field name (a [`PiiField`] name, or a document kind such as `label`).
    pub field: String,
    /// Key id (epoch and generation).
    pub key_id: String,
    /// The epoch (UTC day of the purge deadline).
    pub epoch: NaiveDate,
    /// Purge deadline.
    pub deadline: DateTime<Utc>,
    /// 96-bit nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext with tag.
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("order_id", &self.order_id)
            .field("field", &self.field)
            .field("key_id", &self.key_id)
            .field("len", &self.ciphertext.len())
            .finish()
    }
}

/// Vault failures.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// Keystore problem (missing, wrong passphrase, destroyed key).
    #[error(transparent)]
    Keystore(#[from] KeystoreError),
    /// Authentication failed: the ciphertext, nonce or its binding was altered.
    #[error("vault value {field} of order {order_id} (key {key_id}) failed authentication: the data was altered or does not belong there")]
    Tampered {
        /// Order.
        order_id: String,
        /// Field.
        field: String,
        /// Key id.
        key_id: String,
    },
    /// Encryption failed.
    #[error("encryption failed for {field} of order {order_id}")]
    Seal {
        /// Order.
        order_id: String,
        /// Field.
        field: String,
    },
    /// Decrypted bytes were not text.
    #[error("vault value {field} of order {order_id} is not valid text")]
    NotText {
        /// Order.
        order_id: String,
        /// Field.
        field: String,
    },
}

impl VaultError {
    /// Whether the value can never be read again (altered, not text, or its key unknown or
    /// destroyed): deleting it loses nothing, and it must never stop a purge or a fetch.
    pub fn is_unreadable(&self) -> bool {
        matches!(
            self,
            VaultError::Tampered { .. }
                | VaultError::NotText { .. }
                | VaultError::Keystore(KeystoreError::Unknown(_) | KeystoreError::Destroyed(_))
        )
    }
}

/// The epoch of a deadline: its UTC day. Everything in an epoch is purged at the day's start.
pub fn epoch_of(deadline: DateTime<Utc>) -> NaiveDate {
    deadline.date_naive()
}

/// How long a sealed value's key lives at most before the value is re-sealed.
pub fn lease() -> chrono::Duration {
    chrono::Duration::days(7)
}

/// The epoch a value sealed at `now` with `deadline` goes into: the earlier of the deadline's
/// day and the lease's end.
pub fn lease_epoch(deadline: DateTime<Utc>, now: DateTime<Utc>) -> NaiveDate {
    epoch_of(deadline.min(now + lease()))
}

/// When an epoch is purged: the start of its day (never after any deadline in it).
pub fn purge_time(epoch: NaiveDate) -> DateTime<Utc> {
    epoch.and_hms_opt(0, 0, 0).map_or(DateTime::<Utc>::MIN_UTC, |t| t.and_utc())
}

fn aad(order_id: &str, field: &str, key_id: &str) -> Vec<u8> {
    format!("dakiya.vault.v1\0{order_id}\0{field}\0{key_id}").into_bytes()
}

/// The vault: seals and opens values with keys from the keystore.
#[derive(Debug)]
pub struct Vault {
    keystore: Keystore,
}

impl Vault {
    /// A vault over an open keystore.
    pub fn new(keystore: Keystore) -> Self {
        Self { keystore }
    }

    /// The keystore.
    pub fn keystore(&self) -> &Keystore {
        &self.keystore
    }

    /// The keystore, for purges and rotation.
    pub fn keystore_mut(&mut self) -> &mut Keystore {
        &mut self.keystore
    }

    /// Encrypt bytes for `order_id`/`field`, purged by `deadline`.
    pub fn seal_bytes(
        &mut self,
        order_id: &str,
        field: &str,
        plaintext: &[u8],
        deadline: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Sealed, VaultError> {
        let epoch = lease_epoch(deadline, now);
        let (key_id, key) = self.keystore.current_key(epoch, now)?;
        let (nonce, ciphertext) = cipher::seal(&key, &aad(order_id, field, &key_id), plaintext)
            .map_err(|_| VaultError::Seal { order_id: order_id.into(), field: field.into() })?;
        Ok(Sealed { order_id: order_id.into(), field: field.into(), key_id, epoch, deadline, nonce: nonce.to_vec(), ciphertext })
    }

    /// Encrypt one PII value.
    pub fn seal(
        &mut self,
        order_id: &str,
        field: PiiField,
        value: &Pii,
        deadline: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Sealed, VaultError> {
        self.seal_bytes(order_id, field.name(), value.expose().as_bytes(), deadline, now)
    }

    /// Decrypt bytes.
    pub fn open_bytes(&self, sealed: &Sealed) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let key = self.keystore.key(&sealed.key_id)?;
        cipher::open(&key, &aad(&sealed.order_id, &sealed.field, &sealed.key_id), &sealed.nonce, &sealed.ciphertext).map_err(|_| {
            VaultError::Tampered { order_id: sealed.order_id.clone(), field: sealed.field.clone(), key_id: sealed.key_id.clone() }
        })
    }

    /// Decrypt one PII value.
    pub fn open(&self, sealed: &Sealed) -> Result<Pii, VaultError> {
        let bytes = self.open_bytes(sealed)?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| VaultError::NotText { order_id: sealed.order_id.clone(), field: sealed.field.clone() })?;
        Ok(Pii::new(text))
    }

    /// Move a value to a new deadline (and so possibly a new epoch): open and seal again.
    pub fn reseal(&mut self, sealed: &Sealed, deadline: DateTime<Utc>, now: DateTime<Utc>) -> Result<Sealed, VaultError> {
        let bytes = self.open_bytes(sealed)?;
        self.seal_bytes(&sealed.order_id, &sealed.field, &bytes, deadline, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use protect::TestKeyProtector;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 4, 0, 0).single().expect("date")
    }

    fn vault(home: &std::path::Path) -> Vault {
        Vault::new(Keystore::create(home, Box::new(TestKeyProtector), now()).expect("keystore"))
    }

    #[test]
    fn pii_redacts_itself() {
        let pii = Pii::new("CANARY-NAME-7f3a");
        assert_eq!(format!("{pii:?} {pii}"), "[PII redacted] [PII redacted]");
    }

    #[test]
    fn sealed_values_are_bound_to_order_field_and_key() {
        let home = tempfile::tempdir().expect("tmp");
        let mut v = vault(home.path());
        let deadline = now() + Duration::days(60);
        let sealed = v.seal("402-1", PiiField::Phone, &Pii::new("+91 98765 43210"), deadline, now()).expect("seal");
        assert_eq!(v.open(&sealed).expect("open").expose(), "+91 98765 43210");
        let mut moved = sealed.clone();
        moved.order_id = "402-2".into();
        assert!(matches!(v.open(&moved), Err(VaultError::Tampered { .. })));
        let mut other_field = sealed.clone();
        other_field.field = "city".into();
        assert!(matches!(v.open(&other_field), Err(VaultError::Tampered { .. })));
        let mut flipped = sealed.clone();
        flipped.ciphertext[0] ^= 0x80;
        assert!(matches!(v.open(&flipped), Err(VaultError::Tampered { .. })));
        let mut nonce = sealed;
        nonce.nonce[0] ^= 1;
        assert!(matches!(v.open(&nonce), Err(VaultError::Tampered { .. })));
    }

    #[test]
    fn reseal_moves_a_value_to_an_earlier_epoch() {
        let home = tempfile::tempdir().expect("tmp");
        let mut v = vault(home.path());
        let late = now() + Duration::days(60);
        let early = now() + Duration::days(30);
        let sealed = v.seal("402-1", PiiField::City, &Pii::new("Surat"), late, now()).expect("seal");
        let moved = v.reseal(&sealed, early, now()).expect("reseal");
        assert_eq!(moved.epoch, lease_epoch(early, now()));
        assert_eq!(moved.deadline, early);
        assert_eq!(v.open(&moved).expect("open").expose(), "Surat");
        assert!(purge_time(moved.epoch) <= early);
        assert!(purge_time(moved.epoch) <= now() + lease(), "no key outlives its lease");
    }
}
