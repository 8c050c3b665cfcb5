//! Verifying a token: its header, the key its `kid` selects, the signature, then the claims.

use jsonwebtoken::DecodingKey;
use serde::de::DeserializeOwned;

use crate::codec::Codec;
use crate::error::InvalidToken;
use crate::keys::select::select_key;
use crate::token::clock::now;
use crate::token::compact::{Segments, with_payload};
use crate::token::header::{JoseHeader, PlainHeader, REFRESH_TYP};
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
        if alg != self.algorithm {
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
        Ok(header)
    }

    /// Checks the header and the signature with the key `select` picks for the `kid`; returns
    /// the payload, still in base64url.
    pub(crate) fn verify_signature_with<'k, 'j>(
        &self,
        jwt: &'j str,
        select: impl FnOnce(Option<&str>) -> Result<&'k DecodingKey, InvalidToken>,
    ) -> Result<&'j str, InvalidToken> {
        let segments = Segments::split(jwt)?;
        let (message, signature) = (segments.message, segments.signature);
        // With exactly two dots, the first segment is the one `checked_kid` would take.
        let (key, parsed) = if let Some(known) = self.memo.get(segments.header) {
            (select(known.kid.as_deref())?, None)
        } else {
            let header = self.checked_header(Some(segments.header), jwt)?;
            (select(header.kid.as_deref())?, Some(header))
        };
        let valid = match &self.hmac {
            // The codec's only key (no remote JWKS): `select` applied the `kid` rules to it.
            Some(hmac) => hmac.verify(message, signature),
            None => matches!(
                jsonwebtoken::crypto::verify(signature, message, key, self.algorithm),
                Ok(true)
            ),
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
        let payload = refresh.verify(jwt)?;
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

    /// As [`decode`](Self::decode), also with the keys of a remote JWKS (fetched, cached and
    /// refetched on an unknown `kid` as [`crate::RemoteJwksConfig`] says).
    pub(crate) async fn decode_async<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
    ) -> Result<Token<C>, InvalidToken> {
        let Some(remote) = &self.remote else {
            return self.decode(jwt);
        };
        // Tokens refused for their shape or algorithm never cause a fetch.
        let kid = self.checked_kid(jwt)?.kid;
        let mut keys = self.keys.clone();
        keys.extend(remote.keys().await);
        let mut selected = select_key(&keys, kid.as_deref()).cloned();
        if selected.is_err() && kid.is_some() && remote.refetch_for_unknown_kid().await {
            keys.truncate(self.keys.len());
            keys.extend(remote.keys().await);
            selected = select_key(&keys, kid.as_deref()).cloned();
        }
        if selected.is_err() && !remote.has_fetched() && self.keys.is_empty() {
            return Err(InvalidToken::KeysUnavailable);
        }
        let selected = selected?;
        let payload = self.verify_signature_with(jwt, |_| Ok(&selected))?;
        with_payload(payload, |payload| self.validate_payload(payload, now()))
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
    pub(crate) fn decode<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
    ) -> Result<Token<C>, InvalidToken> {
        self.decode_at(jwt, now())
    }
}
