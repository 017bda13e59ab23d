//! Password hashing with argon2id (Paca uses bcrypt). Hashing is CPU-bound, so it runs on the
//! blocking pool and never stalls the async workers.

use crate::error::{Error, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// A PHC string (`$argon2id$v=19$...`) for the password.
pub async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("hashing password: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("hashing task: {e}")))?
}

/// Whether the password matches the stored hash. A malformed hash (for example `!`, which
/// marks accounts that cannot log in) never matches.
pub async fn verify(password: &str, stored: &str) -> Result<bool> {
    let password = password.to_owned();
    let stored = stored.to_owned();
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(|e| Error::Internal(format!("verifying task: {e}")))
}

/// A hash nobody can log in with, used to spend the same time on unknown usernames as on known
/// ones so that timing does not tell which usernames exist.
pub const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0VtUe3y+DUMD2Am9eXuCUSXuJIgv8r/5kr7DkkwkBvU";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let a = hash("correct horse").await.expect("hash");
        let b = hash("correct horse").await.expect("hash");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(verify("correct horse", &a).await.expect("verify"));
        assert!(!verify("wrong horse", &a).await.expect("verify"));
        assert!(!verify("anything", "!").await.expect("verify"));
        assert!(!verify("anything", DECOY_HASH).await.expect("verify"));
    }
}
