//! Configuration checked once, when the backend is built: what Litestar accepts and then fails on
//! per request (or never) is refused here with a message that says what to do.

mod common;

use std::time::Duration;

use axum::http::Method;
use common::{SECRET, User, builder, known_user};
use jwt_auth::{
    Algorithm, ConfigError, Flow, JwtAuth, JwtAuthBuilder, Key, RemoteJwksConfig, SameSite,
};

fn bare() -> JwtAuthBuilder<User> {
    JwtAuth::<User>::builder().retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
}

fn refusal(builder: JwtAuthBuilder<User>) -> ConfigError {
    builder.build().expect_err("the configuration is refused")
}

/// Litestar's docs use `abcd123`; RFC 7518 section 3.2 asks for the hash size.
#[test]
fn a_secret_shorter_than_the_hash_is_refused_with_the_rule() {
    let error = refusal(bare().secret("abcd123"));
    assert_eq!(
        error,
        ConfigError::SecretTooShort {
            algorithm: "HS256",
            len: 7,
            min: 32
        }
    );
    let message = error.to_string();
    assert!(
        message.contains("the HS256 secret is 7 bytes long; use at least 32 bytes"),
        "{message}"
    );
    assert!(message.contains("RFC 7518 section 3.2"), "{message}");

    for (algorithm, min) in [
        (Algorithm::HS256, 32),
        (Algorithm::HS384, 48),
        (Algorithm::HS512, 64),
    ] {
        let short = vec![b'k'; min - 1];
        let error = refusal(bare().algorithm(algorithm).secret(&short));
        assert!(
            matches!(error, ConfigError::SecretTooShort { min: m, .. } if m == min),
            "{error}"
        );
        assert!(
            bare()
                .algorithm(algorithm)
                .secret(vec![b'k'; min])
                .build()
                .is_ok()
        );
    }
}

#[test]
fn a_missing_or_empty_secret_is_refused() {
    assert_eq!(refusal(bare()), ConfigError::MissingSecret);
    assert_eq!(refusal(bare().secret("")), ConfigError::EmptySecret);
    let var = "JWT_AUTH_BEHAVIOUR_TESTS_UNSET_VARIABLE";
    let error = refusal(bare().secret_from_env(var));
    assert_eq!(error, ConfigError::MissingEnvSecret { var: var.into() });
    assert!(error.to_string().contains(var));
    // A debug build may fall back to a random secret instead.
    let auth = bare()
        .secret_from_env(var)
        .dev_secret_fallback(true)
        .build()
        .unwrap();
    let jwt = auth.create_token("alice").unwrap();
    assert_eq!(auth.decode(&jwt).unwrap().sub, "alice");
}

#[test]
fn algorithm_names_parse_and_unknown_ones_are_refused() {
    for (name, algorithm) in [
        ("HS256", Algorithm::HS256),
        ("HS384", Algorithm::HS384),
        ("HS512", Algorithm::HS512),
        ("RS256", Algorithm::RS256),
        ("EdDSA", Algorithm::EdDSA),
    ] {
        assert_eq!(jwt_auth::parse_algorithm(name), Ok(algorithm));
        assert_eq!(jwt_auth::algorithm_name(algorithm), name);
    }
    for name in ["nope", "", "none", "hs256"] {
        let error = jwt_auth::parse_algorithm(name).unwrap_err();
        assert_eq!(error, ConfigError::UnknownAlgorithm(name.to_owned()));
        assert!(error.to_string().contains("use one of HS256"), "{error}");
    }
    assert_eq!(
        ConfigError::UnknownAlgorithm("RS1".to_owned()).to_string(),
        "jwt-auth: unknown algorithm `RS1`; use one of HS256, HS384, HS512, RS256, RS384, RS512, \
         PS256, PS384, PS512, ES256, ES384, EdDSA"
    );
}

#[test]
fn an_hmac_secret_with_an_asymmetric_algorithm_is_refused() {
    let error = refusal(bare().secret(SECRET).algorithm(Algorithm::RS256));
    assert!(
        matches!(
            error,
            ConfigError::InvalidKey {
                algorithm: "RS256",
                ..
            }
        ),
        "{error}"
    );
    // The rule is checked before the environment is read.
    let unset = "JWT_AUTH_BEHAVIOUR_TESTS_UNSET_VARIABLE";
    let error = refusal(bare().secret_from_env(unset).algorithm(Algorithm::EdDSA));
    assert!(
        matches!(&error, ConfigError::InvalidKey { algorithm: "EdDSA", reason }
            if reason.contains("not a secret")),
        "{error}"
    );
}

/// A key for HMAC, or no key for the others, is refused before any key is read.
#[test]
fn keys_need_an_asymmetric_algorithm_and_it_needs_keys() {
    let unset = "JWT_AUTH_BEHAVIOUR_TESTS_UNSET_VARIABLE";
    for builder in [
        bare().signing_key(Key::env(unset)),
        bare().verification_key(Key::env(unset)),
    ] {
        let error = refusal(builder);
        assert!(
            matches!(&error, ConfigError::InvalidKey { algorithm: "HS256", reason }
                if reason.contains("takes a secret")),
            "{error}"
        );
    }
    assert_eq!(
        refusal(bare().algorithm(Algorithm::ES256)),
        ConfigError::MissingSecret
    );
}

