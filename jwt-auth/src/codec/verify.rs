//! Verifying a token: its header, the key its `kid` selects, the signature, then the claims.

use jsonwebtoken::DecodingKey;
use serde::de::DeserializeOwned;

use crate::codec::{Codec, HmacSecret};
use crate::error::InvalidToken;
use crate::keys::select::select_key;
use crate::token::compact::{Segments, with_payload};
use crate::token::header::{JoseHeader, PlainHeader, parse_header};
use crate::token::model::Token;
use crate::token::raw::RawClaims;

impl Codec {
    /// Checks the header and the signature with the key the `kid` selects among `keys`;
    /// returns the payload, still in base64url.
    pub(crate) fn verify_signature<'j>(&self, jwt: &'j str) -> Result<&'j str, InvalidToken> {
        self.verify_signature_with(jwt, |kid| select_key(&self.keys, kid))
    }

    /// The header's `kid` and `typ`, or a token that is refused before any key is looked up.
    /// (Refresh tokens are refused as access tokens by their `typ`.)
    pub(crate) fn checked_kid(&self, jwt: &str) -> Result<JoseHeader, InvalidToken> {
        self.checked_header(PlainHeader::segment(jwt), jwt)
    }

    /// [`checked_kid`](Self::checked_kid) with the header segment of `jwt` already split
    /// (`None`: `jwt` has fewer than two dots).
    pub(crate) fn checked_header(
        &self,
        encoded: Option<&str>,
        jwt: &str,
    ) -> Result<JoseHeader, InvalidToken> {
        parse_header(encoded, jwt, |alg| alg == self.algorithm).map(|(_, header)| header)
    }

    /// Checks the header and the signature with the key `select` picks for the `kid` (or,
    /// during an HMAC secret's rotation, with each secret, the `kid`'s first); returns the
    /// payload, still in base64url.
    pub(crate) fn verify_signature_with<'k, 'j>(
        &self,
        jwt: &'j str,
        select: impl FnOnce(Option<&str>) -> Result<&'k DecodingKey, InvalidToken>,
    ) -> Result<&'j str, InvalidToken> {
        let segments = Segments::split(jwt)?;
        let (message, signature) = (segments.message, segments.signature);
        // With exactly two dots, the first segment is the one `checked_kid` would take.
        let mut parsed = None;
        let header = match self.memo.get(segments.header) {
            Some(known) => known,
            None => &*parsed.insert(self.checked_header(Some(segments.header), jwt)?),
        };
        let valid = match self.hmac.as_slice() {
            // The codec's only key: `select` applies the `kid` rules to it.
            [only] => {
                select(header.kid.as_deref())?;
                only.key.verify(message, signature)
            }
            [] => {
                let key = select(header.kid.as_deref())?;
                matches!(
                    jsonwebtoken::crypto::verify(signature, message, key, self.algorithm),
                    Ok(true)
                )
            }
            secrets => verify_rotated(secrets, header.kid.as_deref(), message, signature),
        };
        if !valid {
            return Err(InvalidToken::Signature);
        }
        if let Some(header) = parsed {
            self.memo.learn(segments.header, header);
        }
        Ok(segments.payload)
    }

    /// Verifies, parses and validates a token at time `now`.
    pub(crate) fn decode_at<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
        now: u64,
    ) -> Result<Token<C>, InvalidToken> {
        let payload = self.verify_signature(jwt)?;
        with_payload(payload, |payload| self.validate_payload(payload, now))
    }

    /// Verifies, parses and validates a refresh token at time `now` (local keys only: refresh
    /// tokens are this backend's own).
    pub(crate) fn decode_refresh_at<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
        now: u64,
    ) -> Result<Token<C>, InvalidToken> {
        let refresh = self.refresh.as_ref().ok_or(InvalidToken::UnknownKey)?;
        // The previous secrets' refresh keys, after a rotation: a session outlives it.
        let payload =
            self.previous_refresh
                .iter()
                .fold(refresh.verify(jwt), |verified, previous| match verified {
                    Err(InvalidToken::Signature) => previous.verify(jwt),
                    done => done,
                })?;
        with_payload(payload, |payload| self.validate_payload(payload, now))
    }

    /// Verifies, parses and validates a WebSocket ticket at time `now` (local keys only: tickets
    /// are this backend's own).
    pub(crate) fn decode_ticket_at<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
        now: u64,
    ) -> Result<Token<C>, InvalidToken> {
        let ticket = self.ticket.as_ref().ok_or(InvalidToken::UnknownKey)?;
        let payload = ticket.verify(jwt)?;
        with_payload(payload, |payload| self.validate_payload(payload, now))
    }

    /// Parses and validates a verified payload.
    pub(crate) fn validate_payload<C: DeserializeOwned + 'static>(
        &self,
        payload: &[u8],
        now: u64,
    ) -> Result<Token<C>, InvalidToken> {
        let claims = RawClaims::from_json(payload)?;
        self.rules.validate(&claims, now)?;
        claims.into_token()
    }

    /// Verifies, parses and validates a token now.
    #[cfg(test)]
    pub(crate) fn decode<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
    ) -> Result<Token<C>, InvalidToken> {
        self.decode_at(jwt, crate::token::clock::now())
    }
}

/// Whether one of the secrets of a rotation signed the message: the secret of the token's `kid`
/// first, then the others in order (the current one first). A token minted before the rotation
/// has no `kid`, or one the secrets no longer have.
fn verify_rotated(
    secrets: &[HmacSecret],
    kid: Option<&str>,
    message: &[u8],
    signature: &str,
) -> bool {
    let named = kid.and_then(|kid| secrets.iter().position(|s| s.kid.as_deref() == Some(kid)));
    if let Some(index) = named
        && secrets[index].key.verify(message, signature)
    {
        return true;
    }
    secrets
        .iter()
        .enumerate()
        .any(|(index, secret)| Some(index) != named && secret.key.verify(message, signature))
}
