//! The token model: registered claims plus extras, and their JSON form.
//!
//! On the wire the extras are private claims at the top level of the payload (`"email": ...`).
//! Decoding also accepts Litestar's nested `"extras": {...}` claim; when a name appears in both
//! places the top-level claim wins, as in Litestar, so tokens interoperate both ways.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::{InvalidToken, TokenError};

/// Extra claims as a JSON object: the default type of [`Token::extras`].
pub type Extras = Map<String, Value>;

/// The names of the registered claims this crate handles itself (and `extras`, Litestar's
/// nested claim). Extras may not use them.
pub const RESERVED_CLAIMS: [&str; 8] = ["sub", "exp", "iat", "nbf", "iss", "aud", "jti", "extras"];

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
            .field("extras", &self.extras)
            .finish()
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
    pub extras: Extras,
}

impl RawClaims {
    /// Parses a payload in one pass: each registered claim is type-checked and may appear once;
    /// the rest are extras, merged over a nested `extras` object.
    ///
    /// The payloads this crate and the common libraries mint take a fast path without serde
    /// (`flat`); for the others, valid UTF-8 is checked once for the whole payload and parsed as
    /// text, and invalid UTF-8 is parsed as bytes, whose strings `serde_json` checks one by one, so that what is refused,
    /// and how, does not change (issue 8).
    pub(crate) fn from_json(payload: &[u8]) -> Result<Self, InvalidToken> {
        if let Some(raw) = flat::parse(payload) {
            return Ok(raw);
        }
        match std::str::from_utf8(payload) {
            Ok(text) => Self::parse(serde_json::Deserializer::from_str(text)),
            Err(_) => Self::parse(serde_json::Deserializer::from_slice(payload)),
        }
    }

    /// The fast path's answer and the visitor's, formatted, for a payload the fast path takes
    /// (`None` for one it leaves to the visitor): the `claims_json` fuzz target compares them.
    pub(crate) fn fast_path_and_visitor(payload: &[u8]) -> Option<(String, String)> {
        let fast: Result<Self, InvalidToken> = Ok(flat::parse(payload)?);
        let visitor = Self::parse(serde_json::Deserializer::from_slice(payload));
        Some((format!("{fast:?}"), format!("{visitor:?}")))
    }

    fn parse<'de, R: serde_json::de::Read<'de>>(
        mut de: serde_json::Deserializer<R>,
    ) -> Result<Self, InvalidToken> {
        let raw = RawClaims::deserialize(&mut de).map_err(|_| InvalidToken::Claims)?;
        de.end().map_err(|_| InvalidToken::Malformed)?;
        Ok(raw)
    }

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
            extras,
        })
    }
}

/// The extras as `C`. The default [`Extras`] is the map itself, moved in (issue 8): deserializing
/// a map from a map rebuilds it entry by entry into an equal map, and cannot fail.
fn extras_as<C: DeserializeOwned + 'static>(extras: Extras) -> Result<C, InvalidToken> {
    let mut slot = Some(extras);
    if let Some(same) = <dyn Any>::downcast_mut::<Option<C>>(&mut slot).and_then(Option::take) {
        return Ok(same);
    }
    C::deserialize(Value::Object(slot.unwrap_or_default())).map_err(|_| InvalidToken::Claims)
}

/// The payloads that PyJWT, `jsonwebtoken` and this crate mint, parsed without serde (issue 8):
/// an object with no whitespace whose values are strings of printable ASCII without escapes or
/// integers of at most 16 digits. [`parse`](flat::parse) answers only where it is sure to give
/// what the serde visitor gives; for anything else (whitespace, an escape, a nested object, a
/// float, a negative number, a duplicated registered claim, a date out of range, trailing
/// bytes, invalid input) it answers `None` and the visitor decides, refusals included. A
/// property test holds it to the visitor.
mod flat {
    use serde_json::Value;

    use super::{Audience, MAX_DATE, RawClaims};

