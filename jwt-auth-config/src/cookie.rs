//! The cookie's vocabulary and the rules on its values (RFC 6265).

/// The cookie's `SameSite` attribute, as `jwt_auth::SameSite`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SameSite {
    /// `SameSite=Lax`, the default.
    #[default]
    Lax,
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=None`, which browsers accept only with `Secure`.
    None,
}

impl SameSite {
    /// Every value, in the documentation's order.
    pub const ALL: [Self; 3] = [Self::Lax, Self::Strict, Self::None];

    /// The value as the attribute takes it: `"lax"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Lax => "lax",
            Self::Strict => "strict",
            Self::None => "none",
        }
    }

    /// The value named `name`, in any case (`"Lax"` is `"lax"`, as browsers read it).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|same_site| same_site.name().eq_ignore_ascii_case(name))
    }
}

/// Whether `name` is a valid cookie name: an RFC 6265 token, visible ASCII without separators.
#[must_use]
pub fn is_valid_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}

/// Whether `value` is a valid `Path` or `Domain` for the cookie: not empty, printable ASCII
/// (spaces included) without `;`, so that it cannot smuggle another attribute in.
#[must_use]
pub fn is_valid_cookie_attribute(value: &str) -> bool {
    !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        && !value.contains(';')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_site_names() {
        for same_site in SameSite::ALL {
            assert_eq!(SameSite::from_name(same_site.name()), Some(same_site));
        }
        assert_eq!(SameSite::from_name("Strict"), Some(SameSite::Strict));
        assert_eq!(SameSite::from_name("NONE"), Some(SameSite::None));
        for wrong in ["", "relaxed", "no", "lax "] {
            assert_eq!(SameSite::from_name(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn cookie_names() {
        for good in [
            "token",
            "sid",
            "__Host-token",
            "a.b",
            "x!#$%&'*+-^_`|~",
            "accessToken",
        ] {
            assert!(is_valid_cookie_name(good), "{good}");
        }
        for bad in [
            "", "my token", "to ken", "a;b", "a=b", "a,b", "\"a\"", "a/b", "(a)", "a\tb", "tök",
            "a\u{7f}",
        ] {
            assert!(!is_valid_cookie_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn cookie_attributes() {
        for good in ["/", "/api", "example.com", "/a b", "/~x"] {
            assert!(is_valid_cookie_attribute(good), "{good}");
        }
        for bad in [
            "",
            "/a;b",
            "/; Domain=evil.example",
            "example.com; Secure",
            "/\n",
            "/é",
        ] {
            assert!(!is_valid_cookie_attribute(bad), "{bad:?}");
        }
    }
}
