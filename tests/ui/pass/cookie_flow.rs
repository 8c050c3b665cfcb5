//! The cookie flow with its cookie settings.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "cookie",
    cookie_name = "session",
    cookie_path = "/app",
    cookie_domain = "example.com",
    secure = false,
    same_site = "strict",
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
    assert_eq!(auth.flow(), jwt_auth::Flow::Cookie);
    assert_eq!(auth.cookie().name, "session");
    assert_eq!(auth.cookie().path, "/app");
    assert_eq!(auth.cookie().domain.as_deref(), Some("example.com"));
    assert!(!auth.cookie().secure);
    assert_eq!(auth.cookie().same_site, jwt_auth::SameSite::Strict);
}
