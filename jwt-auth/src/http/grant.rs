//! The OAuth2 resource owner password grant (RFC 6749 section 4.3) as an axum extractor.
//!
//! Swagger UI's "Authorize" button, like every OAuth2 client, posts the grant as
//! `application/x-www-form-urlencoded`; Litestar's example token endpoint only takes JSON, so the
//! button fails there (Litestar issue #3971). [`PasswordGrant`] takes the form, and JSON with the
//! same fields for clients that prefer it, and answers bad input with RFC 6749 section 5.2 error
//! bodies.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A password grant: `grant_type=password&username=...&password=...&scope=...`.
///
/// Extracted from an `application/x-www-form-urlencoded` body (as RFC 6749 section 4.3.2 says)
/// or an `application/json` object with the same fields as strings. `grant_type`, `username` and
/// `password` are required, `scope` is optional (space-delimited), `client_id` and
/// `client_secret` (section 2.3.1) are kept when sent. A parameter sent twice, a missing or
/// empty required one, another content type or a malformed body is `invalid_request`; another
/// `grant_type` is `unsupported_grant_type`; both answer 400 with a [`GrantError`] body.
///
/// Checking the credentials is the application's part: answer wrong ones with
/// [`GrantError::invalid_grant`].
///
/// ```
/// use jwt_auth::{GrantError, PasswordGrant};
///
/// async fn token(grant: PasswordGrant) -> Result<String, GrantError> {
///     if grant.username == "ada" && grant.password == "lovelace" {
///         Ok(format!("welcome {}", grant.username))
///     } else {
///         Err(GrantError::invalid_grant("wrong username or password"))
///     }
/// }
/// let app: axum::Router = axum::Router::new().route("/token", axum::routing::post(token));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordGrant {
    /// The resource owner's username.
    pub username: String,
    /// The resource owner's password.
    pub password: String,
    /// The requested scopes, from the space-delimited `scope` parameter; empty when absent.
    pub scopes: Vec<String>,
    /// The client's identifier, when the client sent one.
    pub client_id: Option<String>,
    /// The client's secret, when the client sent one.
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for PasswordGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordGrant")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// An OAuth2 error response (RFC 6749 section 5.2): status 400 (401 for `invalid_client`),
/// body `{"error": "...", "error_description": "..."}`, `Cache-Control: no-store`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantError {
    /// The error code: `invalid_request`, `invalid_client`, `invalid_grant`,
    /// `unauthorized_client`, `unsupported_grant_type` or `invalid_scope`.
    pub error: &'static str,
    /// What was wrong, for the developer reading it.
    pub error_description: String,
}

impl GrantError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            error_description: description.into(),
        }
    }

    /// A missing, repeated or malformed parameter, or a body that is not a grant.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }

    /// Client authentication failed (answered with 401).
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new("invalid_client", description)
    }

    /// The credentials are wrong.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }

    /// The client may not use this grant type.
    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::new("unauthorized_client", description)
    }

    /// A grant type other than `password`.
    pub fn unsupported_grant_type(description: impl Into<String>) -> Self {
        Self::new("unsupported_grant_type", description)
    }

    /// A requested scope is unknown or not allowed.
    pub fn invalid_scope(description: impl Into<String>) -> Self {
        Self::new("invalid_scope", description)
    }

    /// The response's status: 401 for `invalid_client`, 400 otherwise.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        if self.error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        }
    }
}

impl std::fmt::Display for GrantError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.error_description)
    }
}

impl std::error::Error for GrantError {}

impl IntoResponse for GrantError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(&self)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        headers.insert(header::PRAGMA, header::HeaderValue::from_static("no-cache"));
        if self.status() == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic"),
            );
        }
        response
    }
}

/// The parameters of a grant from a form or JSON body, in the order they came.
async fn grant_parameters<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<Vec<(String, String)>, GrantError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(media_type);
    let body = Bytes::from_request(request, state)
        .await
        .map_err(|rejection| GrantError::invalid_request(rejection.body_text()))?;
    match content_type.as_deref() {
        Some("application/x-www-form-urlencoded") => form_parameters(&body),
        Some(json) if json == "application/json" || json.ends_with("+json") => {
            json_parameters(&body)
        }
        _ => Err(GrantError::invalid_request(
            "the grant must be sent as application/x-www-form-urlencoded or application/json",
        )),
    }
}

