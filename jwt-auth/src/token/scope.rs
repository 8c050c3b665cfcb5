//! The `scope` claim (RFC 8693 section 4.2, RFC 9068 section 2.2.3): the scopes a token was
//! granted, space-separated on the wire, split once when the token is decoded.

use std::fmt;

/// The scopes of a token: Litestar has none; `FastAPI`'s `SecurityScopes`, Spring's authorities.
///
/// Read with [`Token::has_scope`](crate::Token::has_scope) or [`Scopes::contains`]; set at
/// login with [`Login::scopes`](crate::Login::scopes) or
/// [`TokenBuilder::scopes`](crate::TokenBuilder::scopes). Empty when the token has no `scope`
/// claim. A name appears once, in the order first given.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Scopes {
    names: Vec<Box<str>>,
}

impl Scopes {
    /// No scope.
    #[must_use]
    pub const fn new() -> Self {
        Self { names: Vec::new() }
    }

    /// The scopes of a `scope` claim: names separated by spaces (several spaces, or a leading
    /// or trailing one, are tolerated).
    #[must_use]
    pub fn parse(claim: &str) -> Self {
        claim.split(' ').collect()
    }

    /// Whether the token was granted `name`.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        self.names.iter().any(|granted| **granted == *name)
    }

    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|name| &**name)
    }

    /// How many scopes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there is none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The claim's value: the names separated by one space; `None` when there is none.
    #[must_use]
    pub fn to_claim(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.to_string())
    }
}

/// Each item may itself hold several names separated by spaces; empty ones are skipped and a
/// repeated one is kept once.
impl<S: AsRef<str>> FromIterator<S> for Scopes {
    fn from_iter<I: IntoIterator<Item = S>>(names: I) -> Self {
        let mut scopes = Self::new();
        for item in names {
            for name in item.as_ref().split(' ') {
                if !name.is_empty() && !scopes.contains(name) {
                    scopes.names.push(name.into());
                }
            }
        }
        scopes
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, name) in self.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_once_in_order_without_repeats() {
        let scopes = Scopes::parse(" notes:read  notes:write notes:read ");
        assert_eq!(
            scopes.iter().collect::<Vec<_>>(),
            ["notes:read", "notes:write"]
        );
        assert!(scopes.contains("notes:write"));
        assert!(!scopes.contains("notes"));
        assert!(!scopes.contains(""));
        assert_eq!(scopes.to_claim().as_deref(), Some("notes:read notes:write"));
        assert_eq!(Scopes::parse("").to_claim(), None);
        assert!(Scopes::parse("   ").is_empty());
    }

    #[test]
    fn items_with_spaces_are_split() {
        let scopes: Scopes = ["a b", "c", "a"].into_iter().collect();
        assert_eq!(scopes.len(), 3);
        assert_eq!(format!("{scopes:?}"), r#"["a", "b", "c"]"#);
    }
}
