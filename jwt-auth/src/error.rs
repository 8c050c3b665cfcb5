//! Errors: configuration errors (refused when the backend is built), token errors (when minting a
//! token) and authentication failures (a 401 per request, in Litestar's body shape).

use std::fmt;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The error type a retrieval function, revocation check or token store may return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The content type of the error bodies, as `axum::Json` writes it.
const APPLICATION_JSON: &str = "application/json";

/// The body of every error response: Litestar's `{"status_code": ..., "detail": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The HTTP status code, repeated in the body.
    pub status_code: u16,
    /// A short human-readable reason.
    pub detail: String,
}

impl ErrorBody {
    pub(crate) fn response(status: StatusCode, detail: &str) -> Response {
        let body = ErrorBody {
            status_code: status.as_u16(),
            detail: detail.to_owned(),
        };
        (status, axum::Json(body)).into_response()
    }
}

/// A backend configuration that cannot work. Returned by [`JwtAuthBuilder::build`]
/// (and by the `new()` constructor that `#[jwt_auth]` generates), never per request.
///
/// [`JwtAuthBuilder::build`]: crate::JwtAuthBuilder::build
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// No secret or key was configured.
    MissingSecret,
    /// The environment variable that should hold the secret is not set (or not UTF-8).
    MissingEnvSecret {
        /// The variable's name.
        var: String,
    },
    /// The environment variable that should hold a key (`Key::env`) is not set (or not UTF-8).
    MissingEnvKey {
        /// The variable's name.
        var: String,
    },
    /// The secret is empty.
    EmptySecret,
    /// An HMAC secret shorter than the hash output (RFC 7518 section 3.2).
    SecretTooShort {
        /// The configured algorithm.
        algorithm: &'static str,
        /// The secret's length in bytes.
        len: usize,
        /// The minimum length in bytes.
        min: usize,
    },
    /// An algorithm name that is not supported.
    UnknownAlgorithm(String),
    /// A key that does not fit the algorithm, or a signing key that does not match its
    /// verification key.
    InvalidKey {
        /// The configured algorithm.
        algorithm: &'static str,
        /// What is wrong with the key.
        reason: String,
    },
    /// No user-retrieval function was given to the builder.
    MissingRetrieveUser,
    /// `strict_audience` needs exactly one accepted audience.
    StrictAudience {
        /// How many audiences were configured.
        count: usize,
    },
    /// An `exclude` pattern is not a valid regular expression.
    InvalidExclude {
        /// The pattern.
        pattern: String,
        /// The regex engine's message.
        reason: String,
    },
    /// The `exclude` patterns match every path, which would turn authentication off.
    ExcludeMatchesEveryPath {
        /// The pattern that does on its own, or all of them joined with `|`.
        pattern: String,
    },
    /// A header or cookie name, or a cookie attribute, that is not valid.
    InvalidName {
        /// Which option.
        option: &'static str,
        /// The rejected value.
        value: String,
    },
    /// `same_site = none` without `secure`: browsers drop such cookies.
    SameSiteNoneWithoutSecure,
    /// The default token expiration is zero.
    ZeroExpiration,
    /// The OAuth2 password flow needs a `token_url`.
    TokenUrlMissing,
    /// `max_token_size` is zero.
    ZeroMaxTokenSize,
    /// A `token_url` was given for a flow other than the OAuth2 password flow.
    TokenUrlNotOAuth2,
    /// Refresh tokens were turned on for a flow other than the OAuth2 password flow.
    RefreshNotOAuth2,
    /// A setting for flows other than the configured one: a cookie setting with
    /// [`Flow::Header`], or OAuth2 scopes outside [`Flow::OAuth2Password`].
    ///
    /// [`Flow::Header`]: crate::Flow::Header
    /// [`Flow::OAuth2Password`]: crate::Flow::OAuth2Password
    NotForFlow {
        /// The builder method that set it.
        option: &'static str,
        /// The flows it applies to.
        applies_to: &'static str,
    },
    /// Refresh tokens were turned on for a backend that only verifies (no signing key).
    RefreshWithoutSigningKey,
    /// A URL keys would be fetched from that is refused: not absolute, or plain `http://` to a
    /// host other than loopback (see [`Issuer`](crate::Issuer)).
    InvalidUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: &'static str,
    },
    /// An `https://` URL without the feature `remote-tls`, or TLS roots that cannot be had.
    Tls {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// An identity provider without an audience of its own or accepted audiences: a token it
    /// issued for any other API would be accepted.
    IssuerWithoutAudience {
        /// The provider's `iss`.
        issuer: String,
    },
    /// Two identity providers with the same `iss`.
    DuplicateIssuer {
        /// The `iss`.
        issuer: String,
    },
    /// An HMAC algorithm among an identity provider's: a published key set never verifies
    /// HMAC.
    HmacFromKeySet {
        /// The provider's `iss`.
        issuer: String,
        /// The algorithm.
        algorithm: &'static str,
    },
    /// Previous secrets without a current HMAC secret.
    PreviousSecretsWithoutSecret,
    /// TLS roots for a backend that fetches no key set.
    TlsRootsWithoutIssuers,
}

