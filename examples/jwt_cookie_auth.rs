//! Litestar's "Using JWT Cookie Auth" example: login also sets the `token` cookie, and the
//! token is read from the `Authorization` header or else from the cookie.
//!
//! ```sh
//! cargo run --example jwt_cookie_auth
//! curl -i -c jar -X POST localhost:8000/login -H 'content-type: application/json' \
//!   -d '{"id":"6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f","name":"Ada","email":"ada@example.com"}'
//! curl -i -b jar localhost:8000/some-path
//! ```

// `pub(crate)`, here and on `AppState`, the backend and `app`: `tests/kit_examples.rs` tests
// this example's handlers.
pub(crate) mod common;

use std::process::ExitCode;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use common::{AppJson, User, Users};
use jwt_auth::{CurrentToken, CurrentUser, ErrorBody, Login, Token, jwt_auth};
use utoipa::OpenApi;

#[derive(Clone, Default)]
pub(crate) struct AppState {
    pub(crate) users: Users,
}

/// Finds the user a token belongs to. `secure = false` because this example serves plain
/// HTTP on localhost; the default is a `Secure` cookie.
#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "cookie",
    exclude = ["/login", "/schema"],
    secure = false,
)]
pub(crate) fn retrieve_user_handler(token: &Token, state: &AppState) -> Option<User> {
    state.users.get(&token.sub)
}

/// Stores the user and logs them in: 201, the user as body, the header and the cookie.
#[utoipa::path(
    post,
    path = "/login",
    summary = "Log in",
    request_body = User,
    responses(
        (status = 201, description = "Logged in: the user, the token in the header and the cookie", body = User,
            headers(("authorization" = String, description = "`Bearer <jwt>`"),
                ("set-cookie" = String, description = "`token=<jwt>`, HttpOnly, Path=/, SameSite=Lax, Max-Age=86400"))),
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

/// A protected route, reachable with the header or with the cookie alone.
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

/// The example's OpenAPI document, before the backend adds its security.
#[derive(OpenApi)]
#[openapi(
    info(title = "JWT Cookie Auth example", version = "1.0.0"),
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
    let state = AppState::default();
    let app = app(&auth, state.clone()).with_state(state);
    common::exit_code(common::serve(app).await)
}

/// The application: the login, the protected route and `/schema`, behind `auth`'s middleware.
pub(crate) fn app(auth: &RetrieveUserHandler, state: AppState) -> Router<AppState> {
    // The handlers' documents, with the backend's schemes and per-operation requirements.
    let document = auth.openapi(ApiDoc::openapi());
    let app = Router::new()
        .route("/login", post(login_handler))
        .route("/some-path", get(some_route_handler))
        .merge(common::schema_routes(document));
    auth.install(app, state)
}
