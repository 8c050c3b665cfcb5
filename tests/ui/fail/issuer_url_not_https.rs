//! An identity provider's URL over plain `http://` outside loopback.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(issuers = [oidc("http://idp.example/realms/main", audience = "my-api")])]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
