//! A complete application on jwt-auth: users in SQLite or PostgreSQL with argon2id password
//! hashes, the OAuth2 password grant with refresh tokens (rotated, reuse revokes the family),
//! logout, log out everywhere, notes that only their owner sees (scopes `notes:read` /
//! `notes:write`), and the list of users for the administrators; several instances share token
//! state through Redis. See `examples/app/README.md`.
//!
//! ```sh
//! cargo run -p jwt-auth-app   # http://127.0.0.1:8000/schema
//! ```
//!
//! Environment: `HOST` (default `127.0.0.1`), `PORT` (default `8000`), `JWT_SECRET` (a debug
//! build without it uses a development secret), `DATABASE_URL` (default
//! `sqlite://app.db?mode=rwc`: `app.db` in the working directory, created and migrated on
//! first start; or `postgres://...`), `REDIS_URL` (unset: token state in the database and the
//! failed-login counts in memory; set: both in Redis, shared by every instance),
//! `LOGINS_PER_MINUTE` (default 30) and `REGISTRATIONS_PER_HOUR` (default 20): the per-client
//! quotas; `ADMINS`: the administrators' usernames, separated by commas.

mod admin;
mod client_limits;
// The seed examples' server loop, JSON bodies and `/schema` page, shared as they are.
#[path = "../../common/mod.rs"]
mod common;
mod database;
mod error;
mod hash_pool;
mod notes;
mod password;
mod services;
mod session;
mod throttle;
mod token_store;
mod users;

use std::process::ExitCode;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use client_limits::{ClientLimits, Quotas};
use database::Database;
use hash_pool::HashPool;
use jwt_auth::{Token, jwt_auth};
use services::Services;
use throttle::LoginThrottle;
use token_store::SqlTokens;
use users::User;
use utoipa::OpenApi;

/// What the handlers, the user retrieval and the token store share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database: SQLite or PostgreSQL.
    pub db: Database,
    /// Failed logins per username.
    pub throttle: LoginThrottle,
    /// Password logins and registrations per client address.
    pub limits: ClientLimits,
    /// The threads that hash passwords, one per core.
    pub hasher: HashPool,
}

/// How often the per-client limits forget the clients that have been quiet long enough.
const FORGET_IDLE_CLIENTS_EVERY: Duration = Duration::from_mins(1);

/// Finds the user an access token belongs to. Access tokens live 15 minutes; each login also
/// gets a refresh token of 30 days, single-use; used ones and revocations are kept in the
/// database by [`SqlTokens`], or in Redis with `REDIS_URL` (see `services.rs`).
#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "oauth2_password",
    token_url = "/token",
    expiration = "15m",
    refresh_expiration = "30d",
    token_store = SqlTokens,
    exclude = ["^/register$", "^/token$", "^/schema"],
    oauth_scopes = { "notes:read": "Read your notes", "notes:write": "Write and delete your notes" },
)]
async fn retrieve_user(token: &Token, state: &AppState) -> Result<Option<User>, sqlx::Error> {
    users::find(&state.db, &token.sub).await
}

/// The application's OpenAPI document, before the backend adds its security.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "jwt-auth app",
        version = "1.0.0",
        description = "Users, password login with refresh tokens, logout, and notes. \
            Register with `POST /register`, then use **Authorize** with that username and password."
    ),
    paths(
        users::register,
        session::token,
        session::logout,
        session::logout_everywhere,
        users::me,
        notes::create,
        notes::list,
        notes::get,
        notes::delete,
        admin::users,
    )
)]
struct ApiDoc;

#[tokio::main]
async fn main() -> ExitCode {
    let quotas = match Quotas::from_env() {
        Ok(quotas) => quotas,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let hasher = match HashPool::per_core(password::BLOCKS) {
        Ok(hasher) => hasher,
        Err(error) => {
            eprintln!("cannot start the password hashing threads: {error}");
            return ExitCode::FAILURE;
        }
    };
    let Services { auth, db, throttle } = match Services::connect().await {
        Ok(services) => services,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let state = AppState {
        db,
        throttle,
        limits: ClientLimits::new(quotas),
        hasher,
    };
    let limits = state.limits.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(FORGET_IDLE_CLIENTS_EVERY);
        loop {
            every.tick().await;
            limits.forget_idle();
        }
    });
    let document = auth.openapi(ApiDoc::openapi());
    let app = Router::new()
        .route("/register", post(users::register))
        .route("/token", post(session::token))
        .route("/logout", post(session::logout))
        .route("/logout/everywhere", post(session::logout_everywhere))
        .route("/me", get(users::me))
        .route("/notes", post(notes::create).get(notes::list))
        .route("/notes/{id}", get(notes::get).delete(notes::delete))
        .route("/admin/users", get(admin::users))
        .merge(common::schema_routes(document));
    let app = auth.install(app, state.clone()).with_state(state.clone());
    let result = common::serve(app).await;
    state.db.close().await;
    common::exit_code(result)
}
