//! Remote JWKS over a real socket: a local axum server publishes a signer's `jwks()`; the
//! verifier fetches it once, caches it, refetches on an unknown `kid` at most once per interval,
//! and answers a clear 503 (not a hang) when the JWKS host is down or silent.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use common::{
    User, app, assert_error, assert_invalid_token, assert_user, get_bearer, known_user, send,
};
use jwt_auth::{Algorithm, ConfigError, Issuer, JwtAuth, Key, RemoteJwksConfig};
use serde_json::{Value, json};

const ED25519_PRIVATE: &[u8] = include_bytes!("keys/ed25519-private.pem");
const ED25519_SECOND_PRIVATE: &[u8] = include_bytes!("keys/ed25519-second-private.pem");

fn signer(private: &[u8], kid: &str) -> JwtAuth<User> {
    JwtAuth::<User>::builder()
        .algorithm(Algorithm::EdDSA)
        .signing_key(Key::pem(private).with_kid(kid))
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
        .build()
        .unwrap()
}

fn verifier(config: RemoteJwksConfig) -> JwtAuth<User> {
    JwtAuth::<User>::builder()
        .algorithm(Algorithm::EdDSA)
        .remote_jwks(config)
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
        .build()
        .unwrap()
}

/// A JWKS server: serves the current document at `/.well-known/jwks.json` and counts fetches.
struct JwksServer {
    url: String,
    document: Arc<RwLock<Value>>,
    fetches: Arc<AtomicUsize>,
}

