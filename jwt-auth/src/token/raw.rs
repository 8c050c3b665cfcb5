//! The payload as parsed from the wire, before the extras become the application's type.

use std::any::Any;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::InvalidToken;
use crate::token::model::{Audience, Extras, Token};
use crate::token::scope::Scopes;

/// The payload as parsed from the wire, before the extras become `C`.
#[derive(Debug, Default)]
pub(crate) struct RawClaims {
    pub sub: Option<String>,
    pub exp: Option<u64>,
    pub iat: Option<u64>,
    pub nbf: Option<u64>,
    pub iss: Option<String>,
    pub aud: Option<Audience>,
    pub jti: Option<String>,
    /// The `scope` claim as sent (a string; a list of strings is joined by the visitor).
    pub scope: Option<String>,
    pub extras: Extras,
}

impl RawClaims {
    /// Whether the claim `name` is present.
    pub(crate) fn has(&self, name: &str) -> bool {
        match name {
            "sub" => self.sub.is_some(),
            "exp" => self.exp.is_some(),
            "iat" => self.iat.is_some(),
            "nbf" => self.nbf.is_some(),
            "iss" => self.iss.is_some(),
            "aud" => self.aud.is_some(),
            "jti" => self.jti.is_some(),
            "scope" => self.scope.is_some(),
            other => self.extras.contains_key(other),
        }
    }

    /// Turns the validated claims into a token with typed extras.
    pub(crate) fn into_token<C: DeserializeOwned + 'static>(
        self,
    ) -> Result<Token<C>, InvalidToken> {
        let (Some(sub), Some(exp)) = (self.sub, self.exp) else {
            return Err(InvalidToken::MissingClaim);
        };
        let extras = extras_as(self.extras)?;
        Ok(Token {
            sub,
            exp,
            iat: self.iat,
            nbf: self.nbf,
            iss: self.iss,
            aud: self.aud,
            jti: self.jti,
            scope: self.scope.as_deref().map(Scopes::parse).unwrap_or_default(),
            extras,
        })
    }
}

/// The extras as `C`. The default [`Extras`] is the map itself, moved in: deserializing
/// a map from a map rebuilds it entry by entry into an equal map, and cannot fail.
fn extras_as<C: DeserializeOwned + 'static>(extras: Extras) -> Result<C, InvalidToken> {
    let mut slot = Some(extras);
    if let Some(same) = <dyn Any>::downcast_mut::<Option<C>>(&mut slot).and_then(Option::take) {
        return Ok(same);
    }
    C::deserialize(Value::Object(slot.unwrap_or_default())).map_err(|_| InvalidToken::Claims)
}

/// Dates past the year 9999 are refused, so that no arithmetic on them can overflow.
pub(crate) const MAX_DATE: u64 = 253_402_300_799;

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[test]
    fn default_extras_are_moved_as_deserializing_would_rebuild_them() {
        let extras = json!({
            "email": "e@x.io", "n": 1, "neg": -2, "f": 1.5, "big": u64::MAX, "null": null,
            "list": [1, "a", {"b": [true, false]}], "nested": {"x": {"y": "z"}}, "": "empty"
        });
        let Value::Object(map) = extras.clone() else {
            unreachable!("an object")
        };
        let rebuilt = Extras::deserialize(extras.clone()).unwrap();
        assert_eq!(extras_as::<Extras>(map.clone()).unwrap(), rebuilt);
        assert_eq!(extras_as::<Value>(map.clone()).unwrap(), extras);
        assert_eq!(
            extras_as::<std::collections::BTreeMap<String, Value>>(map).unwrap()["email"],
            "e@x.io"
        );
    }
}
