//! The key of refresh tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};

use crate::error::{ConfigError, InvalidToken};
use crate::keys::load::key_error;
use crate::token::compact::Segments;
use crate::token::header::REFRESH_TYP;

/// The key of refresh tokens: HS256 with a secret derived from the signing key's bytes
/// (HMAC-SHA256 of a fixed label), whatever the backend's algorithm. Only the backend that signs
/// can verify its refresh tokens: a service that verifies access tokens with the published JWKS,
/// or with the shared secret, cannot take a refresh token for an access token, even if it ignores
/// the `typ` header. Replacing the signing key invalidates the refresh tokens it issued.
#[derive(Clone)]
pub(crate) struct RefreshKey {
    pub header: Header,
    pub encoding: EncodingKey,
    decoding: DecodingKey,
}

impl RefreshKey {
    const LABEL: &[u8] = b"jwt-auth refresh-token key, v1";

    pub(crate) fn derive(material: &[u8]) -> Result<Self, ConfigError> {
        let derived = jsonwebtoken::crypto::sign(
            Self::LABEL,
            &EncodingKey::from_secret(material),
            Algorithm::HS256,
        )
        .ok()
        .and_then(|mac| URL_SAFE_NO_PAD.decode(mac).ok())
        .ok_or_else(|| key_error(Algorithm::HS256, "cannot derive the refresh-token key"))?;
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(REFRESH_TYP.to_owned());
        Ok(Self {
            header,
            encoding: EncodingKey::from_secret(&derived),
            decoding: DecodingKey::from_secret(&derived),
        })
    }

    /// Checks the header (`alg` HS256, `typ` refresh+jwt, no `crit`) and the signature; returns
    /// the payload, still in base64url.
    pub(crate) fn verify<'j>(&self, jwt: &'j str) -> Result<&'j str, InvalidToken> {
        let segments = Segments::split(jwt)?;
        let decoded = jsonwebtoken::decode_header(jwt).map_err(|_| InvalidToken::Malformed)?;
        if decoded.typ.as_deref() != Some(REFRESH_TYP) {
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
