//! The attribute exactly as the design shows it.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User {
    id: String,
}

#[derive(Clone, Default)]
struct AppState;

#[jwt_auth(secret = env("JWT_SECRET"), exclude = ["/login","/schema"], flow = "oauth2_password", token_url = "/login")]
async fn retrieve_user_handler(token: &Token, state: &AppState) -> Option<User> {
    let _ = state;
    Some(User { id: token.sub.clone() })
}

fn main() {
    let auth = RetrieveUserHandler::builder()
        .secret("a secret of at least thirty-two bytes!")
        .build()
        .unwrap();
    assert_eq!(auth.flow(), jwt_auth::Flow::OAuth2Password);
    assert_eq!(auth.token_url(), Some("/login"));
    let _ = auth.create_token("user-1").unwrap();
    let _ = User { id: String::new() }.id;
}
