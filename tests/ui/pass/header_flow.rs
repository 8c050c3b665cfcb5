//! The header flow, explicitly.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"), flow = "header", auth_header = "X-Api-Token")]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {
    let auth = RetrieveUser::builder()
        .secret("a secret of at least thirty-two bytes!")
        .build()
        .unwrap();
    assert_eq!(auth.flow(), jwt_auth::Flow::Header);
    assert_eq!(auth.auth_header().as_str(), "x-api-token");
}
