//! OAuth2 scopes on a flow that is not OAuth2.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"), flow = "cookie", oauth_scopes = { "read": "Read access" })]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