    /// The most digits of an integer the fast path takes; one more is read to refuse a longer
    /// number, and that many nines still fit in a u64.
    const MAX_DIGITS: usize = 16;

    /// A value of the simple shape.
    enum Scalar<'a> {
        Text(&'a str),
        Integer(u64),
    }

    /// The claims of a payload of the simple shape, `None` for any other payload.
    pub(super) fn parse(payload: &[u8]) -> Option<RawClaims> {
        // Printable ASCII without a backslash throughout, checked in one pass without an early
        // exit, which the compiler vectorizes: no string of the payload then has an escape, a
        // control character or anything but ASCII, and whitespace outside the strings fails
        // the grammar below.
        let odd = payload.iter().fold(0_u8, |odd, &b| {
            odd | u8::from(!(b' '..=b'~').contains(&b) || b == b'\\')
        });
        if odd != 0 {
            return None;
        }
        let mut rest = std::str::from_utf8(payload).ok()?.strip_prefix('{')?;
        let mut raw = RawClaims::default();
        if rest == "}" {
            return Some(raw);
        }
        loop {
            let (key, after) = text(rest)?;
            let (value, after) = scalar(after.strip_prefix(':')?)?;
            match (key, value) {
                ("sub", Scalar::Text(value)) => once(&mut raw.sub, value.to_owned())?,
                ("iss", Scalar::Text(value)) => once(&mut raw.iss, value.to_owned())?,
                ("jti", Scalar::Text(value)) => once(&mut raw.jti, value.to_owned())?,
                ("aud", Scalar::Text(value)) => {
                    once(&mut raw.aud, Audience::One(value.to_owned()))?;
                }
                ("exp", Scalar::Integer(date)) => once(&mut raw.exp, checked_date(date)?)?,
                ("iat", Scalar::Integer(date)) => once(&mut raw.iat, checked_date(date)?)?,
                ("nbf", Scalar::Integer(date)) => once(&mut raw.nbf, checked_date(date)?)?,
                // A registered claim of the wrong type, or `extras` (an object, if valid).
                ("sub" | "iss" | "jti" | "aud" | "exp" | "iat" | "nbf" | "extras", _) => {
                    return None;
                }
                // As the visitor does: a repeated private claim's last value wins.
                (name, Scalar::Text(value)) => {
                    raw.extras.insert(name.to_owned(), Value::from(value));
                }
                (name, Scalar::Integer(value)) => {
                    raw.extras.insert(name.to_owned(), Value::from(value));
                }
            }
            if let Some(next) = after.strip_prefix(',') {
                rest = next;
            } else {
                return (after == "}").then_some(raw);
            }
        }
    }

    /// Sets a registered claim; `None` if it was set already (the visitor's refusal).
    fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
        slot.is_none().then(|| *slot = Some(value))
    }

    /// A date the visitor accepts as it is.
    fn checked_date(date: u64) -> Option<u64> {
        (date <= MAX_DATE).then_some(date)
    }

    /// A string (its characters are checked already) and what follows it. The closing quote is
    /// found by `memchr`'s vectorized search: a byte loop mispredicted its exit once per string,
    /// the hottest spot of this parser in a profile of new tokens (issue 8).
    fn text(input: &str) -> Option<(&str, &str)> {
        let input = input.strip_prefix('"')?;
        let end = memchr::memchr(b'"', input.as_bytes())?;
        Some((&input[..end], &input[end + 1..]))
    }

    /// A string, or an integer of 1 to 16 digits without a leading zero, and what follows it.
    fn scalar(input: &str) -> Option<(Scalar<'_>, &str)> {
        if input.starts_with('"') {
            return text(input).map(|(value, after)| (Scalar::Text(value), after));
        }
        // The digits and their value in one pass.
        let (mut digits, mut value) = (0, 0_u64);
        for byte in input.bytes().take(MAX_DIGITS + 1) {
            if !byte.is_ascii_digit() {
                break;
            }
            value = value * 10 + u64::from(byte - b'0');
            digits += 1;
        }
        if digits == 0 || digits > MAX_DIGITS || (digits > 1 && input.starts_with('0')) {
            return None;
        }
        Some((Scalar::Integer(value), &input[digits..]))
    }
}

