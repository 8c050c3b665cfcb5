//! Revocation through `jti` (Litestar's `revoked_token_handler`): a logout handler puts the
//! token's `jti` on a blocklist and the same token is refused afterwards. Litestar crashes on a
//! synchronous check; here the sync and the async forms both work.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use common::{
    SECRET, User, assert_error, assert_unauthorized, assert_user, get_bearer, get_cookie,
    known_user, read, request, send, whoami,
};
use jwt_auth::{CurrentToken, Flow, JwtAuth, Token};

/// The `jti`s of logged-out tokens.
#[derive(Clone, Default)]
struct Blocklist(Arc<RwLock<HashSet<String>>>);

impl Blocklist {
    fn contains(&self, token: &Token) -> bool {
        token
            .jti
            .as_ref()
            .is_some_and(|jti| self.0.read().unwrap().contains(jti))
    }
}

/// `POST /logout`: blocks the token's `jti` (when it has one) and clears the cookie.
async fn logout(
    State(blocklist): State<Blocklist>,
    auth: JwtAuth<User, Blocklist>,
    CurrentToken(token): CurrentToken,
) -> impl IntoResponse {
    if let Some(jti) = token.jti.as_ref().filter(|jti| !jti.is_empty()) {
        blocklist.0.write().unwrap().insert(jti.clone());
    }
    auth.logout()
}

#[derive(Clone, Copy)]
enum Check {
    Sync,
    Async,
}

fn backend(flow: Flow, check: Check) -> JwtAuth<User, Blocklist> {
    let builder = JwtAuth::<User, Blocklist>::builder()
        .secret(SECRET)
        .flow(flow)
        .retrieve_user_sync(|token, _state: &Blocklist| known_user(&token.sub));
    let builder = match check {
        Check::Sync => {
            builder.revoked_sync(|token, blocklist: &Blocklist| blocklist.contains(token))
        }
        Check::Async => builder.revoked(|token, blocklist: Blocklist| async move {
            tokio::task::yield_now().await;
            blocklist.contains(&token)
        }),
    };
    let builder = if flow == Flow::OAuth2Password {
        builder.token_url("/login")
    } else {
        builder
    };
    builder.build().unwrap()
}

fn app(auth: &JwtAuth<User, Blocklist>, blocklist: &Blocklist) -> Router {
    let router = Router::new()
        .route("/protected", get(whoami))
        .route("/logout", post(logout));
    auth.install(router, blocklist.clone())
        .with_state(blocklist.clone())
}

fn post_bearer(path: &str, jwt: &str) -> axum::http::Request<axum::body::Body> {
    let value = format!("Bearer {jwt}");
    request(Method::POST, path, &[("authorization", value.as_bytes())])
}

#[tokio::test]
async fn a_logged_out_jti_is_refused_with_sync_and_async_checks() {
    for check in [Check::Sync, Check::Async] {
        let blocklist = Blocklist::default();
        let auth = backend(Flow::Header, check);
        let app = app(&auth, &blocklist);
        let revoked = auth.token("alice").jti("jti-1").encode().unwrap();
        let other = auth.token("alice").jti("jti-2").encode().unwrap();

        assert_user(
            &send(&app, get_bearer("/protected", &revoked)).await,
            "alice",
        );
        let reply = send(&app, post_bearer("/logout", &revoked)).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);

        assert_unauthorized(
            &send(&app, get_bearer("/protected", &revoked)).await,
            "Unauthorized",
        );
        // Another token of the same user keeps working.
        assert_user(&send(&app, get_bearer("/protected", &other)).await, "alice");
    }
}

#[tokio::test]
async fn a_token_without_jti_cannot_be_revoked_and_keeps_working() {
    for check in [Check::Sync, Check::Async] {
        let blocklist = Blocklist::default();
        let auth = backend(Flow::Header, check);
        let app = app(&auth, &blocklist);
        // Tokens minted here always have a `jti`; these were minted without one elsewhere, or
        // with an empty one.
        for jwt in [
            common::sign(&serde_json::json!({"sub": "bob", "exp": common::now() + 60})),
            auth.token("bob").jti("").encode().unwrap(),
        ] {
            let reply = send(&app, post_bearer("/logout", &jwt)).await;
            assert_eq!(reply.status, StatusCode::NO_CONTENT);
            assert_user(&send(&app, get_bearer("/protected", &jwt)).await, "bob");
        }
    }
}

#[tokio::test]
async fn cookie_flows_revoke_through_a_cookie_authenticated_logout() {
    for flow in [Flow::Cookie, Flow::OAuth2Password] {
        for check in [Check::Sync, Check::Async] {
            let blocklist = Blocklist::default();
            let auth = backend(flow, check);
            let app = app(&auth, &blocklist);
            let login = read(auth.login("alice").jti("cookie-jti").into_response()).await;
            let jwt = login.set_cookie().value;

            assert_user(&send(&app, get_cookie("/protected", &jwt)).await, "alice");
            let logout = request(
                Method::POST,
                "/logout",
                &[("cookie", format!("token={jwt}").as_bytes())],
            );
            let reply = send(&app, logout).await;
            assert_eq!(reply.status, StatusCode::NO_CONTENT);
            let cleared = reply.set_cookie();
            assert_eq!(
                (cleared.name.as_str(), cleared.value.as_str()),
                ("token", "")
            );
            assert_eq!(cleared.attribute("max-age"), Some("0"));

            assert_unauthorized(
                &send(&app, get_cookie("/protected", &jwt)).await,
                "Unauthorized",
            );
        }
    }
}

#[tokio::test]
async fn a_failing_revocation_check_is_a_500() {
    let auth = JwtAuth::<User>::builder()
        .secret(SECRET)
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
        .revoked(|_token, ()| async { Err::<bool, _>(std::io::Error::other("redis down")) })
        .build()
        .unwrap();
    let app = common::app(&auth);
    let reply = send(
        &app,
        get_bearer("/protected", &auth.create_token("alice").unwrap()),
    )
    .await;
    assert_error(
        &reply,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal Server Error",
    );
    assert!(!reply.text().contains("redis"));
}

#[tokio::test]
async fn a_panicking_revocation_check_is_a_500_and_the_next_request_works() {
    let sync = JwtAuth::<User>::builder()
        .secret(SECRET)
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
        .revoked_sync(|token, _state: &()| {
            assert!(
                token.jti.as_deref() != Some("boom"),
                "revocation check panicked"
            );
            false
        })
        .build()
        .unwrap();
    let not_sync = JwtAuth::<User>::builder()
        .secret(SECRET)
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
        .revoked(|token, ()| async move {
            assert!(
                token.jti.as_deref() != Some("boom"),
                "revocation check panicked"
            );
            false
        })
        .build()
        .unwrap();
    for auth in [sync, not_sync] {
        let app = common::app(&auth);
        let boom = auth.token("alice").jti("boom").encode().unwrap();
        let reply = send(&app, get_bearer("/protected", &boom)).await;
        assert_error(
            &reply,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
        );
        let fine = auth.token("alice").jti("fine").encode().unwrap();
        assert_user(&send(&app, get_bearer("/protected", &fine)).await, "alice");
    }
}
