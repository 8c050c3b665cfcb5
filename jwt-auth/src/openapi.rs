//! The backend's OpenAPI side, for [utoipa](https://docs.rs/utoipa): the security schemes of the
//! flow and a security requirement on each operation the middleware protects.
//!
//! Litestar appends its requirement to the document's root `security`, so excluded routes (the
//! login, the schema) show a lock too (Litestar issue #3013). Here the requirement goes on each
//! operation the layer protects, and nowhere else; an operation's own `security` is left as
//! it is.
//!
//! Which operations the layer protects: axum's router cannot list its routes, so a document
//! written apart from the router ([`JwtAuth::apply_openapi`]) can only be matched against the
//! exclusions, and a route added after `install`, or merged in unprotected, would show a lock
//! it does not have. [`JwtAuth::install_openapi`] takes utoipa-axum's `OpenApiRouter`, which
//! builds the router and the document from the same `routes!(...)`: the layer wraps the routes
//! present at that moment, and exactly their operations (less the excluded ones) get the lock;
//! what is added afterwards, or merged from a router that was not installed, gets none.
//!
//! A handler guarded by `#[requires(...)]` written above its `#[utoipa::path]` carries its
//! scopes in the extension `x-jwt-auth-scopes` (a list of alternatives, each a list of scopes);
//! its requirement lists them (`{"BearerToken": ["notes:write"]}`), one requirement per
//! alternative and scheme, so that Swagger UI's "Authorize" asks for them.
//!
//! The schemes, named after `scheme_name` (default `BearerToken`):
//!
//! | flow | `scheme_name` | alternative |
//! |---|---|---|
//! | header | `http` `bearer`, `bearerFormat: JWT` | none |
//! | cookie | `apiKey` in the cookie | `<scheme_name>Header`: `http` `bearer` (the header works too) |
//! | OAuth2 password | `oauth2` password flow, `tokenUrl`, `scopes` (`{}` without `oauth_scopes`) | `<scheme_name>Cookie`: `apiKey` in the cookie |
//!
//! A protected operation lists one requirement per scheme (any one of them is enough).
//!
//! ```
//! # #[derive(Clone)] struct User;
//! use jwt_auth::JwtAuth;
//! use utoipa::openapi::{OpenApiBuilder, PathItem, PathsBuilder, path::{HttpMethod, Operation}};
//!
//! let auth = JwtAuth::<User>::builder()
//!     .secret("a secret of at least thirty-two bytes!")
//!     .exclude(["^/login$"])
//!     .retrieve_user_sync(|_token, _state: &()| Some(User))
//!     .build()
//!     .unwrap();
//! let paths = PathsBuilder::new()
//!     .path("/login", PathItem::new(HttpMethod::Post, Operation::new()))
//!     .path("/me", PathItem::new(HttpMethod::Get, Operation::new()));
//! let openapi = auth.openapi(OpenApiBuilder::new().paths(paths).build());
//! assert!(openapi.paths.paths["/login"].post.as_ref().unwrap().security.is_none());
//! assert!(openapi.paths.paths["/me"].get.as_ref().unwrap().security.is_some());
//! ```

use axum::http::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Flow as OAuthFlow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes,
    SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Components, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::backend::JwtAuth;
use crate::http::flow::Flow;

/// The operation extension that carries a guarded handler's scopes, written by `#[requires]`:
/// `[["notes:read", "notes:write"], ["notes:admin"]]` (both of the first, or the second).
pub const SCOPES_EXTENSION: &str = "x-jwt-auth-scopes";

/// The scope alternatives of an operation: those of [`SCOPES_EXTENSION`], or one without
/// scopes.
fn scope_alternatives(operation: &Operation) -> Vec<Vec<String>> {
    operation
        .extensions
        .as_ref()
        .and_then(|extensions| extensions.get(SCOPES_EXTENSION))
        .and_then(|value| serde_json::from_value::<Vec<Vec<String>>>(value.clone()).ok())
        .filter(|alternatives| !alternatives.is_empty())
        .unwrap_or_else(|| vec![Vec::new()])
}

/// The name of the alternative scheme for the header, in the cookie flow.
fn header_alternative(name: &str) -> String {
    format!("{name}Header")
}

/// The name of the alternative scheme for the cookie, in the OAuth2 flow.
fn cookie_alternative(name: &str) -> String {
    format!("{name}Cookie")
}

