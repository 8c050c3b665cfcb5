//! Typed extra claims: `claims = ...`, or the type in `Token<C>`.

use jwt_auth::{Token, jwt_auth};
use serde::{Deserialize, Serialize};

#[derive(Clone)]
struct User {
    role: String,
}

#[derive(Serialize, Deserialize, Default)]
struct Claims {
    role: String,
}

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn from_token_type(token: &Token<Claims>) -> Option<User> {
    Some(User { role: token.extras.role.clone() })
}

#[jwt_auth(secret = env("JWT_SECRET"), claims = Claims, user_impl = false)]
async fn from_key(token: &Token<Claims>) -> Option<User> {
    Some(User { role: token.extras.role.clone() })
}

fn main() {
    let secret = "a secret of at least thirty-two bytes!";
    let a = FromTokenType::builder().secret(secret).build().unwrap();
    let b = FromKey::builder().secret(secret).build().unwrap();
    let jwt = a
        .token("user-1")
        .claims(&Claims { role: "admin".into() })
        .encode()
        .unwrap();
    assert_eq!(b.decode(&jwt).unwrap().extras.role, "admin");
    let _ = User { role: String::new() }.role;
}
