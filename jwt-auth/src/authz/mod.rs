//! Authorization: what a route requires of an authenticated request, checked after
//! authentication. A [`Guard`] is the requirement (scopes of the token, a predicate on the user
//! or the token: a role), [`Guarded`] the extractor that enforces it; `#[requires(...)]` writes
//! both from a declaration on the handler, and checks its scopes against the backend's
//! `oauth_scopes` at compile time ([`declared`]).
//!
//! A request without a valid token stays a 401 (authentication's answer); a valid token that
//! the guard refuses is a 403: `WWW-Authenticate: Bearer error="insufficient_scope",
//! scope="..."` for a missing scope (RFC 6750 section 3.1), plain for a predicate.

pub(crate) mod declared;
pub(crate) mod guard;
pub(crate) mod predicate;
