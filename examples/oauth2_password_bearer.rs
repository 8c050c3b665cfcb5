//! Litestar's "Using OAUTH2 Bearer Password" example: login answers with the OAuth2 token body
//! (and sets the header and the cookie too); the token is read from the header or the cookie.
//!
//! ```sh
//! cargo run --example oauth2_password_bearer
//! curl -i -X POST localhost:8000/login -H 'content-type: application/json' \
//!   -d '{"id":"6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f","name":"Ada","email":"ada@example.com"}'
//! curl -i localhost:8000/some-path -H "authorization: Bearer <access_token>"
//! ```

// `pub(crate)`, here and on `AppState`, the backend and `app`: `tests/kit_examples.rs` tests
// this example's handlers.
pub(crate) mod common;

use std::process::ExitCode;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use common::{AppJson, User, Users};
use jwt_auth::{CurrentToken, CurrentUser, ErrorBody, Login, OAuth2Login, Token, jwt_auth};
use utoipa::OpenApi;

#[derive(Clone, Default)]
pub(crate) struct AppState {
    pub(crate) users: Users,
}

/// Finds the user a token belongs to. Litestar's example excludes `["/login", "/schema"]` and
/// reaches `/login_custom` only because its patterns are searched in the path, which also
/// excludes `/admin/login-history`; here a path excludes its route and those under it, so the
/// second login route is named.
#[jwt_auth(secret = env("JWT_SECRET"), exclude = ["/login", "/login_custom", "/schema"], flow = "oauth2_password", token_url = "/login")]
pub(crate) fn retrieve_user_handler(token: &Token, state: &AppState) -> Option<User> {
    state.users.get(&token.sub)
}

/// Without a body of its own, login answers with the standard OAuth2 token body:
/// `{"access_token", "token_type": "bearer", "refresh_token": null, "expires_in": 86400}`.
#[utoipa::path(
    post,
    path = "/login",
    summary = "Log in (OAuth2 token body)",
    request_body = User,
    responses(
        (status = 201, description = "Logged in: the OAuth2 token body, the token in the header and the cookie", body = OAuth2Login,
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
    auth.login(user.id.to_string()).extra("email", &user.email)
}

/// The same login with the user as the body.
#[utoipa::path(
    post,
    path = "/login_custom",
    summary = "Log in (the user as body)",
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
async fn login_custom_response_handler(
    auth: RetrieveUserHandler,
    State(state): State<AppState>,
    AppJson(user): AppJson<User>,
) -> Login {
    state.users.insert(user.clone());
    auth.login(user.id.to_string())
        .extra("email", &user.email)
        .body(&user)
}

/// A protected route.
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
    info(title = "OAuth2 Password Bearer example", version = "1.0.0"),
    paths(login_handler, login_custom_response_handler, some_route_handler)
)]
struct ApiDoc;

#[tokio::main]
async fn main() -> ExitCode {
    // The attribute is the one from the request; the cookie's `Secure` attribute (on by default)
    // is turned off here because this example serves plain HTTP on localhost.
    let auth = match RetrieveUserHandler::builder().cookie_secure(false).build() {
        Ok(auth) => RetrieveUserHandler(auth),
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let state = AppState::default();
    let app = app(&auth, state.clone()).with_state(state);
    common::exit_code(common::serve(app).await)
}

/// The application: the two logins, the protected route and `/schema`, behind `auth`'s
/// middleware.
pub(crate) fn app(auth: &RetrieveUserHandler, state: AppState) -> Router<AppState> {
    // The handlers' documents, with the backend's schemes and per-operation requirements.
    let document = auth.openapi(ApiDoc::openapi());
    let app = Router::new()
        .route("/login", post(login_handler))
        .route("/login_custom", post(login_custom_response_handler))
        .route("/some-path", get(some_route_handler))
        .merge(common::schema_routes(document));
    auth.install(app, state)
}
