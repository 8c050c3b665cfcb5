//! Every key at once.

use jwt_auth::{Token, jwt_auth};

#[derive(Clone)]
struct User;

#[derive(Clone, Default)]
struct AppState;

#[derive(serde::Serialize, serde::Deserialize)]
struct Claims {
    role: Option<String>,
}

async fn is_revoked(token: &Token<Claims>, state: &AppState) -> bool {
    let _ = state;
    token.jti.is_none()
}

#[jwt_auth(
    secret = env("JWT_SECRET"),
    flow = "oauth2_password",
    token_url = "/login",
    algorithm = "HS384",
    auth_header = "X-Api-Token",
    expiration = "1h30m",
    leeway = 30,
    exclude = ["^/login$", "^/schema"],
    exclude_methods = [],
    cookie_name = "session",
    cookie_path = "/",
    cookie_domain = "example.com",
    secure = true,
    same_site = "none",
    issuer = ["https://a.example", "https://b.example"],
    audience = "my-api",
    strict_audience = true,
    require_claims = ["aud", "jti"],
    verify_expiry = false,
    verify_not_before = false,
    revoked = is_revoked,
    refresh_expiration = "30d",
    token_store = jwt_auth::MemoryStore::new(),
    scheme_name = "Bearer",
    description = "Our tokens.",
    oauth_scopes = { "read": "Read access" },
    claims = Claims,
    name = Auth,
    user_impl = true,
)]
async fn retrieve_user(token: &Token<Claims>, state: &AppState) -> Option<User> {
    let _ = (token, state);
    Some(User)
}

fn main() {
    let auth = Auth::builder()
        .secret("a secret of at least forty-eight bytes, for HS384 ....")
        .build()
        .unwrap();
    assert_eq!(auth.algorithm(), jwt_auth::Algorithm::HS384);
    assert_eq!(auth.expiration(), std::time::Duration::from_secs(5_400));
    assert_eq!(
        auth.refresh_expiration(),
        Some(std::time::Duration::from_secs(30 * 86_400))
    );
    assert_eq!(auth.scheme().name, "Bearer");
    assert_eq!(auth.scheme().description, "Our tokens.");
    assert!(!auth.is_excluded(&axum::http::Method::OPTIONS, "/me"));
    assert!(auth.is_excluded(&axum::http::Method::GET, "/login"));
}
