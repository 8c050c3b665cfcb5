//! The database: SQLite (the default, a file created when missing) or PostgreSQL, chosen by
//! `DATABASE_URL`'s scheme, migrated at start.
//!
//! The pool is an enum over the two drivers, [`Database`], and a query is written once inside
//! [`with_driver!`], which expands it for each: every query is compiled and type-checked against
//! both drivers, each driver keeps its own connection options (SQLite's WAL and busy timeout)
//! and native types, and where the dialects differ (a migration, how a write transaction
//! takes its lock) the code says so with a `match`. `sqlx::Any` would have given one pool type
//! but only the types both drivers share, no SQLite options but those of a URL, and the same
//! dialect differences to handle by hand. Queries use `$1`-style parameters, which both drivers
//! read.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// The database when `DATABASE_URL` is unset: `app.db` in the working directory, created on
/// first start.
pub const DEFAULT_URL: &str = "sqlite://app.db?mode=rwc";

/// The connections each instance keeps open, at most.
const MAX_CONNECTIONS: u32 = 8;

/// One value per driver: a pool ([`Database`]) or a transaction.
#[derive(Debug, Clone)]
pub enum Driver<S, P> {
    /// SQLite's.
    Sqlite(S),
    /// PostgreSQL's.
    Postgres(P),
}

/// The pool of the database the application runs on.
pub type Database = Driver<SqlitePool, PgPool>;

/// Evaluates `$body` with `$name` bound to what `$value` (a [`Driver`], or a reference to one)
/// holds, whichever driver it is: the body is written once and compiled for each.
macro_rules! with_driver {
    ($value:expr, $name:ident => $body:expr) => {
        match $value {
            $crate::database::Driver::Sqlite($name) => $body,
            $crate::database::Driver::Postgres($name) => $body,
        }
    };
}
pub(crate) use with_driver;

impl Database {
    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        with_driver!(self, pool => pool.close().await);
    }
}

/// The migrations, compiled into the binary: nothing to install or copy next to it. The same
/// versions and descriptions in each dialect; sqlx records them (with a checksum of their SQL)
/// in `_sqlx_migrations`.
const SQLITE_MIGRATIONS: [(i64, &str, &str); 2] = [
    (
        1,
        "users notes tokens",
        include_str!("../migrations/0001_users_notes_tokens.sql"),
    ),
    (
        2,
        "bounded token records",
        include_str!("../migrations/0002_bounded_token_records.sql"),
    ),
];

/// [`SQLITE_MIGRATIONS`] in PostgreSQL's dialect.
const POSTGRES_MIGRATIONS: [(i64, &str, &str); 2] = [
    (
        1,
        "users notes tokens",
        include_str!("../migrations/postgres/0001_users_notes_tokens.sql"),
    ),
    (
        2,
        "bounded token records",
        include_str!("../migrations/postgres/0002_bounded_token_records.sql"),
    ),
];

/// Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`); anything else
/// is taken for SQLite.
fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Opens the database named by `url` and applies the migrations it lacks: SQLite (created when
/// missing, in WAL mode with foreign keys on) or PostgreSQL (the database must exist; several
/// instances starting at once take turns on sqlx's migration lock).
pub async fn open(url: &str) -> Result<Database, BoxDynError> {
    if is_postgres(url) {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect(url)
            .await?;
        Migrator::new(Embedded(&POSTGRES_MIGRATIONS))
            .await?
            .run(&pool)
            .await?;
        return Ok(Driver::Postgres(pool));
    }
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // Durable across a crash of the process; in WAL mode only a power loss may cost the
        // last commits.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // Writers queue behind each other instead of failing with "database is locked".
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .connect_with(options)
        .await?;
    Migrator::new(Embedded(&SQLITE_MIGRATIONS))
        .await?
        .run(&pool)
        .await?;
    Ok(Driver::Sqlite(pool))
}

/// Migrations compiled in, as a source for sqlx's migrator.
#[derive(Debug)]
struct Embedded(&'static [(i64, &'static str, &'static str)]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        let migrations = self
            .0
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            })
            .collect();
        Box::pin(std::future::ready(Ok(migrations)))
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_dialects_have_the_same_migration_versions_and_descriptions() {
        let names = |migrations: &[(i64, &'static str, &str)]| {
            migrations
                .iter()
                .map(|&(version, description, _)| (version, description))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&SQLITE_MIGRATIONS), names(&POSTGRES_MIGRATIONS));
    }

    #[test]
    fn postgres_urls_are_told_from_sqlite_ones() {
        assert!(is_postgres("postgres://app@127.0.0.1:5432/app"));
        assert!(is_postgres("postgresql://localhost/app"));
        assert!(!is_postgres(DEFAULT_URL));
        assert!(!is_postgres("sqlite::memory:"));
    }
}
