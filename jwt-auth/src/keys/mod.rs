//! The keys: what the application gives (secrets, PEM, DER, JWK, from the environment or a
//! file), how they are loaded and checked, algorithm names, the keyed HMAC state, the previous
//! secrets of a rotation, picking a key by `kid`, the derived key of refresh tokens, identity
//! providers and the key sets fetched at run time.

pub(crate) mod algorithm;
pub(crate) mod crypto;
pub(crate) mod derived;
pub(crate) mod hmac;
pub(crate) mod issuer;
pub(crate) mod load;
pub(crate) mod material;
pub(crate) mod remote;
pub(crate) mod secrets;
pub(crate) mod select;