/// A claim name, borrowed from the payload when it has no escapes: serde's own `Cow<str>`
/// always copies, which cost an allocation per claim (issue 8).
struct ClaimName<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for ClaimName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;

        impl<'de> Visitor<'de> for NameVisitor {
            type Value = ClaimName<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a claim name")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<ClaimName<'de>, E> {
                Ok(ClaimName(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<ClaimName<'de>, E> {
                Ok(ClaimName(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<ClaimName<'de>, E> {
                Ok(ClaimName(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(NameVisitor)
    }
}

/// Sets a registered claim once; a second occurrence is an error (a duplicated `sub` is how
/// parsers are played against each other).
fn set_once<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

fn set_date<'de, A: MapAccess<'de>>(
    slot: &mut Option<u64>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value::<NumericDate>()?.0);
    Ok(())
}

impl<'de> Deserialize<'de> for RawClaims {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ClaimsVisitor;

        impl<'de> Visitor<'de> for ClaimsVisitor {
            type Value = RawClaims;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of claims")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawClaims, A::Error> {
                let mut raw = RawClaims::default();
                let mut nested: Option<Extras> = None;
                while let Some(ClaimName(key)) = map.next_key()? {
                    match key.as_ref() {
                        "sub" => set_once(&mut raw.sub, "sub", &mut map)?,
                        "iss" => set_once(&mut raw.iss, "iss", &mut map)?,
                        "jti" => set_once(&mut raw.jti, "jti", &mut map)?,
                        "aud" => set_once(&mut raw.aud, "aud", &mut map)?,
                        "exp" => set_date(&mut raw.exp, "exp", &mut map)?,
                        "iat" => set_date(&mut raw.iat, "iat", &mut map)?,
                        "nbf" => set_date(&mut raw.nbf, "nbf", &mut map)?,
                        "extras" => set_once(&mut nested, "extras", &mut map)?,
                        _ => {
                            let value: Value = map.next_value()?;
                            raw.extras.insert(key.into_owned(), value);
                        }
                    }
                }
                if let Some(mut nested) = nested {
                    // Top-level private claims win over the nested ones, as in Litestar.
                    nested.append(&mut raw.extras);
                    raw.extras = nested;
                }
                Ok(raw)
            }
        }

        deserializer.deserialize_map(ClaimsVisitor)
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

/// RFC 7519 NumericDate: a JSON number of seconds. Fractions are truncated; negative,
/// non-finite or absurdly large values are refused.
struct NumericDate(u64);

/// Dates past the year 9999 are refused, so that no arithmetic on them can overflow.
const MAX_DATE: u64 = 253_402_300_799;

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;

        impl Visitor<'_> for DateVisitor {
            type Value = NumericDate;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a NumericDate (seconds since the Unix epoch)")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumericDate, E> {
                if v > MAX_DATE {
                    return Err(E::custom("date out of range"));
                }
                Ok(NumericDate(v))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumericDate, E> {
                let v = u64::try_from(v).map_err(|_| E::custom("negative date"))?;
                self.visit_u64(v)
            }

            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                reason = "MAX_DATE < 2^53 is exact as f64, and the range is checked before the cast"
            )]
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NumericDate, E> {
                // The range check makes the cast exact in range and sign.
                if v.is_finite() && (0.0..=MAX_DATE as f64).contains(&v) {
                    Ok(NumericDate(v.trunc() as u64))
                } else {
                    Err(E::custom("date out of range"))
                }
            }
        }

        deserializer.deserialize_any(DateVisitor)
    }
}

