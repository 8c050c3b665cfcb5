//! The HTTP side: where each flow finds the token, the cookie, the CSRF check, exclusions, the
//! verified-token cache, the layer, the extractors, and the login and token-endpoint bodies.

pub(crate) mod bound;
pub(crate) mod cache;
pub(crate) mod cookie;
pub(crate) mod csrf;
pub(crate) mod exclude;
pub(crate) mod extract;
pub(crate) mod flow;
pub(crate) mod grant;
pub(crate) mod login;
pub(crate) mod middleware;
pub(crate) mod query;
pub(crate) mod state;
pub(crate) mod websocket;
