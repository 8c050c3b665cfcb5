//! A remote identity provider without an audience: any API's tokens of it would pass.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(issuers = [oidc("https://idp.example/realms/main")])]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {}
