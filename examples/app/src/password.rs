//! Passwords: what counts as weak, and argon2id hashing and verification, run on the blocking
//! pool so that the ~50 ms of work per call never stalls the async workers.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use jwt_auth::BoxError;

/// The fewest characters (Unicode scalar values) a password may have.
pub const MIN_CHARS: usize = 8;
/// The most characters a password may have: hashing cost grows with the length.
pub const MAX_CHARS: usize = 128;

/// The argon2id hash (default parameters: m=19456 KiB, t=2, p=1, as every stored hash) of a
/// random password nobody knows. A login for an unknown username is verified against it, so
/// that it takes as long as a wrong password for a known one.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$a5EssSPbpPUaKYLr9ZltTg$XBrRlgSyy0P+JUHCbEC5IWTJDCNL+aWs1FQd0fPPayQ";

/// Why a password is refused, or `None`: it must have [`MIN_CHARS`] to [`MAX_CHARS`]
/// characters and differ from the username (ignoring case).
pub fn weakness(username: &str, password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars == 0 {
        Some("the password is empty".to_owned())
    } else if chars < MIN_CHARS {
        Some(format!(
            "the password is too weak: it needs at least {MIN_CHARS} characters"
        ))
    } else if chars > MAX_CHARS {
        Some(format!(
            "the password is too long: at most {MAX_CHARS} characters"
        ))
    } else if password.to_lowercase() == username.to_lowercase() {
        Some("the password is too weak: it is the username".to_owned())
    } else {
        None
    }
}

/// The argon2id PHC string of `password`, with a random salt.
pub async fn hash(password: String) -> Result<String, BoxError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(BoxError::from)
    })
    .await?
}

/// Whether `password` matches `hash`; with no hash (an unknown user) the dummy hash is
/// checked instead and the answer is `false`, in the same time.
pub async fn verify(password: String, hash: Option<String>) -> Result<bool, BoxError> {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.as_deref().unwrap_or(DUMMY_HASH);
        let parsed = PasswordHash::new(hash).map_err(BoxError::from)?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_has_the_parameters_of_real_hashes() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        let real = Argon2::default().hash_password(b"password", &salt).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params);
        assert_eq!(
            dummy.hash.map(|hash| hash.len()),
            real.hash.map(|hash| hash.len())
        );
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash("correct horse".to_owned()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify("correct horse".to_owned(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("correct horsf".to_owned(), Some(hash))
                .await
                .unwrap()
        );
        assert!(!verify("anything".to_owned(), None).await.unwrap());
    }

    #[test]
    fn weak_passwords_are_named() {
        assert!(weakness("ada", "").unwrap().contains("empty"));
        assert!(weakness("ada", "1234567").unwrap().contains("at least 8"));
        assert!(
            weakness("ada", &"x".repeat(129))
                .unwrap()
                .contains("at most 128")
        );
        assert!(
            weakness("adalovelace", "AdaLovelace")
                .unwrap()
                .contains("username")
        );
        assert_eq!(weakness("ada", "12345678"), None);
        // Characters, not bytes.
        assert_eq!(weakness("ada", "ééééééé").map(|_| ()), Some(()));
    }
}
