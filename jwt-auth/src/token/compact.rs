//! The compact serialization of a JWS: its three segments, and the payload's decoding.

use crate::error::InvalidToken;
use crate::token::base64;

/// The segments of a compact JWS: the header, what the signature covers, the signature, the
/// payload.
pub(crate) struct Segments<'a> {
    pub header: &'a str,
    pub message: &'a [u8],
    pub signature: &'a str,
    pub payload: &'a str,
}

impl<'a> Segments<'a> {
    /// Splits a token with exactly two dots, each byte looked at once; any other token is
    /// [`InvalidToken::Malformed`].
    pub(crate) fn split(jwt: &'a str) -> Result<Self, InvalidToken> {
        // Exactly two dots, found by `memchr`'s vectorized search (`str::split_once` reads a
        // word at a time). A dot is ASCII, so each index is a character boundary.
        let mut dots = memchr::memchr_iter(b'.', jwt.as_bytes());
        let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
            return Err(InvalidToken::Malformed);
        };
        Ok(Self {
            header: &jwt[..first],
            message: &jwt.as_bytes()[..second],
            signature: &jwt[second + 1..],
            payload: &jwt[first + 1..second],
        })
    }
}

/// The largest payload decoded on the stack ; a longer one is decoded on the heap.
pub(crate) const STACK_PAYLOAD: usize = 1024;

/// Decodes the base64url payload of a token whose signature is checked and hands its bytes to
/// `parse`: in a stack buffer when it fits, so that a typical token needs no allocation for it.
/// Not base64url is [`InvalidToken::Malformed`], as before.
pub(crate) fn with_payload<T>(
    encoded: &str,
    parse: impl FnOnce(&[u8]) -> Result<T, InvalidToken>,
) -> Result<T, InvalidToken> {
    // Every 4 characters give at most 3 bytes, and the last 2 or 3 characters 1 or 2.
    let encoded = encoded.as_bytes();
    if encoded.len() / 4 * 3 + 2 <= STACK_PAYLOAD {
        let mut buffer = [0_u8; STACK_PAYLOAD];
        let len = base64::decode_into(encoded, &mut buffer).ok_or(InvalidToken::Malformed)?;
        parse(&buffer[..len])
    } else {
        let bytes = base64::decode(encoded).ok_or(InvalidToken::Malformed)?;
        parse(&bytes)
    }
}