async fn serve(document: Value) -> JwksServer {
    let document = Arc::new(RwLock::new(document));
    let fetches = Arc::new(AtomicUsize::new(0));
    let router = Router::new().route(
        "/.well-known/jwks.json",
        get({
            let document = Arc::clone(&document);
            let fetches = Arc::clone(&fetches);
            move || async move {
                fetches.fetch_add(1, Ordering::SeqCst);
                Json(document.read().unwrap().clone())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    JwksServer {
        url: format!("http://{address}/.well-known/jwks.json"),
        document,
        fetches,
    }
}

#[tokio::test]
async fn tokens_verify_against_the_remote_jwks_which_is_cached() {
    let signer = signer(ED25519_PRIVATE, "a");
    // The JWKS also holds a key of another kind; it is skipped, not fatal.
    let mut document = signer.jwks();
    document["keys"]
        .as_array_mut()
        .unwrap()
        .push(json!({"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"}));
    let server = serve(document).await;
    let verifier = verifier(RemoteJwksConfig::new(&server.url));
    let app = app(&verifier);
    for _ in 0..3 {
        let jwt = signer.create_token("alice").unwrap();
        assert_user(&send(&app, get_bearer("/protected", &jwt)).await, "alice");
    }
    assert_eq!(server.fetches.load(Ordering::SeqCst), 1);
    // A token naming the `oct` key is refused: HMAC with a published key is a forgery.
    let forged = {
        let mut header = jsonwebtoken::Header::new(Algorithm::HS256);
        header.kid = Some("hmac".into());
        jsonwebtoken::encode(
            &header,
            &json!({"sub": "alice", "exp": common::now() + 60}),
            &jsonwebtoken::EncodingKey::from_secret(b"secret"),
        )
        .unwrap()
    };
    assert_invalid_token(&send(&app, get_bearer("/protected", &forged)).await);
}

#[tokio::test]
async fn an_unknown_kid_refetches_at_most_once_per_interval() {
    let old = signer(ED25519_PRIVATE, "a");
    let server = serve(old.jwks()).await;
    let verifier =
        verifier(RemoteJwksConfig::new(&server.url).refetch_interval(Duration::from_millis(300)));
    let app = app(&verifier);
    assert_user(
        &send(
            &app,
            get_bearer("/protected", &old.create_token("alice").unwrap()),
        )
        .await,
        "alice",
    );
    assert_eq!(server.fetches.load(Ordering::SeqCst), 1);

    // The issuer rotates: kid "b" is published.
    let new = signer(ED25519_SECOND_PRIVATE, "b");
    let mut both = old.jwks();
    both["keys"]
        .as_array_mut()
        .unwrap()
        .push(new.jwks()["keys"][0].clone());
    *server.document.write().unwrap() = both;
    tokio::time::sleep(Duration::from_millis(350)).await;
    let jwt = new.create_token("bob").unwrap();
    assert_user(&send(&app, get_bearer("/protected", &jwt)).await, "bob");
    assert_eq!(server.fetches.load(Ordering::SeqCst), 2);

    // A flood of unknown kids: one refetch at most per interval.
    let unknown = {
        let mut header = jsonwebtoken::Header::new(Algorithm::EdDSA);
        header.kid = Some("zzz".into());
        jsonwebtoken::encode(
            &header,
            &json!({"sub": "alice", "exp": common::now() + 60}),
            &jsonwebtoken::EncodingKey::from_ed_pem(ED25519_PRIVATE).unwrap(),
        )
        .unwrap()
    };
    for _ in 0..20 {
        assert_invalid_token(&send(&app, get_bearer("/protected", &unknown)).await);
    }
    assert_eq!(server.fetches.load(Ordering::SeqCst), 2);
    tokio::time::sleep(Duration::from_millis(350)).await;
    for _ in 0..20 {
        assert_invalid_token(&send(&app, get_bearer("/protected", &unknown)).await);
    }
    assert_eq!(server.fetches.load(Ordering::SeqCst), 3);
    // Junk never causes a fetch.
    assert_invalid_token(&send(&app, get_bearer("/protected", "a.b.c")).await);
    assert_eq!(server.fetches.load(Ordering::SeqCst), 3);
}

/// No key set to verify with: the token may be good, the server cannot tell for now (503, and
/// no `WWW-Authenticate`: the client should retry, not log in again).
#[tokio::test]
async fn a_down_or_silent_jwks_host_is_a_quick_503() {
    let signer = signer(ED25519_PRIVATE, "a");
    let jwt = signer.create_token("alice").unwrap();

    // Nothing listens on the port.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    // A host that accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_address = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    for address in [closed, silent_address] {
        let verifier = verifier(
            RemoteJwksConfig::new(format!("http://{address}/jwks.json"))
                .timeout(Duration::from_millis(300)),
        );
        let app = app(&verifier);
        let started = Instant::now();
        for _ in 0..3 {
            let reply = send(&app, get_bearer("/protected", &jwt)).await;
            assert_error(
                &reply,
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable",
            );
            assert_eq!(reply.header("www-authenticate"), None);
        }
        // One attempt with its timeout; the next requests do not wait for another.
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
}

/// Keys travel over TLS: `https://` (with the feature `remote-tls`), plain `http://` to
/// loopback only; anything else is refused when the backend is built.
#[test]
fn jwks_urls_are_https_or_loopback_http() {
    let build = |url: &str| {
        JwtAuth::<User>::builder()
            .algorithm(Algorithm::EdDSA)
            .remote_jwks(RemoteJwksConfig::new(url))
            .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
            .build()
    };
    for url in [
        "http://issuer.example/jwks.json",
        "http://10.1.2.3/jwks.json",
        "not a url",
        "/relative",
        "ftp://issuer.example/jwks.json",
        "https://user:password@issuer.example/jwks.json",
    ] {
        let error = build(url).unwrap_err();
        assert!(
            matches!(error, ConfigError::InvalidUrl { .. }),
            "{url}: {error}"
        );
    }
    for url in [
        "http://127.0.0.1:9/jwks.json",
        "http://localhost:9/jwks.json",
    ] {
        assert!(build(url).is_ok(), "{url}");
    }
    let https = build("https://issuer.example/jwks.json");
    if cfg!(feature = "remote-tls") {
        assert!(https.is_ok(), "{:?}", https.err());
    } else {
        let error = https.unwrap_err();
        assert!(
            matches!(&error, ConfigError::Tls { reason, .. } if reason.contains("remote-tls")),
            "{error}"
        );
    }
}

/// The application serves its own JWKS for other services.
#[tokio::test]
async fn the_jwks_route_serves_public_keys() {
    let signer = signer(ED25519_PRIVATE, "a");
    let jwks = signer.jwks();
    let app = app(&signer).route(
        "/.well-known/jwks.json",
        get(move || async move { Json(jwks) }),
    );
    let reply = send(&app, common::get_plain("/.well-known/jwks.json")).await;
    assert_eq!(reply.status, axum::http::StatusCode::OK);
    let body = reply.json();
    assert_eq!(body["keys"][0]["kid"], "a");
    assert_eq!(body["keys"][0]["kty"], "OKP");
    assert_eq!(body["keys"][0]["crv"], "Ed25519");
    assert!(body["keys"][0].get("d").is_none());
}

/// A token of `signer` as a provider mints it: its `iss` and `aud`.
fn provider_token(signer: &JwtAuth<User>, iss: &str, aud: &str) -> String {
    signer
        .token("alice")
        .issuer(iss)
        .audience(aud)
        .encode()
        .unwrap()
}

#[tokio::test]
async fn issuers_with_a_plain_jwks_each_judge_their_own_tokens() {
    let (a, b) = (
        signer(ED25519_PRIVATE, "a"),
        signer(ED25519_SECOND_PRIVATE, "b"),
    );
    let (server_a, server_b) = (serve(a.jwks()).await, serve(b.jwks()).await);
    let verifier = JwtAuth::<User>::builder()
        .issuer(Issuer::jwks("https://a.example", &server_a.url).audience(["api"]))
        .issuer(
            Issuer::jwks("https://b.example", &server_b.url)
                .audience(["api", "other-api"])
                .algorithms([Algorithm::EdDSA]),
        )
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
        .build()
        .unwrap();
    let app = app(&verifier);
    let answer = |jwt: String| {
        let app = app.clone();
        async move { send(&app, get_bearer("/protected", &jwt)).await }
    };
    assert_user(
        &answer(provider_token(&a, "https://a.example", "api")).await,
        "alice",
    );
    assert_user(
        &answer(provider_token(&b, "https://b.example", "api")).await,
        "alice",
    );
    assert_user(
        &answer(provider_token(&b, "https://b.example", "other-api")).await,
        "alice",
    );
    // Each issuer's own audiences: `other-api` is B's only.
    assert_invalid_token(&answer(provider_token(&a, "https://a.example", "other-api")).await);
    // A token claiming A, signed with B's key (B's `kid`, published by B only): refused.
    assert_invalid_token(&answer(provider_token(&b, "https://a.example", "api")).await);
    // An issuer the backend does not know, and no issuer at all: refused, nothing fetched.
    assert_invalid_token(&answer(provider_token(&a, "https://c.example", "api")).await);
    let anonymous = a.token("alice").audience("api").encode().unwrap();
    assert_invalid_token(&answer(anonymous).await);
    assert_eq!(server_a.fetches.load(Ordering::SeqCst), 1);
    assert_eq!(server_b.fetches.load(Ordering::SeqCst), 1);
}
