//! An async revocation check behind a path, returning `Result<bool, E>`.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

mod revocation {
    use jwt_auth::Token;

    pub async fn is_revoked(token: &Token) -> Result<bool, std::io::Error> {
        Ok(token.jti.as_deref() == Some("revoked"))
    }
}

#[jwt_auth(secret = env("JWT_SECRET"), revoked = revocation::is_revoked)]
fn retrieve_user(token: &Token) -> Option<User> {
    let _ = token;
    Some(User)
}

fn main() {
    let _ = RetrieveUser::builder()
        .secret("a secret of at least thirty-two bytes!")
        .build()
        .unwrap();
}
