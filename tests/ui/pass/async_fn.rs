//! An async retrieval function with state, the common shape.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone, Debug)]
struct User {
    id: String,
}

#[derive(Clone, Default)]
struct AppState {
    users: Vec<String>,
}

#[jwt_auth(secret = env("JWT_SECRET"))]
async fn retrieve_user(token: &Token, state: &AppState) -> Option<User> {
    state
        .users
        .contains(&token.sub)
        .then(|| User { id: token.sub.clone() })
}

fn main() {
    let auth = RetrieveUser::from(
        RetrieveUser::builder()
            .secret("a secret of at least thirty-two bytes!")
            .build()
            .unwrap(),
    );
    assert_eq!(auth.flow(), jwt_auth::Flow::Header);
    let _ = auth.layer(AppState::default());
    // The function stays callable as written.
    let _future = retrieve_user;
    let _ = User { id: String::new() }.id;
}
