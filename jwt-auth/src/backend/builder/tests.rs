//! The configuration's rules (`jwt_auth_config`) against what the runtime does: the header names
//! `http` takes, the methods it knows, the exclusion's matching, and the builder's defaults
//! against the documented ones.

use std::time::Duration;

use axum::http::{HeaderName, Method};
use jwt_auth_config::{ExcludeError, KEYS, Key as ConfigKey, METHODS, PROBE_PATH};

use crate::backend::builder::JwtAuthBuilder;
use crate::http::cookie::SameSite;
use crate::http::exclude::Exclusion;

#[derive(Clone)]
struct User;

fn builder() -> JwtAuthBuilder<User> {
    JwtAuthBuilder::new()
}

/// The header rule takes what `http::HeaderName::from_bytes` takes: every ASCII character on
/// its own and in a name, non-ASCII text, and the longest name.
#[test]
fn the_header_name_rule_is_https() {
    let agree = |name: &str| {
        assert_eq!(
            jwt_auth_config::is_valid_header_name(name),
            HeaderName::from_bytes(name.as_bytes()).is_ok(),
            "{name:?}"
        );
    };
    for byte in 0..=127_u8 {
        let c = char::from(byte);
        agree(&c.to_string());
        agree(&format!("X-{c}-Token"));
    }
    for name in ["", "Authorization", "X Token", "Tök", "é", "x\u{7f}"] {
        agree(name);
    }
    let longest = jwt_auth_config::MAX_HEADER_NAME_LEN;
    agree(&"a".repeat(longest));
    agree(&"a".repeat(longest + 1));
}

/// The methods `exclude_methods` takes are `http`'s standard ones.
#[test]
fn the_methods_are_https_standard_methods() {
    let standard = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::CONNECT,
        Method::OPTIONS,
        Method::TRACE,
        Method::PATCH,
    ];
    let names: Vec<&str> = standard.iter().map(Method::as_str).collect();
    assert_eq!(names, METHODS);
}

/// "Matches every path" is what the exclusion's matching answers on `/` and the probe path, for
/// plain-string patterns and regular expressions alike.
#[test]
fn the_every_path_rule_follows_the_exclusions_matching() {
    for patterns in [
        &["^"][..],
        &["/"],
        &["//"],
        &["^.*"],
        &["^(?s)."],
        &["^/"],
        &["^/$", "^/[0-9]"],
        &["^/login$", "/"],
        &["^/login$"],
        &["/login", "^/$"],
        &["/north", "/south"],
        &["^/user/[0-9]+$"],
        &["^/$"],
        &["^.*[0-9a-f]-"],
        &["/982c7064-6ac7-44b7-9be5-07a2ff6d8a92", "^/$"],
    ] {
        let owned: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
        let exclusion = Exclusion::new(&owned, Vec::new()).unwrap();
        let matches = |path| exclusion.excludes(&Method::GET, path);
        let every_path = matches("/") && matches(PROBE_PATH);
        let refused = jwt_auth_config::check_exclude(patterns)
            .iter()
            .any(|error| matches!(error, ExcludeError::MatchesEveryPath { .. }));
        assert_eq!(refused, every_path, "{patterns:?}");
    }
}

/// The builder's defaults are the documented ones (the table of keys).
#[test]
fn the_builders_defaults_are_the_documented_ones() {
    let documented = |key: ConfigKey| {
        let default = key.spec().default;
        default
            .strip_prefix('"')
            .and_then(|d| d.strip_suffix('"'))
            .unwrap_or(default)
    };
    let seconds =
        |key| Duration::from_secs(jwt_auth_config::parse_duration(documented(key)).unwrap());
    let builder = builder();
    assert_eq!(documented(ConfigKey::Flow), builder.flow.to_config().name());
    assert_eq!(
        documented(ConfigKey::Algorithm),
        crate::keys::algorithm::algorithm_name(builder.algorithm)
    );
    assert_eq!(documented(ConfigKey::AuthHeader), builder.auth_header);
    assert_eq!(seconds(ConfigKey::Expiration), builder.expiration);
    assert_eq!(seconds(ConfigKey::Leeway).as_secs(), builder.rules.leeway);
    assert_eq!(
        documented(ConfigKey::ExcludeMethods),
        format!("[\"{}\"]", builder.exclude_methods[0])
    );
    assert_eq!(builder.exclude_methods.len(), 1);
    assert_eq!(documented(ConfigKey::CookieName), builder.cookie.name);
    assert_eq!(documented(ConfigKey::CookiePath), builder.cookie.path);
    assert_eq!(documented(ConfigKey::CookieDomain), "none");
    assert_eq!(builder.cookie.domain, None);
    assert_eq!(
        documented(ConfigKey::Secure),
        builder.cookie.secure.to_string()
    );
    assert_eq!(
        documented(ConfigKey::SameSite),
        builder.cookie.same_site.name()
    );
    assert_eq!(documented(ConfigKey::SchemeName), builder.scheme_name);
    for key in [
        ConfigKey::StrictAudience,
        ConfigKey::VerifyExpiry,
        ConfigKey::VerifyNotBefore,
    ] {
        let value = match key {
            ConfigKey::StrictAudience => builder.rules.strict_audience,
            ConfigKey::VerifyExpiry => builder.rules.verify_expiry,
            _ => builder.rules.verify_not_before,
        };
        assert_eq!(documented(key), value.to_string(), "{}", key.name());
    }
}

/// The builder tells the rules which options it was given, for the keys that apply to some
/// flows only.
#[test]
fn the_draft_has_the_options_set() {
    assert_eq!(builder().draft().given, jwt_auth_config::KeySet::new());
    let scoped = builder()
        .cookie_name("sid")
        .cookie_path("/")
        .cookie_domain("example.com")
        .cookie_secure(true)
        .cookie_same_site(SameSite::Lax)
        .oauth_scopes([("read", "Read")])
        .token_url("/login")
        .refresh_tokens(Duration::from_hours(1));
    let given = scoped.draft().given;
    for spec in KEYS {
        let scoped = spec.scope != jwt_auth_config::Scope::AllFlows;
        assert_eq!(given.contains(spec.key), scoped, "{}", spec.name);
    }
}
