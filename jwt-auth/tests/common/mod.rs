//! Helpers shared by the behaviour tests: a user type, backends for the three flows, a
//! protected app, a way to send one request and read the reply, and hand-signed tokens.

#![allow(
    dead_code,
    reason = "each test binary uses its own part of these helpers"
)]

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use http_body_util::BodyExt as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use jwt_auth::{CurrentToken, CurrentUser, Flow, JwtAuth, JwtAuthBuilder};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// The HMAC secret of every backend: 64 bytes, long enough for HS256, HS384 and HS512.
pub const SECRET: &str = "jwt-auth behaviour tests: a secret of sixty-four bytes or more!!";

/// The three flows, for tests that hold for all of them.
pub const FLOWS: [Flow; 3] = [Flow::Header, Flow::Cookie, Flow::OAuth2Password];

/// The detail of a 401 without a token, for a flow.
pub fn missing_detail(flow: Flow) -> &'static str {
    match flow {
        Flow::Header => "No JWT token found in request header",
        _ => "No JWT token found in request header or cookies",
    }
}

/// The user the retrieval functions return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
}

/// `CurrentUser<User>` asks for it: the builder does not implement it as the attribute does.
impl jwt_auth::AuthUser for User {}

/// A user whose name is derived from the id.
pub fn user(id: &str) -> User {
    User {
        id: id.to_owned(),
        name: format!("name of {id}"),
    }
}

/// The users the default retrieval function knows.
pub fn known_user(id: &str) -> Option<User> {
    matches!(id, "alice" | "bob").then(|| user(id))
}

/// A user store shared between the retrieval function and the handlers.
pub type Directory = Arc<RwLock<HashMap<String, User>>>;

/// A directory holding `ids`.
pub fn directory(ids: &[&str]) -> Directory {
    Arc::new(RwLock::new(
        ids.iter().map(|id| ((*id).to_owned(), user(id))).collect(),
    ))
}

/// A builder for `flow` with the test secret and a retrieval function that knows `alice` and
/// `bob`; the OAuth2 flow gets its token URL `/login`.
pub fn builder(flow: Flow) -> JwtAuthBuilder<User> {
    let builder = JwtAuth::<User>::builder()
        .secret(SECRET)
        .flow(flow)
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub));
    if flow == Flow::OAuth2Password {
        builder.token_url("/login")
    } else {
        builder
    }
}

/// The backend of [`builder`].
pub fn backend(flow: Flow) -> JwtAuth<User> {
    builder(flow).build().expect("the test backend builds")
}

/// A fresh token for `sub` from `auth`.
pub fn token_for<U, S, C>(auth: &JwtAuth<U, S, C>, sub: &str) -> String
where
    U: Clone + Send + Sync + 'static,
    S: Clone + Send + Sync + 'static,
    C: Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
{
    auth.create_token(sub).expect("the token is minted")
}

/// `GET /protected`: the user and the token's claims, as JSON.
pub async fn whoami(
    CurrentUser(user): CurrentUser<User>,
    CurrentToken(token): CurrentToken,
) -> Json<Value> {
    Json(json!({
        "user": user,
        "sub": token.sub,
        "iss": token.iss,
        "aud": token.aud.as_ref().map(|aud| aud.as_slice().to_vec()),
        "jti": token.jti,
        "extras": token.extras,
    }))
}

/// An app whose only route, `GET /protected`, is behind `auth`.
pub fn app(auth: &JwtAuth<User>) -> Router {
    auth.install(Router::new().route("/protected", get(whoami)), ())
}

/// A response, read to the end.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.text()))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
    }

    /// The token of an `Authorization: Bearer <jwt>`-style header.
    pub fn bearer(&self, name: &str) -> String {
        let value = self
            .header(name)
            .unwrap_or_else(|| panic!("no `{name}` header in {:?}", self.headers));
        value
            .strip_prefix("Bearer ")
            .unwrap_or_else(|| panic!("`{name}: {value}` is not `Bearer <jwt>`"))
            .to_owned()
    }

    /// The single `Set-Cookie` header, parsed.
    pub fn set_cookie(&self) -> SetCookie {
        let all: Vec<_> = self.headers.get_all(header::SET_COOKIE).iter().collect();
        assert_eq!(all.len(), 1, "one Set-Cookie expected: {all:?}");
        SetCookie::parse(all[0].to_str().expect("ASCII cookie"))
    }
}

/// Sends one request through `router`.
pub async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    read(response).await
}

/// Reads a response, such as the one a `Login` turns into.
pub async fn read(response: Response) -> Reply {
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .expect("the body is readable")
        .to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// A request with headers given as raw bytes.
pub fn request(method: Method, path: &str, headers: &[(&str, &[u8])]) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .expect("a valid request");
    for (name, value) in headers {
        request.headers_mut().append(
            header::HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
            HeaderValue::from_bytes(value).expect("a valid header value"),
        );
    }
    request
}

