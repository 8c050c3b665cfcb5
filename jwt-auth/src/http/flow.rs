//! The three flows and where each reads the token from.

use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{AuthError, InvalidToken};

/// How the token travels: Litestar's `JWTAuth`, `JWTCookieAuth` and `OAuth2PasswordBearerAuth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flow {
    /// `Authorization: Bearer <jwt>` only.
    #[default]
    Header,
    /// The header, or else the cookie; login also sets the cookie.
    Cookie,
    /// As [`Flow::Cookie`], and login answers with the OAuth2 token body; the OpenAPI scheme
    /// is the OAuth2 password flow with its `token_url`.
    OAuth2Password,
}

impl Flow {
    /// Whether the flow reads and sets the cookie.
    #[must_use]
    pub fn uses_cookie(self) -> bool {
        !matches!(self, Self::Header)
    }

    /// Parses `"header"`, `"cookie"` or `"oauth2_password"`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        let flow = jwt_auth_config::Flow::from_name(name)?;
        [Self::Header, Self::Cookie, Self::OAuth2Password]
            .into_iter()
            .find(|candidate| candidate.to_config() == flow)
    }

    /// The flow as the configuration's rules know it.
    pub(crate) fn to_config(self) -> jwt_auth_config::Flow {
        match self {
            Self::Header => jwt_auth_config::Flow::Header,
            Self::Cookie => jwt_auth_config::Flow::Cookie,
            Self::OAuth2Password => jwt_auth_config::Flow::OAuth2Password,
        }
    }
}

/// What the header says, before the cookie is consulted.
#[cfg_attr(test, derive(Debug, PartialEq, Eq))]
enum HeaderToken<'a> {
    /// A `Bearer <token>` value.
    Token(&'a [u8]),
    /// No header, or an empty one.
    Absent,
    /// A header with nothing after its first space (or no space at all): the cookie flows fall
    /// through to the cookie, as Litestar does; the header flow calls it an invalid token.
    Empty,
    /// A header that carries something but not a usable bearer token; it wins over the cookie.
    Invalid(InvalidToken),
}

fn header_token<'a>(headers: &'a HeaderMap, name: &HeaderName, max_size: usize) -> HeaderToken<'a> {
    match single_value(headers, name, max_size) {
        Ok(value) => bearer_token(value),
        Err(outcome) => outcome,
    }
}

/// The header's one value, if it has exactly one of at most `max_size` bytes.
fn single_value<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
    max_size: usize,
) -> Result<&'a HeaderValue, HeaderToken<'a>> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Err(HeaderToken::Absent);
    };
    if value.len() > max_size {
        return Err(HeaderToken::Invalid(InvalidToken::TooLarge));
    }
    if values.next().is_some() {
        return Err(HeaderToken::Invalid(InvalidToken::Scheme));
    }
    Ok(value)
}

/// The token of one header value. The common case, `Bearer <jwt>` with a token of visible
/// ASCII and no space, takes one vectorized scan of the token and no conversion to text (the
/// cache compares bytes; a token becomes text only to be decoded); any other value takes
/// [`general_token`], which answers the same for this case.
fn bearer_token(value: &HeaderValue) -> HeaderToken<'_> {
    let bytes = value.as_bytes();
    if starts_with_bearer(bytes) && plain_token(&bytes[7..]) {
        return HeaderToken::Token(&bytes[7..]);
    }
    general_token(value)
}

/// The token of one header value, as Litestar takes it: everything after the first space, if
/// the scheme before it is `Bearer` in any case.
fn general_token(value: &HeaderValue) -> HeaderToken<'_> {
    let Ok(value) = value.to_str() else {
        return HeaderToken::Invalid(InvalidToken::Malformed);
    };
    if value.is_empty() {
        return HeaderToken::Absent;
    }
    // Nothing after the first space (or no space) means no token here.
    let Some((scheme, token)) = value.split_once(' ') else {
        return HeaderToken::Empty;
    };
    if token.is_empty() {
        return HeaderToken::Empty;
    }
    if !scheme.eq_ignore_ascii_case("bearer") || token.contains(' ') {
        return HeaderToken::Invalid(InvalidToken::Scheme);
    }
    HeaderToken::Token(token.as_bytes())
}

