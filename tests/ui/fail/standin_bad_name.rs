//! `name` written as a string, with a handler and `main` that name the type it spells through
//! glob imports from other modules: the value is the only error, because a stand-in of that
//! name is generated with it.

mod auth {
    use jwt_auth::{Token, jwt_auth};

    #[derive(Clone)]
    pub struct User;

    #[jwt_auth(secret = env("JWT_SECRET"), name = "Auth")]
    pub async fn retrieve_user(token: &Token) -> Option<User> {
        let _ = token;
        Some(User)
    }
}

mod handlers {
    use axum::response::IntoResponse;

    use crate::auth::*;

    pub async fn login(auth: Auth) -> impl IntoResponse {
        auth.login("user-1")
    }
}

use auth::*;
use axum::Router;
use axum::routing::post;

fn main() {
    let auth = Auth::new().unwrap();
    let app: Router = auth
        .install(Router::new().route("/login", post(handlers::login)), ())
        .with_state(());
    let _ = app;
}
