//! Refresh tokens: issued with the OAuth2 login, single-use, rotated, a reused one
//! revoking its family; logout revoking the access token and its family; the token store.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use common::{
    SECRET, User, assert_invalid_token, assert_unauthorized, assert_user, get_bearer, known_user,
    now, read, send,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use jwt_auth::session::{Revocation, Rotated, Rotation, Target, TokenRef, family_of};
use jwt_auth::{
    BoxError, ConfigError, Flow, InvalidToken, JwtAuth, JwtAuthBuilder, MemoryStore, REFRESH_TYP,
    RefreshError, Token, TokenStore,
};
use serde_json::{Value, json};

const DAY: Duration = Duration::from_hours(24);

fn builder() -> JwtAuthBuilder<User> {
    JwtAuth::<User>::builder()
        .secret(SECRET)
        .flow(Flow::OAuth2Password)
        .token_url("/login")
        .expiration(Duration::from_mins(15))
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
}

fn backend() -> JwtAuth<User> {
    builder()
        .refresh_tokens(30 * DAY)
        .build()
        .expect("a valid configuration")
}

/// The OAuth2 body of a login or refresh response.
async fn pair(response: impl IntoResponse) -> (String, String, Value) {
    let reply = read(response.into_response()).await;
    assert!(
        reply.status.is_success(),
        "{} {}",
        reply.status,
        reply.text()
    );
    let body = reply.json();
    let access = body["access_token"].as_str().expect("an access token");
    let refresh = body["refresh_token"].as_str().expect("a refresh token");
    (access.to_owned(), refresh.to_owned(), body)
}

fn header_of(jwt: &str) -> jsonwebtoken::Header {
    jsonwebtoken::decode_header(jwt).expect("a JWT header")
}

fn payload_of(jwt: &str) -> Value {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1).expect("a payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON")
}

/// The family and generation of a refresh token's `jti`: `<family>.<random>.<generation>`.
fn refresh_parts(jti: &str) -> (&str, u64) {
    let (id, generation) = jti.rsplit_once('.').expect("a generation");
    let family = family_of(id).expect("a family");
    (family, generation.parse().expect("a number"))
}

/// The family of a token minted here, access or refresh token.
fn family(jwt: &str) -> String {
    let jti = payload_of(jwt)["jti"].as_str().expect("a jti").to_owned();
    family_of(&jti)
        .unwrap_or_else(|| refresh_parts(&jti).0)
        .to_owned()
}

/// The generation of a refresh token.
fn generation(jwt: &str) -> u64 {
    refresh_parts(payload_of(jwt)["jti"].as_str().expect("a jti")).1
}

async fn status_with(auth: &JwtAuth<User>, jwt: &str) -> StatusCode {
    send(&common::app(auth), get_bearer("/protected", jwt))
        .await
        .status
}

#[tokio::test]
async fn login_issues_an_access_token_and_a_refresh_token_of_one_family() {
    let auth = backend();
    let (access, refresh, body) = pair(auth.login("alice")).await;
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 15 * 60);

    assert_eq!(header_of(&access).typ.as_deref(), Some("JWT"));
    assert_eq!(header_of(&refresh).typ.as_deref(), Some(REFRESH_TYP));
    let (access_claims, refresh_claims) = (payload_of(&access), payload_of(&refresh));
    let access_jti = access_claims["jti"].as_str().expect("an automatic jti");
    let refresh_jti = refresh_claims["jti"].as_str().expect("a jti");
    assert_ne!(access_jti, refresh_jti);
    let login_family = family_of(access_jti).expect("a family");
    assert_eq!(refresh_parts(refresh_jti), (login_family, 0));
    assert_eq!(family_of(refresh_jti), None, "never an access token's jti");
    assert_eq!(refresh_claims["sub"], "alice");
    let iat = refresh_claims["iat"].as_u64().unwrap();
    assert_eq!(refresh_claims["exp"].as_u64().unwrap(), iat + 30 * 86_400);
    assert_eq!(access_claims["exp"].as_u64().unwrap(), iat + 15 * 60);
    assert_eq!(auth.refresh_expiration(), Some(30 * DAY));

    let second = pair(auth.login("alice")).await.0;
    assert_ne!(
        family(&second),
        login_family,
        "each login starts its own family"
    );
}