/// Litestar raises `ValueError` on every request (a 500); here the backend does not build.
#[test]
fn strict_audience_needs_exactly_one_accepted_audience() {
    for (audiences, count) in [(vec![], 0), (vec!["a", "b"], 2)] {
        let error = refusal(
            builder(Flow::Header)
                .accepted_audiences(audiences)
                .strict_audience(true),
        );
        assert_eq!(error, ConfigError::StrictAudience { count });
        assert!(
            error
                .to_string()
                .contains("`strict_audience` needs exactly one accepted audience"),
            "{error}"
        );
    }
    assert!(
        builder(Flow::Header)
            .accepted_audiences(["a"])
            .strict_audience(true)
            .build()
            .is_ok()
    );
}

#[test]
fn the_token_url_belongs_to_the_oauth2_flow() {
    let error = refusal(
        JwtAuth::<User>::builder()
            .secret(SECRET)
            .flow(Flow::OAuth2Password)
            .retrieve_user_sync(|token, _state: &()| known_user(&token.sub)),
    );
    assert_eq!(error, ConfigError::TokenUrlMissing);
    assert!(error.to_string().contains(".token_url(\"/login\")"));
    for flow in [Flow::Header, Flow::Cookie] {
        assert_eq!(
            refusal(builder(flow).token_url("/login")),
            ConfigError::TokenUrlNotOAuth2
        );
    }
    let auth = builder(Flow::OAuth2Password).build().unwrap();
    assert_eq!(auth.token_url(), Some("/login"));
}

#[test]
fn an_invalid_exclude_pattern_is_refused() {
    let error = refusal(builder(Flow::Header).exclude(["^/ok$", "^(unclosed"]));
    assert!(
        matches!(&error, ConfigError::InvalidExclude { pattern, .. } if pattern == "^(unclosed"),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("invalid `exclude` pattern `^(unclosed`")
    );
    // Litestar's unanchored search is not a form: the error shows the one that was meant.
    let error = refusal(builder(Flow::Header).exclude(["/login$"]));
    assert!(error.to_string().contains("write `^/login$`"), "{error}");
}

#[test]
fn invalid_names_and_cookie_attributes_are_refused() {
    let cases = [
        (
            builder(Flow::Header).auth_header("bad header"),
            "auth_header",
        ),
        (builder(Flow::Cookie).cookie_name("to ken"), "cookie name"),
        (builder(Flow::Cookie).cookie_name("a;b"), "cookie name"),
        (builder(Flow::Cookie).cookie_name(""), "cookie name"),
        // An attribute that would smuggle another attribute into the cookie.
        (
            builder(Flow::Cookie).cookie_path("/; Domain=evil.example"),
            "cookie path",
        ),
        (builder(Flow::Cookie).cookie_path(""), "cookie path"),
        (builder(Flow::Cookie).cookie_domain(""), "cookie domain"),
        (
            builder(Flow::Cookie).cookie_domain("example.com; Secure"),
            "cookie domain",
        ),
    ];
    for (builder, expected) in cases {
        let error = refusal(builder);
        assert!(
            matches!(&error, ConfigError::InvalidName { option, .. } if *option == expected),
            "{error}"
        );
    }
}

/// A remote JWKS stands for the verification keys of an asymmetric algorithm, and comes on top
/// of the secret with HMAC.
#[test]
fn a_remote_jwks_counts_as_verification_keys() {
    let remote = || RemoteJwksConfig::new("http://127.0.0.1:9/jwks.json");
    let verifier = bare().algorithm(Algorithm::EdDSA).remote_jwks(remote());
    assert!(verifier.build().is_ok());
    assert!(bare().secret(SECRET).remote_jwks(remote()).build().is_ok());
    assert_eq!(
        refusal(bare().remote_jwks(remote())),
        ConfigError::MissingSecret
    );
}

