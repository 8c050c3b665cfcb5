//! The `exclude` patterns: their two forms, how a route path matches them, and the rule that
//! they are well formed and do not match every route (which would turn authentication off).
//!
//! A pattern is matched against the route template the router matched (`/reports/{name}`, with a
//! nested router's prefix), never against the concrete path, so that a path parameter cannot make
//! a protected route look like an excluded one. It takes one of two forms:
//!
//! - **a path**, starting with `/`: that route and the routes under it, segment by segment.
//!   `"/login"` excludes `/login` and `/login/{step}`, never `/admin/login-history`, `/loginx` or
//!   `/reports/login`. A trailing `/` is ignored;
//! - **a regular expression**, starting with `^`, matched from the template's start: the explicit
//!   form for anything else (`"^/api/v[0-9]+/health$"`; `"^.*\.json$"` to search).
//!
//! Anything else is refused, Litestar's unanchored search (`"/login"` also excluding
//! `/admin/login-history`) included: the same attribute now means the safe thing.

use regex::{Regex, RegexSet};

/// A path tried besides `/` to tell patterns that match every route: Litestar's own probe.
pub const PROBE_PATH: &str = "/982c7064-6ac7-44b7-9be5-07a2ff6d8a92";

/// The characters that only mean something in a regular expression: a path pattern with one of
/// them was meant as one (`"/login$"`, `".json$"`).
const REGEX_ONLY: &[char] = &['\\', '*', '+', '?', '(', ')', '|', '[', ']', '^', '$'];

/// An `exclude` pattern, by form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExcludePattern<'a> {
    /// `/login`: the route and the routes under it. Held without its trailing `/`.
    Path(&'a str),
    /// `^...`: a regular expression, matched from the template's start.
    Regex(&'a str),
}

impl<'a> ExcludePattern<'a> {
    /// The form of `pattern`, or `None` for one that is neither a path nor a `^` expression.
    #[must_use]
    pub fn of(pattern: &'a str) -> Option<Self> {
        if pattern.starts_with('^') {
            Some(Self::Regex(pattern))
        } else if pattern.starts_with('/') && !pattern.contains(REGEX_ONLY) {
            Some(Self::Path(pattern.trim_end_matches('/')))
        } else {
            None
        }
    }
}

/// Whether the route template `template` is `path` or under it, segment by segment (`path`
/// without its trailing `/`, as [`ExcludePattern::Path`] holds it).
#[must_use]
pub fn path_excludes(path: &str, template: &str) -> bool {
    template
        .strip_prefix(path)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Why `exclude` is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ExcludeError {
    /// The pattern at `index` is neither a path (`/login`) nor a regular expression starting
    /// with `^`.
    NotAPattern {
        /// The pattern's position in the list.
        index: usize,
    },
    /// The pattern at `index` starts with `^` but is not a valid regular expression.
    Invalid {
        /// The pattern's position in the list.
        index: usize,
        /// The regex engine's error.
        error: regex::Error,
    },
    /// The patterns match every route: the one at `index` on its own, or (`None`) together.
    MatchesEveryPath {
        /// The pattern that does on its own, if one does.
        index: Option<usize>,
    },
}

/// How to write `pattern` in one of the two forms: `^` before what reads as a regular
/// expression from the path's start, a `/` before a bare word, else a search.
#[must_use]
pub fn suggestion(pattern: &str) -> String {
    if pattern.starts_with('/') {
        format!("^{pattern}")
    } else if pattern.contains(REGEX_ONLY) || pattern.contains('.') {
        format!("^.*{pattern}")
    } else {
        format!("/{pattern}")
    }
}

/// Whether `patterns` together match every route: `/` and the probe.
fn match_every_path(patterns: &[ExcludePattern<'_>]) -> bool {
    let (mut paths, mut regexes) = (Vec::new(), Vec::new());
    for pattern in patterns {
        match *pattern {
            ExcludePattern::Path(path) => paths.push(path),
            ExcludePattern::Regex(regex) => regexes.push(regex),
        }
    }
    let set = RegexSet::new(&regexes).ok();
    ["/", PROBE_PATH].iter().all(|template| {
        paths.iter().any(|path| path_excludes(path, template))
            || set.as_ref().is_some_and(|set| set.is_match(template))
    })
}

/// Checks `exclude`: each pattern of neither form and each invalid expression, or else the
/// patterns that match every route (the first that does on its own, or all of them together).
/// Empty when the patterns are fine.
#[must_use]
pub fn check_exclude<S: AsRef<str>>(patterns: &[S]) -> Vec<ExcludeError> {
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for (index, pattern) in patterns.iter().enumerate() {
        match ExcludePattern::of(pattern.as_ref()) {
            None => errors.push(ExcludeError::NotAPattern { index }),
            Some(ExcludePattern::Regex(regex)) => match Regex::new(regex) {
                Ok(_) => parsed.push(ExcludePattern::Regex(regex)),
                Err(error) => errors.push(ExcludeError::Invalid { index, error }),
            },
            Some(path) => parsed.push(path),
        }
    }
    if !errors.is_empty() {
        return errors;
    }
    if let Some(index) = parsed
        .iter()
        .position(|pattern| match_every_path(std::slice::from_ref(pattern)))
    {
        return vec![ExcludeError::MatchesEveryPath { index: Some(index) }];
    }
    if match_every_path(&parsed) {
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
            &["/openapi.json", "/.well-known/jwks.json", "/users/{id}"],
            &["^/user/[0-9]+$"],
            &["^.*\\.json$"],
        ] {
            assert_eq!(check(patterns), [], "{patterns:?}");
        }
    }

    /// Paths match segment by segment: the route and those under it, nothing that merely
    /// contains or starts with the same letters.
    #[test]
    fn paths_match_whole_segments() {
        let login = match ExcludePattern::of("/login/") {
            Some(ExcludePattern::Path(path)) => path,
            other => panic!("{other:?}"),
        };
        assert_eq!(login, "/login");
        for (template, excluded) in [
            ("/login", true),
            ("/login/", true),
            ("/login/{step}", true),
            ("/loginx", false),
            ("/admin/login-history", false),
            ("/reports/login", false),
            ("/reports/{name}", false),
            ("/", false),
            ("", false),
        ] {
            assert_eq!(path_excludes(login, template), excluded, "{template}");
        }
    }

    #[test]
    fn a_pattern_of_neither_form_is_refused_with_a_suggestion() {
        let errors = check(&["/ok", "login", ".json$", "/login$", "^/fine$"]);
        assert_eq!(
            errors,
            [1, 2, 3].map(|index| ExcludeError::NotAPattern { index })
        );
        assert_eq!(suggestion("login"), "/login");
        assert_eq!(suggestion(".json$"), "^.*.json$");
        assert_eq!(suggestion("/login$"), "^/login$");
    }

    #[test]
    fn each_invalid_expression_is_reported() {
        let errors = check(&["^/ok$", "^(", "^["]);
        let indexes: Vec<_> = errors
            .iter()
            .map(|error| match error {
                ExcludeError::Invalid { index, .. } => *index,
                other => panic!("{other:?}"),
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
            (&["/"][..], 0),
            (&["^"], 0),
            (&["^.*"], 0),
            (&["^/login$", "//"], 1),
            (&["^/a$", "^/", "^(?s)."], 1),
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
        // `^/$` matches `/` and `^/[0-9]` the probe: neither alone matches every route.
        assert_eq!(
            check(&["^/$", "^/[0-9]"]),
            [ExcludeError::MatchesEveryPath { index: None }]
        );
    }
}
