//! The query-string side of WebSocket handshakes: reading the token parameter, telling a ticket
//! by its type, and remembering the tickets used (see `http/websocket.rs`).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::http::Uri;

use crate::error::InvalidToken;
use crate::token::header::{PlainHeader, TICKET_TYP};

/// The default lifetime of a ticket.
pub const DEFAULT_TICKET_LIFETIME: Duration = Duration::from_secs(30);

/// The most tickets remembered as used at once: past it (with every one still in force), a
/// ticket is refused rather than the memory grown; with 30-second tickets that is a sustained
/// 3,000 handshakes a second.
const MAX_USED: usize = 100_000;

/// The query-string settings (`websocket_query`).
#[derive(Debug)]
pub(crate) struct WebSocketSettings {
    /// The query parameter that carries the token.
    pub query: String,
    /// How long a ticket lives.
    pub ticket_lifetime: Duration,
    /// The tickets used so far, until they expire.
    pub used: UsedTickets,
}

/// The `jti`s of the tickets used, each until its `exp`: a ticket is accepted once per
/// process. (Several instances each accept it once within its seconds of life.)
#[derive(Debug, Default)]
pub(crate) struct UsedTickets(Mutex<HashMap<String, u64>>);

impl UsedTickets {
    /// Records a ticket's use: `true` the first time, `false` after (or when the record is
    /// full of tickets still in force).
    pub(crate) fn spend(&self, jti: &str, exp: u64, now: u64) -> bool {
        let mut used = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if used.contains_key(jti) {
            return false;
        }
        if used.len() >= MAX_USED {
            used.retain(|_, until| *until > now);
            if used.len() >= MAX_USED {
                return false;
            }
        }
        used.insert(jti.to_owned(), exp);
        true
    }
}

/// Whether `jwt`'s JOSE header names it a ticket ([`TICKET_TYP`]).
pub(crate) fn is_ticket(jwt: &str) -> bool {
    PlainHeader::segment(jwt)
        .and_then(PlainHeader::parse)
        .is_some_and(|(_, _, header)| header.typ.as_deref() == Some(TICKET_TYP))
}

/// The value of the parameter `name` in `uri`'s query string: `None` without one; refused when
/// repeated, longer than `max_size`, or not the characters of a token (nothing is
/// percent-decoded: a token has none to decode).
pub(crate) fn query_token<'u>(
    uri: &'u Uri,
    name: &str,
    max_size: usize,
) -> Result<Option<&'u str>, InvalidToken> {
    let mut found = None;
    for pair in uri.query().unwrap_or_default().split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != name {
            continue;
        }
        if found.is_some() {
            return Err(InvalidToken::Malformed);
        }
        found = Some(value);
    }
    let Some(value) = found.filter(|value| !value.is_empty()) else {
        return Ok(None);
    };
    if value.len() > max_size {
        return Err(InvalidToken::TooLarge);
    }
    let token_chars = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    if !value.bytes().all(token_chars) {
        return Err(InvalidToken::Malformed);
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_token_is_read_once_and_only_as_token_characters() {
        let read = |uri: &'static str| {
            query_token(&Uri::from_static(uri), "access_token", 64)
                .map(|found| found.map(str::to_owned))
        };
        assert_eq!(
            read("/ws?access_token=a.b-c_d"),
            Ok(Some("a.b-c_d".to_owned()))
        );
        assert_eq!(
            read("/ws?x=1&access_token=abc&y"),
            Ok(Some("abc".to_owned()))
        );
        assert_eq!(read("/ws"), Ok(None));
        assert_eq!(read("/ws?access_token="), Ok(None));
        assert_eq!(read("/ws?access_tokens=abc"), Ok(None));
        assert_eq!(
            read("/ws?access_token=a&access_token=b"),
            Err(InvalidToken::Malformed)
        );
        assert_eq!(read("/ws?access_token=a%2Eb"), Err(InvalidToken::Malformed));
        let long = Uri::try_from(format!("/ws?access_token={}", "a".repeat(65))).unwrap();
        assert_eq!(
            query_token(&long, "access_token", 64),
            Err(InvalidToken::TooLarge)
        );
    }

    #[test]
    fn a_ticket_is_spent_once_and_the_record_stays_bounded() {
        let used = UsedTickets::default();
        assert!(used.spend("a", 10, 0));
        assert!(!used.spend("a", 10, 0));
        assert!(used.spend("b", 10, 0));
    }
}
