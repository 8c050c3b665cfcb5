//! The OAuth2 password flow with scopes.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "oauth2_password",
    token_url = "/login",
    oauth_scopes = { "read": "Read access", "write": "Write access" },
)]
async fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {
    let auth = RetrieveUser::builder()
        .secret("a secret of at least thirty-two bytes!")
        .build()
        .unwrap();
    assert_eq!(auth.flow(), jwt_auth::Flow::OAuth2Password);
    assert_eq!(auth.token_url(), Some("/login"));
    assert_eq!(auth.scheme().oauth_scopes.len(), 2);
}