impl fmt::Display for ConfigError {
    #[allow(clippy::too_many_lines, reason = "one message per error, in one place")]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingSecret => f.write_str(
                "jwt-auth: no secret configured; call `.secret(...)`, `.secret_from_env(\"JWT_SECRET\")` \
                 or give a signing/verifying key",
            ),
            Self::MissingEnvSecret { var } => write!(
                f,
                "jwt-auth: the environment variable `{var}` is not set; set it to a random secret \
                 of at least 32 bytes (for example `export {var}=$(openssl rand -hex 32)`)"
            ),
            Self::MissingEnvKey { var } => write!(
                f,
                "jwt-auth: the environment variable `{var}` is not set; set it to the key's PEM \
                 text (or a JWK), for example `export {var}=\"$(cat key.pem)\"`"
            ),
            Self::EmptySecret => f.write_str("jwt-auth: the secret is empty"),
            Self::SecretTooShort { algorithm, len, min } => write!(
                f,
                "jwt-auth: the {algorithm} secret is {len} bytes long; use at least {min} bytes \
                 (RFC 7518 section 3.2), for example the output of `openssl rand -hex {min}`"
            ),
            Self::UnknownAlgorithm(name) => {
                write!(f, "jwt-auth: unknown algorithm `{name}`; use one of ")?;
                let names = jwt_auth_config::ALGORITHMS.map(|algorithm| algorithm.name);
                f.write_str(&names.join(", "))
            }
            Self::InvalidKey { algorithm, reason } => {
                write!(f, "jwt-auth: the key does not fit {algorithm}: {reason}")
            }
            Self::MissingRetrieveUser => f.write_str(
                "jwt-auth: no user-retrieval function; call `.retrieve_user(...)` on the builder",
            ),
            Self::StrictAudience { count } => write!(
                f,
                "jwt-auth: `strict_audience` needs exactly one accepted audience, {count} configured"
            ),
            Self::InvalidExclude { pattern, reason } => {
                write!(f, "jwt-auth: invalid `exclude` pattern `{pattern}`: {reason}")
            }
            Self::ExcludeMatchesEveryPath { pattern } => write!(
                f,
                "jwt-auth: the `exclude` pattern `{pattern}` matches every path, which would turn \
                 authentication off; anchor it, e.g. `^/login$`"
            ),
            Self::InvalidName { option, value } => {
                write!(f, "jwt-auth: invalid {option} `{value}`")
            }
            Self::SameSiteNoneWithoutSecure => f.write_str(
                "jwt-auth: `same_site = none` requires `secure = true` (browsers drop the cookie otherwise)",
            ),
            Self::ZeroExpiration => f.write_str("jwt-auth: the token expiration must be positive"),
            Self::ZeroMaxTokenSize => {
                f.write_str("jwt-auth: `max_token_size` must be positive (the default is 8192)")
            }
            Self::TokenUrlMissing => f.write_str(
                "jwt-auth: the OAuth2 password flow needs a token URL; call `.token_url(\"/login\")`",
            ),
            Self::TokenUrlNotOAuth2 => f.write_str(
                "jwt-auth: a token URL only applies to the OAuth2 password flow; remove it or use \
                 `Flow::OAuth2Password`",
            ),
            Self::RefreshNotOAuth2 => f.write_str(
                "jwt-auth: refresh tokens are issued by the OAuth2 password flow's token endpoint; \
                 use `Flow::OAuth2Password` or remove `refresh_tokens`",
            ),
            Self::NotForFlow { option, applies_to } => write!(
                f,
                "jwt-auth: `{option}` only applies to {applies_to}; remove it or change the flow"
            ),
            Self::RefreshWithoutSigningKey => f.write_str(
                "jwt-auth: refresh tokens need a signing key (this backend only verifies); give a \
                 private key or a secret, or remove `refresh_tokens`",
            ),
            Self::InvalidUrl { url, reason } => {
                write!(f, "jwt-auth: the key set URL `{url}` is refused: {reason}")
            }
            Self::Tls { url, reason } => {
                write!(f, "jwt-auth: cannot fetch `{url}` over TLS: {reason}")
            }
            Self::IssuerWithoutAudience { issuer } => write!(
                f,
                "jwt-auth: the identity provider `{issuer}` has no audience: a token it issued for \
                 any other API would be accepted; give it `.audience([\"my-api\"])` or call \
                 `.accepted_audiences(...)`"
            ),
            Self::DuplicateIssuer { issuer } => {
                write!(f, "jwt-auth: the identity provider `{issuer}` is given twice")
            }
            Self::HmacFromKeySet { issuer, algorithm } => write!(
                f,
                "jwt-auth: `{algorithm}` for the identity provider `{issuer}`: a published key set \
                 never verifies HMAC (its key would be anyone's); use RS, PS, ES or EdDSA"
            ),
            Self::PreviousSecretsWithoutSecret => f.write_str(
                "jwt-auth: previous secrets rotate an HMAC secret; give the current one with \
                 `.secret_from_env(...)`",
            ),
            Self::TlsRootsWithoutIssuers => f.write_str(
                "jwt-auth: TLS roots apply to identity providers and remote key sets, and there \
                 are none; add `.issuer(...)` or remove `.tls_roots(...)`",
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Why a token could not be minted (by `login()` or `create_token()`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// The backend only verifies tokens: no signing key was configured.
    NoSigningKey,
    /// The extra claims did not serialize to a JSON object.
    ExtrasNotAnObject,
    /// An extra claim uses the name of a registered claim.
    ReservedClaim(String),
    /// The expiration is zero.
    ZeroExpiration,
    /// The identifier (`sub`) is empty.
    EmptySubject,
    /// A `jti` set by the application on a login of a backend with refresh tokens: the `jti`
    /// is minted here, its family linking the tokens of one login for logout and reuse detection.
    JtiWithRefreshTokens,
    /// A token lifetime longer than a backend with a token store remembers revocations.
    ExpirationTooLong {
        /// The lifetime asked for, in seconds.
        seconds: u64,
        /// The longest allowed: the longer of the default and the refresh expiration.
        max: u64,
    },
    /// Serialization or signing failed.
    Encode(String),
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSigningKey => {
                f.write_str("jwt-auth: this backend has no signing key, it can only verify tokens")
            }
            Self::ExtrasNotAnObject => {
                f.write_str("jwt-auth: the extra claims must serialize to a JSON object")
            }
            Self::ReservedClaim(name) => write!(
                f,
                "jwt-auth: `{name}` is a registered claim; set it with its own method, not as an extra"
            ),
            Self::ZeroExpiration => f.write_str("jwt-auth: the token expiration must be positive"),
            Self::EmptySubject => f.write_str("jwt-auth: the identifier (`sub`) must not be empty"),
            Self::JtiWithRefreshTokens => f.write_str(
                "jwt-auth: a backend with refresh tokens mints the `jti` of a login itself (its \
                 family links the login's tokens for logout and reuse detection); remove `.jti(...)`",
            ),
            Self::ExpirationTooLong { seconds, max } => write!(
                f,
                "jwt-auth: a token lifetime of {seconds} s is longer than a revocation is \
                 remembered ({max} s, the longer of `expiration` and `refresh_expiration`)"
            ),
            Self::Encode(reason) => write!(f, "jwt-auth: failed to encode the token: {reason}"),
        }
    }
}

