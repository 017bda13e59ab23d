//! Personal API keys: `paca_` + 64 hex characters (32 random bytes). Only the SHA-256 of the
//! whole key is stored; the first 8 hex characters are kept for display.

use sha2::{Digest, Sha256};

pub const PREFIX: &str = "paca_";
const HEX_LEN: usize = 64;
const DISPLAY_LEN: usize = 8;

/// A freshly generated key: shown to its owner once.
pub struct GeneratedKey {
    pub key: String,
    pub hash: String,
    pub display_prefix: String,
}

pub fn generate() -> GeneratedKey {
    let bytes: [u8; 32] = rand::random();
    let hex = hex::encode(bytes);
    let key = format!("{PREFIX}{hex}");
    GeneratedKey {
        hash: hash(&key),
        display_prefix: hex[..DISPLAY_LEN].to_owned(),
        key,
    }
}

/// SHA-256 hex of the whole key, as stored.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Whether the string has the shape of a key (cheap check before a database lookup).
pub fn looks_valid(key: &str) -> bool {
    key.strip_prefix(PREFIX)
        .is_some_and(|hex| hex.len() == HEX_LEN && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The prefix of a conversation's own credential.
pub const AGENT_TOKEN_PREFIX: &str = "cvk_";

/// A new conversation credential and the hash it is stored under.
pub fn new_agent_token() -> (String, String) {
    let token = format!(
        "{AGENT_TOKEN_PREFIX}{}",
        hex::encode(rand::random::<[u8; 32]>())
    );
    let hashed = hash(&token);
    (token, hashed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_paca_shape() {
        let k = generate();
        assert!(looks_valid(&k.key));
        assert_eq!(k.key.len(), 5 + 64);
        assert_eq!(k.display_prefix, k.key[5..13]);
        assert_eq!(k.hash, hash(&k.key));
        assert_eq!(k.hash.len(), 64);
        assert_ne!(generate().key, k.key);
    }

    #[test]
    fn rejects_other_shapes() {
        assert!(!looks_valid("paca_123"));
        assert!(!looks_valid(&format!("pacx_{}", "a".repeat(64))));
        assert!(!looks_valid(&format!("paca_{}", "g".repeat(64))));
    }
}
