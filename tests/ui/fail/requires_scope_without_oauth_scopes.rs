//! A scope on a backend that declares none.

use jwt_auth::{Token, jwt_auth, requires};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"))]
fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

#[requires(RetrieveUser, scope = "notes:read")]
async fn read_note() {}

fn main() {}
