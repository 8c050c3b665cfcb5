//! Which requests pass without authentication: route patterns and methods.
//!
//! A pattern is a path (`"/login"`: that route and the routes under it, segment by segment) or a
//! regular expression starting with `^`; either is matched against the route template the router
//! matched (`/reports/{name}`, with a nested router's prefix), so that no path parameter and no
//! look-alike route (`/admin/login-history`) is excluded by accident. The forms and the rule on
//! them are `jwt_auth_config`'s ([`ExcludePattern`]); Litestar searches its patterns in the
//! concrete path instead (`docs/litestar.md`).
//!
//! The expressions are compiled once into a [`RegexSet`]; one without metacharacters after its
//! `^` (`^/schema`, `^/health$`) is compared as the plain string it is, `starts_with` or `==`,
//! which is what the expression would answer in a fraction of the time (the check runs on every
//! request).

use axum::http::Method;
use jwt_auth_config::{ExcludePattern, path_excludes};
use regex::RegexSet;

use crate::error::ConfigError;

/// Compiled exclusion rules.
#[derive(Debug, Clone)]
pub(crate) struct Exclusion {
    /// Path patterns, without their trailing `/`.
    paths: Vec<String>,
    literals: Vec<Literal>,
    patterns: Option<RegexSet>,
    methods: Vec<Method>,
}

/// An expression that is a plain string after its `^`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Literal {
    /// `^text`.
    Prefix(String),
    /// `^text$`.
    Exact(String),
}

/// The characters that make an expression more than a plain string. Without `(` there are no
/// flags, so no verbose mode in which `#` or a space would mean something else.
const META: &[char] = &[
    '\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$',
];

impl Literal {
    /// The expression (its `^` removed) as a plain string, if it is one.
    fn of(expression: &str) -> Option<Self> {
        let (anchored_end, text) = match expression.strip_suffix('$') {
            Some(text) => (true, text),
            None => (false, expression),
        };
        if text.contains(META) {
            return None;
        }
        let text = text.to_owned();
        Some(if anchored_end {
            Self::Exact(text)
        } else {
            Self::Prefix(text)
        })
    }

    fn matches(&self, template: &str) -> bool {
        match self {
            Self::Prefix(text) => template.starts_with(text.as_str()),
            Self::Exact(text) => template == text,
        }
    }
}

impl Exclusion {
    /// Compiles the patterns; the builder has checked them with the configuration's rule
    /// (`jwt_auth_config::check_exclude`: each of a known form, valid, and together not
    /// matching every route).
    pub(crate) fn new(patterns: &[String], methods: Vec<Method>) -> Result<Self, ConfigError> {
        let (mut paths, mut literals, mut others) = (Vec::new(), Vec::new(), Vec::new());
        for pattern in patterns {
            match ExcludePattern::of(pattern) {
                Some(ExcludePattern::Path(path)) => paths.push(path.to_owned()),
                Some(ExcludePattern::Regex(regex)) => match Literal::of(&regex[1..]) {
                    Some(literal) => literals.push(literal),
                    None => others.push(regex),
                },
                None => {
                    return Err(ConfigError::InvalidExclude {
                        pattern: pattern.clone(),
                        reason: "not a path (`/login`) nor an expression starting with `^`"
                            .to_owned(),
                    });
                }
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
            paths,
            literals,
            patterns: set,
            methods,
        })
    }

    /// Whether a request with this method to the route `template` skips authentication.
    pub(crate) fn excludes(&self, method: &Method, template: &str) -> bool {
        self.methods.contains(method) || self.matches_route(template)
    }

    /// Whether a pattern matches `template`: the paths, the plain strings, then the
    /// expressions.
    fn matches_route(&self, template: &str) -> bool {
        self.paths.iter().any(|path| path_excludes(path, template))
            || self
                .literals
                .iter()
                .any(|literal| literal.matches(template))
            || self
                .patterns
                .as_ref()
                .is_some_and(|set| set.is_match(template))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exclusion(patterns: &[&str]) -> Exclusion {
        let patterns: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
        Exclusion::new(&patterns, vec![Method::OPTIONS]).unwrap()
    }

    /// The card's `exclude = ["/login", "/schema"]`: the routes and those under them, never a
    /// route that only contains or starts with the same letters.
    #[test]
    fn paths_exclude_their_route_and_those_under_it() {
        let e = exclusion(&["/login", "/schema", "^/public$", "^/api/v[0-9]+/health$"]);
        for (template, excluded) in [
            ("/login", true),
            ("/login/{step}", true),
            ("/schema", true),
            ("/schema/openapi.json", true),
            ("/schema/{*rest}", true),
            ("/public", true),
            ("/api/v2/health", true),
            ("/admin/login-history", false),
            ("/reports/login", false),
            ("/reports/{name}", false),
            ("/loginx", false),
            ("/schema-2024", false),
            ("/public/x", false),
            ("/api/v2/health/x", false),
        ] {
            assert_eq!(e.excludes(&Method::GET, template), excluded, "{template}");
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
    fn plain_expressions_are_matched_as_strings() {
        for (expression, literal) in [
            ("/schema", Some(Literal::Prefix("/schema".into()))),
            ("/health$", Some(Literal::Exact("/health".into()))),
            ("", Some(Literal::Prefix(String::new()))),
            ("/some-path", Some(Literal::Prefix("/some-path".into()))),
            (".*json$", None),
            ("/a|^/b", None),
            ("(?i)/login", None),
            ("/x\\$", None),
            ("/user/[0-9]+$", None),
            ("/users/{id}$", None),
        ] {
            assert_eq!(Literal::of(expression), literal, "{expression}");
        }
    }

    /// Expressions from an alphabet of path characters, anchors and metacharacters, and routes
    /// from the same characters: the plain-string matching answers what the regular expressions
    /// do.
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
        let routes = prop::collection::vec(strings(), 1..8);
        proptest!(|(body in strings(), routes in routes)| {
            let pattern = format!("^{body}");
            let Ok(regex) = regex::Regex::new(&pattern) else {
                return Ok(());
            };
            let e = Exclusion::new(std::slice::from_ref(&pattern), vec![]).unwrap();
            for route in &routes {
                prop_assert_eq!(e.excludes(&Method::GET, route), regex.is_match(route),
                    "pattern {:?} route {:?}", pattern, route);
            }
            // The expression's text as a route, and around one.
            let text = body.trim_end_matches('$');
            for route in [text.to_owned(), format!("{text}y"), format!("/x{text}")] {
                prop_assert_eq!(e.excludes(&Method::GET, &route), regex.is_match(&route));
            }
        });
    }

    #[test]
    fn a_pattern_of_neither_form_is_a_config_error() {
        for pattern in ["login", ".json$", "/login$"] {
            let err = Exclusion::new(&[pattern.to_owned()], vec![]).unwrap_err();
            assert!(
                matches!(err, ConfigError::InvalidExclude { pattern: ref p, .. } if p == pattern),
                "{err}"
            );
        }
        let err = Exclusion::new(&["^(".to_owned()], vec![]).unwrap_err();
        assert!(err.to_string().contains("invalid `exclude` pattern `^(`"));
    }
}
