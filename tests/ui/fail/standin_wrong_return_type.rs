//! A function of the wrong shape, with a handler and `main` that name the generated type
//! through glob imports from other modules: the shape is the only error, because a stand-in for
//! the type is generated with it (the state type as written, the user type left as `()`).

mod auth {
    use jwt_auth::{Token, jwt_auth};

    #[derive(Clone)]
    pub struct User;

    #[derive(Clone)]
    pub struct AppState;

    #[jwt_auth(secret = env("JWT_SECRET"))]
    pub async fn retrieve_user(token: &Token, state: &AppState) -> User {
        let _ = (token, state);
        User
    }
}

mod handlers {
    use axum::response::IntoResponse;

    use crate::auth::*;

    pub async fn login(auth: RetrieveUser) -> impl IntoResponse {
        auth.login("user-1")
    }
}

use auth::*;
use axum::Router;
use axum::routing::post;

fn main() {
    let auth = RetrieveUser::new().unwrap();
    let app: Router = auth
        .install(Router::new().route("/login", post(handlers::login)), AppState)
        .with_state(());
    let _ = app;
}
