//! Implementation detail of `jwt-auth`: the `#[jwt_auth]` attribute. Depend on `jwt-auth`
//! instead; it re-exports the attribute as `jwt_auth::jwt_auth`.
//!
//! The macro works in four phases, one module each, all on `proc_macro2` types so that they are
//! unit-tested without a compiler: `attr` parses the `key = value` list, `model` (and
//! `signature`, for the function) gives each value its meaning, `check` applies the rules
//! across keys, and `expand` writes the tokens. Errors are accumulated (`errors`), so that one
//! compile reports every mistake.

use proc_macro::TokenStream;

mod attr;
mod check;
mod errors;
mod expand;
mod model;
mod requires;
mod signature;
mod suggest;
#[cfg(test)]
mod tests;

/// Turns a user-retrieval function into a JWT authentication backend for axum: Litestar's
/// `JWTAuth`, `JWTCookieAuth` or `OAuth2PasswordBearerAuth`, configured by the attribute and
/// checked at compile time.
///
/// # Example
///
/// ```
/// use jwt_auth::{Token, jwt_auth};
///
/// #[derive(Clone)]
/// struct User {
///     id: String,
/// }
///
/// #[derive(Clone, Default)]
/// struct AppState; // a database pool, say
///
/// #[jwt_auth(
///     secret = env("JWT_SECRET"),
///     flow = "oauth2_password",
///     token_url = "/login",
///     exclude = ["^/login$", "^/schema"],
/// )]
/// async fn retrieve_user(token: &Token, state: &AppState) -> Option<User> {
///     Some(User { id: token.sub.clone() })
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // `RetrieveUser::new()` reads `JWT_SECRET`; `builder()` is the same configuration, open
/// // to adjustment before it is built.
/// let auth = RetrieveUser::from(
///     RetrieveUser::builder()
///         .secret("a secret of at least thirty-two bytes!")
///         .build()?,
/// );
/// let jwt = auth.create_token("user-1")?;
/// assert_eq!(auth.decode(&jwt).map(|token| token.sub).ok().as_deref(), Some("user-1"));
/// // The function stays callable as written.
/// let _ = retrieve_user;
/// # Ok(()) }
/// ```
///
/// The attribute keeps the function as it is and adds, with the function's visibility:
///
/// - `struct RetrieveUser(JwtAuth<User, AppState, Extras>)`, named after the function in
///   `PascalCase` (or `name = ...`), `Clone` and `Debug`;
/// - `RetrieveUser::new() -> Result<RetrieveUser, ConfigError>`: reads the secret from the
///   environment and checks everything the compiler could not (the secret's length, say);
/// - `RetrieveUser::builder() -> JwtAuthBuilder<User, AppState, Extras>`: the attribute's
///   configuration as a `jwt_auth::JwtAuthBuilder`, to adjust before `build()` (an error
///   handler, PEM keys); `RetrieveUser::from(built)` wraps the result;
/// - `Deref<Target = JwtAuth<..>>`, which gives `login`, `create_token`, `token`, `logout`,
///   `layer`, `install`, `decode`, `is_excluded`, ...;
/// - an axum extractor: a handler behind the layer can take `auth: RetrieveUser` (a login
///   handler, typically).
///
/// # The function
///
/// `async fn` or plain `fn`, free (not a method), without generics, taking
/// `token: &Token` (or `&Token<Claims>`) and optionally `state: &S`, returning `Option<User>` or
/// `Result<Option<User>, E>` with `E: Into<Box<dyn Error + Send + Sync>>`. `None` means "no such
/// user" (401); an error is a 500. The state type is `S`, or `()` without a second parameter;
/// `User` and `S` must be `Clone + Send + Sync + 'static`.
///
/// # Keys
///
/// `secret` is required for the HMAC algorithms, `private_key` and/or `public_keys` for the
/// others; every default is Litestar's unless the README says otherwise.
///
/// | key | default | example | meaning |
/// |---|---|---|---|
/// | `secret` | required for HMAC | `secret = env("JWT_SECRET")` | the environment variable with the HMAC secret, read by `new()`; a debug build with it unset uses a random development secret |
/// | `flow` | `"header"` | `flow = "cookie"` | `"header"`, `"cookie"` or `"oauth2_password"` |
/// | `token_url` | none | `token_url = "/login"` | the login route; required by, and only for, `"oauth2_password"` |
/// | `algorithm` | `"HS256"` | `algorithm = "EdDSA"` | `"HS256"`, `"HS384"`, `"HS512"`, `"RS256"`, `"RS384"`, `"RS512"`, `"PS256"`, `"PS384"`, `"PS512"`, `"ES256"`, `"ES384"` or `"EdDSA"` |
/// | `private_key` | none | `private_key = file("keys/private.pem")` | the signing key (RS/PS/ES/EdDSA), from `env("VAR")` (PEM) or `file("path")` (PEM or DER, relative to the working directory), read by `new()`; without it the backend only verifies |
/// | `public_keys` | derived from `private_key` | `public_keys = [file("keys/new.pem"), env("OLD_PUBLIC_KEY")]` | verification keys (PEM, DER, JWK or JWK Set), selected by the token's `kid` |
/// | `key_id` | none | `key_id = "2026-01"` | the `kid` written into the tokens' header |
/// | `auth_header` | `"Authorization"` | `auth_header = "X-Api-Token"` | the header that carries `Bearer <jwt>` |
/// | `expiration` | `"1d"` | `expiration = "15m"` | the default token lifetime: `"45s"`, `"15m"`, `"1h30m"`, `"2d"`, or seconds as an integer |
/// | `leeway` | `"0s"` | `leeway = "30s"` | clock skew tolerated on `exp`, `nbf` and `iat` |
/// | `exclude` | none | `exclude = ["^/login$", "^/schema"]` | routes that skip authentication: a path (that route and those under it) or an expression starting with `^`, matched against the route template |
/// | `exclude_methods` | `["OPTIONS"]` | `exclude_methods = []` | HTTP methods that skip authentication |
/// | `cookie_name` | `"token"` | `cookie_name = "session"` | cookie flows only |
/// | `cookie_path` | `"/"` | `cookie_path = "/api"` | cookie flows only |
/// | `cookie_domain` | none | `cookie_domain = "example.com"` | cookie flows only |
/// | `secure` | `true` | `secure = false` | the cookie's `Secure`; cookie flows only |
/// | `same_site` | `"lax"` | `same_site = "strict"` | `"lax"`, `"strict"` or `"none"` (which needs `secure`); cookie flows only |
/// | `issuer` | any | `issuer = ["https://a.example"]` | accepted `iss` values (one string or a list) |
/// | `audience` | any | `audience = "my-api"` | accepted `aud` values (one string or a list) |
/// | `issuers` | none | `issuers = [oidc("https://idp.example/realms/main", audience = "my-api")]` | identity providers whose access tokens are accepted: each token is checked against the keys (found by OpenID discovery: `https://`, or `http://` to loopback), audiences (its own `audience = ...`, else `audience`) and algorithms (`algorithms = ["RS256"]`, default every asymmetric one) of the provider its `iss` names; the backend then needs no key of its own |
/// | `tls_roots` | the system's | `tls_roots = file("certs/idp-root.pem")` | the certificate authorities (PEM, `file(...)` or `env(...)`) that `https://` providers are checked against |
/// | `previous_secrets` | none | `previous_secrets = env("JWT_PREVIOUS_SECRETS")` | HMAC secrets (comma-separated) that still verify after a rotation; tokens then carry a `kid` so the secret that signed one is tried first |
/// | `strict_audience` | `false` | `strict_audience = true` | `aud` must be exactly the one `audience` |
/// | `require_claims` | none | `require_claims = ["aud", "jti"]` | claims that must be present |
/// | `verify_expiry` | `true` | `verify_expiry = false` | check `exp` |
/// | `verify_not_before` | `true` | `verify_not_before = false` | check `nbf` |
/// | `revoked` | none | `revoked = is_revoked` | a revocation check with the function's parameters, sync or async, returning `bool` or `Result<bool, E>` (`true` = revoked: 401) |
/// | `refresh_expiration` | none (no refresh tokens) | `refresh_expiration = "30d"` | issue a refresh token of this lifetime with every login, single-use and rotated (`auth.refresh(...)`); `"oauth2_password"` only |
/// | `token_store` | `jwt_auth::MemoryStore` with `refresh_expiration`, else none | `token_store = SqlTokenStore` | where used refresh tokens and revoked ids are kept: an expression of a type that implements `jwt_auth::TokenStore<State>`; it also makes `auth.revoke(...)` (logout) work |
/// | `scheme_name` | `"BearerToken"` | `scheme_name = "Bearer"` | the `OpenAPI` security scheme's name |
/// | `description` | per flow | `description = "..."` | the `OpenAPI` security scheme's description |
/// | `oauth_scopes` | none | `oauth_scopes = { "read": "Read access" }` | `OAuth2` scopes; `"oauth2_password"` only |
/// | `claims` | the `C` in `&Token<C>`, else `jwt_auth::Extras` | `claims = MyClaims` | the typed extra claims (`Serialize + Deserialize`) |
/// | `name` | the function's name in `PascalCase` | `name = Auth` | the generated type's name |
/// | `user_impl` | `true` | `user_impl = false` | implement `jwt_auth::AuthUser` for the user type, so that `CurrentUser<Other>` is a compile error; `false` where another backend's attribute does it already |
/// | `websocket_query` | none | `websocket_query = "access_token"` | the query parameter that may carry the token of a WebSocket handshake (and of no other request); see `JwtAuth::websocket_ticket` |
///
/// # Errors
///
/// Each of these is a compile error on the smallest token at fault, and every mistake is
/// reported in one compile:
///
/// - an unknown key (with a "did you mean", Litestar's names included), a duplicate key, a key
///   without `=`, a value of the wrong type;
/// - a missing `secret`, or a secret written as a literal;
/// - an unknown flow, algorithm, `same_site` or HTTP method; an RS/PS/ES/EdDSA algorithm with a
///   `secret` or without keys, keys with an HMAC algorithm, a key written as a literal;
/// - `token_url` missing with `"oauth2_password"` or present with another flow; cookie keys on
///   the header flow; `oauth_scopes` or `refresh_expiration` outside `"oauth2_password"`;
///   `same_site = "none"` with
///   `secure = false`; `strict_audience = true` without exactly one `audience`;
/// - in `issuers`, a URL that is not `https://` (plain `http://` only to loopback), a provider
///   without an audience (its own or `audience`), an unknown or HMAC algorithm, an unknown
///   option; `tls_roots` without `issuers`, `previous_secrets` without `secret`;
/// - an invalid regex in `exclude`, or patterns that match every path; an unparsable duration
///   or a zero `expiration` or `refresh_expiration`; an invalid header or cookie name;
/// - a function of the wrong shape: not a function, a method, generic, `const`, `unsafe`,
///   `extern`, variadic, `impl Trait` parameters, no or three parameters, a parameter that is
///   not a shared reference, no return type or one that is not `Option<User>` /
///   `Result<Option<User>, E>`, a name with no `PascalCase` form (`fn __`) and no `name`;
/// - through the compiler, on the user's tokens: a user or state type that is not
///   `Clone + Send + Sync + 'static`, claims without serde, an error type that is not an error,
///   a future that is not `Send`, a revocation check with other parameters, a `token_store`
///   that is not a `jwt_auth::TokenStore` of the state.
///
/// With a mistake, the attribute still emits the function and the generated type, as a
/// stand-in: the same name (`name = "Auth"` counts as `Auth`), `new()`, `builder()`, `From`,
/// `Deref` and the extractor, with the types that could be read (`()` for the others) and none
/// of the configuration, so that the code that names the type adds no errors of its own.
///
/// A secret in the source:
///
/// ```compile_fail
/// # use jwt_auth::{Token, jwt_auth};
/// # #[derive(Clone)] struct User;
/// #[jwt_auth(secret = "abcd123")] // use `secret = env("JWT_SECRET")`
/// async fn retrieve_user(token: &Token) -> Option<User> { None }
/// # fn main() {}
/// ```
///
/// A misspelt key:
///
/// ```compile_fail
/// # use jwt_auth::{Token, jwt_auth};
/// # #[derive(Clone)] struct User;
/// #[jwt_auth(secret = env("JWT_SECRET"), exlude = ["^/login$"])] // did you mean `exclude`?
/// async fn retrieve_user(token: &Token) -> Option<User> { None }
/// # fn main() {}
/// ```
///
/// The `OAuth2` flow without its token URL:
///
/// ```compile_fail
/// # use jwt_auth::{Token, jwt_auth};
/// # #[derive(Clone)] struct User;
/// #[jwt_auth(secret = env("JWT_SECRET"), flow = "oauth2_password")] // add `token_url = "/login"`
/// async fn retrieve_user(token: &Token) -> Option<User> { None }
/// # fn main() {}
/// ```
///
/// A cookie setting on the header flow:
///
/// ```compile_fail
/// # use jwt_auth::{Token, jwt_auth};
/// # #[derive(Clone)] struct User;
/// #[jwt_auth(secret = env("JWT_SECRET"), cookie_name = "session")]
/// async fn retrieve_user(token: &Token) -> Option<User> { None }
/// # fn main() {}
/// ```
///
/// An exclusion that would turn authentication off:
///
/// ```compile_fail
/// # use jwt_auth::{Token, jwt_auth};
/// # #[derive(Clone)] struct User;
/// #[jwt_auth(secret = env("JWT_SECRET"), exclude = "^.*")]
/// async fn retrieve_user(token: &Token) -> Option<User> { None }
/// # fn main() {}
/// ```
///
/// A user that is not optional:
///
/// ```compile_fail
/// # use jwt_auth::{Token, jwt_auth};
/// # #[derive(Clone)] struct User;
/// #[jwt_auth(secret = env("JWT_SECRET"))]
/// async fn retrieve_user(token: &Token) -> User { User } // return `Option<User>`
/// # fn main() {}
/// ```
///
/// # Limitations
///
/// - The return type is recognised by its last path segment (`Option`, `Result`), so
///   `std::option::Option<User>` works but a type alias of `Option` or `Result` is not seen
///   through: write the type out.
/// - The function must be a free function (at module level): the generated type and impls
///   cannot live inside an `impl` block.
/// - Keys come from the environment or from files; a key id per public key, a remote JWKS, or
///   keys as bytes go through the generated `builder()` (`verification_key(Key::...)`,
///   `remote_jwks(...)`).
/// - The secret comes only from the environment; `builder().secret(...)` can replace it (in
///   tests, say).
/// - `exclude_methods` takes the standard methods only (GET, HEAD, POST, PUT, DELETE, CONNECT,
///   OPTIONS, TRACE, PATCH).
/// - The claims type is taken from `claims = ...` or from `Token<C>` in the token parameter
///   as written; a type alias of `Token` hides it, so name it with `claims = ...`.
/// - With another mistake, a `claims` type that does not exist is not reported (rustc hides
///   unresolved names in a module whose macro failed), and each method called on the stand-in
///   through `Deref` reports "no method named ..." instead (rustc does not dereference to a
///   type with an error in it).
#[proc_macro_attribute]
pub fn jwt_auth(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::jwt_auth(args.into(), item.into()).into()
}