impl<S: Send + Sync> FromRequest<S> for PasswordGrant {
    type Rejection = GrantError;

    async fn from_request(request: Request, state: &S) -> Result<Self, GrantError> {
        Self::from_parameters(grant_parameters(request, state).await?)
    }
}

impl PasswordGrant {
    /// Builds the grant from its parameters, in the order they came; see the type's docs for
    /// the rules.
    pub fn from_parameters(parameters: Vec<(String, String)>) -> Result<Self, GrantError> {
        let fields = Fields::collect(parameters)?;
        let grant_type = required(fields.grant_type.clone(), "grant_type")?;
        if grant_type != "password" {
            return Err(GrantError::unsupported_grant_type(format!(
                "the grant type `{grant_type}` is not supported; use `password`"
            )));
        }
        fields.into_password()
    }

    /// The scopes to grant: those the client asked for, narrowed to what the application
    /// grants this user (`allowed`), or all of `allowed` when it asked for none (the default
    /// scope of RFC 6749 section 3.3). A scope asked for but not allowed is `invalid_scope`
    /// (400): the client learns at once that it cannot have it.
    ///
    /// ```
    /// # use jwt_auth::PasswordGrant;
    /// let grant = PasswordGrant::from_parameters(vec![
    ///     ("grant_type".into(), "password".into()),
    ///     ("username".into(), "ada".into()),
    ///     ("password".into(), "secret".into()),
    ///     ("scope".into(), "notes:read".into()),
    /// ]).unwrap();
    /// assert_eq!(grant.granted_scopes(["notes:read", "notes:write"]).unwrap(), ["notes:read"]);
    /// assert!(grant.granted_scopes(["profile"]).is_err());
    /// ```
    pub fn granted_scopes<'a, I>(&self, allowed: I) -> Result<Vec<String>, GrantError>
    where
        I: IntoIterator<Item = &'a str>,
    {
        let allowed: Vec<&str> = allowed.into_iter().collect();
        if self.scopes.is_empty() {
            return Ok(allowed.into_iter().map(str::to_owned).collect());
        }
        match self
            .scopes
            .iter()
            .find(|asked| !allowed.contains(&asked.as_str()))
        {
            Some(refused) => Err(GrantError::invalid_scope(format!(
                "the scope `{refused}` is not granted to this user"
            ))),
            None => Ok(self.scopes.clone()),
        }
    }
}

