//! Passwords: what counts as weak, and argon2id hashing and verification on the
//! [`HashPool`]'s threads, each of which fills the same memory for every hash.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, Output, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use jwt_auth::BoxError;

use crate::hash_pool::{HashPool, PoolError};

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

/// The argon2 memory of one hash with the stored parameters (m=19456 KiB): what each
/// hashing thread allocates once.
pub const BLOCKS: usize = Params::DEFAULT.block_count();

/// Why a password could not be hashed or checked.
#[derive(Debug)]
pub enum HashError {
    /// The hashing threads and their queue are full: try again in a second (503).
    Busy,
    /// The hash is malformed, or hashing failed (500).
    Failed(BoxError),
}

impl From<PoolError> for HashError {
    fn from(error: PoolError) -> Self {
        match error {
            PoolError::Busy => Self::Busy,
            PoolError::Stopped => Self::Failed("the password hasher stopped".into()),
        }
    }
}

/// The argon2id PHC string of `password`, with a random salt.
pub async fn hash(pool: &HashPool, password: String) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    pool.run(move |memory| hash_in(memory, password.as_bytes(), &salt))
        .await?
        .map_err(|error| HashError::Failed(error.into()))
}

/// Whether `password` matches `hash`; with no hash (an unknown user) the dummy hash is
/// checked instead and the answer is `false`, in the same time. A password longer than
/// [`MAX_CHARS`] (which no stored one is) is `false` at once, without hashing.
pub async fn verify(
    pool: &HashPool,
    password: String,
    hash: Option<String>,
) -> Result<bool, HashError> {
    if password.chars().count() > MAX_CHARS {
        return Ok(false);
    }
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
    let matches = pool
        .run(move |memory| verify_in(memory, password.as_bytes(), &hash))
        .await?
        .map_err(|error| HashError::Failed(error.into()))?;
    Ok(known && matches)
}

