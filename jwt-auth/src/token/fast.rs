//! The claims of the payloads PyJWT, `jsonwebtoken` and this crate mint, parsed without serde:
//! an object with no whitespace whose values are strings of printable ASCII without escapes or
//! integers of at most 16 digits. [`parse`] answers only where it is sure to give what the serde
//! visitor ([`visitor`]) gives; for anything else (whitespace, an escape, a nested object, a
//! float, a negative number, a duplicated registered claim, a date out of range, trailing
//! bytes, invalid input) it answers `None` and the visitor decides, refusals included.
//!
//! What it saves: about 1,000 instructions per new token against the visitor (callgrind), which
//! left the profile's decoding of a new token 0.2-1.5 µs faster. The visitor stays the
//! reference: property tests here and the `claims_json` fuzz target hold the two to the same
//! answers.

use serde_json::Value;

use crate::token::model::Audience;
use crate::token::raw::{MAX_DATE, RawClaims};
#[cfg(any(test, fuzzing))]
use crate::token::visitor;

/// The most digits of an integer the fast path takes; one more is read to refuse a longer
/// number, and that many nines still fit in a u64.
const MAX_DIGITS: usize = 16;

/// A value of the simple shape.
enum Scalar<'a> {
    Text(&'a str),
    Integer(u64),
}

/// The claims of a payload of the simple shape, `None` for any other payload.
pub(crate) fn parse(payload: &[u8]) -> Option<RawClaims> {
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
            ("scope", Scalar::Text(value)) => once(&mut raw.scope, value.to_owned())?,
            ("aud", Scalar::Text(value)) => {
                once(&mut raw.aud, Audience::One(value.to_owned()))?;
            }
            ("exp", Scalar::Integer(date)) => once(&mut raw.exp, checked_date(date)?)?,
            ("iat", Scalar::Integer(date)) => once(&mut raw.iat, checked_date(date)?)?,
            ("nbf", Scalar::Integer(date)) => once(&mut raw.nbf, checked_date(date)?)?,
            // A registered claim of the wrong type, or `extras` (an object, if valid).
            ("sub" | "iss" | "jti" | "scope" | "aud" | "exp" | "iat" | "nbf" | "extras", _) => {
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
/// the hottest spot of this parser in a profile of new tokens.
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

/// The fast path's answer and the visitor's, formatted, for a payload the fast path takes
/// (`None` for one it leaves to the visitor): the `claims_json` fuzz target compares them.
#[cfg(any(test, fuzzing))]
pub(crate) fn fast_path_and_visitor(payload: &[u8]) -> Option<(String, String)> {
    let fast: Result<RawClaims, crate::error::InvalidToken> = Ok(parse(payload)?);
    let visitor = visitor::parse(serde_json::Deserializer::from_slice(payload));
    Some((format!("{fast:?}"), format!("{visitor:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::model::RESERVED_CLAIMS;

    /// What the serde visitor makes of a payload, the fast path left out.
    fn by_visitor(payload: &[u8]) -> Option<RawClaims> {
        visitor::parse(serde_json::Deserializer::from_slice(payload)).ok()
    }

    /// The fast path takes `payload`, and answers as the visitor does.
    fn taken_as_by_visitor(payload: &[u8]) {
        let text = String::from_utf8_lossy(payload);
        let (fast, visitor) =
            fast_path_and_visitor(payload).unwrap_or_else(|| panic!("left to the visitor: {text}"));
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
            assert!(parse(payload.as_bytes()).is_none(), "{payload}");
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
                parse(payload).is_none(),
                "{}",
                String::from_utf8_lossy(payload)
            );
        }
        // A repeated private claim: the last value wins, as in the visitor.
        let payload = br#"{"sub":"u","x":"a","x":2}"#;
        let fast = parse(payload);
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
            if let Some((fast, visitor)) = fast_path_and_visitor(payload.as_bytes()) {
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
}
