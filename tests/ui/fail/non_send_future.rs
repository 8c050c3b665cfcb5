//! An async function whose future is not `Send`.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user(token: &Token) -> Option<User> {
    let counter = std::rc::Rc::new(token.sub.len());
    std::future::ready(()).await;
    let _ = counter;
    Some(User)
}

fn main() {}
