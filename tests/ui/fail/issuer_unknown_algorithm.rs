//! An algorithm name that does not exist.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(issuers = [oidc("https://idp.example/realms/main", audience = "my-api", algorithms = ["RS257"])])]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