impl std::error::Error for TokenError {}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self, "jwt-auth: could not create a token");
        ErrorBody::response(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
    }
}

/// Why a presented token was refused. Kept for logs and custom error bodies; the default body
/// only says `"Invalid token"`, as Litestar does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidToken {
    /// Not three base64url segments, or a header or payload that is not JSON.
    Malformed,
    /// The `Authorization` header does not use the `Bearer` scheme, or several were sent.
    Scheme,
    /// The `alg` header is not the configured algorithm.
    Algorithm,
    /// The signature does not verify.
    Signature,
    /// `exp` is in the past.
    Expired,
    /// `nbf` is in the future.
    NotYetValid,
    /// `iat` is in the future.
    IssuedInFuture,
    /// `iss` is missing or not accepted.
    Issuer,
    /// `aud` is missing or not accepted.
    Audience,
    /// A required claim is missing.
    MissingClaim,
    /// A claim has the wrong type, or is duplicated.
    Claims,
    /// The header or cookie is larger than the configured limit.
    TooLarge,
    /// No verification key for the token's `kid` (or no `kid` where several keys exist).
    UnknownKey,
    /// The key set the token needs cannot be had: never fetched (host down, timeout, not a
    /// JWKS), or fetched longer ago than its staleness bound allows (503: the token may be
    /// good, the server cannot tell for now).
    KeysUnavailable,
    /// A refresh token where an access token is expected, or the other way round (the JOSE
    /// header's `typ`).
    WrongType,
}

