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
//!   once): the starting point the crate's speed is judged against, measured in the same run.

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

#[tokio::main]
async fn main() -> ExitCode {
    let auth = match example::RetrieveUserHandler::new() {
        Ok(auth) => auth,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let state = AppState::default();
    let app = example::app(&auth, state.clone());
    // The example's backend read the same variable (or made up a development secret, which
    // the baseline cannot share: `bench/http.sh` always sets it).
    let secret = std::env::var("JWT_SECRET").unwrap_or_default();
    let app = bench_routes(app, &secret).with_state(state);
    common::exit_code(common::serve(app).await)
}
