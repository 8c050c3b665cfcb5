//! The generated type as an axum extractor in a login handler.

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use jwt_auth::{CurrentUser, Token, jwt_auth};

#[derive(Clone, serde::Serialize)]
struct User {
    id: String,
}

#[derive(Clone, Default)]
struct AppState;

#[jwt_auth(secret = env("JWT_SECRET"), flow = "cookie", exclude = "^/login$")]
async fn retrieve_user(token: &Token, state: &AppState) -> Option<User> {
    let _ = state;
    Some(User { id: token.sub.clone() })
}

async fn login(auth: RetrieveUser) -> impl IntoResponse {
    auth.login("user-1")
}

async fn logout(auth: RetrieveUser) -> impl IntoResponse {
    auth.logout()
}

async fn me(CurrentUser(user): CurrentUser<User>) -> axum::Json<User> {
    axum::Json(user)
}

fn main() {
    let auth = RetrieveUser::new().unwrap();
    let state = AppState;
    let app: Router = auth
        .install(
            Router::new()
                .route("/login", post(login))
                .route("/logout", post(logout))
                .route("/me", get(me)),
            state.clone(),
        )
        .with_state(state);
    let _ = app;
}