/// A cookie setting with the header flow, or OAuth2 scopes outside the OAuth2 flow, would be
/// ignored: the builder refuses them, as the attribute does.
#[test]
fn settings_for_another_flow_are_refused() {
    type Set = fn(JwtAuthBuilder<User>) -> JwtAuthBuilder<User>;
    let cookie_settings: [(Set, &str); 5] = [
        (|b| b.cookie_name("sid"), "cookie_name"),
        (|b| b.cookie_path("/api"), "cookie_path"),
        (|b| b.cookie_domain("example.com"), "cookie_domain"),
        (|b| b.cookie_secure(false), "cookie_secure"),
        (|b| b.cookie_same_site(SameSite::Strict), "cookie_same_site"),
    ];
    for (set, option) in cookie_settings {
        let error = refusal(set(builder(Flow::Header)));
        assert!(
            matches!(error, ConfigError::NotForFlow { option: o, .. } if o == option),
            "{error}"
        );
        let message = error.to_string();
        assert!(
            message.contains(&format!("`{option}` only applies to the cookie flows")),
            "{message}"
        );
        for flow in [Flow::Cookie, Flow::OAuth2Password] {
            assert!(set(builder(flow)).build().is_ok(), "{option} {flow:?}");
        }
    }
    for flow in [Flow::Header, Flow::Cookie] {
        let error = refusal(builder(flow).oauth_scopes([("read", "Read things")]));
        assert_eq!(
            error,
            ConfigError::NotForFlow {
                option: "oauth_scopes",
                applies_to: "`Flow::OAuth2Password`"
            }
        );
    }
    let scopes = builder(Flow::OAuth2Password).oauth_scopes([("read", "Read things")]);
    assert!(scopes.build().is_ok());
}

/// Litestar only warns; the attribute refuses it at compile time, and the builder at build.
#[test]
fn exclude_patterns_that_match_every_path_are_refused() {
    let error = refusal(builder(Flow::Header).exclude(["^/login$", "^.*"]));
    assert_eq!(
        error,
        ConfigError::ExcludeMatchesEveryPath {
            pattern: "^.*".to_owned()
        }
    );
    assert!(
        error
            .to_string()
            .contains("the `exclude` pattern `^.*` matches every path"),
        "{error}"
    );
    // Neither matches every path on its own; together they do.
    assert_eq!(
        refusal(builder(Flow::Header).exclude(["^/$", "^/[0-9]"])),
        ConfigError::ExcludeMatchesEveryPath {
            pattern: "^/$|^/[0-9]".to_owned()
        }
    );
    assert!(
        builder(Flow::Header)
            .exclude(["/login", "^/$"])
            .build()
            .is_ok()
    );
}

#[test]
fn is_valid_cookie_name_is_the_builders_rule() {
    for name in ["token", "__Host-sid", "accessToken"] {
        assert!(jwt_auth::is_valid_cookie_name(name), "{name}");
        assert!(builder(Flow::Cookie).cookie_name(name).build().is_ok());
    }
    for name in ["", "my token", "a;b", "a=b"] {
        assert!(!jwt_auth::is_valid_cookie_name(name), "{name:?}");
        assert!(builder(Flow::Cookie).cookie_name(name).build().is_err());
    }
}

#[test]
fn same_site_none_without_secure_is_refused() {
    let error = refusal(
        builder(Flow::Cookie)
            .cookie_same_site(SameSite::None)
            .cookie_secure(false),
    );
    assert_eq!(error, ConfigError::SameSiteNoneWithoutSecure);
    assert!(error.to_string().contains("requires `secure = true`"));
}

#[test]
fn a_zero_expiration_or_no_retrieval_function_is_refused() {
    assert_eq!(
        refusal(builder(Flow::Header).expiration(Duration::from_millis(999))),
        ConfigError::ZeroExpiration
    );
    assert_eq!(
        refusal(JwtAuth::<User>::builder().secret(SECRET)),
        ConfigError::MissingRetrieveUser
    );
}

/// Litestar's defaults, except `Secure` on the cookie and `OPTIONS` only as excluded method.
#[test]
fn defaults() {
    let header = builder(Flow::Header).build().unwrap();
    assert_eq!(header.flow(), Flow::Header);
    assert_eq!(header.algorithm(), Algorithm::HS256);
    assert_eq!(header.auth_header().as_str(), "authorization");
    assert_eq!(header.expiration(), Duration::from_hours(24));
    assert_eq!(header.token_url(), None);
    let cookie = header.cookie();
    assert_eq!(cookie.name, "token");
    assert_eq!(cookie.path, "/");
    assert_eq!(cookie.domain, None);
    assert!(cookie.secure);
    assert_eq!(cookie.same_site, SameSite::Lax);
    assert!(header.is_excluded(&Method::OPTIONS, "/anything"));
    assert!(!header.is_excluded(&Method::HEAD, "/anything"));
    assert!(!header.is_excluded(&Method::GET, "/anything"));

    let scheme = header.scheme();
    assert_eq!(scheme.name, "BearerToken");
    assert_eq!(
        scheme.description,
        "JWT api-key authentication and authorization."
    );
    assert_eq!(
        builder(Flow::Cookie).build().unwrap().scheme().description,
        "JWT cookie-based authentication and authorization."
    );
    assert_eq!(
        builder(Flow::OAuth2Password)
            .build()
            .unwrap()
            .scheme()
            .description,
        "OAUTH2 password bearer authentication and authorization."
    );
}

#[test]
fn debug_output_never_shows_the_secret() {
    let auth = builder(Flow::Cookie).build().unwrap();
    let debug = format!("{auth:?} {:?}", builder(Flow::Header));
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(!debug.contains("sixty-four"), "{debug}");
}
