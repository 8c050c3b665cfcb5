//! A token parameter that is not a `Token`.

use jwt_auth::jwt_auth;

#[derive(Clone)]
struct User;

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user(token: &String) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
