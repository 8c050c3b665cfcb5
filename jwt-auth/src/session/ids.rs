//! The ids of tokens minted here: a login's family, a `jti` in it, and a refresh token's
//! generation.

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

/// The `jti` of a refresh token of `family`: `<family>.<random>.<generation>`. The generation
/// (0 at login, one more at each refresh) is what the token store compares; it lives in the
/// `jti`, which only this backend reads in a refresh token, rather than in a claim of its own
/// that an application's extra claims could collide with.
pub(crate) fn refresh_jti(family: &str, generation: u64) -> Result<String, TokenError> {
    Ok(format!("{}.{generation}", jti_in(family)?))
}

/// The family and generation of a refresh token's `jti`: `<family>.<random>.<generation>`, or
/// `<family>.<random>` for generation 0.
pub(crate) fn refresh_parts(jti: &str) -> Option<(&str, u64)> {
    if let Some(family) = family_of(jti) {
        return Some((family, 0));
    }
    let (id, generation) = jti.rsplit_once('.')?;
    let digits = !generation.is_empty()
        && generation.len() <= 20
        && generation.bytes().all(|b| b.is_ascii_digit());
    let generation = generation.parse().ok().filter(|_| digits)?;
    Some((family_of(id)?, generation))
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

    #[test]
    fn a_refresh_jti_carries_its_family_and_generation() {
        let family = new_id().unwrap();
        let jti = refresh_jti(&family, 7).unwrap();
        assert_eq!(refresh_parts(&jti), Some((family.as_str(), 7)));
        assert_eq!(family_of(&jti), None, "never taken for an access token's");
        let plain = jti_in(&family).unwrap();
        assert_eq!(refresh_parts(&plain), Some((family.as_str(), 0)));
        for other in [
            format!("{plain}."),
            format!("{plain}.+1"),
            format!("{plain}.-1"),
            format!("{plain}.1.2"),
            format!("{plain}.99999999999999999999999"),
            format!("x.{plain}.1"),
        ] {
            assert_eq!(refresh_parts(&other), None, "{other}");
        }
    }
}
