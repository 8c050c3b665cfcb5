//! Which requests pass without authentication: path patterns and methods.
//!
//! Patterns have Litestar's semantics: a regular expression searched anywhere in the path (not
//! anchored; write `^/login$` to mean exactly `/login`). They are compiled once into a
//! [`RegexSet`]. The path is the one the router matched on, with a nested router's prefix
//! included (axum's `OriginalUri`), never the query string.

use axum::http::Method;
use regex::RegexSet;

use crate::error::ConfigError;

/// A path the "matches everything" check tries besides `/`: Litestar's own probe.
const PROBE_PATH: &str = "/982c7064-6ac7-44b7-9be5-07a2ff6d8a92";

/// Compiled exclusion rules.
#[derive(Debug, Clone)]
pub(crate) struct Exclusion {
    patterns: Option<RegexSet>,
    methods: Vec<Method>,
}

impl Exclusion {
    pub(crate) fn new(patterns: &[String], methods: Vec<Method>) -> Result<Self, ConfigError> {
        for pattern in patterns {
            regex::Regex::new(pattern).map_err(|e| ConfigError::InvalidExclude {
                pattern: pattern.clone(),
                reason: e.to_string(),
            })?;
        }
        let patterns = if patterns.is_empty() {
            None
        } else {
            let set = RegexSet::new(patterns).map_err(|e| ConfigError::InvalidExclude {
                pattern: patterns.join("|"),
                reason: e.to_string(),
            })?;
            if set.is_match("/") && set.is_match(PROBE_PATH) {
                tracing::warn!(
                    patterns = ?patterns,
                    "jwt-auth: the exclude patterns match every path, which disables authentication"
                );
            }
            Some(set)
        };
        Ok(Self { patterns, methods })
    }

    /// Whether a request with this method and path skips authentication.
    pub(crate) fn excludes(&self, method: &Method, path: &str) -> bool {
        self.methods.contains(method)
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
    fn invalid_pattern_is_a_config_error() {
        let err = Exclusion::new(&["(".to_owned()], vec![]).unwrap_err();
        assert!(matches!(err, ConfigError::InvalidExclude { ref pattern, .. } if pattern == "("));
        assert!(err.to_string().contains("invalid `exclude` pattern `(`"));
    }
}