/// The PHC string of argon2id with the default parameters (m=19456 KiB, t=2, p=1, 32 bytes), as
/// `Argon2::default().hash_password` makes it, computed in `memory`.
fn hash_in(
    memory: &mut [Block],
    password: &[u8],
    salt: &SaltString,
) -> password_hash::Result<String> {
    let argon2 = Argon2::default();
    let mut salt_bytes = [0; Salt::MAX_LENGTH];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let mut output = [0; Params::DEFAULT_OUTPUT_LEN];
    argon2.hash_password_into_with_memory(password, salt_bytes, &mut output, memory)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: argon2.params().try_into()?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output)?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `phc` (any argon2 variant, version and parameters
/// whose memory fits in `memory`), computed in `memory` and compared in constant time, as
/// `Argon2::default().verify_password` does.
fn verify_in(memory: &mut [Block], password: &[u8], phc: &str) -> password_hash::Result<bool> {
    let parsed = PasswordHash::new(phc)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(password_hash::Error::PhcStringField);
    };
    let version = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from)?;
    let argon2 = Argon2::new(
        Algorithm::try_from(parsed.algorithm)?,
        version,
        Params::try_from(&parsed)?,
    );
    let mut salt_bytes = [0; Salt::MAX_LENGTH];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let mut output = [0; Output::MAX_LENGTH];
    let output = &mut output[..expected.len()];
    argon2.hash_password_into_with_memory(password, salt_bytes, output, memory)?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(output)? == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};
    use proptest::prelude::*;
    use std::num::NonZeroUsize;

    /// The argon2 crate's own hashing and verification, each allocating its memory: the
    /// reference that `hash_in` and `verify_in` must agree with.
    fn reference_hash(password: &[u8], salt: &SaltString) -> String {
        Argon2::default()
            .hash_password(password, salt)
            .unwrap()
            .to_string()
    }

    fn reference_verify(password: &[u8], phc: &str) -> bool {
        let parsed = PasswordHash::new(phc).unwrap();
        Argon2::default().verify_password(password, &parsed).is_ok()
    }

    fn memory() -> Vec<Block> {
        vec![Block::default(); BLOCKS]
    }

    #[test]
    fn the_dummy_hash_has_the_parameters_of_real_hashes() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        let real = hash_in(&mut memory(), b"password", &salt).unwrap();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params);
        assert_eq!(
            dummy.hash.map(|hash| hash.len()),
            real.hash.map(|hash| hash.len())
        );
    }

    proptest! {
        // Each case runs argon2 (19 MiB, two passes) six times.
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// One memory reused across hashes gives the reference's PHC strings and answers.
        #[test]
        fn reused_memory_agrees_with_the_argon2_crate(
            password in "\\PC{0,40}",
            other in "\\PC{0,40}",
        ) {
            let mut memory = memory();
            let salt = SaltString::generate(&mut OsRng);
            let ours = hash_in(&mut memory, password.as_bytes(), &salt).unwrap();
            prop_assert_eq!(&ours, &reference_hash(password.as_bytes(), &salt));
            prop_assert!(verify_in(&mut memory, password.as_bytes(), &ours).unwrap());
            let salt = SaltString::generate(&mut OsRng);
            let theirs = reference_hash(password.as_bytes(), &salt);
            prop_assert!(verify_in(&mut memory, password.as_bytes(), &theirs).unwrap());
            prop_assert_eq!(
                verify_in(&mut memory, other.as_bytes(), &theirs).unwrap(),
                reference_verify(other.as_bytes(), &theirs)
            );
            prop_assert_eq!(password == other, reference_verify(other.as_bytes(), &theirs));
        }
    }

    #[test]
    fn other_argon2_variants_and_parameters_are_verified_too() {
        let mut memory = memory();
        let salt = SaltString::generate(&mut OsRng);
        let params = Params::new(4096, 3, 1, Some(64)).unwrap();
        for algorithm in [Algorithm::Argon2i, Algorithm::Argon2d, Algorithm::Argon2id] {
            let phc = Argon2::new(algorithm, Version::V0x10, params.clone())
                .hash_password(b"correct horse", &salt)
                .unwrap()
                .to_string();
            assert!(verify_in(&mut memory, b"correct horse", &phc).unwrap());
            assert!(!verify_in(&mut memory, b"correct horsf", &phc).unwrap());
        }
        assert!(verify_in(&mut memory, b"x", "not a PHC string").is_err());
        // More memory than a hashing thread has: an error, not a wrong password.
        let big = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(Params::DEFAULT_M_COST * 2, 1, 1, None).unwrap(),
        )
        .hash_password(b"x", &salt)
        .unwrap()
        .to_string();
        assert!(verify_in(&mut memory, b"x", &big).is_err());
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let pool = HashPool::start(NonZeroUsize::MIN, 1, BLOCKS).unwrap();
        let hash = hash(&pool, "correct horse".to_owned()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify(&pool, "correct horse".to_owned(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify(&pool, "correct horsf".to_owned(), Some(hash))
                .await
                .unwrap()
        );
        assert!(!verify(&pool, "anything".to_owned(), None).await.unwrap());
    }

    #[tokio::test]
    async fn a_too_long_password_is_refused_without_hashing() {
        let pool = HashPool::start(NonZeroUsize::MIN, 1, BLOCKS).unwrap();
        let stored = hash(&pool, "correct horse".to_owned()).await.unwrap();
        // Two jobs wait at a gate: one holds the only thread, one the only place in the queue;
        // any hash now is refused as busy.
        let gate = std::sync::Arc::new(tokio::sync::RwLock::new(()));
        let closed = gate.write().await;
        let running = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let occupy = || {
            let (pool, gate, running) = (
                pool.clone(),
                std::sync::Arc::clone(&gate),
                std::sync::Arc::clone(&running),
            );
            tokio::spawn(async move {
                pool.run(move |_| {
                    running.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    drop(gate.blocking_read());
                })
                .await
            })
        };
        let mut held = vec![occupy()];
        while running.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        held.push(occupy());
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        let short = verify(&pool, "correct horse".to_owned(), Some(stored.clone())).await;
        assert!(matches!(short, Err(HashError::Busy)), "{short:?}");
        let long = "x".repeat(MAX_CHARS + 1);
        for hash in [Some(stored), None] {
            let refused = verify(&pool, long.clone(), hash).await;
            assert!(matches!(refused, Ok(false)), "{refused:?}");
        }
        drop(closed);
        for job in held {
            assert_eq!(job.await.unwrap(), Ok(()));
        }
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
