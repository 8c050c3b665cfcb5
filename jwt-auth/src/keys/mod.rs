//! The keys: what the application gives (secrets, PEM, DER, JWK, from the environment or a
//! file), how they are loaded and checked, algorithm names, the keyed HMAC state, picking a key
//! by `kid`, the derived key of refresh tokens, and a remote JWK Set.

pub(crate) mod algorithm;
pub(crate) mod crypto;
pub(crate) mod derived;
pub(crate) mod hmac;
pub(crate) mod load;
pub(crate) mod material;
pub(crate) mod remote;
pub(crate) mod select;
