//! Identity providers against a real, independently written OpenID provider (`oidc-provider`,
//! see `common/oidc_provider.rs`), over HTTPS with a root only the test trusts: the backend finds
//! the keys by discovery, accepts the tokens the provider issues by client credentials, refuses
//! those of another audience, of an unknown issuer or of a rotated-out key, follows a key
//! rotation without being rebuilt, keeps verifying with the last key set while the provider is
//! down for at most its freshness plus `max_stale`, and then fails closed with a 503.

mod common;
#[path = "common/oidc_provider.rs"]
mod oidc_provider;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{User, app, assert_invalid_token, assert_user, get_bearer, known_user, send};
use jsonwebtoken::{EncodingKey, Header};
use jwt_auth::{Algorithm, Issuer, JwtAuth, TlsRoots};
use oidc_provider::{OidcProvider, Pki};
use serde_json::json;

const API: &str = "https://api.example";
const OTHER_API: &str = "https://other-api.example";

/// How long a fetched key set is fresh (the provider sends no `max-age`).
const FRESH: Duration = Duration::from_secs(2);
/// How long past its freshness a key set is used while the provider cannot be reached.
const MAX_STALE: Duration = Duration::from_secs(3);

fn provider_config(provider: &OidcProvider, pki: &Pki) -> Issuer {
    Issuer::oidc(&provider.issuer)
        .audience([API])
        .algorithms([Algorithm::ES256])
        .tls_roots(TlsRoots::pem(pki.root_pem.clone()))
        .cache_for(FRESH)
        .cache_bounds(FRESH, FRESH)
        .max_stale(MAX_STALE)
        .refetch_interval(Duration::from_millis(100))
}

fn backend(issuers: impl IntoIterator<Item = Issuer>) -> JwtAuth<User> {
    issuers
        .into_iter()
        .fold(JwtAuth::<User>::builder(), jwt_auth::JwtAuthBuilder::issuer)
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
        .build()
        .expect("the backend builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_of_a_real_provider_through_rotation_and_outage() {
    let pki = Pki::new("provider");
    let first = pki.signing_key("first");
    let second = pki.signing_key("second");
    // The client id is the tokens' `sub`: `alice` is a known user.
    let mut provider = OidcProvider::start(
        &pki,
        "main",
        std::slice::from_ref(&first),
        &["alice"],
        &[API, OTHER_API],
    );
    let unknown = OidcProvider::start(
        &pki,
        "unknown",
        std::slice::from_ref(&second),
        &["alice"],
        &[API],
    );
    let auth = backend([provider_config(&provider, &pki)]);
    let router = app(&auth);

    let before_rotation = provider.token("alice", API);
    let reply = send(&router, get_bearer("/protected", &before_rotation)).await;
    assert_user(&reply, "alice");
    assert_eq!(reply.json()["iss"], json!(provider.issuer));

    let other_audience = provider.token("alice", OTHER_API);
    assert_invalid_token(&send(&router, get_bearer("/protected", &other_audience)).await);
    let unknown_issuer = unknown.token("alice", API);
    assert_invalid_token(&send(&router, get_bearer("/protected", &unknown_issuer)).await);

    // The provider replaces its key; the backend, not rebuilt, fetches the new set for the
    // unknown `kid`, and the old key's tokens (even one verified before) are refused.
    provider.rotate(std::slice::from_ref(&second));
    let after_rotation = provider.token("alice", API);
    let fetched = Instant::now();
    assert_user(
        &send(&router, get_bearer("/protected", &after_rotation)).await,
        "alice",
    );
    assert_invalid_token(&send(&router, get_bearer("/protected", &before_rotation)).await);
    let later = provider.token("alice", API);
    let last = provider.token("alice", API);

    // The provider goes down: the last key set keeps verifying, also tokens not seen before,
    // until its freshness plus `max_stale` is over; then the backend fails closed.
    provider.stop();
    assert_user(
        &send(&router, get_bearer("/protected", &later)).await,
        "alice",
    );
    tokio::time::sleep((FRESH + Duration::from_millis(500)).saturating_sub(fetched.elapsed()))
        .await;
    assert!(fetched.elapsed() > FRESH);
    assert_user(
        &send(&router, get_bearer("/protected", &last)).await,
        "alice",
    );
    let refused_at = loop {
        let reply = send(&router, get_bearer("/protected", &last)).await;
        if reply.status != StatusCode::OK {
            assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
            break fetched.elapsed();
        }
        assert!(
            fetched.elapsed() < FRESH + MAX_STALE + Duration::from_secs(2),
            "stale keys were still used past their bound"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!("the stale key set was refused {refused_at:?} after its fetch");
    assert!(
        refused_at + Duration::from_millis(500) >= FRESH + MAX_STALE,
        "refused after {refused_at:?}, before its bound"
    );
    // Fails closed for any token of the provider, also one verified before.
    let reply = send(&router, get_bearer("/protected", &after_rotation)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{reply:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_providers_on_one_backend_each_judge_their_own_tokens() {
    let pki = Pki::new("two");
    let a_key = pki.signing_key("a-key");
    let b_key = pki.signing_key("b-key");
    let a = OidcProvider::start(&pki, "a", std::slice::from_ref(&a_key), &["alice"], &[API]);
    let b = OidcProvider::start(&pki, "b", std::slice::from_ref(&b_key), &["bob"], &[API]);
    let auth = backend([provider_config(&a, &pki), provider_config(&b, &pki)]);
    let router = app(&auth);

    let reply = send(&router, get_bearer("/protected", &a.token("alice", API))).await;
    assert_user(&reply, "alice");
    assert_eq!(reply.json()["iss"], json!(a.issuer));
    let reply = send(&router, get_bearer("/protected", &b.token("bob", API))).await;
    assert_user(&reply, "bob");
    assert_eq!(reply.json()["iss"], json!(b.issuer));

    // A token that claims A's issuer, signed with B's published key: refused whether its `kid`
    // names B's key (A's set has no such key) or A's (the signature does not match).
    let exp = common::now() + 300;
    let claims = json!({ "iss": a.issuer, "aud": API, "sub": "alice", "exp": exp });
    let b_signing = EncodingKey::from_ec_pem(b_key.pem.as_bytes()).expect("B's key");
    for kid in [&b_key.kid, &a_key.kid] {
        let mut header = Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = Some(kid.clone());
        let forged = jsonwebtoken::encode(&header, &claims, &b_signing).expect("signed");
        assert_invalid_token(&send(&router, get_bearer("/protected", &forged)).await);
    }
    // The same claims signed with A's key pass: what fails above is only the key.
    let a_signing = EncodingKey::from_ec_pem(a_key.pem.as_bytes()).expect("A's key");
    let mut header = Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(a_key.kid.clone());
    let genuine = jsonwebtoken::encode(&header, &claims, &a_signing).expect("signed");
    assert_user(
        &send(&router, get_bearer("/protected", &genuine)).await,
        "alice",
    );
}