impl InvalidToken {
    /// A short description, for logs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed token",
            Self::Scheme => "authorization scheme is not Bearer",
            Self::Algorithm => "unexpected algorithm",
            Self::Signature => "bad signature",
            Self::Expired => "token expired",
            Self::NotYetValid => "token not yet valid",
            Self::IssuedInFuture => "token issued in the future",
            Self::Issuer => "issuer not accepted",
            Self::Audience => "audience not accepted",
            Self::MissingClaim => "a required claim is missing",
            Self::Claims => "claims of the wrong type",
            Self::TooLarge => "token too large",
            Self::UnknownKey => "no verification key for the token's kid",
            Self::KeysUnavailable => "the key set is unavailable",
            Self::WrongType => "a refresh token where an access token is expected, or the reverse",
        }
    }

    /// A short code for logs and metrics: `malformed`, `signature`, `expired`, ...
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Scheme => "scheme",
            Self::Algorithm => "algorithm",
            Self::Signature => "signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuedInFuture => "issued_in_future",
            Self::Issuer => "issuer",
            Self::Audience => "audience",
            Self::MissingClaim => "missing_claim",
            Self::Claims => "claims",
            Self::TooLarge => "too_large",
            Self::UnknownKey => "unknown_key",
            Self::KeysUnavailable => "keys_unavailable",
            Self::WrongType => "wrong_type",
        }
    }
}

impl fmt::Display for InvalidToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authentication failure. Every variant is a 401 but [`AuthError::Internal`] and
/// [`AuthError::NotInstalled`] (500), [`AuthError::CrossSite`] (403),
/// [`AuthError::Unavailable`] and [`InvalidToken::KeysUnavailable`] (503),
/// [`InvalidToken::TooLarge`] (431), and the refusals of a guard,
/// [`AuthError::InsufficientScope`] and [`AuthError::Forbidden`] (403).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// No token in the request. `cookie` says whether the cookie was also looked at.
    MissingToken {
        /// The flow also reads the cookie.
        cookie: bool,
    },
    /// A token was sent but is not valid.
    InvalidToken(InvalidToken),
    /// The token is valid but the retrieval function found no user, or the token is revoked.
    Unauthorized,
    /// The retrieval function or the revocation check failed or panicked (500).
    Internal,
    /// A handler asked for the user (or the backend) but the request did not go through a
    /// `jwt-auth` layer: a route added after [`JwtAuth::install`](crate::JwtAuth::install), say.
    /// It is refused (401) rather than let through, and the fix is logged.
    NotInstalled,
    /// An unsafe request authenticated by the cookie came from another origin (403); see
    /// [`CsrfSettings`](crate::CsrfSettings).
    CrossSite,
    /// The token store cannot tell whether the token is revoked for now (its link to the state
    /// it shares with other instances has been down longer than its staleness bound), and
    /// refuses rather than guess (503); see
    /// [`StoreUnavailable`](crate::session::StoreUnavailable).
    Unavailable,
    /// A guard refused a valid token that lacks a scope the route requires (403, with
    /// `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."`, RFC 6750
    /// section 3.1); see [`Guard`](crate::Guard).
    InsufficientScope {
        /// The scopes the route requires, space-separated: all of them, or for a guard that
        /// takes any of several, the alternatives.
        scope: &'static str,
    },
    /// A guard's predicate on the user or the token (a role) refused the request (403).
    Forbidden,
}

