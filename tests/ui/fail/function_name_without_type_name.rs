//! A function whose name has no `PascalCase` form to name the generated type after.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn __(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
