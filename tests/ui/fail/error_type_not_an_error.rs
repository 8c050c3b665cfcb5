//! A `Result` whose error type cannot become a `Box<dyn Error>`.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

struct DbError;

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user(token: &Token) -> Result<Option<User>, DbError> {
    let _ = token;
    Err(DbError)
}

fn main() {}
