//! The SQLite database: opened (created when missing) from `DATABASE_URL` and migrated at start.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// The database when `DATABASE_URL` is unset: `app.db` in the working directory, created on
/// first start.
pub const DEFAULT_URL: &str = "sqlite://app.db?mode=rwc";

/// The migrations, compiled into the binary: nothing to install or copy next to it.
const MIGRATIONS: [(i64, &str, &str); 2] = [
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

/// Opens the database named by `url` (created when missing), in WAL mode with foreign keys
/// on, and applies the migrations it lacks.
pub async fn open(url: &str) -> Result<SqlitePool, BoxDynError> {
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
        .max_connections(8)
        .connect_with(options)
        .await?;
    Migrator::new(Embedded).await?.run(&pool).await?;
    Ok(pool)
}

/// [`MIGRATIONS`] as a source for sqlx's migrator, which records them in `_sqlx_migrations`.
#[derive(Debug)]
struct Embedded;

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        let migrations = MIGRATIONS
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