/// The text of a token [`find_token`] found: it holds visible ASCII only, so this never fails
/// (a refusal, not a panic, if it did).
pub(crate) fn token_text(jwt: &[u8]) -> Result<&str, InvalidToken> {
    std::str::from_utf8(jwt).map_err(|_| InvalidToken::Malformed)
}

/// Whether `bytes` starts with `bearer ` in any case and has a byte after it: the first seven
/// bytes compared as one word. Setting bit 5 of an ASCII letter lowercases it and maps no other
/// byte to a lowercase letter.
fn starts_with_bearer(bytes: &[u8]) -> bool {
    const BEARER: u64 = u64::from_le_bytes(*b"bearer \0");
    const LOWER: u64 = u64::from_le_bytes(*b"\x20\x20\x20\x20\x20\x20\0\0");
    const SEVEN: u64 = u64::from_le_bytes(*b"\xff\xff\xff\xff\xff\xff\xff\0");
    let Some(word) = bytes.first_chunk::<8>() else {
        return false;
    };
    (u64::from_le_bytes(*word) | LOWER) & SEVEN == BEARER
}

/// Whether each byte is visible ASCII other than a space, or a tab: what [`general_token`]
/// accepts after `Bearer `. A fold without an early exit, which the compiler vectorizes (a
/// valid token is read whole anyway).
fn plain_token(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |bad, &b| {
        bad | u8::from(!(b == b'\t' || (b'!'..=b'~').contains(&b)))
    }) == 0
}

/// The token from the cookie `name`: the last cookie of that name wins, surrounding quotes are
/// removed, and a legacy `Bearer <jwt>` value gives its last word. A value above `max_size`
/// bytes is refused before anything else is done with it.
fn cookie_token<'a>(
    headers: &'a HeaderMap,
    name: &str,
    max_size: usize,
) -> Result<Option<&'a str>, InvalidToken> {
    let mut found = None;
    for header in headers.get_all(COOKIE) {
        let Ok(header) = header.to_str() else {
            continue;
        };
        for pair in header.split(';') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            if key.trim() == name {
                found = Some(value.trim());
            }
        }
    }
    let Some(value) = found else {
        return Ok(None);
    };
    if value.len() > max_size {
        return Err(InvalidToken::TooLarge);
    }
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    let token = value.rsplit(' ').next().unwrap_or(value);
    Ok((!token.is_empty()).then_some(token))
}

/// Where a token was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// The authorization header.
    Header,
    /// The cookie (cookie flows only); unsafe methods are then subject to the CSRF check.
    Cookie,
    /// The query string of a WebSocket handshake (with `websocket_query` only); subject to the
    /// CSRF check as the cookie is.
    Query,
}

/// Where to look for the token, and how large it may be.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extraction<'a> {
    pub flow: Flow,
    pub header: &'a HeaderName,
    pub cookie: &'a str,
    pub max_size: usize,
}

