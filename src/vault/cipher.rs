//! AES-256-GCM sealing of single values: a fresh random 96-bit nonce per value, and associated
//! data that binds the ciphertext to what it is (so a value cannot be moved to another order,
//! field or key without failing authentication).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rand::RngCore as _;
use zeroize::Zeroizing;

/// Nonce length in bytes (96 bits).
pub const NONCE_LEN: usize = 12;
/// Key length in bytes (256 bits).
pub const KEY_LEN: usize = 32;

/// A 256-bit key, wiped from memory on drop.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; KEY_LEN]>);

impl DataKey {
    /// A new random key from the OS generator.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(bytes.as_mut());
        Self(bytes)
    }

    /// A key from raw bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The raw bytes (to store it wrapped in the keystore).
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

/// Authentication failed: wrong key, or the nonce, ciphertext or associated data was altered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("decryption failed: wrong key, or the data was altered")]
pub struct OpenError;

/// Encryption failed (only possible for absurdly large inputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("encryption failed")]
pub struct SealError;

/// Encrypt `plaintext` under `key` with associated data `aad`. Returns `(nonce, ciphertext)`.
pub fn seal(key: &DataKey, aad: &[u8], plaintext: &[u8]) -> Result<([u8; NONCE_LEN], Vec<u8>), SealError> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_bytes()));
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ciphertext = cipher.encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad }).map_err(|_| SealError)?;
    Ok((nonce, ciphertext))
}

/// Decrypt and authenticate. The plaintext is wiped from memory when dropped.
pub fn open(key: &DataKey, aad: &[u8], nonce: &[u8], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    if nonce.len() != NONCE_LEN {
        return Err(OpenError);
    }
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_bytes()));
    cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad }).map(Zeroizing::new).map_err(|_| OpenError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_tamper_fails() {
        let key = DataKey::generate();
        let (nonce, ct) = seal(&key, b"aad", b"Asha Patel").expect("seals");
        assert_eq!(open(&key, b"aad", &nonce, &ct).expect("opens").as_slice(), b"Asha Patel");
        let mut bad_ct = ct.clone();
        bad_ct[0] ^= 1;
        assert_eq!(open(&key, b"aad", &nonce, &bad_ct), Err(OpenError));
        let mut bad_nonce = nonce;
        bad_nonce[3] ^= 1;
        assert_eq!(open(&key, b"aad", &bad_nonce, &ct), Err(OpenError));
        assert_eq!(open(&key, b"aae", &nonce, &ct), Err(OpenError));
        assert_eq!(open(&DataKey::generate(), b"aad", &nonce, &ct), Err(OpenError));
    }

    #[test]
    fn nonces_are_fresh() {
        let key = DataKey::generate();
        let (a, _) = seal(&key, b"", b"x").expect("seals");
        let (b, _) = seal(&key, b"", b"x").expect("seals");
        assert_ne!(a, b);
    }
}
