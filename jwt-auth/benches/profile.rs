//! A harness for instruction counts: runs one scenario `N` times inside the function
//! `measured`, so that `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect='*measured*'` counts only the requests, not the setup (minting tokens,
//! building the routers, warming the caches). `bench/callgrind.sh` runs every scenario and
//! prints the instructions per request.
//!
//! ```sh
//! cargo bench -p jwt-auth --bench profile --no-run
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured*' \
//!     target/release/deps/profile-<hash> hit 1000
//! ```
//!
//! Scenarios (the same backend, user and routes as `benches/auth.rs`):
//! - `no-layer`: the route without the layer (the ceiling);
//! - `hit`: one valid token, repeated (a cache hit after the first request);
//! - `miss`: a distinct valid token on every request, each seen once (a cache miss);
//! - `cycle`: 10,000 distinct valid tokens cycled, as `bench/http.sh`'s `many-tokens`
//!   (two cycles as warm-up, outside the count);
//! - `bad-signature`: one token with a bad signature, repeated;
//! - `bad-cycle`: 10,000 distinct tokens with a bad signature cycled (two cycles as warm-up);
//! - `missing`: no token;
//! - `scoped-hit`: as `hit`, with a token that also carries two scopes;
//! - `guarded-hit`: as `scoped-hit`, on the route guarded by one of the scopes (the guard
//!   `#[requires(..., scope = "...")]` writes): the difference is what a guard costs;
//! - `foreign-miss`: as `miss`, with tokens minted as PyJWT mints them (`bench/http.sh`'s): the
//!   header `{"alg":"HS256","typ":"JWT"}`, not this crate's own;
//! - `mixed-miss`: as `foreign-miss`, once both tables hold tokens in every shard (10,000 valid
//!   and 10,000 forged tokens, each sent twice, outside the count): a new token on a server that
//!   has seen bad signatures, as `bench/http.sh`'s `many-tokens` after its `bad-signature` with
//!   `TOKENS=300000` (with fewer, its tokens come back while the cache still holds them);
//! - `remote-hit`: as `hit`, with an identity provider's token (RS256, its `kid`, `iss` and
//!   `aud`) checked against the provider's JWK Set, fetched from a loopback server before the
//!   count: the verified-token cache with remote keys;
//! - `remote-miss`: as `miss`, with such tokens (an RSA signature checked per request);
//! - `decode`: `JwtAuth::decode` of one token (no cache);
//! - `foreign-decode`: `JwtAuth::decode` of one token of `foreign-miss`;
//! - `raw-decode`: `jsonwebtoken::decode` of the same token.

#![allow(
    missing_docs,
    reason = "a benchmark binary, not an API; its use is in the module docs"
)]

mod common;

use std::hint::black_box;
use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use common::{
    RawClaims, SECRET, USER_ID, User, backend, bad_signature, guarded, protected, raw_validation,
    unprotected, user,
};
use jsonwebtoken::DecodingKey;
use jwt_auth::{Algorithm, Issuer, JwtAuth, Key};
use tower::ServiceExt as _;

/// How many distinct tokens `cycle` and `bad-cycle` go through (`bench/http.sh`'s default).
const CYCLE: usize = 10_000;
/// New tokens decoded once before `miss` and `foreign-miss` are counted, so that every shard
/// has its lines (allocated at a shard's first note) outside the count.
const WARM: usize = 256;

/// A token like those of `bench/http.sh`: `sub`, `exp`, `iat`, a `jti` and an `email` extra.
fn token(auth: &JwtAuth<User>, n: usize) -> String {
    auth.token(USER_ID)
        .jti(format!("{n:032x}"))
        .extra("email", "ada@example.com")
        .encode()
        .expect("the token is minted")
}

/// A token as PyJWT mints it (`bench/http.sh`'s): its header is not this crate's own.
fn foreign_token(n: usize) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let header = engine.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = engine.encode(format!(
        r#"{{"sub":"{USER_ID}","exp":{},"iat":{now},"jti":"{n:032x}","email":"ada@example.com"}}"#,
        now + 3600
    ));
    let message = format!("{header}.{payload}");
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
            .expect("signed");
    format!("{message}.{signature}")
}

/// The issuer of the identity provider of `remote-hit` and `remote-miss`.
const PROVIDER: &str = "https://id.example";

/// An identity provider's signer: RS256 with a `kid`, as most publish.
fn provider() -> JwtAuth<User> {
    JwtAuth::<User>::builder()
        .algorithm(Algorithm::RS256)
        .signing_key(
            Key::pem(include_bytes!("../tests/keys/rsa2048-private.pem")).with_kid("bench"),
        )
        .retrieve_user_sync(|_, _state: &()| None)
        .build()
        .expect("the provider's signer builds")
}