impl AuthError {
    /// The status code of the default response.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::InvalidToken(InvalidToken::TooLarge) => {
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
            }
            Self::CrossSite | Self::InsufficientScope { .. } | Self::Forbidden => {
                StatusCode::FORBIDDEN
            }
            Self::Unavailable | Self::InvalidToken(InvalidToken::KeysUnavailable) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// Litestar's detail string for this failure.
    #[must_use]
    pub fn detail(&self) -> &'static str {
        self.texts().0
    }

    /// The detail and the default JSON body, written once here rather than serialized per
    /// refusal (a refusal costs no more than a valid token); a test checks each body against `serde_json`'s [`ErrorBody`].
    fn texts(&self) -> (&'static str, &'static str) {
        macro_rules! texts {
            ($status:literal, $detail:literal) => {
                (
                    $detail,
                    concat!(
                        r#"{"status_code":"#,
                        $status,
                        r#","detail":""#,
                        $detail,
                        r#""}"#
                    ),
                )
            };
        }
        match self {
            Self::MissingToken { cookie: false } => {
                texts!(401, "No JWT token found in request header")
            }
            Self::MissingToken { cookie: true } => {
                texts!(401, "No JWT token found in request header or cookies")
            }
            Self::InvalidToken(InvalidToken::TooLarge) => {
                texts!(431, "Request Header Fields Too Large")
            }
            Self::InvalidToken(InvalidToken::KeysUnavailable) | Self::Unavailable => {
                texts!(503, "Service Unavailable")
            }
            Self::InvalidToken(_) => texts!(401, "Invalid token"),
            Self::Unauthorized | Self::NotInstalled => texts!(401, "Unauthorized"),
            Self::CrossSite => texts!(403, "Cross-site request refused"),
            Self::Internal => texts!(500, "Internal Server Error"),
            Self::InsufficientScope { .. } => texts!(403, "Insufficient scope"),
            Self::Forbidden => texts!(403, "Forbidden"),
        }
    }

    /// Why the request was refused, as a short code for logs and metrics (`missing_token`,
    /// `expired`, `signature`, `unauthorized`, `cross_site`, ...): never the token or a secret.
    #[must_use]
    pub fn reason(&self) -> &'static str {
        match self {
            Self::MissingToken { .. } => "missing_token",
            Self::InvalidToken(invalid) => invalid.code(),
            Self::Unauthorized => "unauthorized",
            Self::Internal => "internal",
            Self::NotInstalled => "not_installed",
            Self::CrossSite => "cross_site",
            Self::Unavailable => "unavailable",
            Self::InsufficientScope { .. } => "insufficient_scope",
            Self::Forbidden => "forbidden",
        }
    }

    /// The `WWW-Authenticate` value (RFC 6750), for 401s; for
    /// [`AuthError::InsufficientScope`] the part without the scopes (see
    /// [`challenge`](Self::challenge)).
    #[must_use]
    pub fn www_authenticate(&self) -> Option<&'static str> {
        match self {
            Self::Internal
            | Self::CrossSite
            | Self::Unavailable
            | Self::Forbidden
            | Self::InvalidToken(InvalidToken::TooLarge | InvalidToken::KeysUnavailable) => None,
            Self::MissingToken { .. } | Self::NotInstalled => Some("Bearer"),
            Self::InvalidToken(_) | Self::Unauthorized => Some("Bearer error=\"invalid_token\""),
            Self::InsufficientScope { .. } => Some("Bearer error=\"insufficient_scope\""),
        }
    }

    /// The whole `WWW-Authenticate` value the default response sends: for
    /// [`AuthError::InsufficientScope`], `Bearer error="insufficient_scope", scope="..."`
    /// (RFC 6750 section 3.1), else [`www_authenticate`](Self::www_authenticate).
    #[must_use]
    pub fn challenge(&self) -> Option<std::borrow::Cow<'static, str>> {
        match self {
            Self::InsufficientScope { scope } => Some(std::borrow::Cow::Owned(format!(
                "Bearer error=\"insufficient_scope\", scope=\"{scope}\""
            ))),
            other => other.www_authenticate().map(std::borrow::Cow::Borrowed),
        }
    }

    /// The default response: Litestar's JSON body and, for 401s, `WWW-Authenticate`.
    #[must_use]
    pub fn default_response(&self) -> Response {
        let mut response = Response::new(axum::body::Body::from(self.texts().1));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(APPLICATION_JSON),
        );
        match self.challenge() {
            Some(std::borrow::Cow::Borrowed(value)) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(value));
            }
            // A scope of a hand-written guard that cannot go in a header is left out.
            Some(std::borrow::Cow::Owned(value)) => {
                if let Ok(value) = HeaderValue::try_from(value) {
                    headers.insert(header::WWW_AUTHENTICATE, value);
                }
            }
            None => {}
        }
        response
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidToken(reason) => write!(f, "Invalid token: {reason}"),
            other => f.write_str(other.detail()),
        }
    }
}

