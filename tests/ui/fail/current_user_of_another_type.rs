//! `CurrentUser<T>` of a type no retrieval function returns: a compile error, not a 500.

use jwt_auth::{CurrentUser, Token, jwt_auth};

#[derive(Clone)]
struct User;

#[derive(Clone)]
struct Account;

#[jwt_auth(secret = env("JWT_SECRET"))]
fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

// `debug_handler` names the extractor that does not fit; without it, axum's error says only
// that `me` is not a handler.
#[axum::debug_handler]
async fn me(CurrentUser(account): CurrentUser<Account>) -> &'static str {
    let _ = account;
    "me"
}

fn main() {
    let _ = axum::Router::<()>::new().route("/me", axum::routing::get(me));
}
