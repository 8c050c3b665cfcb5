//! Which requests pass without authentication: path patterns and methods.
//!
//! Patterns have Litestar's semantics: a regular expression searched anywhere in the path (not
//! anchored; write `^/login$` to mean exactly `/login`). They are compiled once into a
//! [`RegexSet`]. The path is the one the router matched on, with a nested router's prefix
//! included (axum's `OriginalUri`), never the query string.
//!
//! A pattern without metacharacters, optionally anchored (`/login`, `^/schema`, `^/health$`;
//! not `.json$`, whose `.` is one), is matched as the plain string it is: `contains`,
//! `starts_with`, `ends_with` or `==`, which is what the regular expression would answer, in a
//! fraction of the time (the check runs on every request). The other patterns go to
//! the `RegexSet`.

use axum::http::Method;
use regex::RegexSet;

use crate::error::ConfigError;

/// Compiled exclusion rules.
#[derive(Debug, Clone)]
pub(crate) struct Exclusion {
    literals: Vec<Literal>,
    patterns: Option<RegexSet>,
    methods: Vec<Method>,
}

/// A pattern that is a plain string, with its anchors.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Literal {
    /// `text`: anywhere in the path.
    Anywhere(String),
    /// `^text`.
    Prefix(String),
    /// `text$`.
    Suffix(String),
    /// `^text$`.
    Exact(String),
}

/// Whether `needle` occurs in `haystack`: a scan for its first byte, then a comparison. For a
/// path and a pattern of a few bytes this is a fraction of `str::contains`, which prepares a
/// two-way search on every call.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    haystack.len() >= needle.len()
        && haystack[..=haystack.len() - needle.len()]
            .iter()
            .enumerate()
            .any(|(i, &byte)| byte == first && haystack[i + 1..i + needle.len()] == *rest)
}

/// The characters that make a pattern more than a plain string. Without `(` there are no flags,
/// so no verbose mode in which `#` or a space would mean something else.
const META: &[char] = &[
    '\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$',
];

impl Literal {
    /// The pattern as a plain string, if it is one.
    fn of(pattern: &str) -> Option<Self> {
        let (anchored_start, rest) = match pattern.strip_prefix('^') {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        let (anchored_end, text) = match rest.strip_suffix('$') {
            Some(text) => (true, text),
            None => (false, rest),
        };
        if text.contains(META) {
            return None;
        }
        let text = text.to_owned();
        Some(match (anchored_start, anchored_end) {
            (false, false) => Self::Anywhere(text),
            (true, false) => Self::Prefix(text),
            (false, true) => Self::Suffix(text),
            (true, true) => Self::Exact(text),
        })
    }

    fn matches(&self, path: &str) -> bool {
        match self {
            Self::Anywhere(text) => contains(path.as_bytes(), text.as_bytes()),
            Self::Prefix(text) => path.starts_with(text.as_str()),
            Self::Suffix(text) => path.ends_with(text.as_str()),
            Self::Exact(text) => path == text,
        }
    }
}

impl Exclusion {
    /// Compiles the patterns; the builder has checked them with the configuration's rule
    /// (`jwt_auth_config::check_exclude`: valid, and not matching every path).
    pub(crate) fn new(patterns: &[String], methods: Vec<Method>) -> Result<Self, ConfigError> {
        let (mut literals, mut others) = (Vec::new(), Vec::new());
        for pattern in patterns {
            match Literal::of(pattern) {
                Some(literal) => literals.push(literal),
                None => others.push(pattern.as_str()),
            }
        }
        let set = if others.is_empty() {
            None
        } else {
            Some(
                RegexSet::new(&others).map_err(|e| ConfigError::InvalidExclude {
                    pattern: others.join("|"),
                    reason: e.to_string(),
                })?,
            )
        };
        Ok(Self {
            literals,
            patterns: set,
            methods,
        })
    }

    /// Whether a request with this method and path skips authentication.
    pub(crate) fn excludes(&self, method: &Method, path: &str) -> bool {
        self.methods.contains(method) || self.matches_path(path)
    }

