//! Litestar's "Using JWT Auth" example: the token travels in the `Authorization` header.
//!
//! ```sh
//! cargo run --example jwt_auth
//! curl -i -X POST localhost:8000/login -H 'content-type: application/json' \
//!   -d '{"id":"6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f","name":"Ada","email":"ada@example.com"}'
//! curl -i localhost:8000/some-path -H "authorization: Bearer <the token from the login>"
//! ```

mod common;

use std::process::ExitCode;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use common::{AppJson, User, Users};
use jwt_auth::{CurrentToken, CurrentUser, ErrorBody, Login, Token, jwt_auth};
use utoipa::OpenApi;

#[derive(Clone, Default)]
struct AppState {
    users: Users,
}

/// Finds the user a token belongs to (the docs' `MOCK_DB.get(token.sub)`); sync or async both
/// work. The attribute turns it into the backend `RetrieveUserHandler`: its constructor,
/// `login()`, and the middleware.
#[jwt_auth(secret = env("JWT_SECRET"), exclude = ["/login", "/schema"])]
fn retrieve_user_handler(token: &Token, state: &AppState) -> Option<User> {
    state.users.get(&token.sub)
}

/// Stores the user and logs them in: 201, the user as body, `Authorization: Bearer <jwt>`.
#[utoipa::path(
    post,
    path = "/login",
    summary = "Log in",
    request_body = User,
    responses(
        (status = 201, description = "Logged in: the user, and the token in the header", body = User,
            headers(("authorization" = String, description = "`Bearer <jwt>`"))),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "The JSON is not a user (a missing field, a bad uuid or email)", body = ErrorBody),
    ),
)]
async fn login_handler(
    auth: RetrieveUserHandler,
    State(state): State<AppState>,
    AppJson(user): AppJson<User>,
) -> Login {
    state.users.insert(user.clone());
    auth.login(user.id.to_string())
        .extra("email", &user.email)
        .body(&user)
}

/// A protected route: the middleware has put the user and the token in the request.
#[utoipa::path(
    get,
    path = "/some-path",
    summary = "The current user",
    responses(
        (status = 200, description = "The user the token belongs to", body = User),
        (status = 401, description = "No valid token", body = ErrorBody,
            headers(("www-authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when a token was sent"))),
    ),
)]
async fn some_route_handler(
    CurrentUser(user): CurrentUser<User>,
    token: CurrentToken,
) -> Json<User> {
    debug_assert_eq!(token.sub, user.id.to_string());
    Json(user)
}

/// BENCHMARK ROUTE, not part of the example: `GET /bench/no-auth/{id}`, the body of
/// `/some-path` without authentication (the same store lookup and JSON), as the ceiling of
/// `bench/http.sh`. It exists only when `JWT_AUTH_BENCH_ROUTE=1`, is added after
/// [`RetrieveUserHandler::install`] (so it is public) and is not in the OpenAPI document.
async fn bench_no_auth_handler(
    Path(id): Path<String>,
    State(state): State<AppState>,
) -> Result<Json<User>, axum::http::StatusCode> {
    state
        .users
        .get(&id)
        .map(Json)
        .ok_or(axum::http::StatusCode::NOT_FOUND)
}

/// BENCHMARK ROUTE, not part of the example: `GET /bench/spin/{id}/{nanoseconds}`, the
/// ceiling's body after spinning for that long (at most 10 µs, what `bench/http.sh` asks): what
/// a fixed amount of server time per request costs there, as a reference for the
/// authentication's. Present only with `JWT_AUTH_BENCH_ROUTE=1`, like the other benchmark
/// routes, which are public: never set it on a server others can reach.
async fn bench_spin_handler(
    Path((id, nanoseconds)): Path<(String, u64)>,
    State(state): State<AppState>,
) -> Result<Json<User>, axum::http::StatusCode> {
    let until =
        std::time::Instant::now() + std::time::Duration::from_nanos(nanoseconds.min(10_000));
    while std::time::Instant::now() < until {
        std::hint::spin_loop();
    }
    bench_no_auth_handler(Path(id), State(state)).await
}

/// BENCHMARK ROUTE, not part of the example: `GET /bench/jsonwebtoken`, the body of
/// `/some-path` behind the obvious hand-written middleware instead of this crate:
/// `jsonwebtoken::decode` of the bearer token on every request (the key built once), then the
/// same store lookup. `bench/http.sh` compares both with the same ceiling, in the same run
/// (the baseline issue 8 starts from). Present only with `JWT_AUTH_BENCH_ROUTE=1`.
mod bench_baseline {
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

/// The example's OpenAPI document, before the backend adds its security.
#[derive(OpenApi)]
#[openapi(
    info(title = "JWT Auth example", version = "1.0.0"),
    paths(login_handler, some_route_handler)
)]
struct ApiDoc;

#[tokio::main]
async fn main() -> ExitCode {
    let auth = match RetrieveUserHandler::new() {
        Ok(auth) => auth,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    // The handlers' documents, with the backend's schemes and per-operation requirements.
    let document = auth.openapi(ApiDoc::openapi());
    let state = AppState::default();
    let app = Router::new()
        .route("/login", post(login_handler))
        .route("/some-path", get(some_route_handler))
        .merge(common::schema_routes(document));
    let mut app = auth.install(app, state.clone());
    if std::env::var_os("JWT_AUTH_BENCH_ROUTE").is_some_and(|value| value == "1") {
        // BENCHMARK ROUTES (see `bench_no_auth_handler`, `bench_baseline`): off unless asked for.
        app = app.route("/bench/no-auth/{id}", get(bench_no_auth_handler));
        app = app.route("/bench/spin/{id}/{nanoseconds}", get(bench_spin_handler));
        let secret = std::env::var("JWT_SECRET").unwrap_or_default();
        app = app.route(
            "/bench/jsonwebtoken",
            get(bench_baseline::handler).layer(axum::middleware::from_fn_with_state(
                bench_baseline::Keys::new(&secret),
                bench_baseline::authenticate,
            )),
        );
    }
    let app = app.with_state(state);
    common::exit_code(common::serve(app).await)
}
