//! The OAuth2 password flow without its `token_url`.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"), flow = "oauth2_password")]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
