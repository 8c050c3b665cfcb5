//! The ids of tokens minted here: a login's family, and a `jti` in it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::TokenError;

/// Random bytes in a family id and in the unique part of a `jti`.
const ID_BYTES: usize = 16;
/// The length of such an id in base64url.
const ID_LEN: usize = 22;

/// A random 128-bit id in base64url.
pub(crate) fn new_id() -> Result<String, TokenError> {
    let mut bytes = [0_u8; ID_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|e| TokenError::Encode(format!("no randomness for the `jti`: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A `jti` in `family`: `<family>.<random>`.
pub(crate) fn jti_in(family: &str) -> Result<String, TokenError> {
    Ok(format!("{family}.{}", new_id()?))
}

fn is_id(part: &str) -> bool {
    part.len() == ID_LEN
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The family of a `jti` minted here (`<family>.<random>`, two ids); `None` for any other `jti`
/// (one set by the application, or minted elsewhere).
#[must_use]
pub fn family_of(jti: &str) -> Option<&str> {
    let (family, unique) = jti.split_once('.')?;
    (is_id(family) && is_id(unique)).then_some(family)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_base64url_of_fixed_length() {
        let a = new_id().unwrap();
        let b = new_id().unwrap();
        assert_ne!(a, b);
        assert!(is_id(&a) && is_id(&b), "{a} {b}");
    }

    #[test]
    fn the_family_is_read_only_from_jtis_minted_here() {
        let family = new_id().unwrap();
        let jti = jti_in(&family).unwrap();
        assert_eq!(family_of(&jti), Some(family.as_str()));
        for other in [
            "",
            "plain",
            "a.b",
            &family,
            &format!("{family}."),
            &format!("{family}.{family}.x"),
            &format!("{family}.{}", "+".repeat(ID_LEN)),
        ] {
            assert_eq!(family_of(other), None, "{other}");
        }
    }
}