impl std::error::Error for AuthError {}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        self.default_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_failure() -> Vec<AuthError> {
        let reasons = [
            InvalidToken::Malformed,
            InvalidToken::Scheme,
            InvalidToken::Algorithm,
            InvalidToken::Signature,
            InvalidToken::Expired,
            InvalidToken::NotYetValid,
            InvalidToken::IssuedInFuture,
            InvalidToken::Issuer,
            InvalidToken::Audience,
            InvalidToken::MissingClaim,
            InvalidToken::Claims,
            InvalidToken::TooLarge,
            InvalidToken::UnknownKey,
            InvalidToken::KeysUnavailable,
        ];
        let mut failures = vec![
            AuthError::MissingToken { cookie: false },
            AuthError::MissingToken { cookie: true },
            AuthError::Unauthorized,
            AuthError::Internal,
            AuthError::NotInstalled,
            AuthError::CrossSite,
            AuthError::Unavailable,
            AuthError::InsufficientScope {
                scope: "notes:write",
            },
            AuthError::Forbidden,
        ];
        failures.extend(reasons.into_iter().map(AuthError::InvalidToken));
        failures
    }

    /// The written-once bodies are what `axum::Json` of an [`ErrorBody`] gives.
    #[tokio::test]
    async fn default_responses_are_the_serialized_error_bodies() {
        for error in every_failure() {
            let expected = ErrorBody::response(error.status(), error.detail());
            let response = error.default_response();
            assert_eq!(response.status(), expected.status(), "{error:?}");
            assert_eq!(
                response.headers().get(header::CONTENT_TYPE),
                expected.headers().get(header::CONTENT_TYPE),
                "{error:?}"
            );
            assert_eq!(
                response
                    .headers()
                    .get(header::WWW_AUTHENTICATE)
                    .map(|v| v.to_str().unwrap()),
                error.challenge().as_deref(),
                "{error:?}"
            );
            let body = |response: Response| async {
                axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .unwrap()
            };
            let (ours, theirs) = (body(response).await, body(expected).await);
            assert_eq!(ours, theirs, "{error:?}");
            let parsed: ErrorBody = serde_json::from_slice(&ours).unwrap();
            assert_eq!(parsed.detail, error.detail());
        }
    }

    #[test]
    fn insufficient_scope_says_which_scope() {
        let error = AuthError::InsufficientScope {
            scope: "notes:write",
        };
        let response = error.default_response();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            response.headers()[header::WWW_AUTHENTICATE],
            r#"Bearer error="insufficient_scope", scope="notes:write""#
        );
        assert!(
            AuthError::Forbidden
                .default_response()
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .is_none()
        );
    }
}
