//! JWT authentication for axum, declared by one attribute on a user-retrieval function:
//! Litestar's `JWTAuth`, `JWTCookieAuth` and `OAuth2PasswordBearerAuth`, with the configuration
//! checked at compile time.
//!
//! ```no_run
//! use axum::{Json, Router, routing::{get, post}};
//! use jwt_auth::{CurrentUser, Token, jwt_auth};
//!
//! #[derive(Clone, serde::Serialize, serde::Deserialize)]
//! struct User { id: String, name: String }
//!
//! #[derive(Clone, Default)]
//! struct AppState { /* a database pool, say */ }
//!
//! #[jwt_auth(secret = env("JWT_SECRET"), exclude = ["^/login$"])]
//! async fn retrieve_user(token: &Token, state: &AppState) -> Option<User> {
//!     Some(User { id: token.sub.clone(), name: "Ada".into() })
//! }
//!
//! async fn login(auth: RetrieveUser, Json(user): Json<User>) -> impl axum::response::IntoResponse {
//!     auth.login(user.id.clone()).body(&user)
//! }
//!
//! async fn me(CurrentUser(user): CurrentUser<User>) -> Json<User> {
//!     Json(user)
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = RetrieveUser::new()?;
//! let state = AppState::default();
//! let app = Router::new()
//!     .route("/login", post(login))
//!     .route("/me", get(me));
//! let app: Router = auth.install(app, state.clone()).with_state(state);
//! # Ok(()) }
//! ```
//!
//! Without the macro, [`JwtAuth::builder`] does the same:
//!
//! ```
//! # #[derive(Clone)] struct User;
//! use jwt_auth::{Flow, JwtAuth};
//! let auth = JwtAuth::<User>::builder()
//!     .secret("a secret of at least thirty-two bytes!")
//!     .flow(Flow::Cookie)
//!     .exclude(["^/login$"])
//!     .retrieve_user_sync(|token, _state: &()| Some(User))
//!     .build()
//!     .unwrap();
//! assert!(auth.create_token("user-1").is_ok());
//! ```
//!
//! With the default `openapi` feature, [`JwtAuth::openapi`] adds the flow's security schemes to
//! a utoipa document and a requirement to each protected operation only (see [`openapi`]). A
//! token endpoint takes [`PasswordGrant`]: the OAuth2 password grant as a form (what Swagger
//! UI's "Authorize" button posts) or JSON, with RFC 6749 error bodies ([`GrantError`]).
//!
//! Beyond Litestar (details in the repository's `docs/`):
//!
//! - every algorithm jsonwebtoken supports; for RS/PS/ES/EdDSA a signing [`Key`] and several
//!   verification keys (PEM, DER, JWK), selected by the token's `kid`, for key rotation;
//! - [`JwtAuth::jwks`], the public JWK Set to serve;
//! - identity providers ([`Issuer`]: Keycloak, Auth0, Entra ID, ...), several on one backend,
//!   each token checked against the keys (found by OpenID discovery, over `https://` with the
//!   feature `remote-tls`), audiences and algorithms of its own `iss`; their key sets cached
//!   for their `max-age`, refetched on an unknown `kid` at most once per interval, used while
//!   the provider is briefly down up to a stated bound, then a 503 ([`RemoteJwksConfig`]);
//! - HMAC secret rotation: previous secrets still verify
//!   ([`JwtAuthBuilder::previous_secret`]);
//! - CSRF protection for cookie-borne tokens on unsafe methods ([`CsrfSettings`]);
//! - a size limit on the header and cookie (a 431 before any decoding), and keys and secrets
//!   kept out of `Debug` output, logs and errors.
//!
//! What differs from Litestar, and why, is listed in `docs/litestar.md`.

mod authz;
mod backend;
mod codec;
mod error;
mod http;
mod keys;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod session;
#[cfg(feature = "testing")]
pub mod testing;
mod token;

pub use authz::guard::{Guard, Guarded};
pub use backend::JwtAuth;
pub use backend::builder::{DEFAULT_MAX_TOKEN_SIZE, JwtAuthBuilder};
pub use backend::hooks::{IntoRetrieved, IntoRevoked};
pub use backend::observe::METRIC_AUTHENTICATIONS;
pub use backend::settings::SchemeInfo;
pub use error::{AuthError, BoxError, ConfigError, ErrorBody, InvalidToken, TokenError};
pub use http::cookie::{CookieSettings, SameSite};
pub use http::csrf::CsrfSettings;
pub use http::extract::{AuthUser, CurrentToken, CurrentUser};
pub use http::flow::{Flow, TokenSource};
pub use http::grant::{GrantError, PasswordGrant, RefreshGrant, TokenGrant};
pub use http::login::{Login, Logout, OAuth2Login};
pub use http::middleware::{JwtAuthLayer, JwtAuthService, ResponseFuture};
pub use jsonwebtoken::Algorithm;
/// The rule [`JwtAuthBuilder::cookie_name`] and `cookie_name = "..."` apply, for a name that
/// comes from elsewhere (a setting, say).
#[doc(inline)]
pub use jwt_auth_config::is_valid_cookie_name;
pub use jwt_auth_macros::{jwt_auth, requires};
pub use keys::algorithm::{algorithm_name, parse_algorithm};
pub use keys::issuer::Issuer;
pub use keys::material::{Key, KeyMaterial, KeySource, Secret};
pub use keys::remote::{RemoteJwksConfig, TlsRoots};
pub use session::mint::TokenBuilder;
pub use session::{MemoryStore, RefreshError, TokenStore};
#[cfg(feature = "redis")]
pub use session::{RedisStore, RedisStoreBuilder};
pub use token::header::REFRESH_TYP;
pub use token::model::{Audience, Extras, RESERVED_CLAIMS, Token};
pub use token::scope::Scopes;

/// What the code generated by `#[jwt_auth]` names; not a public API.
#[doc(hidden)]
pub mod __private;
