//! The serde visitor of the claims: the reference parser, which decides every payload the fast
//! path leaves to it. Each registered claim is type-checked and may appear once; the rest are
//! extras, merged over a nested `extras` object.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::InvalidToken;
use crate::token::model::Extras;
use crate::token::raw::{MAX_DATE, RawClaims};

/// Parses a whole payload with the visitor: claims of the wrong type are
/// [`InvalidToken::Claims`], anything after the object [`InvalidToken::Malformed`].
pub(crate) fn parse<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
) -> Result<RawClaims, InvalidToken> {
    let raw = RawClaims::deserialize(&mut de).map_err(|_| InvalidToken::Claims)?;
    de.end().map_err(|_| InvalidToken::Malformed)?;
    Ok(raw)
}

/// A claim name, borrowed from the payload when it has no escapes: serde's own `Cow<str>`
/// always copies, which cost an allocation per claim.
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

/// The `scope` claim: a string of space-separated names (RFC 8693 section 4.2), or, as some
/// issuers write it, an array of names, joined here with spaces.
struct ScopeClaim(String);

impl<'de> Deserialize<'de> for ScopeClaim {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScopeVisitor;

        impl<'de> Visitor<'de> for ScopeVisitor {
            type Value = ScopeClaim;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<ScopeClaim, E> {
                Ok(ScopeClaim(v.to_owned()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<ScopeClaim, E> {
                Ok(ScopeClaim(v))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<ScopeClaim, A::Error> {
                let mut joined = String::new();
                while let Some(name) = seq.next_element::<Cow<'de, str>>()? {
                    if !joined.is_empty() {
                        joined.push(' ');
                    }
                    joined.push_str(&name);
                }
                Ok(ScopeClaim(joined))
            }
        }

        deserializer.deserialize_any(ScopeVisitor)
    }
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
                        "scope" => {
                            let mut scope: Option<ScopeClaim> = None;
                            if raw.scope.is_some() {
                                return Err(de::Error::duplicate_field("scope"));
                            }
                            set_once(&mut scope, "scope", &mut map)?;
                            raw.scope = scope.map(|scope| scope.0);
                        }
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

/// RFC 7519 NumericDate: a JSON number of seconds. Fractions are truncated; negative,
/// non-finite or absurdly large values are refused.
struct NumericDate(u64);

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