#[tokio::test]
async fn without_refresh_tokens_the_body_keeps_null_and_tokens_still_get_a_jti() {
    let auth = builder().build().unwrap();
    let reply = read(auth.login("alice").into_response()).await;
    assert_eq!(reply.json()["refresh_token"], Value::Null);
    let jti = payload_of(reply.json()["access_token"].as_str().unwrap())["jti"].clone();
    assert!(family_of(jti.as_str().unwrap()).is_some(), "{jti}");
    assert_eq!(
        auth.refresh("anything", &()).await.unwrap_err(),
        RefreshError::Disabled
    );
    let reply = read(RefreshError::Disabled.into_response()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn a_refresh_token_is_not_an_access_token_nor_the_reverse() {
    let auth = backend();
    let (access, refresh, _) = pair(auth.login("alice")).await;
    let reply = send(&common::app(&auth), get_bearer("/protected", &refresh)).await;
    assert_invalid_token(&reply);
    assert_eq!(
        auth.decode(&refresh).unwrap_err(),
        InvalidToken::WrongType,
        "decode() is for access tokens"
    );
    assert_eq!(
        auth.refresh(&access, &()).await.unwrap_err(),
        RefreshError::Invalid(InvalidToken::WrongType)
    );
    assert_user(
        &send(&common::app(&auth), get_bearer("/protected", &access)).await,
        "alice",
    );
}

#[tokio::test]
async fn a_refresh_rotates_the_pair_and_a_reuse_revokes_the_family() {
    let auth = backend();
    let (access, refresh, _) = pair(auth.login("alice")).await;
    let (access2, refresh2, body) = pair(auth.refresh(&refresh, &()).await.unwrap()).await;
    assert_eq!(body["expires_in"], 15 * 60);
    assert_ne!(refresh2, refresh);
    assert_eq!((generation(&refresh), generation(&refresh2)), (0, 1));
    for jwt in [&access2, &refresh2] {
        assert_eq!(family(jwt), family(&access), "a refresh keeps the family");
    }
    assert_eq!(status_with(&auth, &access2).await, StatusCode::OK);
    assert_eq!(
        status_with(&auth, &access).await,
        StatusCode::OK,
        "a refresh does not revoke the previous access token; it expires soon"
    );

    // The first refresh token again: a reuse. Every token of the family stops working.
    assert_eq!(
        auth.refresh(&refresh, &()).await.unwrap_err(),
        RefreshError::Reused
    );
    for jwt in [&access, &access2] {
        assert_eq!(status_with(&auth, jwt).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        auth.refresh(&refresh2, &()).await.unwrap_err(),
        RefreshError::Revoked
    );
    let reply = read(RefreshError::Reused.into_response()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"], "invalid_grant");
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    // Another login of the same user is another family, untouched.
    let (other, other_refresh, _) = pair(auth.login("alice")).await;
    assert_eq!(status_with(&auth, &other).await, StatusCode::OK);
    assert!(auth.refresh(&other_refresh, &()).await.is_ok());
}

#[tokio::test]
async fn logout_revokes_the_access_token_and_its_family() {
    let auth = backend();
    let (access, refresh, _) = pair(auth.login("alice")).await;
    let (bob, bob_refresh, _) = pair(auth.login("bob")).await;
    let token = auth.decode(&access).unwrap();
    assert!(auth.revoke(&token, &()).await.unwrap());
    let reply = send(&common::app(&auth), get_bearer("/protected", &access)).await;
    assert_unauthorized(&reply, "Unauthorized");
    assert_eq!(
        auth.refresh(&refresh, &()).await.unwrap_err(),
        RefreshError::Revoked
    );
    assert_eq!(status_with(&auth, &bob).await, StatusCode::OK);
    assert!(auth.refresh(&bob_refresh, &()).await.is_ok());

    let logout = read(auth.logout().into_response()).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn revoke_needs_a_store_and_a_jti() {
    let without_store = builder().build().unwrap();
    let token = without_store
        .decode(&without_store.create_token("alice").unwrap())
        .unwrap();
    assert_eq!(
        without_store.revoke(&token, &()).await.unwrap_err(),
        jwt_auth::AuthError::Internal
    );

    let auth = builder().token_store(MemoryStore::new()).build().unwrap();
    let minted_elsewhere = common::sign(&json!({"sub": "alice", "exp": now() + 60}));
    let token = auth.decode(&minted_elsewhere).unwrap();
    assert!(!auth.revoke(&token, &()).await.unwrap(), "no jti to revoke");
    assert_eq!(status_with(&auth, &minted_elsewhere).await, StatusCode::OK);

    // A store without refresh tokens: logout works, refresh does not.
    let jwt = auth.create_token("alice").unwrap();
    assert!(auth.revoke(&auth.decode(&jwt).unwrap(), &()).await.unwrap());
    assert_eq!(status_with(&auth, &jwt).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        auth.refresh("x", &()).await.unwrap_err(),
        RefreshError::Disabled
    );
}

#[tokio::test]
async fn the_refreshed_access_token_keeps_the_claims_of_the_login() {
    let auth = backend();
    let login = auth
        .login("alice")
        .issuer("https://issuer.example")
        .audience(["api", "web"])
        .extra("role", "admin");
    let (_, refresh, _) = pair(login).await;
    let (access, _, _) = pair(auth.refresh(&refresh, &()).await.unwrap()).await;
    let claims = payload_of(&access);
    assert_eq!(claims["iss"], "https://issuer.example");
    assert_eq!(claims["aud"], json!(["api", "web"]));
    assert_eq!(claims["role"], "admin");
    assert_eq!(claims["sub"], "alice");
}

/// The refresh-token key of a backend whose signing key (or secret) is `material`: HS256 with
/// HMAC-SHA256(material, label) as the secret.
fn refresh_key(material: &[u8]) -> EncodingKey {
    use base64::Engine as _;
    let mac = jsonwebtoken::crypto::sign(
        b"jwt-auth refresh-token key, v1",
        &EncodingKey::from_secret(material),
        Algorithm::HS256,
    )
    .unwrap();
    let derived = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(mac)
        .unwrap();
    EncodingKey::from_secret(&derived)
}

/// A refresh token signed by hand with the test backends' refresh key, `typ` refresh+jwt.
fn refresh_token(payload: &Value) -> String {
    let header = Header {
        typ: Some(REFRESH_TYP.to_owned()),
        ..Header::new(Algorithm::HS256)
    };
    jsonwebtoken::encode(&header, payload, &refresh_key(SECRET.as_bytes())).unwrap()
}

#[tokio::test]
async fn refresh_tokens_are_signed_with_a_key_derived_from_the_signing_key() {
    let auth = backend();
    let (access, refresh, _) = pair(auth.login("alice")).await;
    let mut validation = jsonwebtoken::Validation::new(Algorithm::HS256);
    validation.validate_aud = false;
    let secret = jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes());
    assert!(jsonwebtoken::decode::<Value>(&access, &secret, &validation).is_ok());
    assert!(
        jsonwebtoken::decode::<Value>(&refresh, &secret, &validation).is_err(),
        "a service that shares the secret cannot take a refresh token for an access token"
    );
    // The same derivation by hand makes a refresh token the backend takes.
    let by_hand = refresh_token(&json!({"sub": "alice", "exp": now() + 60,
        "jti": "AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB"}));
    assert!(auth.refresh(&by_hand, &()).await.is_ok());

    // An RS256 backend: its refresh tokens are not verifiable with the published public key.
    let private = include_bytes!("keys/rsa2048-private.pem");
    let rsa = JwtAuth::<User>::builder()
        .algorithm(Algorithm::RS256)
        .signing_key(jwt_auth::Key::pem(private))
        .flow(Flow::OAuth2Password)
        .token_url("/login")
        .refresh_tokens(DAY)
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
        .build()
        .unwrap();
    let (access, refresh, _) = pair(rsa.login("alice")).await;
    let public =
        jsonwebtoken::DecodingKey::from_rsa_pem(include_bytes!("keys/rsa2048-public.pem")).unwrap();
    let validation = jsonwebtoken::Validation::new(Algorithm::RS256);
    assert!(jsonwebtoken::decode::<Value>(&access, &public, &validation).is_ok());
    assert!(jsonwebtoken::decode::<Value>(&refresh, &public, &validation).is_err());
    assert_eq!(header_of(&refresh).alg, Algorithm::HS256);
    assert!(rsa.refresh(&refresh, &()).await.is_ok());
    assert_eq!(
        rsa.decode(&refresh).unwrap_err(),
        InvalidToken::Algorithm,
        "the access path refuses it before any key is tried"
    );
}

#[tokio::test]
async fn a_login_cannot_set_its_own_jti_or_outlive_revocation_records() {
    let auth = backend();
    let reply = read(auth.login("alice").jti("my-session").into_response()).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(matches!(
        auth.login("alice").jti("my-session").try_into_response(),
        Err(jwt_auth::TokenError::JtiWithRefreshTokens)
    ));
    // 30 days is the longest a family's revocation is remembered.
    assert!(matches!(
        auth.login("alice").expiration(31 * DAY).try_into_response(),
        Err(jwt_auth::TokenError::ExpirationTooLong { seconds, max })
            if seconds == 31 * 86_400 && max == 30 * 86_400
    ));
    assert!(
        auth.login("alice")
            .expiration(30 * DAY)
            .try_into_response()
            .is_ok()
    );
    // Without a store, any lifetime and any jti.
    let plain = builder().build().unwrap();
    assert!(
        plain
            .token("alice")
            .expiration(400 * DAY)
            .jti("x")
            .encode()
            .is_ok()
    );
}

#[tokio::test]
async fn without_expiry_checks_a_revocation_lasts() {
    let auth = builder()
        .verify_expiry(false)
        .token_store(MemoryStore::new())
        .build()
        .unwrap();
    // Long expired, still accepted by this backend: only the revocation stops it.
    let jwt = common::sign(&json!({"sub": "alice", "exp": now() - 3600,
        "jti": "AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB"}));
    assert_eq!(status_with(&auth, &jwt).await, StatusCode::OK);
    assert!(auth.revoke(&auth.decode(&jwt).unwrap(), &()).await.unwrap());
    assert_eq!(status_with(&auth, &jwt).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn not_before_is_carried_into_the_refresh_token() {
    let auth = backend();
    let later = now() + 3600;
    let (access, refresh, _) = pair(auth.login("alice").not_before(later)).await;
    assert_eq!(payload_of(&refresh)["nbf"], later);
    assert_eq!(status_with(&auth, &access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        auth.refresh(&refresh, &()).await.unwrap_err(),
        RefreshError::Invalid(InvalidToken::NotYetValid)
    );
}

#[tokio::test]
async fn a_failed_lookup_does_not_spend_the_refresh_token() {
    let failures = Arc::new(Mutex::new(1));
    let counter = Arc::clone(&failures);
    let auth = builder()
        .refresh_tokens(DAY)
        .retrieve_user_sync(move |token, _state: &()| {
            let mut left = counter.lock().unwrap();
            if *left > 0 {
                *left -= 1;
                return Err("the database is down".into());
            }
            Ok::<_, BoxError>(known_user(&token.sub))
        })
        .build()
        .unwrap();
    let (_, refresh, _) = pair(auth.login("alice")).await;
    assert_eq!(
        auth.refresh(&refresh, &()).await.unwrap_err(),
        RefreshError::Internal
    );
    assert!(
        auth.refresh(&refresh, &()).await.is_ok(),
        "the retry after a 500 is not a reuse"
    );
    assert_eq!(*failures.lock().unwrap(), 0);
}

#[tokio::test]
async fn expired_forged_and_foreign_refresh_tokens_are_refused() {
    // Refresh tokens expire even where access tokens' expiry is not checked.
    let auth = builder()
        .verify_expiry(false)
        .refresh_tokens(DAY)
        .build()
        .unwrap();
    let family = "AAAAAAAAAAAAAAAAAAAAAA";
    let jti = format!("{family}.BBBBBBBBBBBBBBBBBBBBBB");
    let expired = refresh_token(&json!({"sub": "alice", "exp": now() - 1, "jti": jti}));
    assert_eq!(
        auth.refresh(&expired, &()).await.unwrap_err(),
        RefreshError::Invalid(InvalidToken::Expired)
    );
    let fresh = refresh_token(&json!({"sub": "alice", "exp": now() + 60, "jti": jti}));
    assert!(
        auth.refresh(&fresh, &()).await.is_ok(),
        "the shape is right"
    );
    for payload in [
        json!({"sub": "alice", "exp": now() + 60}),
        json!({"sub": "alice", "exp": now() + 60, "jti": "not-a-family"}),
    ] {
        assert_eq!(
            auth.refresh(&refresh_token(&payload), &())
                .await
                .unwrap_err(),
            RefreshError::Invalid(InvalidToken::Claims),
            "{payload}"
        );
    }
    let mut tampered = refresh_token(&json!({"sub": "alice", "exp": now() + 60,
        "jti": format!("{family}.CCCCCCCCCCCCCCCCCCCCCC")}));
    tampered.push('x');
    assert_eq!(
        auth.refresh(&tampered, &()).await.unwrap_err(),
        RefreshError::Invalid(InvalidToken::Signature)
    );
    assert_eq!(
        auth.refresh(&"x".repeat(9000), &()).await.unwrap_err(),
        RefreshError::Invalid(InvalidToken::TooLarge)
    );
    assert_eq!(
        auth.refresh("garbage", &()).await.unwrap_err(),
        RefreshError::Invalid(InvalidToken::Malformed)
    );
}

#[tokio::test]
async fn a_user_who_is_gone_gets_no_new_tokens() {
    let auth = backend();
    let token = refresh_token(&json!({"sub": "mallory", "exp": now() + 60,
        "jti": "AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB"}));
    assert_eq!(
        auth.refresh(&token, &()).await.unwrap_err(),
        RefreshError::Unauthorized
    );
}

#[tokio::test]
async fn two_hundred_parallel_refreshes_of_one_token_give_one_success() {
    let auth = backend();
    let (_, refresh, _) = pair(auth.login("alice")).await;
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (auth, refresh) = (auth.clone(), refresh.clone());
            tokio::spawn(async move { auth.refresh(&refresh, &()).await.map(|_| ()) })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    assert_eq!(outcomes.iter().filter(|outcome| outcome.is_ok()).count(), 1);
    assert!(
        outcomes
            .iter()
            .filter_map(|outcome| outcome.as_ref().err())
            .all(|error| matches!(error, RefreshError::Reused | RefreshError::Revoked)),
        "{outcomes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_refreshes_on_four_threads_give_one_success() {
    let auth = backend();
    let (_, refresh, _) = pair(auth.login("bob")).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(200));
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (auth, refresh, barrier) = (auth.clone(), refresh.clone(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                auth.refresh(&refresh, &()).await.is_ok()
            })
        })
        .collect();
    let mut successes = 0;
    for task in tasks {
        successes += usize::from(task.await.unwrap());
    }
    assert_eq!(successes, 1);
}

/// A store that keeps its records in the application state, as a database-backed one would.
#[derive(Clone, Default)]
struct AppState {
    /// Each refreshed family's highest generation spent.
    spent: Arc<Mutex<HashMap<String, u64>>>,
    revoked: Arc<Mutex<HashSet<String>>>,
    broken: bool,
}

struct StateStore;

impl TokenStore<AppState> for StateStore {
    async fn rotate(&self, state: &AppState, rotation: &Rotation<'_>) -> Result<Rotated, BoxError> {
        if state.broken {
            return Err("the database is down".into());
        }
        let mut revoked = state.revoked.lock().unwrap();
        if revoked.contains(rotation.family) {
            return Ok(Rotated::Revoked);
        }
        let mut spent = state.spent.lock().unwrap();
        match spent.get(rotation.family) {
            Some(generation) if rotation.generation <= *generation => {
                revoked.insert(rotation.family.to_owned());
                Ok(Rotated::Reused)
            }
            _ => {
                spent.insert(rotation.family.to_owned(), rotation.generation);
                Ok(Rotated::First)
            }
        }
    }

    async fn revoke(&self, state: &AppState, revocation: &Revocation<'_>) -> Result<(), BoxError> {
        if let Target::Family(id) | Target::Token(id) = revocation.target {
            state.revoked.lock().unwrap().insert(id.to_owned());
        }
        Ok(())
    }

    async fn is_revoked(&self, state: &AppState, token: &TokenRef<'_>) -> Result<bool, BoxError> {
        if state.broken {
            return Err("the database is down".into());
        }
        let revoked = state.revoked.lock().unwrap();
        Ok([token.jti, token.family]
            .into_iter()
            .flatten()
            .any(|id| revoked.contains(id)))
    }
}

fn state_backend() -> JwtAuth<User, AppState> {
    JwtAuth::<User, AppState>::builder()
        .secret(SECRET)
        .flow(Flow::OAuth2Password)
        .token_url("/login")
        .refresh_tokens(DAY)
        .token_store(StateStore)
        .retrieve_user_sync(|token: &Token, _state: &AppState| known_user(&token.sub))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_store_reads_the_application_state() {
    let auth = state_backend();
    let state = AppState::default();
    let (access, refresh, _) = pair(auth.login("alice")).await;
    let (_, refresh2, _) = pair(auth.refresh(&refresh, &state).await.unwrap()).await;
    assert_eq!(state.spent.lock().unwrap().len(), 1);
    assert_eq!(
        auth.refresh(&refresh, &state).await.unwrap_err(),
        RefreshError::Reused
    );
    assert!(state.revoked.lock().unwrap().contains(&family(&access)));
    assert_eq!(
        auth.refresh(&refresh2, &state).await.unwrap_err(),
        RefreshError::Revoked
    );

    // The middleware asks the same store, through the state the layer was given.
    let app = auth.install(
        axum::Router::new().route("/protected", axum::routing::get(common::whoami)),
        state.clone(),
    );
    let reply = send(&app, get_bearer("/protected", &access)).await;
    assert_unauthorized(&reply, "Unauthorized");
}

#[tokio::test]
async fn a_failing_store_is_a_500_not_a_pass() {
    let auth = state_backend();
    let state = AppState {
        broken: true,
        ..AppState::default()
    };
    let (access, refresh, _) = pair(auth.login("alice")).await;
    assert_eq!(
        auth.refresh(&refresh, &state).await.unwrap_err(),
        RefreshError::Internal
    );
    let reply = read(RefreshError::Internal.into_response()).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    let app = auth.install(
        axum::Router::new().route("/protected", axum::routing::get(common::whoami)),
        state,
    );
    let reply = send(&app, get_bearer("/protected", &access)).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn refresh_tokens_are_refused_where_they_cannot_work() {
    for flow in [Flow::Header, Flow::Cookie] {
        let error = JwtAuth::<User>::builder()
            .secret(SECRET)
            .flow(flow)
            .refresh_tokens(DAY)
            .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
            .build()
            .unwrap_err();
        assert_eq!(error, ConfigError::RefreshNotOAuth2, "{flow:?}");
        assert!(error.to_string().contains("OAuth2"));
    }
    assert_eq!(
        builder()
            .refresh_tokens(Duration::ZERO)
            .build()
            .unwrap_err(),
        ConfigError::ZeroExpiration
    );
    let verify_only = JwtAuth::<User>::builder()
        .flow(Flow::OAuth2Password)
        .token_url("/login")
        .algorithm(Algorithm::RS256)
        .verification_key(jwt_auth::Key::pem(include_bytes!(
            "keys/rsa2048-public.pem"
        )))
        .refresh_tokens(DAY)
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
        .build()
        .unwrap_err();
    assert_eq!(verify_only, ConfigError::RefreshWithoutSigningKey);
}

#[tokio::test]
async fn a_refresh_answers_200_with_the_login_response_of_the_flow_uncached() {
    let auth = backend();
    let login = read(auth.login("alice").into_response()).await;
    assert_eq!(login.status, StatusCode::CREATED, "Litestar's login status");
    assert_eq!(login.header("cache-control"), Some("no-store"));
    let refresh = login.json()["refresh_token"].as_str().unwrap().to_owned();
    let response = auth.refresh(&refresh, &()).await.unwrap().into_response();
    let reply = read(response).await;
    assert_eq!(reply.status, StatusCode::OK, "RFC 6749 section 5.1");
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("pragma"), Some("no-cache"));
    let access = reply.bearer("authorization");
    assert_eq!(reply.json()["access_token"], access.as_str());
    assert_user(
        &send(&common::app(&auth), get_bearer("/protected", &access)).await,
        "alice",
    );
}

#[tokio::test]
async fn log_out_everywhere_refuses_every_token_of_the_subject_issued_until_now() {
    let auth = backend();
    let (phone, phone_refresh, _) = pair(auth.login("alice")).await;
    let (_, first_refresh, _) = pair(auth.login("alice")).await;
    let (laptop, laptop_refresh, _) = pair(auth.refresh(&first_refresh, &()).await.unwrap()).await;
    let (bob, bob_refresh, _) = pair(auth.login("bob")).await;
    let no_iat = |sub: &str| common::sign(&json!({"sub": sub, "exp": now() + 60}));
    assert_eq!(status_with(&auth, &no_iat("alice")).await, StatusCode::OK);

    auth.revoke_subject("alice", &()).await.unwrap();
    for jwt in [&phone, &laptop, &no_iat("alice")] {
        assert_eq!(status_with(&auth, jwt).await, StatusCode::UNAUTHORIZED);
    }
    for refresh in [&phone_refresh, &laptop_refresh] {
        assert_eq!(
            auth.refresh(refresh, &()).await.unwrap_err(),
            RefreshError::Revoked
        );
    }
    // Nobody else is touched, tokens without `iat` included.
    for jwt in [&bob, &no_iat("bob")] {
        assert_eq!(status_with(&auth, jwt).await, StatusCode::OK);
    }
    assert!(auth.refresh(&bob_refresh, &()).await.is_ok());
    // From the next second on, Alice logs in again.
    let logged_out_at = now();
    while now() <= logged_out_at {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (again, again_refresh, _) = pair(auth.login("alice")).await;
    assert_eq!(status_with(&auth, &again).await, StatusCode::OK);
    assert!(auth.refresh(&again_refresh, &()).await.is_ok());

    let without_store = builder().build().unwrap();
    assert_eq!(
        without_store
            .revoke_subject("alice", &())
            .await
            .unwrap_err(),
        jwt_auth::AuthError::Internal
    );
}

#[tokio::test]
async fn one_account_refreshing_ten_thousand_times_keeps_one_record_in_memory() {
    let store = MemoryStore::new();
    let auth = builder()
        .refresh_tokens(DAY)
        .token_store(store.clone())
        .build()
        .unwrap();
    let (_, mut refresh, _) = pair(auth.login("alice")).await;
    let first = refresh.clone();
    for _ in 0..10_000 {
        refresh = pair(auth.refresh(&refresh, &()).await.unwrap()).await.1;
    }
    assert_eq!(store.len(), 1, "one record for the family");
    assert_eq!(generation(&refresh), 10_000);
    // The first token of the family is still a reuse.
    assert_eq!(
        auth.refresh(&first, &()).await.unwrap_err(),
        RefreshError::Reused
    );
    assert_eq!(store.len(), 1, "the same record, revoked");

    // Logins and logouts in a loop stay bounded per subject too.
    for _ in 0..200 {
        let (access, _, _) = pair(auth.login("alice")).await;
        auth.revoke(&auth.decode(&access).unwrap(), &())
            .await
            .unwrap();
    }
    assert!(store.len() <= jwt_auth::session::DEFAULT_MAX_FAMILIES + 1);
}