/// A refresh grant (RFC 6749 section 6): `grant_type=refresh_token&refresh_token=...`; pass
/// the token to [`JwtAuth::refresh`](crate::JwtAuth::refresh).
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshGrant {
    /// The refresh token.
    pub refresh_token: String,
    /// The requested scopes; empty when absent.
    pub scopes: Vec<String>,
    /// The client's identifier, when the client sent one.
    pub client_id: Option<String>,
    /// The client's secret, when the client sent one.
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for RefreshGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshGrant")
            .field("refresh_token", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// A token endpoint's request: the password grant or the refresh grant, from a form or JSON
/// body with the rules of [`PasswordGrant`]; any other `grant_type` is
/// `unsupported_grant_type`.
///
/// ```
/// use axum::response::{IntoResponse, Response};
/// use jwt_auth::{GrantError, TokenGrant};
///
/// async fn token(grant: TokenGrant) -> Response {
///     match grant {
///         TokenGrant::Password(grant) => {
///             // check grant.username and grant.password, then `auth.login(id)`
///             GrantError::invalid_grant("wrong username or password").into_response()
///         }
///         TokenGrant::RefreshToken(grant) => {
///             // `auth.refresh(&grant.refresh_token, &state).await`
///             GrantError::invalid_grant("the refresh token is invalid").into_response()
///         }
///     }
/// }
/// let app: axum::Router = axum::Router::new().route("/token", axum::routing::post(token));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenGrant {
    /// `grant_type=password`.
    Password(PasswordGrant),
    /// `grant_type=refresh_token`.
    RefreshToken(RefreshGrant),
}

impl TokenGrant {
    /// Builds the grant from its parameters, in the order they came.
    pub fn from_parameters(parameters: Vec<(String, String)>) -> Result<Self, GrantError> {
        let mut fields = Fields::collect(parameters)?;
        let grant_type = required(fields.grant_type.clone(), "grant_type")?;
        match grant_type.as_str() {
            "password" => fields.into_password().map(Self::Password),
            "refresh_token" => Ok(Self::RefreshToken(RefreshGrant {
                refresh_token: required(fields.refresh_token.take(), "refresh_token")?,
                scopes: fields.scopes(),
                client_id: fields.client_id,
                client_secret: fields.client_secret,
            })),
            other => Err(GrantError::unsupported_grant_type(format!(
                "the grant type `{other}` is not supported; use `password` or `refresh_token`"
            ))),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for TokenGrant {
    type Rejection = GrantError;

    async fn from_request(request: Request, state: &S) -> Result<Self, GrantError> {
        Self::from_parameters(grant_parameters(request, state).await?)
    }
}

#[derive(Default)]
struct Fields {
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
    scope: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

impl Fields {
    /// The known parameters; a repeated one is an `invalid_request`.
    fn collect(parameters: Vec<(String, String)>) -> Result<Self, GrantError> {
        let mut fields = Self::default();
        for (name, value) in parameters {
            let slot = match name.as_str() {
                "grant_type" => &mut fields.grant_type,
                "username" => &mut fields.username,
                "password" => &mut fields.password,
                "refresh_token" => &mut fields.refresh_token,
                "scope" => &mut fields.scope,
                "client_id" => &mut fields.client_id,
                "client_secret" => &mut fields.client_secret,
                // RFC 6749 section 3.2: unrecognized parameters are ignored.
                _ => continue,
            };
            if slot.is_some() {
                return Err(GrantError::invalid_request(format!(
                    "`{name}` is sent more than once"
                )));
            }
            *slot = Some(value);
        }
        Ok(fields)
    }

    fn scopes(&self) -> Vec<String> {
        self.scope
            .as_deref()
            .unwrap_or_default()
            .split(' ')
            .filter(|scope| !scope.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn into_password(self) -> Result<PasswordGrant, GrantError> {
        let scopes = self.scopes();
        Ok(PasswordGrant {
            username: required(self.username, "username")?,
            password: required(self.password, "password")?,
            scopes,
            client_id: self.client_id,
            client_secret: self.client_secret,
        })
    }
}

fn required(value: Option<String>, name: &str) -> Result<String, GrantError> {
    match value {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(GrantError::invalid_request(format!("`{name}` is required"))),
    }
}

/// `type/subtype` of a `Content-Type` value, lowercased, without parameters.
fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn form_parameters(body: &[u8]) -> Result<Vec<(String, String)>, GrantError> {
    serde_urlencoded::from_bytes(body)
        .map_err(|error| GrantError::invalid_request(format!("the form is malformed: {error}")))
}

fn json_parameters(body: &[u8]) -> Result<Vec<(String, String)>, GrantError> {
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).map_err(|error| {
            GrantError::invalid_request(format!("the body is not a JSON object: {error}"))
        })?;
    let mut parameters = Vec::with_capacity(object.len());
    for (name, value) in object {
        match value {
            serde_json::Value::String(value) => parameters.push((name, value)),
            serde_json::Value::Null => {}
            _ => {
                return Err(GrantError::invalid_request(format!(
                    "`{name}` must be a string"
                )));
            }
        }
    }
    Ok(parameters)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parameters(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn a_full_grant_parses() {
        let grant = PasswordGrant::from_parameters(parameters(&[
            ("grant_type", "password"),
            ("username", "ada"),
            ("password", "p@ss word"),
            ("scope", "read  write"),
            ("client_id", "swagger"),
            ("other", "ignored"),
        ]))
        .expect("a valid grant");
        assert_eq!(grant.username, "ada");
        assert_eq!(grant.password, "p@ss word");
        assert_eq!(grant.scopes, ["read", "write"]);
        assert_eq!(grant.client_id.as_deref(), Some("swagger"));
        assert_eq!(grant.client_secret, None);
    }

    #[test]
    fn missing_or_empty_required_parameters_are_invalid_requests() {
        for missing in ["grant_type", "username", "password"] {
            let mut pairs = vec![
                ("grant_type", "password"),
                ("username", "ada"),
                ("password", "secret"),
            ];
            pairs.retain(|(name, _)| *name != missing);
            let error = PasswordGrant::from_parameters(parameters(&pairs)).unwrap_err();
            assert_eq!(error.error, "invalid_request", "{missing}");
            assert!(error.error_description.contains(missing));
            pairs.push((missing, ""));
            let error = PasswordGrant::from_parameters(parameters(&pairs)).unwrap_err();
            assert_eq!(error.error, "invalid_request", "empty {missing}");
        }
    }

    #[test]
    fn another_grant_type_is_unsupported() {
        let error = PasswordGrant::from_parameters(parameters(&[
            ("grant_type", "client_credentials"),
            ("username", "ada"),
            ("password", "secret"),
        ]))
        .unwrap_err();
        assert_eq!(error.error, "unsupported_grant_type");
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_repeated_parameter_is_an_invalid_request() {
        let error = PasswordGrant::from_parameters(parameters(&[
            ("grant_type", "password"),
            ("username", "ada"),
            ("username", "eve"),
            ("password", "secret"),
        ]))
        .unwrap_err();
        assert_eq!(error.error, "invalid_request");
        assert!(error.error_description.contains("username"));
    }

    #[test]
    fn json_values_must_be_strings() {
        assert_eq!(
            json_parameters(br#"{"username": "ada", "scope": null}"#).unwrap(),
            parameters(&[("username", "ada")])
        );
        assert_eq!(
            json_parameters(br#"{"username": 1}"#).unwrap_err().error,
            "invalid_request"
        );
        assert_eq!(
            json_parameters(b"[1, 2]").unwrap_err().error,
            "invalid_request"
        );
    }

    #[test]
    fn media_types_ignore_parameters_and_case() {
        assert_eq!(
            media_type("Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
            "application/x-www-form-urlencoded"
        );
    }

    #[test]
    fn the_password_is_not_debug_printed() {
        let grant = PasswordGrant::from_parameters(parameters(&[
            ("grant_type", "password"),
            ("username", "ada"),
            ("password", "hunter2"),
        ]))
        .unwrap();
        assert!(!format!("{grant:?}").contains("hunter2"));
    }

    #[test]
    fn the_token_grant_takes_password_and_refresh_grants() {
        let password = TokenGrant::from_parameters(parameters(&[
            ("grant_type", "password"),
            ("username", "ada"),
            ("password", "secret"),
        ]))
        .unwrap();
        assert!(matches!(password, TokenGrant::Password(grant) if grant.username == "ada"));
        let refresh = TokenGrant::from_parameters(parameters(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "r.t"),
            ("scope", "a b"),
        ]))
        .unwrap();
        let TokenGrant::RefreshToken(refresh) = refresh else {
            panic!("a refresh grant");
        };
        assert_eq!(refresh.refresh_token, "r.t");
        assert_eq!(refresh.scopes, ["a", "b"]);
        assert!(!format!("{refresh:?}").contains("r.t"));
        for (pairs, error) in [
            (&[("grant_type", "refresh_token")][..], "invalid_request"),
            (
                &[("grant_type", "refresh_token"), ("refresh_token", "")][..],
                "invalid_request",
            ),
            (
                &[("grant_type", "client_credentials")][..],
                "unsupported_grant_type",
            ),
            (&[("username", "ada")][..], "invalid_request"),
        ] {
            assert_eq!(
                TokenGrant::from_parameters(parameters(pairs))
                    .unwrap_err()
                    .error,
                error,
                "{pairs:?}"
            );
        }
        // The password grant alone still refuses the refresh grant.
        let error = PasswordGrant::from_parameters(parameters(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "x"),
        ]))
        .unwrap_err();
        assert_eq!(error.error, "unsupported_grant_type");
    }

    #[test]
    fn invalid_client_is_a_401() {
        assert_eq!(
            GrantError::invalid_client("no").status(),
            StatusCode::UNAUTHORIZED
        );
    }
}
