//! Criterion benches of the per-request cost of authentication:
//!
//! - `decode`: [`JwtAuth::decode`] against a raw `jsonwebtoken::decode` of the same HS256 token
//!   into an equivalent claims type, with an equivalent `Validation`;
//! - `middleware`: one request through `tower::ServiceExt::oneshot` on the same route with and
//!   without the layer (valid token, a new valid token each time, bad signature, missing token),
//!   and the same route guarded by a scope, as `#[requires(..., scope = "...")]` writes it,
//!   against it unguarded with the same token;
//! - `login`: `create_token`, and a login response (`auth.login(id).extra(..).body(..)`).
//!
//! ```sh
//! cargo bench -p jwt-auth --bench auth -- --warm-up-time 1 --measurement-time 3
//! ```

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented public function"
)]

mod common;

use std::hint::black_box;
use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::IntoResponse as _;
use axum::routing::get;
use common::{
    RawClaims, SECRET, USER_ID, User, backend, bad_signature, guarded, protected, raw_validation,
    unprotected, user,
};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jsonwebtoken::DecodingKey;
use jwt_auth::JwtAuth;
use tower::ServiceExt as _;

/// A token as the example's login mints it: `sub`, `exp`, `iat` and an `email` extra.
fn token(auth: &JwtAuth<User>) -> String {
    auth.token(USER_ID)
        .extra("email", "ada@example.com")
        .encode()
        .expect("the token is minted")
}

fn bench_decode(c: &mut Criterion) {
    let auth = backend();
    let jwt = token(&auth);
    let key = DecodingKey::from_secret(SECRET.as_bytes());
    let validation = raw_validation();
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

fn bench_middleware(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let auth = backend();
    let jwt = token(&auth);
    let bearer = format!("Bearer {jwt}");
    let bad = format!("Bearer {}", bad_signature(&jwt));
    let with_layer = auth.install(
        Router::new()
            .route("/some-path", get(protected))
            .route("/guarded", get(guarded)),
        (),
    );
    // The example's token with scopes, for the guarded route and the same route unguarded.
    let scoped = auth
        .token(USER_ID)
        .extra("email", "ada@example.com")
        .scopes(["profile:read", "profile:write"])
        .encode()
        .expect("the token is minted");
    let scoped = format!("Bearer {scoped}");
    let without_layer = Router::new()
        .route("/some-path", get(unprotected))
        .layer(Extension(Arc::new(user())));

    let request_to = |path: &str, authorization: Option<&str>| {
        let mut request = Request::get(path);
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        request.body(Body::empty()).expect("a request")
    };
    let send_to = |router: &Router, path: &str, authorization: Option<&str>| {
        let response = runtime
            .block_on(router.clone().oneshot(request_to(path, authorization)))
            .expect("infallible");
        response.status()
    };
    let send =
        |router: &Router, authorization: Option<&str>| send_to(router, "/some-path", authorization);
    assert_eq!(send(&with_layer, Some(&bearer)), StatusCode::OK);
    assert_eq!(send(&with_layer, Some(&bad)), StatusCode::UNAUTHORIZED);
    assert_eq!(send(&with_layer, None), StatusCode::UNAUTHORIZED);
    assert_eq!(send(&without_layer, None), StatusCode::OK);
    assert_eq!(send(&with_layer, Some(&scoped)), StatusCode::OK);
    assert_eq!(
        send_to(&with_layer, "/guarded", Some(&scoped)),
        StatusCode::OK
    );
    assert_eq!(
        send_to(&with_layer, "/guarded", Some(&bearer)),
        StatusCode::FORBIDDEN
    );

    let mut group = c.benchmark_group("middleware");
    group.bench_function("without layer", |b| {
        b.iter(|| send(&without_layer, None));
    });
    group.bench_function("with layer, valid token", |b| {
        b.iter(|| send(&with_layer, Some(&bearer)));
    });
    // A token never seen before on every request (the cache misses and only notes its hash):
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
    // Adjacent, so that the difference is the guard's.
    group.bench_function("with layer, token with scopes", |b| {
        b.iter(|| send(&with_layer, Some(&scoped)));
    });
    group.bench_function("with layer and a scope guard, token with scopes", |b| {
        b.iter(|| send_to(&with_layer, "/guarded", Some(&scoped)));
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
