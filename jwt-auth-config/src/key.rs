//! The table of keys: every key of `#[jwt_auth(...)]`, once, with what the attribute and the
//! builder need to know about it.

use crate::flow::Scope;

/// A key of `#[jwt_auth(...)]`, in the documentation's order (the order of [`KEYS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs, reason = "each key is documented by its row in `KEYS`")]
pub enum Key {
    Secret,
    Flow,
    TokenUrl,
    Algorithm,
    PrivateKey,
    PublicKeys,
    KeyId,
    AuthHeader,
    Expiration,
    Leeway,
    Exclude,
    ExcludeMethods,
    CookieName,
    CookiePath,
    CookieDomain,
    Secure,
    SameSite,
    Issuer,
    Audience,
    Issuers,
    TlsRoots,
    PreviousSecrets,
    StrictAudience,
    RequireClaims,
    VerifyExpiry,
    VerifyNotBefore,
    Revoked,
    RefreshExpiration,
    TokenStore,
    SchemeName,
    Description,
    OAuthScopes,
    Claims,
    Name,
    UserImpl,
    WebsocketQuery,
}

impl Key {
    /// The key's row in [`KEYS`].
    #[must_use]
    pub const fn spec(self) -> &'static KeySpec {
        &KEYS[self as usize]
    }

    /// The key as it is written: `token_url`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        self.spec().name
    }

    /// The key written `name`, if there is one.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        KEYS.iter()
            .find(|spec| spec.name == name)
            .map(|spec| spec.key)
    }

    /// The key Litestar calls `name` (`token_secret` is `secret`), for a "did you mean".
    #[must_use]
    pub fn from_litestar_name(name: &str) -> Option<Self> {
        KEYS.iter()
            .find(|spec| spec.litestar == Some(name))
            .map(|spec| spec.key)
    }
}

/// What a key's value is. Each side reads the value in its own terms (tokens, Rust values);
/// this says which reading and which rule on one value apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Takes {
    /// `env("VAR")`: the environment variable that holds the secret.
    EnvVar,
    /// A flow's name ([`Flow::from_name`](crate::Flow::from_name)).
    Flow,
    /// An algorithm's name ([`algorithm`](crate::algorithm())).
    Algorithm,
    /// A `SameSite` value ([`SameSite::from_name`](crate::SameSite::from_name)).
    SameSite,
    /// Any string.
    Text,
    /// A string that is not empty.
    NonEmptyText,
    /// An HTTP header name ([`is_valid_header_name`](crate::is_valid_header_name)).
    HeaderName,
    /// A cookie name ([`is_valid_cookie_name`](crate::is_valid_cookie_name)).
    CookieName,
    /// A cookie attribute's value ([`is_valid_cookie_attribute`](crate::is_valid_cookie_attribute)).
    CookieAttribute,
    /// `env("VAR")` or `file("path")`: where one key is read from.
    KeySource,
    /// One key source or a list of them.
    KeySources,
    /// A duration ([`parse_duration`](crate::parse_duration)), zero allowed.
    Duration,
    /// A duration longer than zero ([`is_valid_lifetime`](crate::is_valid_lifetime)).
    Lifetime,
    /// A path pattern or a list of them ([`check_exclude`](crate::check_exclude)).
    Patterns,
    /// A list of standard HTTP methods ([`METHODS`](crate::METHODS)).
    Methods,
    /// A string or a list of strings.
    Strings,
    /// `true` or `false`.
    Bool,
    /// The path of a function.
    Function,
    /// A type.
    Type,
    /// A type's name.
    TypeName,
    /// An expression whose type implements `jwt_auth::TokenStore`.
    TokenStore,
    /// A map of `OAuth2` scope names to descriptions.
    Scopes,
    /// `oidc("https://...")` or a list of them: identity providers, each with its options.
    Issuers,
}