fn bearer(description: &str) -> SecurityScheme {
    SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(description))
            .build(),
    )
}

fn cookie(name: &str, description: &str) -> SecurityScheme {
    SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
        name,
        description,
    )))
}

impl<U, S, C> JwtAuth<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// The flow's security schemes, by name: the one named `scheme_name` first, then the
    /// alternative (see the [module docs](crate::openapi)).
    #[must_use]
    pub fn security_schemes(&self) -> Vec<(String, SecurityScheme)> {
        let scheme = self.scheme();
        let description = scheme.description.as_str();
        let cookie_name = self.cookie().name.as_str();
        match self.flow() {
            Flow::Header => vec![(scheme.name.clone(), bearer(description))],
            Flow::Cookie => vec![
                (scheme.name.clone(), cookie(cookie_name, description)),
                (header_alternative(&scheme.name), bearer(description)),
            ],
            Flow::OAuth2Password => {
                let scopes: Scopes = scheme
                    .oauth_scopes
                    .iter()
                    .map(|(name, description)| (name.as_str(), description.as_str()))
                    .collect();
                // `build()` refuses the OAuth2 flow without a token URL.
                let token_url = self.token_url().unwrap_or_default();
                // With refresh tokens, the refresh grant goes to the same endpoint.
                let password = if self.refresh_expiration().is_some() {
                    Password::with_refresh_url(token_url, scopes, token_url)
                } else {
                    Password::new(token_url, scopes)
                };
                let oauth2 = OAuth2::with_description([OAuthFlow::Password(password)], description);
                vec![
                    (scheme.name.clone(), SecurityScheme::OAuth2(oauth2)),
                    (
                        cookie_alternative(&scheme.name),
                        cookie(cookie_name, description),
                    ),
                ]
            }
        }
    }

    /// The security requirements of a protected operation: one per scheme, any one suffices.
    #[must_use]
    pub fn security_requirements(&self) -> Vec<SecurityRequirement> {
        self.security_schemes()
            .into_iter()
            .map(|(name, _)| SecurityRequirement::new::<_, [&str; 0], &str>(name, []))
            .collect()
    }

    /// The security requirements of a protected operation that requires `scopes`: one per
    /// scheme, any one suffices, each listing the scopes.
    #[must_use]
    pub fn security_requirements_with(&self, scopes: &[String]) -> Vec<SecurityRequirement> {
        self.security_schemes()
            .into_iter()
            .map(|(name, _)| SecurityRequirement::new(name, scopes))
            .collect()
    }

    /// Adds the security schemes to `openapi`'s components and the security requirements to
    /// each operation that the middleware protects ([`is_excluded`](Self::is_excluded) is
    /// false for its method and path); excluded operations, and those with a `security` of
    /// their own, are left as they are. A guarded operation's requirements list its scopes.
    ///
    /// This decides from the exclusions alone: it cannot know a route added after `install`,
    /// or merged in unprotected, and gives it a lock too. [`install_openapi`](Self::install_openapi)
    /// knows which routes the layer wraps.
    ///
    /// Templated paths (`/users/{id}`) are matched against the exclusion patterns as written.
    pub fn apply_openapi(&self, openapi: &mut OpenApi) {
        self.add_schemes(openapi);
        for (path, item) in &mut openapi.paths.paths {
            for (method, operation) in operations_mut(item) {
                self.lock(&method, path, operation);
            }
        }
    }

    fn add_schemes(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Components::new);
        for (name, scheme) in self.security_schemes() {
            components.add_security_scheme(name, scheme);
        }
    }

    /// The requirements of one operation, unless it is excluded or has its own.
    fn lock(&self, method: &Method, path: &str, operation: &mut Operation) {
        if operation.security.is_some() || self.is_excluded(method, path) {
            return;
        }
        let requirements = scope_alternatives(operation)
            .iter()
            .flat_map(|scopes| self.security_requirements_with(scopes))
            .collect();
        operation.security = Some(requirements);
    }

    /// [`install`](Self::install) for utoipa-axum's `OpenApiRouter`, and the locks of its
    /// document: the layer wraps the routes present now, and their operations (less the
    /// excluded ones, and those with a `security` of their own) get the security requirements,
    /// with a guarded handler's scopes. Routes added afterwards, or merged from a router that
    /// was not installed, are public and get no lock. The security schemes go into the
    /// document's components.
    ///
    /// ```
    /// # #[derive(Clone)] struct User;
    /// use jwt_auth::JwtAuth;
    /// use utoipa_axum::{router::OpenApiRouter, routes};
    ///
    /// #[utoipa::path(get, path = "/me", responses((status = 200)))]
    /// async fn me() {}
    /// #[utoipa::path(get, path = "/health", responses((status = 200)))]
    /// async fn health() {}
    ///
    /// let auth = JwtAuth::<User>::builder()
    ///     .secret("a secret of at least thirty-two bytes!")
    ///     .retrieve_user_sync(|_token, _state: &()| Some(User))
    ///     .build()
    ///     .unwrap();
    /// let router = auth
    ///     .install_openapi(OpenApiRouter::<()>::new().routes(routes!(me)), ())
    ///     .routes(routes!(health)); // public: added after
    /// let (_router, openapi) = router.split_for_parts();
    /// assert!(openapi.paths.paths["/me"].get.as_ref().unwrap().security.is_some());
    /// assert!(openapi.paths.paths["/health"].get.as_ref().unwrap().security.is_none());
    /// ```
    pub fn install_openapi<RS>(&self, router: OpenApiRouter<RS>, state: S) -> OpenApiRouter<RS>
    where
        RS: Clone + Send + Sync + 'static,
    {
        let (router, mut openapi) = router.split_for_parts();
        let router = if router.has_routes() {
            self.install(router, state)
        } else {
            router
        };
        self.add_schemes(&mut openapi);
        for (path, item) in &mut openapi.paths.paths {
            for (method, operation) in operations_mut(item) {
                self.lock(&method, path, operation);
            }
        }
        OpenApiRouter::with_openapi(openapi).merge(OpenApiRouter::from(router))
    }

    /// [`apply_openapi`](Self::apply_openapi), by value.
    #[must_use]
    pub fn openapi(&self, mut openapi: OpenApi) -> OpenApi {
        self.apply_openapi(&mut openapi);
        openapi
    }
}