    /// Whether a pattern matches `path`: the plain strings first, then the regular expressions.
    fn matches_path(&self, path: &str) -> bool {
        self.literals.iter().any(|literal| literal.matches(path))
            || self.patterns.as_ref().is_some_and(|set| set.is_match(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exclusion(patterns: &[&str]) -> Exclusion {
        let patterns: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
        Exclusion::new(&patterns, vec![Method::OPTIONS]).unwrap()
    }

    #[test]
    fn litestar_search_semantics() {
        let e = exclusion(&["/login", "^/public$", "health"]);
        for (path, excluded) in [
            ("/login", true),
            ("/api/login", true),
            ("/loginx", true),
            ("/public", true),
            ("/public/x", false),
            ("/x/health/y", true),
            ("/secure", false),
            ("/mounted/login", true),
        ] {
            assert_eq!(e.excludes(&Method::GET, path), excluded, "{path}");
        }
    }

    #[test]
    fn methods() {
        let e = exclusion(&[]);
        assert!(e.excludes(&Method::OPTIONS, "/x"));
        assert!(!e.excludes(&Method::HEAD, "/x"));
        assert!(!e.excludes(&Method::GET, "/x"));
        let none = Exclusion::new(&[], vec![]).unwrap();
        assert!(!none.excludes(&Method::OPTIONS, "/x"));
    }

    #[test]
    fn north_south() {
        let e = exclusion(&["north", "south"]);
        assert!(e.excludes(&Method::GET, "/north/1"));
        assert!(e.excludes(&Method::GET, "/south"));
        assert!(!e.excludes(&Method::GET, "/west"));
    }

    #[test]
    fn contains_is_str_contains() {
        let words = [
            "", "a", "ab", "ba", "aab", "/login", "/x/login", "/logi", "logins", "é",
        ];
        for haystack in words {
            for needle in words {
                assert_eq!(
                    contains(haystack.as_bytes(), needle.as_bytes()),
                    haystack.contains(needle),
                    "{haystack:?} {needle:?}"
                );
            }
        }
    }

    #[test]
    fn plain_patterns_are_matched_as_strings() {
        for (pattern, literal) in [
            ("/login", Some(Literal::Anywhere("/login".into()))),
            ("^/schema", Some(Literal::Prefix("/schema".into()))),
            ("/logout$", Some(Literal::Suffix("/logout".into()))),
            ("^/health$", Some(Literal::Exact("/health".into()))),
            ("^", Some(Literal::Prefix(String::new()))),
            ("/some-path", Some(Literal::Anywhere("/some-path".into()))),
            (".json$", None),
            ("^/a|^/b", None),
            ("(?i)/login", None),
            ("/x\\$", None),
            ("^/user/[0-9]+$", None),
        ] {
            assert_eq!(Literal::of(pattern), literal, "{pattern}");
        }
    }

    /// Patterns from an alphabet of path characters, anchors and metacharacters, and paths from
    /// the same characters: the plain-string matching answers what the regular expressions do.
    #[test]
    fn the_plain_string_matching_agrees_with_the_regex() {
        use proptest::prelude::*;
        let alphabet = || {
            prop::sample::select(vec![
                "/", "a", "b", "-", "_", "~", "#", " ", "é", ".", "^", "$", "*", "+", "?", "|",
                "\\", "(", ")", "[", "]", "{", "}",
            ])
        };
        let strings = || prop::collection::vec(alphabet(), 0..6).prop_map(|parts| parts.concat());
        let paths = prop::collection::vec(strings(), 1..8);
        proptest!(|(pattern in strings(), paths in paths)| {
            let Ok(regex) = regex::Regex::new(&pattern) else {
                return Ok(());
            };
            let e = Exclusion::new(std::slice::from_ref(&pattern), vec![]).unwrap();
            for path in &paths {
                prop_assert_eq!(e.excludes(&Method::GET, path), regex.is_match(path),
                    "pattern {:?} path {:?}", pattern, path);
            }
            // The pattern as a path, and around one.
            let around = format!("/x{}y", pattern.trim_start_matches('^').trim_end_matches('$'));
            prop_assert_eq!(e.excludes(&Method::GET, &around), regex.is_match(&around));
        });
    }

    #[test]
    fn invalid_pattern_is_a_config_error() {
        let err = Exclusion::new(&["(".to_owned()], vec![]).unwrap_err();
        assert!(matches!(err, ConfigError::InvalidExclude { ref pattern, .. } if pattern == "("));
        assert!(err.to_string().contains("invalid `exclude` pattern `(`"));
    }
}
