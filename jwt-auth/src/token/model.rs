//! The token model: registered claims plus extras, as handlers see them.
//!
//! On the wire the extras are private claims at the top level of the payload (`"email": ...`).
//! Decoding also accepts Litestar's nested `"extras": {...}` claim; when a name appears in both
//! places the top-level claim wins, as in Litestar, so tokens interoperate both ways.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::token::scope::Scopes;

/// Extra claims as a JSON object: the default type of [`Token::extras`].
pub type Extras = Map<String, Value>;

/// The names of the registered claims this crate handles itself (and `extras`, Litestar's
/// nested claim). Extras may not use them.
/// `scope` is read into [`Token::scope`].
pub const RESERVED_CLAIMS: [&str; 9] = [
    "sub", "exp", "iat", "nbf", "iss", "aud", "jti", "scope", "extras",
];

/// A decoded and validated token: Litestar's `request.auth`.
///
/// `C` is the type of the extra claims: a JSON map by default, or a typed struct of the
/// application's (`claims = MyClaims` in the macro).
#[derive(Clone, PartialEq, Eq)]
pub struct Token<C = Extras> {
    /// The subject: the user's identifier. Never empty.
    pub sub: String,
    /// Expiration time, seconds since the Unix epoch.
    pub exp: u64,
    /// Issue time, seconds since the Unix epoch.
    pub iat: Option<u64>,
    /// Not-before time, seconds since the Unix epoch.
    pub nbf: Option<u64>,
    /// Issuer.
    pub iss: Option<String>,
    /// Audience: one or several.
    pub aud: Option<Audience>,
    /// Unique token identifier, used for revocation.
    pub jti: Option<String>,
    /// The scopes granted (the `scope` claim, split once); empty without the claim.
    pub scope: Scopes,
    /// The private claims.
    pub extras: C,
}

impl<C: fmt::Debug> fmt::Debug for Token<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("sub", &self.sub)
            .field("exp", &self.exp)
            .field("iat", &self.iat)
            .field("nbf", &self.nbf)
            .field("iss", &self.iss)
            .field("aud", &self.aud)
            .field("jti", &self.jti)
            .field("scope", &self.scope)
            .field("extras", &self.extras)
            .finish()
    }
}

impl<C> Token<C> {
    /// Whether the token was granted the scope `name` (its `scope` claim lists it).
    #[must_use]
    pub fn has_scope(&self, name: &str) -> bool {
        self.scope.contains(name)
    }

    /// The scopes granted.
    #[must_use]
    pub fn scopes(&self) -> &Scopes {
        &self.scope
    }
}

/// The `aud` claim: a single string or an array of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Audience {
    /// `"aud": "api"`.
    One(String),
    /// `"aud": ["api", "admin"]`.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `name` is one of the audiences.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        match self {
            Self::One(one) => one == name,
            Self::Many(many) => many.iter().any(|a| a == name),
        }
    }

    /// The audiences as a slice.
    #[must_use]
    pub fn as_slice(&self) -> &[String] {
        match self {
            Self::One(one) => std::slice::from_ref(one),
            Self::Many(many) => many,
        }
    }
}

impl From<&str> for Audience {
    fn from(value: &str) -> Self {
        Self::One(value.to_owned())
    }
}

impl From<String> for Audience {
    fn from(value: String) -> Self {
        Self::One(value)
    }
}

impl From<Vec<String>> for Audience {
    fn from(value: Vec<String>) -> Self {
        Self::Many(value)
    }
}

impl<const N: usize> From<[&str; N]> for Audience {
    fn from(value: [&str; N]) -> Self {
        Self::Many(value.iter().map(|s| (*s).to_owned()).collect())
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AudienceVisitor;

        impl<'de> Visitor<'de> for AudienceVisitor {
            type Value = Audience;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Audience, E> {
                Ok(Audience::One(v.to_owned()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Audience, E> {
                Ok(Audience::One(v))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Audience, A::Error> {
                let mut all = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(16));
                while let Some(one) = seq.next_element::<String>()? {
                    all.push(one);
                }
                Ok(Audience::Many(all))
            }
        }

        deserializer.deserialize_any(AudienceVisitor)
    }
}
