//! JSON parsing of a verified payload: the fast path for the payloads common libraries mint,
//! the serde visitor for the rest.

use crate::error::InvalidToken;
use crate::token::raw::RawClaims;
use crate::token::{fast, visitor};

impl RawClaims {
    /// Parses a payload in one pass: each registered claim is type-checked and may appear once;
    /// the rest are extras, merged over a nested `extras` object.
    ///
    /// The payloads this crate and the common libraries mint take a fast path without serde
    /// ([`fast`]); for the others, valid UTF-8 is checked once for the whole payload and parsed
    /// as text, and invalid UTF-8 is parsed as bytes, whose strings `serde_json` checks one by
    /// one, so that what is refused, and how, is the visitor's alone.
    pub(crate) fn from_json(payload: &[u8]) -> Result<Self, InvalidToken> {
        if let Some(raw) = fast::parse(payload) {
            return Ok(raw);
        }
        match std::str::from_utf8(payload) {
            Ok(text) => visitor::parse(serde_json::Deserializer::from_str(text)),
            Err(_) => visitor::parse(serde_json::Deserializer::from_slice(payload)),
        }
    }
}

/// Parses JSON bytes as `serde_json::from_slice` does, but valid UTF-8 is checked once for the
/// whole text rather than string by string. Invalid UTF-8 goes through `from_slice` itself, so
/// that what is refused, and how, does not change.
pub(crate) fn from_json<'de, T: serde::Deserialize<'de>>(
    bytes: &'de [u8],
) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{Value, json};

    use super::*;
    use crate::token::model::{Audience, Extras, Token};

    fn parse(value: &Value) -> Result<RawClaims, InvalidToken> {
        RawClaims::from_json(value.to_string().as_bytes())
    }

    #[test]
    fn registered_claims_and_top_level_extras() {
        let raw = parse(&json!({
            "sub": "u1", "exp": 10, "iat": 5, "nbf": 4.9, "iss": "me", "aud": ["a", "b"],
            "jti": "j", "email": "e@x.io", "azp": "client"
        }))
        .unwrap();
        assert_eq!(raw.sub.as_deref(), Some("u1"));
        assert_eq!(raw.exp, Some(10));
        assert_eq!(raw.nbf, Some(4));
        assert_eq!(raw.aud, Some(Audience::Many(vec!["a".into(), "b".into()])));
        assert_eq!(raw.extras.len(), 2);
        assert_eq!(raw.extras["azp"], "client");
    }

    #[test]
    fn nested_extras_are_merged_top_level_wins() {
        let raw = parse(&json!({
            "sub": "u", "exp": 1, "email": "top", "extras": {"a": 1, "email": "nested"}
        }))
        .unwrap();
        assert_eq!(
            raw.extras,
            json!({"a": 1, "email": "top"}).as_object().unwrap().clone()
        );
    }

    /// Claim names with escapes are the names they spell, registered or not.
    #[test]
    fn escaped_claim_names() {
        let raw = RawClaims::from_json(
            br#"{"s\u0075b":"u","\u0065xp":1,"em\u0061il":"e","plain":1,"sub\n":2}"#,
        )
        .unwrap();
        assert_eq!(raw.sub.as_deref(), Some("u"));
        assert_eq!(raw.exp, Some(1));
        assert_eq!(
            raw.extras,
            json!({"email": "e", "plain": 1, "sub\n": 2})
                .as_object()
                .unwrap()
                .clone()
        );
        assert!(RawClaims::from_json(br#"{"sub":"u","s\u0075b":"v"}"#).is_err());
    }

    #[test]
    fn only_registered_claims_means_empty_extras() {
        let raw = parse(&json!({"sub": "u", "exp": 1, "iat": 1})).unwrap();
        assert!(raw.extras.is_empty());
    }

    #[test]
    fn wrong_types_are_refused() {
        for bad in [
            json!({"sub": 123, "exp": 1}),
            json!({"sub": "u", "exp": "1"}),
            json!({"sub": "u", "exp": 1, "iat": "1700000000abc"}),
            json!({"sub": "u", "exp": -1}),
            json!({"sub": "u", "exp": 1e300}),
            json!({"sub": "u", "exp": 1, "aud": 5}),
            json!({"sub": "u", "exp": 1, "aud": ["a", 1]}),
            json!({"sub": "u", "exp": 1, "iss": ["a"]}),
            json!({"sub": "u", "exp": 1, "jti": 7}),
            json!({"sub": "u", "exp": 1, "extras": [1]}),
            json!(["sub"]),
            json!("sub"),
        ] {
            assert_eq!(parse(&bad).unwrap_err(), InvalidToken::Claims, "{bad}");
        }
    }

    #[test]
    fn duplicated_registered_claims_are_refused() {
        let payload = br#"{"sub":"alice","exp":1,"sub":"admin"}"#;
        assert!(RawClaims::from_json(payload).is_err());
        let payload = br#"{"sub":"alice","exp":1,"exp":2}"#;
        assert!(RawClaims::from_json(payload).is_err());
    }

    /// Parsing valid UTF-8 as text answers as parsing it as bytes, for payloads that are
    /// accepted and payloads that are refused (and with which error).
    #[test]
    fn text_and_bytes_agree() {
        let by_bytes =
            |payload: &[u8]| visitor::parse(serde_json::Deserializer::from_slice(payload));
        let cases: [&[u8]; 12] = [
            br#"{"sub":"u","exp":1,"email":"e","extras":{"a":[1,2.5,null]}}"#,
            br#"{"sub":"\u00e9\n","exp":1,"k\"ey":"v\ud83d\ude00"}"#,
            "{\"sub\":\"\u{e9}\",\"exp\":1}".as_bytes(),
            br#"{"sub":"\ud800","exp":1}"#,
            br#"{"sub":"u","exp":1} x"#,
            br#"{"sub":"u","exp":1}  "#,
            br#"{"sub":"u","exp":1,}"#,
            br#"{"sub":"u","sub":"v"}"#,
            b"{\"sub\":\"\xff\",\"exp\":1}",
            b"{\"sub\":\"u\",\"exp\":1}\xff",
            b"{\"sub\":\"u\",\"x\":\"\xc3\"}",
            b"",
        ];
        for case in cases {
            assert_eq!(
                format!("{:?}", RawClaims::from_json(case)),
                format!("{:?}", by_bytes(case)),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
    }

    #[test]
    fn trailing_bytes_are_refused() {
        assert!(RawClaims::from_json(br#"{"sub":"a","exp":1} x"#).is_err());
        assert!(RawClaims::from_json(b"").is_err());
        assert!(RawClaims::from_json(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn typed_extras() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct Claims {
            email: String,
            #[serde(default)]
            role: Option<String>,
        }
        let raw = parse(&json!({"sub": "u", "exp": 1, "extras": {"email": "e"}})).unwrap();
        let token: Token<Claims> = raw.into_token().unwrap();
        assert_eq!(
            token.extras,
            Claims {
                email: "e".into(),
                role: None
            }
        );

        let raw = parse(&json!({"sub": "u", "exp": 1})).unwrap();
        assert_eq!(
            raw.into_token::<Claims>().unwrap_err(),
            InvalidToken::Claims
        );
    }

    #[test]
    fn missing_sub_or_exp() {
        let raw = parse(&json!({"exp": 1})).unwrap();
        assert_eq!(
            raw.into_token::<Extras>().unwrap_err(),
            InvalidToken::MissingClaim
        );
        let raw = parse(&json!({"sub": "u"})).unwrap();
        assert_eq!(
            raw.into_token::<Extras>().unwrap_err(),
            InvalidToken::MissingClaim
        );
    }
}
