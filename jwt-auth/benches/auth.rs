//! Criterion benches of the per-request cost of authentication (issue 8):
//!
//! - `decode`: [`JwtAuth::decode`] against a raw `jsonwebtoken::decode` of the same HS256 token
//!   into an equivalent claims type, with an equivalent `Validation`;
//! - `middleware`: one request through `tower::ServiceExt::oneshot` on the same route with and
//!   without the layer (valid token, a new valid token each time, bad signature, missing token);
//! - `login`: `create_token`, and a login response (`auth.login(id).extra(..).body(..)`).
//!
//! ```sh
//! cargo bench -p jwt-auth --bench auth -- --warm-up-time 1 --measurement-time 3
//! ```

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented public function"
)]

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::IntoResponse as _;
use axum::routing::get;
use axum::{Extension, Json};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use jwt_auth::{CurrentUser, JwtAuth};
use serde::{Deserialize, Serialize};
use tower::ServiceExt as _;

/// The HMAC secret (HS256).
const SECRET: &str = "jwt-auth benches: a secret of at least thirty-two bytes, HS256";

/// The user of every bench.
#[derive(Debug, Clone, Serialize)]
struct User {
    id: String,
    name: String,
    email: String,
}

/// What the raw `jsonwebtoken` decode produces: the same claims as our `Token`.
#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "the fields are decoded, not read")]
struct RawClaims {
    sub: String,
    exp: u64,
    iat: Option<u64>,
    nbf: Option<u64>,
    iss: Option<String>,
    jti: Option<String>,
    #[serde(flatten)]
    extras: serde_json::Map<String, serde_json::Value>,
}

const USER_ID: &str = "6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f";

fn user() -> User {
    User {
        id: USER_ID.to_owned(),
        name: "Ada".to_owned(),
        email: "ada@example.com".to_owned(),
    }
}

/// A backend like the `jwt_auth` example's: header flow, a map of users as store.
fn backend() -> JwtAuth<User> {
    let users: Arc<HashMap<String, User>> =
        Arc::new(std::iter::once((USER_ID.to_owned(), user())).collect());
    JwtAuth::<User>::builder()
        .secret(SECRET)
        .retrieve_user_sync(move |token, _state: &()| users.get(&token.sub).cloned())
        .build()
        .expect("the bench backend builds")
}

/// A token as the example's login mints it: `sub`, `exp`, `iat` and an `email` extra.
fn token(auth: &JwtAuth<User>) -> String {
    auth.token(USER_ID)
        .extra("email", "ada@example.com")
        .encode()
        .expect("the token is minted")
}

/// The same token with its signature's first character changed.
fn bad_signature(jwt: &str) -> String {
    let (head, signature) = jwt.rsplit_once('.').expect("a JWS");
    let mut signature = signature.to_owned();
    let first = if signature.starts_with('A') { "B" } else { "A" };
    signature.replace_range(0..1, first);
    format!("{head}.{signature}")
}

fn bench_decode(c: &mut Criterion) {
    let auth = backend();
    let jwt = token(&auth);
    let key = DecodingKey::from_secret(SECRET.as_bytes());
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation.leeway = 0;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = false;
    // Both decode the same token to the same claims.
    auth.decode(&jwt).expect("ours accepts the token");
    jsonwebtoken::decode::<RawClaims>(&jwt, &key, &validation).expect("raw accepts the token");

    let mut group = c.benchmark_group("decode");
    group.bench_function("jwt_auth::JwtAuth::decode", |b| {
        b.iter(|| auth.decode(black_box(&jwt)).expect("valid"));
    });
    group.bench_function("jsonwebtoken::decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<RawClaims>(black_box(&jwt), &key, &validation).expect("valid")
        });
    });
    group.finish();
}

async fn protected(CurrentUser(user): CurrentUser<User>) -> Json<User> {
    Json(user)
}

async fn unprotected(Extension(user): Extension<Arc<User>>) -> Json<User> {
    Json((*user).clone())
}

fn bench_middleware(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let auth = backend();
    let jwt = token(&auth);
    let bearer = format!("Bearer {jwt}");
    let bad = format!("Bearer {}", bad_signature(&jwt));
    let with_layer = auth.install(Router::new().route("/some-path", get(protected)), ());
    let without_layer = Router::new()
        .route("/some-path", get(unprotected))
        .layer(Extension(Arc::new(user())));

    let request = |authorization: Option<&str>| {
        let mut request = Request::get("/some-path");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        request.body(Body::empty()).expect("a request")
    };
    let send = |router: &Router, authorization: Option<&str>| {
        let response = runtime
            .block_on(router.clone().oneshot(request(authorization)))
            .expect("infallible");
        response.status()
    };
    assert_eq!(send(&with_layer, Some(&bearer)), StatusCode::OK);
    assert_eq!(send(&with_layer, Some(&bad)), StatusCode::UNAUTHORIZED);
    assert_eq!(send(&with_layer, None), StatusCode::UNAUTHORIZED);
    assert_eq!(send(&without_layer, None), StatusCode::OK);

    let mut group = c.benchmark_group("middleware");
    group.bench_function("without layer", |b| {
        b.iter(|| send(&without_layer, None));
    });
    group.bench_function("with layer, valid token", |b| {
        b.iter(|| send(&with_layer, Some(&bearer)));
    });
    // A token never seen before on every request (the cache misses, then evicts to insert):
    // minted outside the timed part.
    let mut minted = 0_u64;
    group.bench_function("with layer, new valid token", |b| {
        b.iter_batched(
            || {
                minted += 1;
                let jwt = auth
                    .token(USER_ID)
                    .jti(format!("{minted:032x}"))
                    .extra("email", "ada@example.com")
                    .encode()
                    .expect("the token is minted");
                format!("Bearer {jwt}")
            },
            |bearer| send(&with_layer, Some(&bearer)),
            BatchSize::SmallInput,
        );
    });
    group.bench_function("with layer, bad signature", |b| {
        b.iter(|| send(&with_layer, Some(&bad)));
    });
    group.bench_function("with layer, missing token", |b| {
        b.iter(|| send(&with_layer, None));
    });
    group.finish();
}

fn bench_login(c: &mut Criterion) {
    let auth = backend();
    let user = user();
    let mut group = c.benchmark_group("login");
    group.bench_function("create_token", |b| {
        b.iter(|| auth.create_token(black_box(USER_ID)).expect("minted"));
    });
    group.bench_function("login response", |b| {
        b.iter(|| {
            auth.login(black_box(USER_ID))
                .extra("email", &user.email)
                .body(&user)
                .into_response()
        });
    });
    group.finish();
}

criterion_group!(benches, bench_decode, bench_middleware, bench_login);
criterion_main!(benches);
