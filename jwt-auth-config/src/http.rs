//! HTTP's vocabulary: header names and the standard methods.

/// The longest header name `http::HeaderName` takes, in bytes.
pub const MAX_HEADER_NAME_LEN: usize = (1 << 16) - 1;

/// The standard HTTP methods, as `http::Method` has them.
pub const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// Whether `name` is a valid HTTP header name: an RFC 9110 token (letters, digits and
/// ``!#$%&'*+-.^_`|~``) of at most [`MAX_HEADER_NAME_LEN`] bytes, which is what
/// `http::HeaderName::from_bytes` takes.
#[must_use]
pub fn is_valid_header_name(name: &str) -> bool {
    (1..=MAX_HEADER_NAME_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names() {
        for good in ["Authorization", "X-Api-Token", "x_token", "a", "X-Token.v2"] {
            assert!(is_valid_header_name(good), "{good}");
        }
        for bad in [
            "", "X Token", "X-Token:", "Tök", "a\"b", "(a)", "a/b", "a\n",
        ] {
            assert!(!is_valid_header_name(bad), "{bad:?}");
        }
        assert!(is_valid_header_name(&"a".repeat(MAX_HEADER_NAME_LEN)));
        assert!(!is_valid_header_name(&"a".repeat(MAX_HEADER_NAME_LEN + 1)));
    }

    #[test]
    fn methods_are_upper_case_tokens() {
        for method in METHODS {
            assert!(is_valid_header_name(method));
            assert_eq!(method, method.to_ascii_uppercase());
        }
    }
}