impl Takes {
    /// What the value is, for "`key` takes X, not Y".
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::EnvVar => "`env(\"VAR\")`, the environment variable holding the secret",
            Self::Flow
            | Self::Algorithm
            | Self::SameSite
            | Self::Text
            | Self::NonEmptyText
            | Self::HeaderName
            | Self::CookieName
            | Self::CookieAttribute => "a string",
            Self::KeySource | Self::KeySources => "`env(\"VAR\")` or `file(\"path\")`",
            Self::Duration | Self::Lifetime => "a duration such as \"15m\" or a number of seconds",
            Self::Patterns => "a pattern or a list of patterns",
            Self::Methods => "a list of HTTP methods",
            Self::Strings => "a string or a list of strings",
            Self::Bool => "`true` or `false`",
            Self::Function => "the path of a function",
            Self::Type => "a type",
            Self::TypeName => "a type name",
            Self::TokenStore => "an expression of a type that implements `jwt_auth::TokenStore`",
            Self::Scopes => "a map of scope names to descriptions",
            Self::Issuers => "`oidc(\"https://...\")` or a list of them",
        }
    }
}

/// One row of the table of keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    /// The key.
    pub key: Key,
    /// The key as it is written.
    pub name: &'static str,
    /// What its value is.
    pub takes: Takes,
    /// Its default, as the documentation gives it.
    pub default: &'static str,
    /// The flows it applies to.
    pub scope: Scope,
    /// A value, as written after `name = ` in an example.
    pub example: &'static str,
    /// What it means, in one line.
    pub meaning: &'static str,
    /// Litestar's name for it, if it has another.
    pub litestar: Option<&'static str>,
    /// The `JwtAuthBuilder` method it becomes; `None` for what the builder has as a type
    /// parameter or not at all (`claims`, `name`).
    pub builder: Option<&'static str>,
}

impl KeySpec {
    /// Whether it configures the cookie, and so applies to the cookie flows only.
    #[must_use]
    pub fn is_cookie_only(&self) -> bool {
        self.scope == Scope::CookieFlows
    }
}

/// The row of a key that applies to every flow.
const fn row(key: Key, name: &'static str, takes: Takes) -> KeySpec {
    KeySpec {
        key,
        name,
        takes,
        default: "none",
        scope: Scope::AllFlows,
        example: "",
        meaning: "",
        litestar: None,
        builder: Some(name),
    }
}

impl KeySpec {
    const fn default(self, default: &'static str) -> Self {
        Self { default, ..self }
    }
    const fn scope(self, scope: Scope) -> Self {
        Self { scope, ..self }
    }
    const fn example(self, example: &'static str) -> Self {
        Self { example, ..self }
    }
    const fn meaning(self, meaning: &'static str) -> Self {
        Self { meaning, ..self }
    }
    const fn litestar(self, name: &'static str) -> Self {
        Self {
            litestar: Some(name),
            ..self
        }
    }
    const fn builder(self, method: Option<&'static str>) -> Self {
        Self {
            builder: method,
            ..self
        }
    }
}

