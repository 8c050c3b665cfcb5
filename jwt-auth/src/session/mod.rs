//! Sessions: refresh tokens (single-use, rotated on every refresh, grouped in families), reuse
//! detection, revocation, and the stores that remember them.
//!
//! Turned on by [`JwtAuthBuilder::refresh_tokens`](crate::JwtAuthBuilder::refresh_tokens) (the
//! macro's `refresh_expiration`), for the OAuth2 flow. Then:
//!
//! - every login starts a **family** (a random id); the access token's `jti` is
//!   `<family>.<random>`, and the OAuth2 body's `refresh_token` is a second JWT of the same
//!   family, with its own longer expiry and the JOSE `typ` [`REFRESH_TYP`](crate::REFRESH_TYP),
//!   so that it is never accepted as an access token (nor an access token as a refresh token);
//! - each refresh token carries a *generation* in its `jti` (0 at login, one more at each
//!   refresh); [`JwtAuth::refresh`](crate::JwtAuth::refresh) exchanges it for a new pair of the
//!   same family, and the [`TokenStore`] keeps the family's highest
//!   generation spent: one record per family whatever the number of refreshes, none at login;
//! - presenting a spent refresh token again (its generation at or below the recorded one)
//!   revokes the whole family: the thief's and the owner's tokens stop working alike, and the
//!   owner logs in again (RFC 9700 section 4.14.2);
//! - [`JwtAuth::revoke`](crate::JwtAuth::revoke) (logout) revokes an access token's family, so
//!   the refresh token of that login dies with it;
//!   [`JwtAuth::revoke_subject`](crate::JwtAuth::revoke_subject) (log out everywhere) every
//!   token of a subject issued until now.
//!
//! The store is consulted on every authenticated request and on every refresh (its local view
//! when it has one, see [`TokenStore::check_locally`], then
//! `rotate`). [`JwtAuth::decode`](crate::JwtAuth::decode) alone does not ask it: it checks a
//! token, not a session. What a store keeps, and its bounds, are described at [`TokenStore`].
//!
//! Refresh tokens are signed with HS256 and a key derived from the signing key (see
//! `keys/refresh.rs`), whatever the backend's algorithm: only the backend that issued
//! them can verify them, so a service that verifies access tokens with the published JWKS or a
//! shared secret can never take one for an access token. Replacing the signing key invalidates
//! the refresh tokens it issued.
//!
//! With refresh tokens, a login's `jti` is always minted here (a `jti` set with
//! [`Login::jti`](crate::Login::jti) is a
//! [`TokenError::JtiWithRefreshTokens`](crate::TokenError::JtiWithRefreshTokens)), and with a token
//! store no token may live longer than the longer of `expiration` and `refresh_expiration`
//! (a revocation is remembered that long;
//! [`TokenError::ExpirationTooLong`](crate::TokenError::ExpirationTooLong)).
//!
//! A refresh carries the login's `iss`, `aud`, `nbf` and extra claims into the new tokens. With
//! a typed claims type `C`, only what `C` deserializes survives; a handler can add claims to the
//! returned [`Login`](crate::Login) with `.extra(...)`.
//!
//! Two requests racing with the same refresh token (two tabs, a retry after a lost response)
//! count as a reuse and revoke the family: the user logs in again. That is the safe reading of
//! RFC 9700; there is no grace period.

pub(crate) mod ids;
pub(crate) mod ledger;
pub(crate) mod memory;
pub(crate) mod mint;
#[cfg(feature = "redis")]
pub(crate) mod redis;
pub(crate) mod refresh;
pub(crate) mod revoke;
pub(crate) mod store;

pub use ids::family_of;
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::{RedisStore, RedisStoreBuilder};
pub use refresh::RefreshError;
pub use store::{
    DEFAULT_MAX_FAMILIES, Revocation, Rotated, Rotation, StoreUnavailable, Target, TokenRef,
    TokenStore,
};
