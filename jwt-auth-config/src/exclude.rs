//! The rule on `exclude`: each pattern is a regular expression, and together they do not match
//! every path (which would turn authentication off).
//!
//! A pattern is searched anywhere in the path, as `jwt_auth` matches it (Litestar's semantics);
//! a test in the runtime crate holds this rule to the runtime's matching.

use regex::{Regex, RegexSet};

/// A path tried besides `/` to tell patterns that match every path: Litestar's own probe.
pub const PROBE_PATH: &str = "/982c7064-6ac7-44b7-9be5-07a2ff6d8a92";

/// Why `exclude` is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ExcludeError {
    /// The pattern at `index` is not a valid regular expression.
    Invalid {
        /// The pattern's position in the list.
        index: usize,
        /// The regex engine's error.
        error: regex::Error,
    },
    /// The patterns match every path: the one at `index` on its own, or (`None`) together.
    MatchesEveryPath {
        /// The pattern that does on its own, if one does.
        index: Option<usize>,
    },
}

/// Checks `exclude`: each invalid pattern, or else the patterns that match every path (the
/// first that does on its own, or all of them together). Empty when the patterns are fine.
#[must_use]
pub fn check_exclude<S: AsRef<str>>(patterns: &[S]) -> Vec<ExcludeError> {
    let invalid: Vec<ExcludeError> = patterns
        .iter()
        .enumerate()
        .filter_map(|(index, pattern)| {
            let error = Regex::new(pattern.as_ref()).err()?;
            Some(ExcludeError::Invalid { index, error })
        })
        .collect();
    if !invalid.is_empty() {
        return invalid;
    }
    let matches_every_path = |patterns: &[&str]| {
        RegexSet::new(patterns).is_ok_and(|set| set.is_match("/") && set.is_match(PROBE_PATH))
    };
    let all: Vec<&str> = patterns.iter().map(AsRef::as_ref).collect();
    if let Some(index) = all
        .iter()
        .position(|pattern| matches_every_path(&[pattern]))
    {
        return vec![ExcludeError::MatchesEveryPath { index: Some(index) }];
    }
    if matches_every_path(&all) {
        return vec![ExcludeError::MatchesEveryPath { index: None }];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(patterns: &[&str]) -> Vec<ExcludeError> {
        check_exclude(patterns)
    }

    #[test]
    fn valid_patterns_pass() {
        for patterns in [
            &[][..],
            &["^/login$"],
            &["/login", "^/schema"],
            &["/login", "^/$"],
            &["north", "south"],
            &["^/user/[0-9]+$"],
        ] {
            assert_eq!(check(patterns), [], "{patterns:?}");
        }
    }

    #[test]
    fn each_invalid_pattern_is_reported() {
        let errors = check(&["^/ok$", "(", "["]);
        let indexes: Vec<_> = errors
            .iter()
            .map(|error| match error {
                ExcludeError::Invalid { index, .. } => *index,
                other @ ExcludeError::MatchesEveryPath { .. } => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(indexes, [1, 2]);
        let ExcludeError::Invalid { error, .. } = &errors[0] else {
            unreachable!()
        };
        assert!(
            error.to_string().ends_with("error: unclosed group"),
            "{error}"
        );
    }

    #[test]
    fn a_pattern_matching_every_path_is_named() {
        for (patterns, index) in [
            (&[""][..], 0),
            (&[".*"], 0),
            (&["^/login$", "/"], 1),
            (&["^/a$", "^", "(?s)."], 1),
        ] {
            assert_eq!(
                check(patterns),
                [ExcludeError::MatchesEveryPath { index: Some(index) }],
                "{patterns:?}"
            );
        }
    }

    #[test]
    fn patterns_matching_every_path_together() {
        // `^/$` matches `/` and `[0-9]` the probe: neither alone matches every path.
        assert_eq!(
            check(&["^/$", "[0-9]"]),
            [ExcludeError::MatchesEveryPath { index: None }]
        );
    }
}