/// `GET path` with text headers.
pub fn get_with(path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let headers: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
    request(Method::GET, path, &headers)
}

/// `GET path` without headers.
pub fn get_plain(path: &str) -> Request<Body> {
    get_with(path, &[])
}

/// `GET path` with `Authorization: Bearer <jwt>`.
pub fn get_bearer(path: &str, jwt: &str) -> Request<Body> {
    get_with(path, &[("authorization", &format!("Bearer {jwt}"))])
}

/// `GET path` with the cookie `token=<value>`.
pub fn get_cookie(path: &str, value: &str) -> Request<Body> {
    get_with(path, &[("cookie", &format!("token={value}"))])
}

/// Asserts a Litestar-shaped error: status, JSON content type and the exact body.
pub fn assert_error(reply: &Reply, status: StatusCode, detail: &str) {
    assert_eq!(reply.status, status, "body: {}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.json(),
        json!({"status_code": status.as_u16(), "detail": detail})
    );
}

/// Asserts a 401 with `detail` and the `WWW-Authenticate` header RFC 6750 asks for.
pub fn assert_unauthorized(reply: &Reply, detail: &str) {
    assert_error(reply, StatusCode::UNAUTHORIZED, detail);
    let expected = if detail.starts_with("No JWT token found") {
        "Bearer"
    } else {
        "Bearer error=\"invalid_token\""
    };
    assert_eq!(reply.header("www-authenticate"), Some(expected));
}

/// Asserts a 401 for a token that was sent but is not valid.
pub fn assert_invalid_token(reply: &Reply) {
    assert_unauthorized(reply, "Invalid token");
}

/// Asserts a 200 from [`whoami`] for the user `id`.
pub fn assert_user(reply: &Reply, id: &str) {
    assert_eq!(reply.status, StatusCode::OK, "body: {}", reply.text());
    let body = reply.json();
    assert_eq!(body["user"], json!(user(id)));
    assert_eq!(body["sub"], id);
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Signs any JSON payload with HS256 and the test secret, bypassing the crate's encoder.
pub fn sign(payload: &Value) -> String {
    sign_with(Algorithm::HS256, SECRET.as_bytes(), payload)
}

/// Signs any JSON payload with `algorithm` and `secret`.
pub fn sign_with(algorithm: Algorithm, secret: &[u8], payload: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        payload,
        &EncodingKey::from_secret(secret),
    )
    .expect("the test token is signed")
}

/// Signs a payload given as raw JSON text (duplicated keys, odd numbers) with HS256 and the
/// test secret.
pub fn sign_raw(payload: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let message = format!(
        "{}.{}",
        engine.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        engine.encode(payload)
    );
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256)
        .expect("the test token is signed");
    format!("{message}.{signature}")
}

/// A `Set-Cookie` value: name, value and attributes (names lower-cased, in any order; a flag
/// such as `HttpOnly` has the value `""`).
#[derive(Debug)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    pub attributes: Vec<(String, String)>,
}

impl SetCookie {
    /// Parses `name=value; Attr; Attr=value`.
    pub fn parse(raw: &str) -> Self {
        let mut parts = raw.split(';').map(str::trim);
        let (name, value) = parts
            .next()
            .and_then(|pair| pair.split_once('='))
            .unwrap_or_else(|| panic!("not a cookie: {raw}"));
        let attributes = parts
            .map(|attribute| {
                let (k, v) = attribute.split_once('=').unwrap_or((attribute, ""));
                (k.to_ascii_lowercase(), v.to_owned())
            })
            .collect();
        Self {
            name: name.to_owned(),
            value: value.to_owned(),
            attributes,
        }
    }

    /// The value of attribute `name`, case-insensitive.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the flag `name` (`HttpOnly`, `Secure`) is present.
    pub fn has_flag(&self, name: &str) -> bool {
        self.attribute(name) == Some("")
    }
}

/// A private certificate authority for a test's TLS servers: the clients under test trust its
/// root, and nothing else does.
pub struct Authority(rcgen::CertifiedIssuer<'static, rcgen::KeyPair>);

impl Authority {
    pub fn new() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("root parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "jwt-auth test root");
        let key = KeyPair::generate().expect("a root key");
        Self(CertifiedIssuer::self_signed(params, key).expect("the root certificate"))
    }

    /// The root certificate, PEM.
    pub fn root_pem(&self) -> String {
        self.0.pem()
    }

    /// A certificate for `name` (a host, an address: its subject alternative name) signed by
    /// the root, and its private key, both PEM.
    pub fn issue(&self, name: &str) -> (String, String) {
        let key = rcgen::KeyPair::generate().expect("a key");
        let certificate = rcgen::CertificateParams::new(vec![name.to_owned()])
            .expect("certificate parameters")
            .signed_by(&key, &self.0)
            .expect("a certificate");
        (certificate.pem(), key.serialize_pem())
    }
}
