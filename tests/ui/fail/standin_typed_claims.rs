//! A mistake next to `claims = ...`, with code in another module that uses the typed claims
//! through a glob import: the mistake is the only error, because the stand-in for the generated
//! type has the claims type.

mod auth {
    use jwt_auth::{Token, jwt_auth};
    use serde::{Deserialize, Serialize};

    #[derive(Clone)]
    pub struct User;

    #[derive(Serialize, Deserialize)]
    pub struct Claims {
        pub role: String,
    }

    #[jwt_auth(secret = env("JWT_SECRET"), claims = Claims, flow = "cookies")]
    pub async fn retrieve_user(token: &Token<Claims>) -> Option<User> {
        let _ = token;
        Some(User)
    }
}

use auth::*;

fn main() {
    let auth = RetrieveUser::new().unwrap();
    let jwt = auth
        .token("user-1")
        .claims(&Claims { role: "admin".into() })
        .encode()
        .unwrap();
    let role: String = auth.decode(&jwt).unwrap().extras.role;
    let _ = role;
}