/// Every key, in the documentation's order: `KEYS[key as usize]` is `key`'s row.
pub const KEYS: &[KeySpec] = &[
    row(Key::Secret, "secret", Takes::EnvVar)
        .default("required for HMAC")
        .example("env(\"JWT_SECRET\")")
        .meaning("the environment variable with the HMAC secret, read when the backend is built")
        .litestar("token_secret")
        .builder(Some("secret_from_env")),
    row(Key::Flow, "flow", Takes::Flow)
        .default("\"header\"")
        .example("\"cookie\"")
        .meaning("where the token travels: \"header\", \"cookie\" or \"oauth2_password\""),
    row(Key::TokenUrl, "token_url", Takes::NonEmptyText)
        .scope(Scope::OAuth2Password)
        .example("\"/login\"")
        .meaning("the login route; required by, and only for, \"oauth2_password\""),
    row(Key::Algorithm, "algorithm", Takes::Algorithm)
        .default("\"HS256\"")
        .example("\"HS256\"")
        .meaning("the signing algorithm, the only one accepted when verifying"),
    row(Key::PrivateKey, "private_key", Takes::KeySource)
        .example("file(\"keys/private.pem\")")
        .meaning("the signing key (RS/PS/ES/EdDSA), read when the backend is built")
        .builder(Some("signing_key")),
    row(Key::PublicKeys, "public_keys", Takes::KeySources)
        .default("derived from `private_key`")
        .example("[file(\"keys/public.pem\"), env(\"JWT_OLD_PUBLIC_KEY\")]")
        .meaning("verification keys, selected by the token's `kid`")
        .builder(Some("verification_key")),
    row(Key::KeyId, "key_id", Takes::NonEmptyText)
        .example("\"2026-01\"")
        .meaning("the `kid` written into the tokens' header"),
    row(Key::AuthHeader, "auth_header", Takes::HeaderName)
        .default("\"Authorization\"")
        .example("\"Authorization\"")
        .meaning("the header that carries `Bearer <jwt>`"),
    row(Key::Expiration, "expiration", Takes::Lifetime)
        .default("\"1d\"")
        .example("\"1d\"")
        .meaning("the default token lifetime")
        .litestar("default_token_expiration"),
    row(Key::Leeway, "leeway", Takes::Duration)
        .default("\"0s\"")
        .example("\"30s\"")
        .meaning("clock skew tolerated on `exp`, `nbf` and `iat`"),
    row(Key::Exclude, "exclude", Takes::Patterns)
        .example("[\"^/login$\"]")
        .meaning("path regexes that skip authentication, searched anywhere in the path"),
    row(Key::ExcludeMethods, "exclude_methods", Takes::Methods)
        .default("[\"OPTIONS\"]")
        .example("[\"OPTIONS\"]")
        .meaning("HTTP methods that skip authentication")
        .litestar("exclude_http_methods"),
    row(Key::CookieName, "cookie_name", Takes::CookieName)
        .default("\"token\"")
        .scope(Scope::CookieFlows)
        .example("\"token\"")
        .meaning("the cookie's name")
        .litestar("key"),
    row(Key::CookiePath, "cookie_path", Takes::CookieAttribute)
        .default("\"/\"")
        .scope(Scope::CookieFlows)
        .example("\"/\"")
        .meaning("the cookie's `Path`")
        .litestar("path"),
    row(Key::CookieDomain, "cookie_domain", Takes::CookieAttribute)
        .scope(Scope::CookieFlows)
        .example("\"example.com\"")
        .meaning("the cookie's `Domain`")
        .litestar("domain"),
    row(Key::Secure, "secure", Takes::Bool)
        .default("true")
        .scope(Scope::CookieFlows)
        .example("true")
        .meaning("the cookie's `Secure`")
        .builder(Some("cookie_secure")),
    row(Key::SameSite, "same_site", Takes::SameSite)
        .default("\"lax\"")
        .scope(Scope::CookieFlows)
        .example("\"lax\"")
        .meaning("the cookie's `SameSite`: \"lax\", \"strict\" or \"none\" (which needs `secure`)")
        .litestar("samesite")
        .builder(Some("cookie_same_site")),
    row(Key::Issuer, "issuer", Takes::Strings)
        .default("any")
        .example("\"https://issuer.example\"")
        .meaning("accepted `iss` values")
        .litestar("accepted_issuers")
        .builder(Some("accepted_issuers")),
    row(Key::Audience, "audience", Takes::Strings)
        .default("any")
        .example("\"my-api\"")
        .meaning("accepted `aud` values")
        .litestar("accepted_audiences")
        .builder(Some("accepted_audiences")),
    row(Key::Issuers, "issuers", Takes::Issuers)
        .example("[oidc(\"https://idp.example/realms/main\")]")
        .meaning(
            "identity providers whose tokens are accepted, their keys found by OpenID discovery; \
             `oidc(\"...\", audience = \"api\", algorithms = [\"RS256\"])`",
        )
        .builder(Some("issuer")),
    row(Key::TlsRoots, "tls_roots", Takes::KeySource)
        .default("the system's")
        .example("file(\"certs/idp-root.pem\")")
        .meaning("the certificate authorities (PEM) that `https://` providers are checked against"),
    row(Key::PreviousSecrets, "previous_secrets", Takes::EnvVar)
        .example("env(\"JWT_PREVIOUS_SECRETS\")")
        .meaning(
            "HMAC secrets that still verify after a rotation (comma-separated), read when the \
             backend is built",
        )
        .builder(Some("previous_secrets_from_env")),
    row(Key::StrictAudience, "strict_audience", Takes::Bool)
        .default("false")
        .example("true")
        .meaning("`aud` must be exactly the one `audience`"),
    row(Key::RequireClaims, "require_claims", Takes::Strings)
        .example("[\"aud\"]")
        .meaning("claims that must be present"),
    row(Key::VerifyExpiry, "verify_expiry", Takes::Bool)
        .default("true")
        .example("true")
        .meaning("check `exp`"),
    row(Key::VerifyNotBefore, "verify_not_before", Takes::Bool)
        .default("true")
        .example("true")
        .meaning("check `nbf`"),
    row(Key::Revoked, "revoked", Takes::Function)
        .example("is_revoked")
        .meaning("a revocation check with the function's parameters, `true` meaning revoked")
        .litestar("revoked_token_handler"),
    row(
        Key::RefreshExpiration,
        "refresh_expiration",
        Takes::Lifetime,
    )
    .default("none (no refresh tokens)")
    .scope(Scope::OAuth2Password)
    .example("\"30d\"")
    .meaning("issue a refresh token of this lifetime with every login")
    .builder(Some("refresh_tokens")),
    row(Key::TokenStore, "token_store", Takes::TokenStore)
        .default("`jwt_auth::MemoryStore` with `refresh_expiration`, else none")
        .example("SqlTokenStore")
        .meaning("where used refresh tokens and revoked ids are kept"),
    row(Key::SchemeName, "scheme_name", Takes::NonEmptyText)
        .default("\"BearerToken\"")
        .example("\"BearerToken\"")
        .meaning("the `OpenAPI` security scheme's name")
        .litestar("openapi_security_scheme_name"),
    row(Key::Description, "description", Takes::Text)
        .default("per flow")
        .example("\"...\"")
        .meaning("the `OpenAPI` security scheme's description"),
    row(Key::OAuthScopes, "oauth_scopes", Takes::Scopes)
        .scope(Scope::OAuth2Password)
        .example("{ \"read\": \"Read access\" }")
        .meaning("`OAuth2` scopes and their descriptions")
        .litestar("scopes"),
    row(Key::Claims, "claims", Takes::Type)
        .default("the `C` in `&Token<C>`, else `jwt_auth::Extras`")
        .example("MyClaims")
        .meaning("the typed extra claims")
        .litestar("token_cls")
        .builder(None),
    row(Key::Name, "name", Takes::TypeName)
        .default("the function's name in `PascalCase`")
        .example("Auth")
        .meaning("the generated type's name")
        .builder(None),
    row(Key::UserImpl, "user_impl", Takes::Bool)
        .default("true")
        .example("false")
        .meaning(
            "implement `jwt_auth::AuthUser` for the user type, so that `CurrentUser<Other>` is a \
             compile error; `false` where another backend's attribute does it already",
        )
        .builder(None),
    row(Key::WebsocketQuery, "websocket_query", Takes::NonEmptyText)
        .example("\"access_token\"")
        .meaning(
            "the query parameter that may carry the token of a WebSocket handshake (and of no \
             other request); see `JwtAuth::websocket_ticket`",
        ),
];