/// What a handler requires beyond a valid token: scopes of the token, a predicate on the user or
/// the token (a role), or alternatives; checked at compile time against the backend's
/// `oauth_scopes`, enforced with 403, and shown in the handler's OpenAPI operation.
///
/// # Example
///
/// ```
/// use jwt_auth::{CurrentUser, Token, jwt_auth, requires};
///
/// #[derive(Clone)]
/// struct User { admin: bool }
///
/// #[jwt_auth(
///     secret = env("JWT_SECRET"), flow = "oauth2_password", token_url = "/token",
///     oauth_scopes = { "notes:read": "Read notes", "notes:write": "Write notes" },
/// )]
/// fn retrieve_user(token: &Token) -> Option<User> { Some(User { admin: false }) }
///
/// fn is_admin(user: &User, _token: &Token) -> bool { user.admin }
///
/// #[requires(RetrieveUser, scopes = ["notes:write"])]
/// async fn create_note(CurrentUser(user): CurrentUser<User>) {}
///
/// #[requires(RetrieveUser, any(scope = "notes:read", guard = is_admin))]
/// async fn list_notes() {}
/// # fn main() {}
/// ```
///
/// # Requirements
///
/// The backend type comes first (the type `#[jwt_auth]` generates), then the requirements, all
/// of which must hold:
///
/// | requirement | holds when |
/// |---|---|
/// | `scopes = ["a", "b"]` | the token has every one of the scopes |
/// | `scope = "a"` | the token has the scope |
/// | `guard = path` | the predicate `fn(&User, &Token<Claims>) -> bool` (or an `async fn`) returns `true` |
/// | `any(...)` | one of the requirements inside holds |
/// | `all(...)` | every requirement inside holds (an alternative of several, in `any(...)`) |
///
/// A valid token that fails a scope requirement gets a 403 with
/// `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."` (RFC 6750 section 3.1); a
/// failed predicate a plain 403; no token or a bad one stays the layer's 401.
///
/// The attribute adds a first parameter, `_: jwt_auth::Guarded<...>`, which runs the check
/// before the handler's other extractors, and, when it is written above the handler's
/// `#[utoipa::path(...)]`, the scopes to that operation (`JwtAuth::apply_openapi` makes them its
/// security requirement).
///
/// # Errors
///
/// - a scope the backend does not declare in `oauth_scopes`, on the scope, with a "did you
///   mean" (an error of constant evaluation: `evaluation panicked: unknown scope ...`);
/// - an empty `scopes = []`, an unknown requirement (with a "did you mean"), a value of the
///   wrong type, no backend type or no requirement;
/// - an item that is not an `async fn` without `self` and generics, or a second `#[requires]`;
/// - through the compiler: a backend type that is not a `#[jwt_auth]` backend, a guard
///   predicate with other parameters or another return type.
///
/// ```compile_fail
/// # use jwt_auth::{Token, jwt_auth, requires};
/// # #[derive(Clone)] struct User;
/// #[jwt_auth(secret = env("JWT_SECRET"), flow = "oauth2_password", token_url = "/token",
///            oauth_scopes = { "notes:write": "Write notes" })]
/// fn retrieve_user(token: &Token) -> Option<User> { None }
///
/// #[requires(RetrieveUser, scopes = ["notes:wrte"])] // did you mean `notes:write`?
/// async fn create_note() {}
/// # fn main() {}
/// ```
///
/// # Limitations
///
/// - Write `#[requires]` above `#[utoipa::path]`: attributes expand from the top, and one
///   written below cannot reach the operation (the guard still works).
/// - One `#[requires]` per handler; methods with `self` and generic handlers are refused.
#[proc_macro_attribute]
pub fn requires(args: TokenStream, item: TokenStream) -> TokenStream {
    requires::expand::requires(args.into(), item.into()).into()
}
