//! The JOSE header: what of it decides how a token is checked, and its fast parse.

use jsonwebtoken::Algorithm;

use crate::error::InvalidToken;
use crate::token::base64;
use crate::token::json::from_json;

/// The JOSE `typ` of refresh tokens. Access tokens carry `JWT` (or, from other issuers, any
/// other `typ` or none); a token with this one is refused where an access token is expected.
pub const REFRESH_TYP: &str = "refresh+jwt";

/// The JOSE `typ` of one-use WebSocket tickets ([`JwtAuth::websocket_ticket`]), accepted only in
/// the query string of a WebSocket handshake.
///
/// [`JwtAuth::websocket_ticket`]: crate::JwtAuth::websocket_ticket
pub const TICKET_TYP: &str = "ws-ticket+jwt";

/// What the JOSE header says that decides how a token is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoseHeader {
    /// Selects the verification key (see [`Key`](crate::Key)).
    pub kid: Option<String>,
    /// The token type (`JWT`, or none).
    pub typ: Option<String>,
}

/// A JOSE header with only the fields this crate reads, decoded and parsed in a stack buffer:
/// no `Header` of 17 fields, no flattened map.
/// A header with any other field, or that this cannot take, is left to
/// `jsonwebtoken::decode_header`, so that what is accepted does not change.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlainHeader<'a> {
    alg: Algorithm,
    #[serde(borrow)]
    typ: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    kid: Option<std::borrow::Cow<'a, str>>,
    crit: Option<serde::de::IgnoredAny>,
}

impl PlainHeader<'_> {
    /// The header segment of `jwt` as `jsonwebtoken::decode_header` takes it: all before the
    /// last two dots.
    pub(crate) fn segment(jwt: &str) -> Option<&str> {
        let (message, _) = jwt.rsplit_once('.')?;
        let (encoded, _) = message.rsplit_once('.')?;
        Some(encoded)
    }

    /// Decodes a header segment into a stack buffer and parses it there: its `alg`,
    /// whether it has a `crit`, its `kid` and `typ`.
    pub(crate) fn parse(encoded: &str) -> Option<(Algorithm, bool, JoseHeader)> {
        let mut buffer = [0_u8; 256];
        let len = base64::decode_into(encoded.as_bytes(), &mut buffer)?;
        let plain: PlainHeader<'_> = from_json(&buffer[..len]).ok()?;
        let fields = JoseHeader {
            kid: plain.kid.map(std::borrow::Cow::into_owned),
            typ: plain.typ.map(std::borrow::Cow::into_owned),
        };
        Some((plain.alg, plain.crit.is_some(), fields))
    }
}

/// The header's `alg`, `kid` and `typ`, or why the token is refused before any key is looked
/// up, in this order: an algorithm `accepts` refuses, an extension (`crit`), a refresh token's
/// `typ`. `encoded` is the header segment (`None`: `jwt` has fewer than two dots), parsed by
/// [`PlainHeader`] when it can, else by `jsonwebtoken::decode_header`.
pub(crate) fn parse_header(
    encoded: Option<&str>,
    jwt: &str,
    accepts: impl FnOnce(Algorithm) -> bool,
) -> Result<(Algorithm, JoseHeader), InvalidToken> {
    let (alg, critical, header) = if let Some(parsed) = encoded.and_then(PlainHeader::parse) {
        parsed
    } else {
        let decoded = jsonwebtoken::decode_header(jwt).map_err(|_| InvalidToken::Malformed)?;
        let header = JoseHeader {
            kid: decoded.kid,
            typ: decoded.typ,
        };
        (decoded.alg, decoded.crit.is_some(), header)
    };
    if !accepts(alg) {
        return Err(InvalidToken::Algorithm);
    }
    if critical {
        // RFC 7515 section 4.1.11: no extension is understood here.
        return Err(InvalidToken::Malformed);
    }
    if header.typ.as_deref() == Some(REFRESH_TYP) {
        // Explicit typing (RFC 8725 section 3.11): a refresh token is never an access token.
        return Err(InvalidToken::WrongType);
    }
    Ok((alg, header))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `from_json` answers as `serde_json::from_slice`, valid UTF-8 or not.
    #[test]
    fn from_json_agrees_with_from_slice() {
        let cases: [&[u8]; 9] = [
            br#"{"alg":"HS256","typ":"JWT"}"#,
            br#"{"alg":"HS256","kid":"k\u00e9\"y"}"#,
            "{\"alg\":\"HS256\",\"kid\":\"\u{e9}\"}".as_bytes(),
            b"{\"alg\":\"HS256\",\"kid\":\"\xff\"}",
            b"{\"alg\":\"HS256\",\"crit\":\"\xff\"}",
            b"{\"alg\":\"HS256\"}\xff",
            b"{\"alg\":\"HS256\",\"typ\":\"JWT\"} ",
            b"\xef\xbb\xbf{\"alg\":\"HS256\"}",
            b"",
        ];
        for case in cases {
            let ours = from_json::<PlainHeader<'_>>(case).map(|p| (p.alg, p.kid, p.typ));
            let theirs =
                serde_json::from_slice::<PlainHeader<'_>>(case).map(|p| (p.alg, p.kid, p.typ));
            assert_eq!(
                format!("{ours:?}"),
                format!("{theirs:?}"),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
    }
}
