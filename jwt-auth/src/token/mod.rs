//! The token: its public model, the parse of a verified payload (a fast path beside the serde
//! visitor it is held to), base64url, the compact serialization, the JOSE header, the claims
//! to sign and the validation rules.

pub(crate) mod base64;
pub(crate) mod clock;
pub(crate) mod compact;
pub(crate) mod encode;
pub(crate) mod fast;
pub(crate) mod header;
pub(crate) mod json;
pub(crate) mod model;
pub(crate) mod raw;
pub(crate) mod rules;
pub(crate) mod scope;
pub(crate) mod visitor;