/// A token of the provider for the one user, distinct for each `n`.
fn provider_token(provider: &JwtAuth<User>, n: usize) -> String {
    provider
        .token(USER_ID)
        .issuer(PROVIDER)
        .audience("api")
        .jti(format!("{n:032x}"))
        .extra("email", "ada@example.com")
        .encode()
        .expect("the token is minted")
}

/// The protected route of a backend that trusts the provider, whose JWK Set a server spawned
/// on `runtime` publishes on loopback.
fn remote_router(runtime: &tokio::runtime::Runtime, provider: &JwtAuth<User>) -> Router {
    let document = provider.jwks();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a loopback port");
    let address = listener.local_addr().expect("its address");
    let jwks = Router::new().route(
        "/jwks.json",
        get(move || std::future::ready(axum::Json(document.clone()))),
    );
    runtime.spawn(async move { axum::serve(listener, jwks).await });
    let user = user();
    let verifier = JwtAuth::<User>::builder()
        .issuer(Issuer::jwks(PROVIDER, format!("http://{address}/jwks.json")).audience(["api"]))
        .retrieve_user_sync(move |token, _state: &()| (token.sub == USER_ID).then(|| user.clone()))
        .build()
        .expect("the remote backend builds");
    verifier.install(Router::new().route("/some-path", get(protected)), ())
}

fn request(authorization: Option<&str>) -> Request<Body> {
    let mut request = Request::get("/some-path");
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    request.body(Body::empty()).expect("a request")
}

/// Sends the requests, one per header (`None`: no `Authorization`), checking each status.
fn send_all(
    runtime: &tokio::runtime::Runtime,
    router: &Router,
    headers: &[Option<String>],
    status: StatusCode,
) {
    for header in headers {
        let response = runtime
            .block_on(router.clone().oneshot(request(header.as_deref())))
            .expect("infallible");
        assert_eq!(response.status(), status);
        runtime.block_on(async {
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await;
            black_box(body.expect("a body"));
        });
    }
}

/// [`send_all`], counted.
#[inline(never)]
fn measured(
    runtime: &tokio::runtime::Runtime,
    router: &Router,
    headers: &[Option<String>],
    status: StatusCode,
) {
    let start = std::time::Instant::now();
    send_all(runtime, router, headers, status);
    report(start, headers.len());
}

/// Prints the wall time per call on standard error (callgrind's figures are its own).
fn report(start: std::time::Instant, n: usize) {
    let calls = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
    let per = start.elapsed().as_secs_f64() * 1e9 / f64::from(calls);
    eprintln!("{per:.0} ns per call");
}

/// Decodes the token `n` times.
#[inline(never)]
fn measured_decode(n: usize, decode: impl Fn()) {
    let start = std::time::Instant::now();
    for _ in 0..n {
        decode();
    }
    report(start, n);
}

