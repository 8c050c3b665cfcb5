//! Picking the verification key for a token's `kid`.

use jsonwebtoken::DecodingKey;

use crate::error::InvalidToken;

/// A verification key and its `kid`.
#[derive(Clone)]
pub(crate) struct VerifyKey {
    pub kid: Option<String>,
    pub key: DecodingKey,
}

/// Picks the verification key for a token's `kid` (see [`Key`](crate::Key) for the rules).
pub(crate) fn select_key<'k>(
    keys: &'k [VerifyKey],
    kid: Option<&str>,
) -> Result<&'k DecodingKey, InvalidToken> {
    match kid {
        Some(kid) => {
            if let Some(key) = keys.iter().find(|k| k.kid.as_deref() == Some(kid)) {
                Ok(&key.key)
            } else if let [only] = keys
                && only.kid.is_none()
            {
                Ok(&only.key)
            } else {
                Err(InvalidToken::UnknownKey)
            }
        }
        None => match keys {
            [only] => Ok(&only.key),
            _ => Err(InvalidToken::UnknownKey),
        },
    }
}