/// A set of keys: which were given, which were refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeySet(u64);

// One bit per key.
const _: () = assert!(KEYS.len() <= 64);

impl KeySet {
    /// No key.
    #[must_use]
    pub const fn new() -> Self {
        Self(0)
    }

    /// Adds `key`.
    pub fn insert(&mut self, key: Key) {
        self.0 |= 1 << key as u32;
    }

    /// Whether `key` is in the set.
    #[must_use]
    pub const fn contains(self, key: Key) -> bool {
        self.0 & (1 << key as u32) != 0
    }

    /// The keys in the set, in the table's order.
    pub fn iter(self) -> impl Iterator<Item = Key> {
        KEYS.iter()
            .map(|spec| spec.key)
            .filter(move |key| self.contains(*key))
    }
}

impl FromIterator<Key> for KeySet {
    fn from_iter<I: IntoIterator<Item = Key>>(keys: I) -> Self {
        let mut set = Self::new();
        for key in keys {
            set.insert(key);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Draft, Flow, SameSite, parse_duration};

    #[test]
    fn each_row_is_at_its_key() {
        for (index, spec) in KEYS.iter().enumerate() {
            assert_eq!(spec.key as usize, index, "{}", spec.name);
            assert_eq!(spec.key.spec(), spec);
            assert_eq!(Key::from_name(spec.name), Some(spec.key));
        }
        assert_eq!(Key::from_name("exlude"), None);
    }

    #[test]
    fn names_are_unique_snake_case_and_litestar_names_are_not_ours() {
        for (index, spec) in KEYS.iter().enumerate() {
            assert!(
                spec.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                spec.name
            );
            assert!(
                !spec.example.is_empty() && !spec.meaning.is_empty(),
                "{}",
                spec.name
            );
            assert!(
                KEYS[..index].iter().all(|other| other.name != spec.name),
                "{}",
                spec.name
            );
            if let Some(litestar) = spec.litestar {
                assert_eq!(Key::from_name(litestar), None, "{litestar}");
                assert_eq!(Key::from_litestar_name(litestar), Some(spec.key));
            }
        }
        assert_eq!(Key::from_litestar_name("token_secret"), Some(Key::Secret));
        assert_eq!(Key::from_litestar_name("secret"), None);
    }

    /// The documented defaults are the draft's, whose rules read them.
    #[test]
    fn documented_defaults_are_the_drafts() {
        let draft = Draft::default();
        let quoted = |name: &str| format!("\"{name}\"");
        assert_eq!(Key::Flow.spec().default, quoted(draft.flow.name()));
        assert_eq!(Key::Algorithm.spec().default, quoted(draft.algorithm.name));
        assert_eq!(Key::SameSite.spec().default, quoted(draft.same_site.name()));
        assert_eq!(Key::Secure.spec().default, draft.secure.to_string());
        assert_eq!(
            Key::StrictAudience.spec().default,
            draft.strict_audience.to_string()
        );
        assert_eq!(draft.flow, Flow::Header);
        assert_eq!(draft.same_site, SameSite::Lax);
    }

    /// What each key takes agrees with its example and its default.
    #[test]
    fn examples_and_defaults_are_values_of_their_kind() {
        let unquote = |text: &'static str| text.strip_prefix('"')?.strip_suffix('"');
        for spec in KEYS {
            for text in [spec.example, spec.default] {
                let ok = match spec.takes {
                    Takes::Duration | Takes::Lifetime if text.starts_with('"') => {
                        let seconds = unquote(text).and_then(parse_duration);
                        seconds.is_some_and(|s| spec.takes == Takes::Duration || s > 0)
                    }
                    Takes::Flow if text.starts_with('"') => {
                        unquote(text).and_then(Flow::from_name).is_some()
                    }
                    Takes::Algorithm => unquote(text).and_then(crate::algorithm).is_some(),
                    Takes::Bool => text == "true" || text == "false",
                    _ => true,
                };
                assert!(ok, "{} = {text}", spec.name);
            }
        }
    }

    #[test]
    fn cookie_only_keys() {
        let cookie: Vec<_> = KEYS
            .iter()
            .filter(|spec| spec.is_cookie_only())
            .map(|spec| spec.name)
            .collect();
        assert_eq!(
            cookie,
            [
                "cookie_name",
                "cookie_path",
                "cookie_domain",
                "secure",
                "same_site"
            ]
        );
    }

    #[test]
    fn key_sets() {
        let mut set = KeySet::new();
        assert!(!set.contains(Key::Name));
        set.insert(Key::Name);
        set.insert(Key::Secret);
        set.insert(Key::Name);
        assert!(set.contains(Key::Name) && set.contains(Key::Secret));
        assert!(!set.contains(Key::Flow));
        assert_eq!(set.iter().collect::<Vec<_>>(), [Key::Secret, Key::Name]);
        assert_eq!(
            [Key::Name, Key::Secret].into_iter().collect::<KeySet>(),
            set
        );
    }
}
