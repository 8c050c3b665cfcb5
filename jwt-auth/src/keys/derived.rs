//! The keys this backend derives from its signing key for the tokens only it may verify:
//! refresh tokens and WebSocket tickets.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};

use crate::error::{ConfigError, InvalidToken};
use crate::keys::load::key_error;
use crate::token::compact::Segments;
use crate::token::header::{REFRESH_TYP, TICKET_TYP};

/// What a derived key signs, with its label and JOSE `typ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Refresh tokens (`typ` [`REFRESH_TYP`]).
    Refresh,
    /// One-use WebSocket tickets (`typ` [`TICKET_TYP`]).
    Ticket,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Refresh => b"jwt-auth refresh-token key, v1",
            Self::Ticket => b"jwt-auth websocket-ticket key, v1",
        }
    }

    fn typ(self) -> &'static str {
        match self {
            Self::Refresh => REFRESH_TYP,
            Self::Ticket => TICKET_TYP,
        }
    }
}

/// A key of this backend's own tokens: HS256 with a secret derived from the signing key's bytes
/// (HMAC-SHA256 of a label per purpose), whatever the backend's algorithm. Only the backend that
/// signs can verify them: a service that verifies access tokens with the published JWKS, or with
/// the shared secret, cannot take a refresh token or a ticket for an access token, even if it
/// ignores the `typ` header, and neither is taken for the other. Replacing the signing key
/// invalidates what it issued.
#[derive(Clone)]
pub(crate) struct DerivedKey {
    pub header: Header,
    pub encoding: EncodingKey,
    decoding: DecodingKey,
    purpose: Purpose,
}

impl DerivedKey {
    pub(crate) fn derive(material: &[u8], purpose: Purpose) -> Result<Self, ConfigError> {
        let derived = jsonwebtoken::crypto::sign(
            purpose.label(),
            &EncodingKey::from_secret(material),
            Algorithm::HS256,
        )
        .ok()
        .and_then(|mac| URL_SAFE_NO_PAD.decode(mac).ok())
        .ok_or_else(|| key_error(Algorithm::HS256, "cannot derive a key of the backend's own"))?;
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(purpose.typ().to_owned());
        Ok(Self {
            header,
            encoding: EncodingKey::from_secret(&derived),
            decoding: DecodingKey::from_secret(&derived),
            purpose,
        })
    }

    /// Checks the header (`alg` HS256, the purpose's `typ`, no `crit`) and the signature;
    /// returns the payload, still in base64url.
    pub(crate) fn verify<'j>(&self, jwt: &'j str) -> Result<&'j str, InvalidToken> {
        let segments = Segments::split(jwt)?;
        let decoded = jsonwebtoken::decode_header(jwt).map_err(|_| InvalidToken::Malformed)?;
        if decoded.typ.as_deref() != Some(self.purpose.typ()) {
            return Err(InvalidToken::WrongType);
        }
        if decoded.alg != Algorithm::HS256 {
            return Err(InvalidToken::Algorithm);
        }
        if decoded.crit.is_some() {
            return Err(InvalidToken::Malformed);
        }
        match jsonwebtoken::crypto::verify(
            segments.signature,
            segments.message,
            &self.decoding,
            Algorithm::HS256,
        ) {
            Ok(true) => Ok(segments.payload),
            Ok(false) | Err(_) => Err(InvalidToken::Signature),
        }
    }
}
