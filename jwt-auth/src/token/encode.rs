//! The claims of a token to sign.

use serde::Serialize;
use serde_json::Value;

use crate::error::TokenError;
use crate::token::model::{Audience, Extras, RESERVED_CLAIMS};

#[derive(Debug, Clone, Default)]
pub(crate) struct ClaimsToEncode {
    pub exp: u64,
    pub sub: String,
    pub iat: Option<u64>,
    pub nbf: Option<u64>,
    pub iss: Option<String>,
    pub aud: Option<Audience>,
    pub jti: Option<String>,
    /// The `scope` claim: names separated by one space.
    pub scope: Option<String>,
    pub extras: Extras,
}

impl ClaimsToEncode {
    /// Checks the extras do not shadow a registered claim.
    pub(crate) fn check(&self) -> Result<(), TokenError> {
        if self.sub.is_empty() {
            return Err(TokenError::EmptySubject);
        }
        match RESERVED_CLAIMS
            .iter()
            .find(|r| self.extras.contains_key(**r))
        {
            Some(name) => Err(TokenError::ReservedClaim((*name).to_owned())),
            None => Ok(()),
        }
    }
}

impl Serialize for ClaimsToEncode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("exp", &self.exp)?;
        map.serialize_entry("sub", &self.sub)?;
        if let Some(iat) = self.iat {
            map.serialize_entry("iat", &iat)?;
        }
        if let Some(nbf) = self.nbf {
            map.serialize_entry("nbf", &nbf)?;
        }
        if let Some(iss) = &self.iss {
            map.serialize_entry("iss", iss)?;
        }
        if let Some(aud) = &self.aud {
            map.serialize_entry("aud", aud)?;
        }
        if let Some(jti) = &self.jti {
            map.serialize_entry("jti", jti)?;
        }
        if let Some(scope) = &self.scope {
            map.serialize_entry("scope", scope)?;
        }
        for (key, value) in &self.extras {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// Serializes typed extras into a JSON object (`null` counts as none).
pub(crate) fn extras_to_map<C: Serialize>(claims: &C) -> Result<Extras, TokenError> {
    match serde_json::to_value(claims).map_err(|e| TokenError::Encode(e.to_string()))? {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Extras::new()),
        _ => Err(TokenError::ExtrasNotAnObject),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encode_order_and_reserved_names() {
        let mut claims = ClaimsToEncode {
            exp: 2,
            sub: "u".into(),
            iat: Some(1),
            ..ClaimsToEncode::default()
        };
        claims.extras.insert("email".into(), json!("e"));
        assert_eq!(
            serde_json::to_string(&claims).unwrap(),
            r#"{"exp":2,"sub":"u","iat":1,"email":"e"}"#
        );
        claims.check().unwrap();
        claims.extras.insert("sub".into(), json!("admin"));
        assert_eq!(claims.check(), Err(TokenError::ReservedClaim("sub".into())));
    }

    #[test]
    fn extras_must_be_an_object() {
        assert_eq!(extras_to_map(&5), Err(TokenError::ExtrasNotAnObject));
        assert!(extras_to_map(&()).unwrap().is_empty());
        assert_eq!(extras_to_map(&json!({"a": 1})).unwrap().len(), 1);
    }
}
