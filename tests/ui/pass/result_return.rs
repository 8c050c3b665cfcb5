//! `Result<Option<U>, E>`, with paths written out in full.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[derive(Debug)]
struct DbError;

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("database unavailable")
    }
}

impl std::error::Error for DbError {}

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn fallible(token: &Token) -> Result<Option<User>, DbError> {
    if token.sub.is_empty() { Err(DbError) } else { Ok(Some(User)) }
}

#[jwt_auth(secret = env("JWT_SECRET"), user_impl = false)]
fn fully_qualified(token: &Token) -> ::core::result::Result<std::option::Option<User>, String> {
    let _ = token;
    Ok(None)
}

fn main() {
    let secret = "a secret of at least thirty-two bytes!";
    let _ = Fallible::builder().secret(secret).build().unwrap();
    let _ = FullyQualified::builder().secret(secret).build().unwrap();
}
