//! `Result<User, E>`: the user must be optional, `None` meaning no such user.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user(token: &Token) -> Result<User, std::io::Error> {
    let _ = token;
    Ok(User)
}

fn main() {}
