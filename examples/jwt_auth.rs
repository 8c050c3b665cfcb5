//! Litestar's "Using JWT Auth" example: the token travels in the `Authorization` header.
//!
//! ```sh
//! cargo run --example jwt_auth
//! curl -i -X POST localhost:8000/login -H 'content-type: application/json' \
//!   -d '{"id":"6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f","name":"Ada","email":"ada@example.com"}'
//! curl -i localhost:8000/some-path -H "authorization: Bearer <the token from the login>"
//! ```

// `pub(crate)`, here and on `AppState`, the backend and `app`: `bench/server.rs` includes this
// file as a module and serves the same application beside its benchmark routes, and
// `tests/kit_examples.rs` tests its handlers.
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

/// Finds the user a token belongs to (the docs' `MOCK_DB.get(token.sub)`); sync or async both
/// work. The attribute turns it into the backend `RetrieveUserHandler`: its constructor,
/// `login()`, and the middleware.
#[jwt_auth(secret = env("JWT_SECRET"), exclude = ["/login", "/schema"])]
pub(crate) fn retrieve_user_handler(token: &Token, state: &AppState) -> Option<User> {
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

/// The example's OpenAPI document, before the backend adds its security.
#[derive(OpenApi)]
#[openapi(
    info(title = "JWT Auth example", version = "1.0.0"),
    paths(login_handler, some_route_handler)
)]
struct ApiDoc;

/// The application: the login, the protected route and `/schema`, every route but the
/// excluded ones behind `auth`'s middleware. Routes added to the result are public.
pub(crate) fn app(auth: &RetrieveUserHandler, state: AppState) -> Router<AppState> {
    // The handlers' documents, with the backend's schemes and per-operation requirements.
    let document = auth.openapi(ApiDoc::openapi());
    let app = Router::new()
        .route("/login", post(login_handler))
        .route("/some-path", get(some_route_handler))
        .merge(common::schema_routes(document));
    auth.install(app, state)
}

#[tokio::main]
async fn main() -> ExitCode {
    // Reads `JWT_SECRET`.
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
