//! Keys with an HMAC algorithm (the default): one error per key.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(private_key = file("keys/private.pem"), public_keys = [env("JWT_PUBLIC_KEY")])]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