/// The claims to encode: registered claims in Litestar's order, then the extras at the top level.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClaimsToEncode {
    pub exp: u64,
    pub sub: String,
    pub iat: Option<u64>,
    pub nbf: Option<u64>,
    pub iss: Option<String>,
    pub aud: Option<Audience>,
    pub jti: Option<String>,
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
            |payload: &[u8]| RawClaims::parse(serde_json::Deserializer::from_slice(payload));
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

    /// What the serde visitor makes of a payload, the fast path left out.
    fn by_visitor(payload: &[u8]) -> Option<RawClaims> {
        RawClaims::parse(serde_json::Deserializer::from_slice(payload)).ok()
    }

    /// The fast path takes `payload`, and answers as the visitor does.
    fn taken_as_by_visitor(payload: &[u8]) {
        let text = String::from_utf8_lossy(payload);
        let (fast, visitor) = RawClaims::fast_path_and_visitor(payload)
            .unwrap_or_else(|| panic!("left to the visitor: {text}"));
        assert_eq!(fast, visitor, "{text}");
    }

    #[test]
    fn minted_payloads_take_the_fast_path() {
        let payloads: [&[u8]; 3] = [
            // PyJWT's `jwt.encode` (bench/http.sh's tokens).
            br#"{"sub":"6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f","exp":1795884390,"iat":1795848390,"jti":"f9c7edd25bc04c9588cefea949a9801e","email":"ada@example.com"}"#,
            // This crate's own order.
            br#"{"exp":1795884390,"iat":1795848390,"sub":"u","iss":"me","aud":"you","jti":"j","role":"admin","n":0}"#,
            b"{}",
        ];
        for payload in payloads {
            taken_as_by_visitor(payload);
        }
    }

    /// Each registered claim, once, repeated, and as a date at and past the range: the fast
    /// path takes the first, and leaves the others to the visitor, which refuses them.
    #[test]
    fn every_registered_claim_is_checked_by_the_fast_path() {
        let taken = |payload: &str| taken_as_by_visitor(payload.as_bytes());
        let refused = |payload: &str| {
            assert!(flat::parse(payload.as_bytes()).is_none(), "{payload}");
            assert!(by_visitor(payload.as_bytes()).is_none(), "{payload}");
        };
        for name in ["sub", "iss", "jti", "aud"] {
            taken(&format!(r#"{{"exp":1,"{name}":"a"}}"#));
            refused(&format!(r#"{{"exp":1,"{name}":"a","{name}":"b"}}"#));
            refused(&format!(r#"{{"exp":1,"{name}":"a","x":2,"{name}":"a"}}"#));
        }
        for name in ["exp", "iat", "nbf"] {
            taken(&format!(r#"{{"sub":"u","{name}":{MAX_DATE}}}"#));
            refused(&format!(r#"{{"sub":"u","{name}":1,"{name}":2}}"#));
            refused(&format!(r#"{{"sub":"u","{name}":{}}}"#, MAX_DATE + 1));
            refused(&format!(r#"{{"sub":"u","{name}":12345678901234567}}"#));
        }
    }

    #[test]
    fn the_fast_path_leaves_the_rest_to_the_visitor() {
        for payload in [
            &br#"{"sub":"u","exp":1,"sub":"v"}"#[..],
            br#"{"sub":"u","exp":253402300800}"#,
            br#"{"sub":1,"exp":1}"#,
            br#"{"sub":"u","exp":"1"}"#,
            br#"{"sub":"u","exp":01}"#,
            br#"{"sub":"u","exp":1.5}"#,
            br#"{"sub":"u","exp":-1}"#,
            br#"{"sub":"u","exp":12345678901234567}"#,
            br#"{"sub":"u", "exp":1}"#,
            br#"{"sub":"u\n","exp":1}"#,
            br#"{"sub":"u","extras":{}}"#,
            br#"{"sub":"u","aud":["a"]}"#,
            br#"{"sub":"u","x":null}"#,
            br#"{"sub":"u"} "#,
            br#"{"sub":"u",}"#,
            br#"{"sub":"u""#,
            b"{\"sub\":\"\xc3\xa9\"}",
            b"{\"sub\":\"\t\"}",
            b"",
            b"{",
        ] {
            assert!(
                flat::parse(payload).is_none(),
                "{}",
                String::from_utf8_lossy(payload)
            );
        }
        // A repeated private claim: the last value wins, as in the visitor.
        let payload = br#"{"sub":"u","x":"a","x":2}"#;
        let fast = flat::parse(payload);
        assert_eq!(fast.as_ref().map(|raw| &raw.extras["x"]), Some(&2.into()));
        taken_as_by_visitor(payload);
    }

    proptest::proptest! {
        /// Payloads of the simple shape and near it: the fast path answers as the visitor does,
        /// or leaves the payload to it; and it does answer for the simple shape.
        #[test]
        fn the_fast_path_answers_as_the_visitor(
            pairs in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "sub", "exp", "iat", "nbf", "iss", "aud", "jti", "extras", "email", "x",
                        "", "s\\u0075b", "a b",
                    ]),
                    proptest::prop_oneof![
                        // Mostly values of the simple shape, so that whole payloads often are.
                        4 => proptest::sample::select(vec![
                            "\"u\"", "\"\"", "\"a b ~!\"", "0", "7", "1795884390",
                            "253402300799", "9999999999999999",
                        ]),
                        1 => proptest::sample::select(vec![
                            "\"\\n\"", "\"\\\"\"", "\"\u{e9}\"", "01", "253402300800",
                            "12345678901234567", "-1", "1.5", "1e3", "null", "true", "{}",
                            "{\"a\":1}", "[\"a\"]", "\"",
                        ]),
                    ],
                ),
                0..8,
            ),
            separator in proptest::sample::select(vec![",", ",", ",", ",", ", ", ";"]),
            end in proptest::sample::select(vec!["}", "}", "}", "}", "} ", "}}", ""]),
        ) {
            let body: Vec<String> =
                pairs.iter().map(|(key, value)| format!("\"{key}\":{value}")).collect();
            let payload = format!("{{{}{end}", body.join(separator));
            if let Some((fast, visitor)) = RawClaims::fast_path_and_visitor(payload.as_bytes()) {
                proptest::prop_assert_eq!(fast, visitor);
            }
        }

        #[test]
        fn simple_payloads_take_the_fast_path(
            sub in "[ -!#-\\[\\]-~]{1,40}",
            exp in 0_u64..=253_402_300_799,
            jti in proptest::option::of("[0-9a-f]{32}"),
            iss in proptest::option::of("[ -!#-\\[\\]-~]{0,20}"),
            aud in proptest::option::of("[a-z]{1,10}"),
            iat in proptest::option::of(0_u64..=253_402_300_799),
            nbf in proptest::option::of(0_u64..=253_402_300_799),
            extras in proptest::collection::btree_map("[a-z]{1,8}", 0_u64..1_000_000, 0..4),
        ) {
            let mut pairs = vec![format!("\"sub\":\"{sub}\""), format!("\"exp\":{exp}")];
            pairs.extend(jti.map(|jti| format!("\"jti\":\"{jti}\"")));
            pairs.extend(iss.map(|iss| format!("\"iss\":\"{iss}\"")));
            pairs.extend(aud.map(|aud| format!("\"aud\":\"{aud}\"")));
            pairs.extend(iat.map(|iat| format!("\"iat\":{iat}")));
            pairs.extend(nbf.map(|nbf| format!("\"nbf\":{nbf}")));
            pairs.extend(
                extras
                    .iter()
                    .filter(|(name, _)| !RESERVED_CLAIMS.contains(&name.as_str()))
                    .map(|(name, value)| format!("\"{name}\":{value}")),
            );
            let payload = format!("{{{}}}", pairs.join(","));
            taken_as_by_visitor(payload.as_bytes());
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
