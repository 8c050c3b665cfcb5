//! What the criterion benches (`auth.rs`) and the instruction-count harness (`profile.rs`)
//! share: the backend of the `jwt_auth` example, its user, the routes (one of them guarded by a
//! scope), and the claims type
//! and validation of a raw `jsonwebtoken::decode` of the same token.

#![allow(
    dead_code,
    reason = "each bench binary uses its own part of these helpers"
)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::{Extension, Json};
use jsonwebtoken::{Algorithm, Validation};
use jwt_auth::{AuthError, CurrentUser, Guard, Guarded, JwtAuth, Token};
use serde::{Deserialize, Serialize};

/// The HMAC secret (HS256).
pub const SECRET: &str = "jwt-auth benches: a secret of at least thirty-two bytes, HS256";

/// The id of the one user.
pub const USER_ID: &str = "6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f";

/// The user of every bench.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// `CurrentUser<User>` asks for it: the builder does not implement it as the attribute does.
impl jwt_auth::AuthUser for User {}

/// What the raw `jsonwebtoken` decode produces: the same claims as our `Token`.
#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "the fields are decoded, not read")]
pub struct RawClaims {
    sub: String,
    exp: u64,
    iat: Option<u64>,
    nbf: Option<u64>,
    iss: Option<String>,
    jti: Option<String>,
    #[serde(flatten)]
    extras: serde_json::Map<String, serde_json::Value>,
}

/// The validation of the raw decode, equivalent to ours: `exp` and `sub` required, no leeway,
/// `exp` and `nbf` checked, no audience.
pub fn raw_validation() -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation.leeway = 0;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = false;
    validation
}

pub fn user() -> User {
    User {
        id: USER_ID.to_owned(),
        name: "Ada".to_owned(),
        email: "ada@example.com".to_owned(),
    }
}

/// A backend like the `jwt_auth` example's: header flow, its exclusions, a map of users as
/// store.
pub fn backend() -> JwtAuth<User> {
    let users: Arc<HashMap<String, User>> =
        Arc::new(std::iter::once((USER_ID.to_owned(), user())).collect());
    JwtAuth::<User>::builder()
        .secret(SECRET)
        .exclude(["/login", "/schema"])
        .retrieve_user_sync(move |token, _state: &()| users.get(&token.sub).cloned())
        .build()
        .expect("the bench backend builds")
}

/// The same token with its signature's first character changed.
pub fn bad_signature(jwt: &str) -> String {
    let (head, signature) = jwt.rsplit_once('.').expect("a JWS");
    let first = if signature.starts_with('A') { "B" } else { "A" };
    format!("{head}.{first}{}", &signature[1..])
}

/// The protected route's handler.
pub async fn protected(CurrentUser(user): CurrentUser<User>) -> Json<User> {
    Json(user)
}

/// The same route without the layer: the user comes from an extension.
pub async fn unprotected(Extension(user): Extension<Arc<User>>) -> Json<User> {
    Json((*user).clone())
}

/// The guard `#[requires(Backend, scope = "profile:read")]` writes: one scope of the token.
pub struct ReadsProfiles;

impl Guard for ReadsProfiles {
    type User = User;
    type Claims = jwt_auth::Extras;

    async fn check(_user: &User, token: &Token) -> Result<(), AuthError> {
        if token.has_scope("profile:read") {
            Ok(())
        } else {
            Err(AuthError::InsufficientScope {
                scope: "profile:read",
            })
        }
    }
}

/// [`protected`], guarded by [`ReadsProfiles`].
pub async fn guarded(_: Guarded<ReadsProfiles>, user: CurrentUser<User>) -> Json<User> {
    protected(user).await
}
