//! Secrets at rest: LLM API keys and agent environment values are sealed with AES-256-GCM
//! before they reach a project actor, the event log or the store, and opened only where a
//! sandbox needs them. The stored form is Paca's: base64(nonce ‖ ciphertext ‖ tag).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::fmt;
use std::sync::Arc;

const NONCE_LEN: usize = 12;

/// A sealed secret, as stored. Its `Debug` never shows the text.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed(pub String);

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealed(…)")
    }
}

/// Why a secret could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("sealed secret is not valid base64 or too short")]
    Malformed,
    #[error("sealed secret does not open with this key (was ENCRYPTION_KEY changed?)")]
    WrongKey,
}

/// Seals and opens secrets with one 256-bit key. Cheap to clone.
#[derive(Clone)]
pub struct Secrets {
    cipher: Arc<Aes256Gcm>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secrets(…)")
    }
}

impl Secrets {
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: Arc::new(Aes256Gcm::new(key.into())),
        }
    }

    /// A key from its 64-hex-digit form (`ENCRYPTION_KEY`).
    pub fn from_hex(hex_key: &str) -> Result<Self, String> {
        let bytes = hex::decode(hex_key.trim())
            .map_err(|_| "must be 64 hexadecimal digits (32 bytes)".to_owned())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "must be 64 hexadecimal digits (32 bytes)".to_owned())?;
        Ok(Self::new(&key))
    }

    /// A new random key in its 64-hex-digit form.
    pub fn generate_hex() -> String {
        hex::encode(rand::random::<[u8; 32]>())
    }

    pub fn seal(&self, plain: &str) -> Sealed {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let nonce = Nonce::from_slice(&nonce_bytes);
        // Encryption with a valid key and nonce cannot fail for inputs of this size.
        let ciphertext = self
            .cipher
            .encrypt(nonce, plain.as_bytes())
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&ciphertext);
        Sealed(STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &Sealed) -> Result<String, OpenError> {
        let raw = STANDARD
            .decode(sealed.0.as_bytes())
            .map_err(|_| OpenError::Malformed)?;
        if raw.len() < NONCE_LEN + 16 {
            return Err(OpenError::Malformed);
        }
        let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| OpenError::WrongKey)?;
        String::from_utf8(plain).map_err(|_| OpenError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_never_repeats_itself() {
        let s = Secrets::from_hex(&Secrets::generate_hex()).expect("key");
        let a = s.seal("sk-live-123");
        let b = s.seal("sk-live-123");
        assert_ne!(a, b, "a fresh nonce per seal");
        assert!(!a.0.contains("sk-live"));
        assert_eq!(s.open(&a).expect("open"), "sk-live-123");
        assert_eq!(format!("{a:?}"), "Sealed(…)");
    }

    #[test]
    fn another_key_or_tampering_is_refused() {
        let s = Secrets::from_hex(&Secrets::generate_hex()).expect("key");
        let other = Secrets::from_hex(&Secrets::generate_hex()).expect("key");
        let sealed = s.seal("secret");
        assert!(matches!(other.open(&sealed), Err(OpenError::WrongKey)));
        let mut raw = STANDARD.decode(&sealed.0).expect("b64");
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert!(matches!(
            s.open(&Sealed(STANDARD.encode(raw))),
            Err(OpenError::WrongKey)
        ));
        assert!(matches!(
            s.open(&Sealed("short".into())),
            Err(OpenError::Malformed)
        ));
    }

    #[test]
    fn keys_must_be_32_bytes_of_hex() {
        assert!(Secrets::from_hex("abcd").is_err());
        assert!(Secrets::from_hex(&"zz".repeat(32)).is_err());
        assert!(Secrets::from_hex(&"ab".repeat(32)).is_ok());
    }
}