/// Finds the token for a flow, with Litestar's precedence: a header that yields a non-empty
/// value wins (even an invalid one); otherwise the cookie, for the cookie flows. A header or
/// cookie value above `max_size` bytes is [`InvalidToken::TooLarge`] (a 431), before any
/// decoding. The token is visible ASCII ([`token_text`] makes it text).
pub(crate) fn find_token<'a>(
    how: Extraction<'_>,
    headers: &'a HeaderMap,
) -> Result<(&'a [u8], TokenSource), AuthError> {
    match header_token(headers, how.header, how.max_size) {
        HeaderToken::Token(token) => Ok((token, TokenSource::Header)),
        HeaderToken::Invalid(reason) => Err(AuthError::InvalidToken(reason)),
        HeaderToken::Absent | HeaderToken::Empty if how.flow.uses_cookie() => {
            match cookie_token(headers, how.cookie, how.max_size) {
                Ok(Some(token)) => Ok((token.as_bytes(), TokenSource::Cookie)),
                Ok(None) => Err(AuthError::MissingToken { cookie: true }),
                Err(reason) => Err(AuthError::InvalidToken(reason)),
            }
        }
        HeaderToken::Absent => Err(AuthError::MissingToken { cookie: false }),
        HeaderToken::Empty => Err(AuthError::InvalidToken(InvalidToken::Scheme)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use axum::http::header::AUTHORIZATION;

    fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        map
    }

    fn find_limited(
        flow: Flow,
        pairs: &[(&str, &[u8])],
        max_size: usize,
    ) -> Result<String, AuthError> {
        let map = headers(pairs);
        let how = Extraction {
            flow,
            header: &AUTHORIZATION,
            cookie: "token",
            max_size,
        };
        find_token(how, &map).map(|(token, _)| token_text(token).unwrap().to_owned())
    }

    fn find(flow: Flow, pairs: &[(&str, &[u8])]) -> Result<String, AuthError> {
        find_limited(flow, pairs, 8192)
    }

    const TOO_LARGE: AuthError = AuthError::InvalidToken(InvalidToken::TooLarge);

    /// For every byte, alone and at the end of a run long enough to be read in vector lanes,
    /// in a token after `Bearer `: the fast path takes the token exactly when
    /// `general_token` does, and gives the same answer.
    #[test]
    fn the_fast_path_agrees_with_the_general_one_for_every_byte() {
        for byte in 0..=u8::MAX {
            let expected = byte == b'\t' || (0x21..0x7f).contains(&byte);
            assert_eq!(plain_token(&[byte]), expected, "byte {byte:#04x}");
            let mut long =
                b"Bearer eyJhbGciOiJIUzI1NiJ9.e30.abcdefghijklmnopqrstuvwxyz0123".to_vec();
            long.push(byte);
            assert_eq!(plain_token(&long[7..]), expected, "byte {byte:#04x}");
            // Bytes a header value cannot hold (controls, DEL) cannot arrive in a request.
            if let Ok(value) = HeaderValue::from_bytes(&long) {
                assert_eq!(
                    bearer_token(&value),
                    general_token(&value),
                    "byte {byte:#04x}"
                );
            }
        }
    }

    #[test]
    fn oversized_header_or_cookie_is_too_large() {
        let big = format!("Bearer {}", "a".repeat(100));
        assert_eq!(
            find_limited(Flow::Header, &[("authorization", big.as_bytes())], 100),
            Err(TOO_LARGE)
        );
        assert_eq!(
            find_limited(Flow::Header, &[("authorization", big.as_bytes())], 107),
            Ok("a".repeat(100))
        );
        let cookie = format!("other=1; token={}", "b".repeat(101));
        assert_eq!(
            find_limited(Flow::Cookie, &[("cookie", cookie.as_bytes())], 100),
            Err(TOO_LARGE)
        );
        assert_eq!(
            find_limited(Flow::Cookie, &[("cookie", cookie.as_bytes())], 101),
            Ok("b".repeat(101))
        );
        // An oversized header is refused even when a second one would make it a scheme error.
        let pairs: &[(&str, &[u8])] = &[("authorization", big.as_bytes()), ("authorization", b"x")];
        assert_eq!(find_limited(Flow::Cookie, pairs, 10), Err(TOO_LARGE));
    }

    #[test]
    fn the_source_is_reported() {
        let how = Extraction {
            flow: Flow::Cookie,
            header: &AUTHORIZATION,
            cookie: "token",
            max_size: 8192,
        };
        let map = headers(&[("cookie", b"token=abc")]);
        assert_eq!(
            find_token(how, &map),
            Ok((&b"abc"[..], TokenSource::Cookie))
        );
        let map = headers(&[("authorization", b"Bearer abc"), ("cookie", b"token=x")]);
        assert_eq!(
            find_token(how, &map),
            Ok((&b"abc"[..], TokenSource::Header))
        );
    }

    const MISSING_HEADER: AuthError = AuthError::MissingToken { cookie: false };
    const MISSING_BOTH: AuthError = AuthError::MissingToken { cookie: true };
    const SCHEME: AuthError = AuthError::InvalidToken(InvalidToken::Scheme);

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for value in ["Bearer t", "bearer t", "BEARER t"] {
            assert_eq!(
                find(Flow::Header, &[("authorization", value.as_bytes())]),
                Ok("t".into())
            );
        }
    }

    #[test]
    fn other_schemes_and_shapes_are_invalid() {
        for value in [
            "Basic t",
            "Token t",
            "Bearer  t",
            "Bearer t x",
            "t",
            "Bearer",
        ] {
            assert_eq!(
                find(Flow::Header, &[("authorization", value.as_bytes())]),
                Err(SCHEME),
                "{value}"
            );
        }
    }

    #[test]
    fn missing_or_empty_header() {
        assert_eq!(find(Flow::Header, &[]), Err(MISSING_HEADER));
        assert_eq!(
            find(Flow::Header, &[("authorization", b"")]),
            Err(MISSING_HEADER)
        );
        assert_eq!(
            find(Flow::Header, &[("authorization", b"Bearer ")]),
            Err(SCHEME)
        );
        assert_eq!(find(Flow::Cookie, &[]), Err(MISSING_BOTH));
    }

    #[test]
    fn several_authorization_headers_are_invalid() {
        let pairs: &[(&str, &[u8])] = &[
            ("authorization", b"Bearer a"),
            ("authorization", b"Bearer b"),
        ];
        assert_eq!(find(Flow::Header, pairs), Err(SCHEME));
    }

    #[test]
    fn non_utf8_header_is_invalid() {
        assert_eq!(
            find(Flow::Header, &[("authorization", b"Bearer \xff\xfe")]),
            Err(AuthError::InvalidToken(InvalidToken::Malformed))
        );
    }

    #[test]
    fn header_flow_ignores_the_cookie() {
        assert_eq!(
            find(Flow::Header, &[("cookie", b"token=abc")]),
            Err(MISSING_HEADER)
        );
    }

    #[test]
    fn cookie_flow_reads_the_cookie() {
        assert_eq!(
            find(Flow::Cookie, &[("cookie", b"token=abc")]),
            Ok("abc".into())
        );
        assert_eq!(
            find(Flow::Cookie, &[("cookie", b"a=1; token=abc; b=2")]),
            Ok("abc".into())
        );
        assert_eq!(
            find(Flow::Cookie, &[("cookie", b"token=\"abc\"")]),
            Ok("abc".into())
        );
        assert_eq!(
            find(Flow::Cookie, &[("cookie", b"token=Bearer abc")]),
            Ok("abc".into())
        );
        assert_eq!(
            find(Flow::Cookie, &[("cookie", b"token=1; token=2")]),
            Ok("2".into())
        );
        assert_eq!(
            find(
                Flow::Cookie,
                &[("cookie", b"token=1"), ("cookie", b"token=2")]
            ),
            Ok("2".into())
        );
        assert_eq!(
            find(Flow::Cookie, &[("cookie", b"Token=abc")]),
            Err(MISSING_BOTH)
        );
        assert_eq!(
            find(Flow::Cookie, &[("cookie", b"token=")]),
            Err(MISSING_BOTH)
        );
        assert_eq!(
            find(Flow::Cookie, &[("cookie", b"tokenx=abc; xtoken=1")]),
            Err(MISSING_BOTH)
        );
        assert_eq!(
            find(Flow::Cookie, &[("cookie", b"\xff=1; token=abc")]),
            Err(MISSING_BOTH)
        );
    }

    #[test]
    fn non_empty_header_wins_over_cookie() {
        let pairs: &[(&str, &[u8])] =
            &[("authorization", b"Bearer junk"), ("cookie", b"token=good")];
        assert_eq!(find(Flow::Cookie, pairs), Ok("junk".into()));
        let pairs: &[(&str, &[u8])] =
            &[("authorization", b"Basic junk"), ("cookie", b"token=good")];
        assert_eq!(find(Flow::Cookie, pairs), Err(SCHEME));
        // Nothing after the scheme word: fall through to the cookie, as Litestar does.
        for header in [&b"Bearer "[..], b"rawtokenwithoutscheme"] {
            let pairs: &[(&str, &[u8])] = &[("authorization", header), ("cookie", b"token=good")];
            assert_eq!(find(Flow::OAuth2Password, pairs), Ok("good".into()));
            assert_eq!(
                find(Flow::Cookie, &[("authorization", header)]),
                Err(MISSING_BOTH)
            );
        }
    }

    /// Header values near the interesting shapes: a scheme word (or none), then bytes from an
    /// alphabet with spaces, tabs and non-ASCII bytes; or any bytes at all.
    fn header_values() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let scheme = prop::sample::select(vec![
            &b""[..],
            b"Bearer ",
            b"bearer ",
            b"BEARER ",
            b"BeArEr ",
            b"Bearer",
            b"Bearer  ",
            b"Basic ",
            b"bearerx ",
            b" ",
        ]);
        let alphabet = prop::sample::select(vec![
            b'a', b'Z', b'0', b'.', b'-', b'_', b' ', b'\t', b'~', b'!', 0x80, 0xff,
        ]);
        prop_oneof![
            (scheme, prop::collection::vec(alphabet, 0..40)).prop_map(|(scheme, rest)| {
                let mut value = scheme.to_vec();
                value.extend(rest);
                value
            }),
            prop::collection::vec(any::<u8>(), 0..40),
        ]
    }

    #[test]
    fn the_bearer_word_check_is_eq_ignore_ascii_case() {
        // Every byte at every position of `Bearer x`, against the plain comparison.
        for position in 0..8 {
            for byte in 0..=u8::MAX {
                let mut value = *b"Bearer x";
                value[position] = byte;
                let expected = value[..7].eq_ignore_ascii_case(b"bearer ");
                assert_eq!(starts_with_bearer(&value), expected, "{value:?}");
                assert!(!starts_with_bearer(&value[..7]));
            }
        }
    }

    proptest::proptest! {
        /// `header_token`, with its fast path, answers as Litestar's rule (`general_token`) on
        /// the header's one value, for one or two headers and any size limit.
        #[test]
        fn the_header_scan_matches_the_general_rule(
            value in header_values(),
            second in proptest::option::of(header_values()),
            max_size in 0usize..48,
        ) {
            let mut map = HeaderMap::new();
            // Bytes that `HeaderValue` refuses cannot arrive in a request.
            let Ok(header) = HeaderValue::from_bytes(&value) else {
                return Ok(());
            };
            map.append(AUTHORIZATION, header);
            if let Some(Ok(header)) = second.as_deref().map(HeaderValue::from_bytes) {
                map.append(AUTHORIZATION, header);
            }
            let general = match single_value(&map, &AUTHORIZATION, max_size) {
                Ok(value) => general_token(value),
                Err(outcome) => outcome,
            };
            proptest::prop_assert_eq!(header_token(&map, &AUTHORIZATION, max_size), general);
        }
    }

    #[test]
    fn flow_names() {
        assert_eq!(Flow::parse("header"), Some(Flow::Header));
        assert_eq!(Flow::parse("cookie"), Some(Flow::Cookie));
        assert_eq!(Flow::parse("oauth2_password"), Some(Flow::OAuth2Password));
        assert_eq!(Flow::parse("oauth2"), None);
    }
}
