//! The server of `bench/http.sh`: the `jwt_auth` example's application, compiled from the
//! example's own file (the same `#[jwt_auth]` backend, handlers and routes), with public
//! benchmark routes beside it. Never serve it where others can reach it: those routes answer
//! a user's data without authentication.
//!
//! ```sh
//! JWT_SECRET=... cargo run --release --example bench_server   # HOST and PORT as the example's
//! ```
//!
//! - `GET /bench/no-auth/{id}`: the body of `/some-path` without authentication (the same store
//!   lookup and JSON), the ceiling the load test compares the protected route with;
//! - `GET /bench/spin/{id}/{nanoseconds}`: the same body after spinning for that long (at most
//!   10 µs): what a fixed amount of server time per request costs on the harness, as a
//!   reference for the authentication's;
//! - `GET /bench/jsonwebtoken`: the same body behind the obvious hand-written middleware instead
//!   of this crate, `jsonwebtoken::decode` of the bearer token on every request (the key built
//!   once): the starting point the crate's speed is judged against, measured in the same run;
//! - `GET /bench/protected` and `GET /bench/guarded`: the protected route's body behind the
//!   example's layer, the second also guarded by the scope `bench:read` (the guard
//!   `#[requires(..., scope = "bench:read")]` writes, by hand since the example declares no
//!   scopes): what a guard costs, the same token sent to both.

// The example's `main` is not this program's.
#[allow(dead_code)]
#[path = "../examples/jwt_auth.rs"]
mod example;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use example::AppState;
use example::common::{self, User};
use jwt_auth::{AuthError, CurrentUser, Guard, Guarded, Token};

/// `GET /bench/no-auth/{id}`: the protected route's body, without authentication.
async fn no_auth_handler(
    Path(id): Path<String>,
    State(state): State<AppState>,
) -> Result<Json<User>, StatusCode> {
    state.users.get(&id).map(Json).ok_or(StatusCode::NOT_FOUND)
}

/// `GET /bench/spin/{id}/{nanoseconds}`: [`no_auth_handler`] after spinning for at most 10 µs.
async fn spin_handler(
    Path((id, nanoseconds)): Path<(String, u64)>,
    State(state): State<AppState>,
) -> Result<Json<User>, StatusCode> {
    let until = Instant::now() + Duration::from_nanos(nanoseconds.min(10_000));
    while Instant::now() < until {
        std::hint::spin_loop();
    }
    no_auth_handler(Path(id), State(state)).await
}

/// `GET /bench/jsonwebtoken`: the protected route's body behind a hand-written middleware.
mod baseline {
    use axum::extract::{Request, State};
    use axum::http::{StatusCode, header};
    use axum::middleware::Next;
    use axum::response::{IntoResponse, Response};
    use axum::{Extension, Json};
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    use serde::Deserialize;

    use super::{AppState, User};

    /// The keys, built once.
    #[derive(Clone)]
    pub struct Keys {
        key: DecodingKey,
        validation: Validation,
    }

    impl Keys {
        pub fn new(secret: &str) -> Self {
            let mut validation = Validation::new(Algorithm::HS256);
            validation.set_required_spec_claims(&["exp", "sub"]);
            Self {
                key: DecodingKey::from_secret(secret.as_bytes()),
                validation,
            }
        }
    }

    #[derive(Deserialize)]
    struct Claims {
        sub: String,
    }

    /// The hand-written middleware: a 401 unless the bearer token decodes.
    pub async fn authenticate(
        State(keys): State<Keys>,
        mut request: Request,
        next: Next,
    ) -> Response {
        let token = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        let Some(token) = token else {
            return StatusCode::UNAUTHORIZED.into_response();
        };
        match jsonwebtoken::decode::<Claims>(token, &keys.key, &keys.validation) {
            Ok(data) => {
                request.extensions_mut().insert(data.claims.sub);
                next.run(request).await
            }
            Err(_) => StatusCode::UNAUTHORIZED.into_response(),
        }
    }

    pub async fn handler(
        Extension(sub): Extension<String>,
        State(state): State<AppState>,
    ) -> Result<Json<User>, StatusCode> {
        state
            .users
            .get(&sub)
            .map(Json)
            .ok_or(StatusCode::UNAUTHORIZED)
    }
}

/// One scope of the token, as `#[requires(..., scope = "bench:read")]` checks it.
struct ReadsBench;

impl Guard for ReadsBench {
    type User = User;
    type Claims = jwt_auth::Extras;

    async fn check(_user: &User, token: &Token) -> Result<(), AuthError> {
        if token.has_scope("bench:read") {
            Ok(())
        } else {
            Err(AuthError::InsufficientScope {
                scope: "bench:read",
            })
        }
    }
}

/// `GET /bench/protected`: the protected route's body, behind the layer.
async fn protected_handler(CurrentUser(user): CurrentUser<User>) -> Json<User> {
    Json(user)
}

/// `GET /bench/guarded`: [`protected_handler`], guarded by [`ReadsBench`].
async fn guarded_handler(_: Guarded<ReadsBench>, user: CurrentUser<User>) -> Json<User> {
    protected_handler(user).await
}

/// The benchmark routes, public: added after the example's application has been installed.
fn bench_routes(app: Router<AppState>, secret: &str) -> Router<AppState> {
    let authenticate =
        axum::middleware::from_fn_with_state(baseline::Keys::new(secret), baseline::authenticate);
    app.route("/bench/no-auth/{id}", get(no_auth_handler))
        .route("/bench/spin/{id}/{nanoseconds}", get(spin_handler))
        .route(
            "/bench/jsonwebtoken",
            get(baseline::handler).layer(authenticate),
        )
}

/// The example's backend; with the `redis` feature and `REDIS_URL`, its token state in Redis,
/// so that the load test shows what the shared store costs a request (its local view, no
/// round trip).
#[cfg_attr(
    not(feature = "redis"),
    expect(clippy::unused_async, reason = "awaits only when connecting to Redis")
)]
async fn backend() -> Result<example::RetrieveUserHandler, String> {
    #[cfg(feature = "redis")]
    if let Some(url) = std::env::var("REDIS_URL")
        .ok()
        .filter(|url| !url.is_empty())
    {
        let store = jwt_auth::RedisStore::builder(url)
            .prefix("bench:")
            .connect()
            .await
            .map_err(|error| format!("cannot use Redis: {error}"))?;
        let built = example::RetrieveUserHandler::builder()
            .token_store(store)
            .build()
            .map_err(|error| error.to_string())?;
        eprintln!("token state in Redis");
        return Ok(example::RetrieveUserHandler::from(built));
    }
    example::RetrieveUserHandler::new().map_err(|error| error.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let auth = match backend().await {
        Ok(auth) => auth,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let state = AppState::default();
    let app = example::app(&auth, state.clone());
    let guarded = Router::new()
        .route("/bench/protected", get(protected_handler))
        .route("/bench/guarded", get(guarded_handler));
    let app = app.merge(auth.install(guarded, state.clone()));
    // The example's backend read the same variable (or made up a development secret, which
    // the baseline cannot share: `bench/http.sh` always sets it).
    let secret = std::env::var("JWT_SECRET").unwrap_or_default();
    let app = bench_routes(app, &secret).with_state(state);
    common::exit_code(common::serve(app).await)
}