/// `#[openapi(modifiers(&auth))]` and `Modify::modify(&auth, &mut openapi)` do what
/// [`JwtAuth::apply_openapi`] does.
impl<U, S, C> utoipa::Modify for JwtAuth<U, S, C>
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    fn modify(&self, openapi: &mut OpenApi) {
        self.apply_openapi(openapi);
    }
}

/// Each operation of a path item with its method.
fn operations_mut(item: &mut PathItem) -> Vec<(Method, &mut Operation)> {
    let mut operations = Vec::new();
    let named = [
        (Method::GET, &mut item.get),
        (Method::PUT, &mut item.put),
        (Method::POST, &mut item.post),
        (Method::DELETE, &mut item.delete),
        (Method::OPTIONS, &mut item.options),
        (Method::HEAD, &mut item.head),
        (Method::PATCH, &mut item.patch),
        (Method::TRACE, &mut item.trace),
    ];
    for (method, operation) in named {
        if let Some(operation) = operation {
            operations.push((method, operation));
        }
    }
    if let (Some(operation), Ok(method)) = (&mut item.query, Method::from_bytes(b"QUERY")) {
        operations.push((method, operation));
    }
    for (name, operation) in &mut item.additional_operations {
        if let Ok(method) = Method::from_bytes(name.to_ascii_uppercase().as_bytes()) {
            operations.push((method, operation));
        }
    }
    operations
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use utoipa::openapi::path::HttpMethod;
    use utoipa::openapi::{OpenApiBuilder, PathsBuilder};

    #[derive(Clone)]
    struct User;

    fn auth(flow: Flow) -> JwtAuth<User> {
        let mut builder = JwtAuth::<User>::builder()
            .secret("a secret of at least thirty-two bytes!")
            .flow(flow)
            .exclude(["^/login", "^/schema"])
            .retrieve_user_sync(|_token, _state: &()| Some(User));
        if flow == Flow::OAuth2Password {
            builder = builder.token_url("/login");
        }
        builder.build().expect("a valid configuration")
    }

    fn schemes(auth: &JwtAuth<User>) -> Value {
        let mut openapi = OpenApi::default();
        auth.apply_openapi(&mut openapi);
        serde_json::to_value(&openapi).expect("serializable")["components"]["securitySchemes"]
            .clone()
    }

    #[test]
    fn header_flow_is_http_bearer_jwt() {
        let auth = auth(Flow::Header);
        assert_eq!(
            schemes(&auth),
            json!({"BearerToken": {
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": auth.scheme().description,
            }})
        );
    }

    #[test]
    fn cookie_flow_is_an_api_key_in_the_cookie_plus_bearer() {
        let auth = auth(Flow::Cookie);
        let schemes = schemes(&auth);
        assert_eq!(
            schemes["BearerToken"],
            json!({"type": "apiKey", "in": "cookie", "name": "token",
                   "description": auth.scheme().description})
        );
        assert_eq!(schemes["BearerTokenHeader"]["type"], "http");
        assert_eq!(schemes["BearerTokenHeader"]["scheme"], "bearer");
    }

    #[test]
    fn oauth2_flow_is_a_password_flow_with_empty_scopes_by_default() {
        let auth = auth(Flow::OAuth2Password);
        let schemes = schemes(&auth);
        assert_eq!(
            schemes["BearerToken"],
            json!({"type": "oauth2", "description": auth.scheme().description,
                   "flows": {"password": {"tokenUrl": "/login", "scopes": {}}}})
        );
        assert_eq!(schemes["BearerTokenCookie"]["in"], "cookie");
    }

    #[test]
    fn oauth2_scopes_and_scheme_name_are_used() {
        let auth = JwtAuth::<User>::builder()
            .secret("a secret of at least thirty-two bytes!")
            .flow(Flow::OAuth2Password)
            .token_url("/token")
            .scheme_name("Jwt")
            .oauth_scopes([("read", "Read things")])
            .retrieve_user_sync(|_token, _state: &()| Some(User))
            .build()
            .expect("a valid configuration");
        let schemes = schemes(&auth);
        assert_eq!(
            schemes["Jwt"]["flows"]["password"],
            json!({"tokenUrl": "/token", "scopes": {"read": "Read things"}})
        );
        assert!(schemes.get("JwtCookie").is_some());
    }

    #[test]
    fn refresh_tokens_add_the_refresh_url() {
        let auth = JwtAuth::<User>::builder()
            .secret("a secret of at least thirty-two bytes!")
            .flow(Flow::OAuth2Password)
            .token_url("/token")
            .refresh_tokens(std::time::Duration::from_hours(24))
            .retrieve_user_sync(|_token, _state: &()| Some(User))
            .build()
            .expect("a valid configuration");
        assert_eq!(
            schemes(&auth)["BearerToken"]["flows"]["password"],
            json!({"tokenUrl": "/token", "refreshUrl": "/token", "scopes": {}})
        );
    }

    #[test]
    fn requirements_go_on_protected_operations_only() {
        let auth = auth(Flow::Cookie);
        let mut login = PathItem::new(HttpMethod::Post, Operation::new());
        login.get = Some(Operation::new());
        let mut item = PathItem::new(HttpMethod::Get, Operation::new());
        item.options = Some(Operation::new());
        item.additional_operations
            .insert("copy".to_owned(), Operation::new());
        let paths = PathsBuilder::new()
            .path("/login", login)
            .path(
                "/schema/openapi.json",
                PathItem::new(HttpMethod::Get, Operation::new()),
            )
            .path("/items", item);
        let openapi = auth.openapi(OpenApiBuilder::new().paths(paths).build());
        let document = serde_json::to_value(&openapi).expect("serializable");
        let paths = &document["paths"];
        assert!(paths["/login"]["post"].get("security").is_none());
        assert!(paths["/login"]["get"].get("security").is_none());
        assert!(
            paths["/schema/openapi.json"]["get"]
                .get("security")
                .is_none()
        );
        // OPTIONS is excluded by default.
        assert!(paths["/items"]["options"].get("security").is_none());
        let expected = json!([{"BearerToken": []}, {"BearerTokenHeader": []}]);
        assert_eq!(paths["/items"]["get"]["security"], expected);
        assert_eq!(
            serde_json::to_value(
                &openapi.paths.paths["/items"].additional_operations["copy"].security
            )
            .expect("serializable"),
            expected
        );
        assert!(document.get("security").is_none(), "no root requirement");
    }

    #[test]
    fn modify_is_apply_openapi() {
        use utoipa::Modify;
        let auth = auth(Flow::Header);
        let mut modified = OpenApi::default();
        auth.modify(&mut modified);
        let mut applied = OpenApi::default();
        auth.apply_openapi(&mut applied);
        assert!(modified == applied);
    }
}