#[allow(clippy::too_many_lines, reason = "one setup and one arm per scenario")]
fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let scenario = args.next().unwrap_or_else(|| "hit".to_owned());
    let n: usize = args.next().map_or(1000, |n| n.parse().expect("a count"));

    let mut builder = tokio::runtime::Builder::new_current_thread();
    // Sockets and timers only where a key set is fetched: the other scenarios' counts stay
    // comparable with those of earlier runs.
    if scenario.starts_with("remote-") {
        builder.enable_all();
    }
    let runtime = builder.build().expect("a runtime");
    let auth = backend();
    let with_layer = auth.install(Router::new().route("/some-path", get(protected)), ());
    let without_layer = Router::new()
        .route("/some-path", get(unprotected))
        .layer(Extension(Arc::new(user())));
    let guarded_layer = auth.install(Router::new().route("/some-path", get(guarded)), ());
    let bearer = |jwt: &str| Some(format!("Bearer {jwt}"));
    let one = token(&auth, 0);
    let scoped = auth
        .token(USER_ID)
        .jti(format!("{:032x}", 0))
        .extra("email", "ada@example.com")
        .scopes(["profile:read", "profile:write"])
        .encode()
        .expect("the token is minted");
    let run = |router: &Router, headers: &[Option<String>], status| {
        // The first requests (two whole cycles for the cycles: a token is kept at its second
        // decoding) warm caches and lazy statics, uncounted.
        for _ in 0..2 {
            send_all(
                &runtime,
                router,
                &headers[..headers.len().min(CYCLE)],
                status,
            );
        }
        measured(&runtime, router, headers, status);
    };
    match scenario.as_str() {
        "no-layer" => run(&without_layer, &vec![None; n], StatusCode::OK),
        "hit" => run(&with_layer, &vec![bearer(&one); n], StatusCode::OK),
        "scoped-hit" => run(&with_layer, &vec![bearer(&scoped); n], StatusCode::OK),
        "guarded-hit" => run(&guarded_layer, &vec![bearer(&scoped); n], StatusCode::OK),
        "miss" => {
            let headers: Vec<_> = (1..=n).map(|i| bearer(&token(&auth, i))).collect();
            // No warm-up with these tokens: each is new to the cache when counted. Other new
            // tokens, once each, give every shard its lines before the count.
            let warm: Vec<_> = (1..=WARM).map(|i| bearer(&token(&auth, n + i))).collect();
            send_all(&runtime, &with_layer, &warm, StatusCode::OK);
            measured(&runtime, &with_layer, &headers, StatusCode::OK);
        }
        "foreign-miss" => {
            let headers: Vec<_> = (1..=n).map(|i| bearer(&foreign_token(i))).collect();
            let warm: Vec<_> = (1..=WARM).map(|i| bearer(&foreign_token(n + i))).collect();
            send_all(&runtime, &with_layer, &warm, StatusCode::OK);
            measured(&runtime, &with_layer, &headers, StatusCode::OK);
        }
        "mixed-miss" => {
            let kept: Vec<_> = (1..=CYCLE)
                .flat_map(|i| {
                    let valid = token(&auth, n + i);
                    [bearer(&bad_signature(&valid)), bearer(&valid)]
                })
                .collect();
            let headers: Vec<_> = (1..=n).map(|i| bearer(&foreign_token(i))).collect();
            for _ in 0..2 {
                for header in kept.chunks(2) {
                    send_all(
                        &runtime,
                        &with_layer,
                        &header[..1],
                        StatusCode::UNAUTHORIZED,
                    );
                    send_all(&runtime, &with_layer, &header[1..], StatusCode::OK);
                }
            }
            measured(&runtime, &with_layer, &headers, StatusCode::OK);
        }
        "cycle" => {
            let tokens: Vec<_> = (1..=CYCLE).map(|i| bearer(&token(&auth, i))).collect();
            let headers: Vec<_> = tokens.iter().cycle().take(n).cloned().collect();
            run(&with_layer, &headers, StatusCode::OK);
        }
        "bad-signature" => {
            let bad = bearer(&bad_signature(&one));
            run(&with_layer, &vec![bad; n], StatusCode::UNAUTHORIZED);
        }
        "bad-cycle" => {
            let tokens: Vec<_> = (1..=CYCLE)
                .map(|i| bearer(&bad_signature(&token(&auth, i))))
                .collect();
            let headers: Vec<_> = tokens.iter().cycle().take(n).cloned().collect();
            run(&with_layer, &headers, StatusCode::UNAUTHORIZED);
        }
        "missing" => run(&with_layer, &vec![None; n], StatusCode::UNAUTHORIZED),
        "remote-hit" => {
            let provider = provider();
            let router = remote_router(&runtime, &provider);
            let one = bearer(&provider_token(&provider, 0));
            run(&router, &vec![one; n], StatusCode::OK);
        }
        "remote-miss" => {
            let provider = provider();
            let router = remote_router(&runtime, &provider);
            let headers: Vec<_> = (1..=n)
                .map(|i| bearer(&provider_token(&provider, i)))
                .collect();
            let warm: Vec<_> = (1..=WARM)
                .map(|i| bearer(&provider_token(&provider, n + i)))
                .collect();
            send_all(&runtime, &router, &warm, StatusCode::OK);
            measured(&runtime, &router, &headers, StatusCode::OK);
        }
        "decode" => measured_decode(n, || {
            black_box(auth.decode(black_box(&one)).expect("valid"));
        }),
        "foreign-decode" => {
            let foreign = foreign_token(0);
            measured_decode(n, || {
                black_box(auth.decode(black_box(&foreign)).expect("valid"));
            });
        }
        "raw-decode" => {
            let key = DecodingKey::from_secret(SECRET.as_bytes());
            let validation = raw_validation();
            measured_decode(n, || {
                black_box(
                    jsonwebtoken::decode::<RawClaims>(black_box(&one), &key, &validation)
                        .expect("valid"),
                );
            });
        }
        other => panic!("unknown scenario `{other}`"),
    }
}
