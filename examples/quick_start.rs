//! A login route and a protected route, the token in the `Authorization` header.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use jwt_auth::{CurrentUser, Login, Token, jwt_auth};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
struct User {
    id: String,
    name: String,
}

#[derive(Clone, Default)]
struct AppState {
    users: Arc<RwLock<HashMap<String, User>>>,
}

/// Finds the user a token belongs to. The attribute generates the backend, `RetrieveUser`.
#[jwt_auth(secret = env("JWT_SECRET"), exclude = ["^/login$"])]
fn retrieve_user(token: &Token, state: &AppState) -> Option<User> {
    state.users.read().unwrap().get(&token.sub).cloned()
}

/// Stores the user and answers 201 with `Authorization: Bearer <jwt>`. (A real login checks a
/// password first: see `examples/app`.)
async fn login(auth: RetrieveUser, State(state): State<AppState>, Json(user): Json<User>) -> Login {
    let login = auth.login(user.id.clone()).body(&user);
    state.users.write().unwrap().insert(user.id.clone(), user);
    login
}

/// Protected: 401 without a valid token.
async fn me(CurrentUser(user): CurrentUser<User>) -> Json<User> {
    Json(user)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let auth = RetrieveUser::new()?; // reads JWT_SECRET, checks the configuration
    let state = AppState::default();
    let app = Router::new()
        .route("/login", post(login))
        .route("/me", get(me));
    let app = auth.install(app, state.clone()).with_state(state);

    let port = std::env::var("PORT").unwrap_or_else(|_| "8000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
