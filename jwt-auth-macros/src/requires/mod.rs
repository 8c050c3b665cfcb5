//! `#[requires(Backend, ...)]`: what a handler requires beyond authentication, in the same four
//! phases as `#[jwt_auth]`: [`attr`] parses the requirements (keeping each scope's span),
//! [`handler`] reads the item it is on, and [`expand`] writes a `jwt_auth::Guard`, the
//! `jwt_auth::Guarded` parameter that enforces it, one compile-time check per scope against
//! the backend's `oauth_scopes`, and the scopes in the handler's `#[utoipa::path]`.

pub(crate) mod attr;
pub(crate) mod expand;
pub(crate) mod handler;
#[cfg(test)]
mod tests;

/// The attribute's names, in one place.
pub(crate) mod keys {
    /// `scopes = ["a", "b"]`: every one of them.
    pub const SCOPES: &str = "scopes";
    /// `scope = "a"`.
    pub const SCOPE: &str = "scope";
    /// `guard = is_admin`: a predicate on the user and the token.
    pub const GUARD: &str = "guard";
    /// `any(...)`: at least one of the requirements inside.
    pub const ANY: &str = "any";
    /// `all(...)`: every requirement inside (for an alternative of several, in `any(...)`).
    pub const ALL_OF: &str = "all";
    /// Every key, for a "did you mean".
    pub const ALL: [&str; 5] = [SCOPES, SCOPE, GUARD, ANY, ALL_OF];
}
