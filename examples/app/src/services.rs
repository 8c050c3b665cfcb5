//! The services the application runs on, named by the environment: the database
//! (`DATABASE_URL`: SQLite, the default, or PostgreSQL) and, with `REDIS_URL`, Redis for what
//! several instances serving the application must share at once: the token store's records
//! (`jwt_auth::RedisStore`: a refresh spent on one instance is a reuse on every other, and each
//! instance answers authenticated requests from its local view of what is revoked) and the
//! failed-login counts. The per-client quotas stay per instance.
//!
//! Without `REDIS_URL` the token store is the database's ([`SqlTokens`](crate::token_store::SqlTokens),
//! asked on every authenticated request) and the failed-login counts are in memory.

use jwt_auth::RedisStore;

use crate::RetrieveUser;
use crate::database::{self, Database};
use crate::throttle::LoginThrottle;

/// The variable naming the database.
pub const DATABASE_VAR: &str = "DATABASE_URL";
/// The variable naming the Redis that instances share.
pub const REDIS_VAR: &str = "REDIS_URL";
/// The prefix of the application's keys and channels in Redis.
pub const KEY_PREFIX: &str = "jwt-auth-app:";

/// The backend and the services, connected.
pub struct Services {
    /// The authentication backend, with its token store.
    pub auth: RetrieveUser,
    /// The database, migrated.
    pub db: Database,
    /// The failed-login counts.
    pub throttle: LoginThrottle,
}

impl Services {
    /// Reads the environment, connects to Redis (when named; it must answer, the view of
    /// revocations in sync) and opens the database. The error says what failed, without the
    /// URLs' passwords.
    pub async fn connect() -> Result<Self, String> {
        let redis = std::env::var(REDIS_VAR).ok().filter(|url| !url.is_empty());
        let mut backend = RetrieveUser::builder();
        let mut throttle = LoginThrottle::default();
        if let Some(url) = &redis {
            if std::env::var_os("JWT_SECRET").is_none() {
                return Err(format!(
                    "{REDIS_VAR} is set but JWT_SECRET is not: instances sharing Redis must \
                     share the secret too"
                ));
            }
            let store = RedisStore::builder(url)
                .prefix(KEY_PREFIX)
                .connect()
                .await
                .map_err(|error| format!("cannot use Redis at {}: {error}", redacted(url)))?;
            backend = backend.token_store(store);
            throttle = LoginThrottle::redis(url, KEY_PREFIX)
                .map_err(|error| format!("cannot use Redis at {}: {error}", redacted(url)))?;
        }
        let auth = RetrieveUser::from(backend.build().map_err(|error| error.to_string())?);
        let url = std::env::var(DATABASE_VAR).unwrap_or_else(|_| database::DEFAULT_URL.to_owned());
        let db = database::open(&url)
            .await
            .map_err(|error| format!("cannot open the database {}: {error}", redacted(&url)))?;
        Ok(Self { auth, db, throttle })
    }
}

/// `url` without its password, for messages: `scheme://user:secret@host/...` gives
/// `scheme://user:***@host/...`.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    let user = rest[..at].split(':').next().unwrap_or_default();
    format!("{scheme}://{user}:***@{}", &rest[at + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_show_a_password() {
        assert_eq!(
            redacted("postgres://app:s3cret@db:5432/app"),
            "postgres://app:***@db:5432/app"
        );
        assert_eq!(
            redacted("redis://:s3cret@127.0.0.1:6379/0"),
            "redis://:***@127.0.0.1:6379/0"
        );
        assert_eq!(
            redacted("sqlite://app.db?mode=rwc"),
            "sqlite://app.db?mode=rwc"
        );
        assert_eq!(redacted("redis://cache/"), "redis://cache/");
    }
}
