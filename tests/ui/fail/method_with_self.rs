//! The attribute on a method.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

struct Users;

impl Users {
    #[jwt_auth(secret = env("JWT_SECRET"))]
    async fn retrieve_user(&self, token: &Token) -> Option<User> {
        let _ = token;
        Some(User)
    }
}

fn main() {}
