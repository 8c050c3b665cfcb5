//! A claims type without serde's derives.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

struct Claims {
    role: String,
}

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user(token: &Token<Claims>) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
