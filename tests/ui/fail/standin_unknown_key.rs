//! A misspelt key, with handlers and `main` that name the generated type through glob imports
//! from other modules (where rustc does not hide a missing item's errors as it does in the
//! function's own module): the key is the only error, because a stand-in for the type is
//! generated with it.

mod auth {
    use jwt_auth::{Token, jwt_auth};

    #[derive(Clone)]
    pub struct User;

    #[derive(Clone)]
    pub struct AppState;

    #[jwt_auth(secret = env("JWT_SECRET"), flow = "cookie", exlude = ["^/login$"])]
    pub async fn retrieve_user(token: &Token, state: &AppState) -> Option<User> {
        let _ = (token, state);
        Some(User)
    }
}

mod handlers {
    use axum::response::IntoResponse;

    use crate::auth::*;

    pub async fn login(auth: RetrieveUser) -> impl IntoResponse {
        auth.login("user-1")
    }

    pub async fn logout(auth: RetrieveUser) -> impl IntoResponse {
        auth.logout()
    }
}

use auth::*;
use axum::Router;
use axum::routing::post;

fn main() {
    let auth = RetrieveUser::new().unwrap();
    let adjusted = RetrieveUser::from(RetrieveUser::builder().build().unwrap());
    let _ = adjusted.clone().create_token("user-1");
    let app: Router = auth
        .install(
            Router::new()
                .route("/login", post(handlers::login))
                .route("/logout", post(handlers::logout)),
            AppState,
        )
        .with_state(());
    let _ = (app, format!("{auth:?}"));
}
