//! The middleware with the header flow (Litestar's `JWTAuth`): where the token is read from, the
//! 401 bodies and `WWW-Authenticate`, failures of the retrieval function, state, and custom
//! error bodies.

mod common;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse as _;
use axum::routing::get;
use common::{
    SECRET, User, app, assert_error, assert_invalid_token, assert_unauthorized, assert_user,
    backend, builder, directory, get_bearer, get_plain, get_with, now, read, request, send, sign,
    token_for, user, whoami,
};
use jwt_auth::{AuthError, Flow, JwtAuth};
use serde_json::json;

#[tokio::test]
async fn no_header_is_401_with_litestar_body_and_www_authenticate_bearer() {
    let app = app(&backend(Flow::Header));
    let reply = send(&app, get_plain("/protected")).await;
    assert_error(
        &reply,
        StatusCode::UNAUTHORIZED,
        "No JWT token found in request header",
    );
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn an_empty_header_counts_as_no_header() {
    let app = app(&backend(Flow::Header));
    let reply = send(&app, get_with("/protected", &[("authorization", "")])).await;
    assert_unauthorized(&reply, "No JWT token found in request header");
}

#[tokio::test]
async fn a_valid_token_reaches_the_handler_with_user_and_token() {
    let auth = backend(Flow::Header);
    let jwt = token_for(&auth, "alice");
    let reply = send(&app(&auth), get_bearer("/protected", &jwt)).await;
    assert_user(&reply, "alice");
    assert_eq!(reply.json()["extras"], json!({}));
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let auth = backend(Flow::Header);
    let jwt = token_for(&auth, "bob");
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let value = format!("{scheme} {jwt}");
        let reply = send(
            &app(&auth),
            get_with("/protected", &[("authorization", &value)]),
        )
        .await;
        assert_user(&reply, "bob");
    }
}

#[tokio::test]
async fn the_header_name_is_case_insensitive() {
    let auth = backend(Flow::Header);
    let value = format!("Bearer {}", token_for(&auth, "bob"));
    let reply = send(
        &app(&auth),
        get_with("/protected", &[("AUTHORIZATION", &value)]),
    )
    .await;
    assert_user(&reply, "bob");
}

/// Litestar accepts any scheme word (`Basic <jwt>` works); this crate accepts only `Bearer`
/// (RFC 6750), and says `error="invalid_token"`.
#[tokio::test]
async fn schemes_other_than_bearer_are_refused() {
    let auth = backend(Flow::Header);
    let jwt = token_for(&auth, "alice");
    for scheme in ["Basic", "Token", "JWT", "Bearer:"] {
        let value = format!("{scheme} {jwt}");
        let reply = send(
            &app(&auth),
            get_with("/protected", &[("authorization", &value)]),
        )
        .await;
        assert_invalid_token(&reply);
    }
}

#[tokio::test]
async fn a_raw_token_without_scheme_is_401() {
    let auth = backend(Flow::Header);
    let jwt = token_for(&auth, "alice");
    let reply = send(
        &app(&auth),
        get_with("/protected", &[("authorization", &jwt)]),
    )
    .await;
    assert_invalid_token(&reply);
}

#[tokio::test]
async fn malformed_bearer_values_are_401() {
    let auth = backend(Flow::Header);
    let jwt = token_for(&auth, "alice");
    for value in [
        format!("Bearer  {jwt}"),
        format!("Bearer {jwt} x"),
        format!("Bearer {jwt} "),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
    ] {
        let reply = send(
            &app(&auth),
            get_with("/protected", &[("authorization", &value)]),
        )
        .await;
        assert_invalid_token(&reply);
    }
}

#[tokio::test]
async fn random_hex_is_401() {
    let app = app(&backend(Flow::Header));
    let reply = send(
        &app,
        get_bearer("/protected", "8f3a9c0d4b7e21f6a5c3d9e0b1f2a4c6"),
    )
    .await;
    assert_invalid_token(&reply);
}

#[tokio::test]
async fn a_token_signed_with_another_secret_is_401() {
    let auth = backend(Flow::Header);
    let other = JwtAuth::<User>::builder()
        .secret("another secret that is also long enough..")
        .retrieve_user_sync(|token, _state: &()| Some(user(&token.sub)))
        .build()
        .unwrap();
    let jwt = token_for(&other, "alice");
    let reply = send(&app(&auth), get_bearer("/protected", &jwt)).await;
    assert_invalid_token(&reply);
}

#[tokio::test]
async fn a_validly_signed_token_for_an_unknown_user_is_401_unauthorized() {
    let auth = backend(Flow::Header);
    let jwt = token_for(&auth, "mallory");
    let reply = send(&app(&auth), get_bearer("/protected", &jwt)).await;
    assert_unauthorized(&reply, "Unauthorized");
}

#[tokio::test]
async fn several_authorization_headers_are_401_in_any_order() {
    let auth = backend(Flow::Header);
    let good = format!("Bearer {}", token_for(&auth, "alice"));
    let junk = "Bearer junk".to_owned();
    for (first, second) in [(&good, &junk), (&junk, &good), (&good, &good)] {
        let request = request(
            Method::GET,
            "/protected",
            &[
                ("authorization", first.as_bytes()),
                ("authorization", second.as_bytes()),
            ],
        );
        assert_invalid_token(&send(&app(&auth), request).await);
    }
}

#[tokio::test]
async fn non_utf8_header_bytes_are_401_not_500() {
    let app = app(&backend(Flow::Header));
    for value in [
        &b"Bearer \xff\xfe"[..],
        b"\xe9t\xe9",
        b"Bearer abc\x80.def.ghi",
    ] {
        let reply = send(
            &app,
            request(Method::GET, "/protected", &[("authorization", value)]),
        )
        .await;
        assert_invalid_token(&reply);
    }
}

#[tokio::test]
async fn a_custom_auth_header_is_read_and_written() {
    let auth = builder(Flow::Header)
        .auth_header("X-API-Key")
        .build()
        .unwrap();
    let login = read(auth.login("alice").into_response()).await;
    assert_eq!(login.status, StatusCode::CREATED);
    assert_eq!(login.header("authorization"), None);
    let jwt = login.bearer("x-api-key");

    let app = app(&auth);
    let value = format!("Bearer {jwt}");
    assert_user(
        &send(&app, get_with("/protected", &[("x-api-key", &value)])).await,
        "alice",
    );
    // The standard header is not read any more.
    assert_unauthorized(
        &send(&app, get_bearer("/protected", &jwt)).await,
        "No JWT token found in request header",
    );
}

#[tokio::test]
async fn a_panic_in_the_retrieval_function_is_a_500_and_the_next_request_works() {
    let auth = JwtAuth::<User>::builder()
        .secret(SECRET)
        .retrieve_user_sync(|token, _state: &()| {
            assert!(token.sub != "boom", "the retrieval function panicked");
            Some(user(&token.sub))
        })
        .build()
        .unwrap();
    let app = app(&auth);
    let reply = send(&app, get_bearer("/protected", &token_for(&auth, "boom"))).await;
    assert_error(
        &reply,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal Server Error",
    );
    assert_eq!(reply.header("www-authenticate"), None);
    let reply = send(&app, get_bearer("/protected", &token_for(&auth, "alice"))).await;
    assert_user(&reply, "alice");
}

#[tokio::test]
async fn a_panic_in_an_async_retrieval_function_is_a_500() {
    let auth = JwtAuth::<User>::builder()
        .secret(SECRET)
        .retrieve_user(|token, ()| async move {
            assert!(token.sub != "boom", "the retrieval function panicked");
            Some(user(&token.sub))
        })
        .build()
        .unwrap();
    let app = app(&auth);
    let reply = send(&app, get_bearer("/protected", &token_for(&auth, "boom"))).await;
    assert_error(
        &reply,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal Server Error",
    );
    assert_user(
        &send(&app, get_bearer("/protected", &token_for(&auth, "bob"))).await,
        "bob",
    );
}

#[tokio::test]
async fn an_err_from_the_retrieval_function_is_a_500() {
    let auth = JwtAuth::<User>::builder()
        .secret(SECRET)
        .retrieve_user(|token, ()| async move {
            if token.sub == "db-down" {
                Err(std::io::Error::other("connection refused"))
            } else {
                Ok(Some(user(&token.sub)))
            }
        })
        .build()
        .unwrap();
    let app = app(&auth);
    let reply = send(&app, get_bearer("/protected", &token_for(&auth, "db-down"))).await;
    assert_error(
        &reply,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal Server Error",
    );
    // The error text is logged, never sent.
    assert!(!reply.text().contains("connection refused"));
    assert_user(
        &send(&app, get_bearer("/protected", &token_for(&auth, "alice"))).await,
        "alice",
    );
}

#[tokio::test]
async fn ok_none_from_a_fallible_retrieval_function_is_a_401() {
    let auth = JwtAuth::<User>::builder()
        .secret(SECRET)
        .retrieve_user_sync(|_token, _state: &()| Ok::<_, Infallible>(None))
        .build()
        .unwrap();
    let reply = send(
        &app(&auth),
        get_bearer("/protected", &token_for(&auth, "x")),
    )
    .await;
    assert_unauthorized(&reply, "Unauthorized");
}

#[tokio::test]
async fn an_async_retrieval_function_reads_the_state() {
    let users = directory(&["carol"]);
    let auth = JwtAuth::<User, common::Directory>::builder()
        .secret(SECRET)
        .retrieve_user(|token, users: common::Directory| async move {
            users.read().unwrap().get(&token.sub).cloned()
        })
        .build()
        .unwrap();
    let app = auth.install(
        Router::new().route("/protected", get(whoami)),
        users.clone(),
    );
    let jwt = token_for(&auth, "carol");
    assert_user(&send(&app, get_bearer("/protected", &jwt)).await, "carol");

    // The state is shared: a user removed after the app was built is refused, one added is let in.
    users.write().unwrap().remove("carol");
    assert_unauthorized(
        &send(&app, get_bearer("/protected", &jwt)).await,
        "Unauthorized",
    );
    users.write().unwrap().insert("dave".into(), user("dave"));
    let jwt = token_for(&auth, "dave");
    assert_user(&send(&app, get_bearer("/protected", &jwt)).await, "dave");
}

#[tokio::test]
async fn a_sync_retrieval_function_reads_the_state() {
    #[derive(Clone)]
    struct AppState {
        users: Arc<RwLock<HashMap<String, User>>>,
        lookups: Arc<AtomicUsize>,
    }
    let state = AppState {
        users: directory(&["erin"]),
        lookups: Arc::new(AtomicUsize::new(0)),
    };
    let auth = JwtAuth::<User, AppState>::builder()
        .secret(SECRET)
        .retrieve_user_sync(|token, state: &AppState| {
            state.lookups.fetch_add(1, Ordering::SeqCst);
            state.users.read().unwrap().get(&token.sub).cloned()
        })
        .build()
        .unwrap();
    let app = auth.install(
        Router::new().route("/protected", get(whoami)),
        state.clone(),
    );
    assert_user(
        &send(&app, get_bearer("/protected", &token_for(&auth, "erin"))).await,
        "erin",
    );
    assert_unauthorized(
        &send(&app, get_bearer("/protected", &token_for(&auth, "frank"))).await,
        "Unauthorized",
    );
    assert_eq!(state.lookups.load(Ordering::SeqCst), 2);
    // No lookup without a token or with a bad one.
    send(&app, get_plain("/protected")).await;
    send(&app, get_bearer("/protected", "junk")).await;
    assert_eq!(state.lookups.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_custom_error_response_replaces_the_json_body() {
    let auth = builder(Flow::Header)
        .error_response(|error: &AuthError| {
            let body = format!("denied: {}", error.detail());
            (StatusCode::FORBIDDEN, [("x-denied", "yes")], body).into_response()
        })
        .build()
        .unwrap();
    let app = app(&auth);
    for (request, detail) in [
        (
            get_plain("/protected"),
            "No JWT token found in request header",
        ),
        (get_bearer("/protected", "junk"), "Invalid token"),
        (
            get_bearer("/protected", &token_for(&auth, "mallory")),
            "Unauthorized",
        ),
    ] {
        let reply = send(&app, request).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(reply.header("x-denied"), Some("yes"));
        assert_eq!(reply.text(), format!("denied: {detail}"));
    }
    // A valid token is not affected.
    assert_user(
        &send(&app, get_bearer("/protected", &token_for(&auth, "alice"))).await,
        "alice",
    );
}

#[tokio::test]
async fn the_error_handler_sees_why_a_token_is_invalid() {
    let auth = builder(Flow::Header)
        .error_response(|error: &AuthError| {
            (StatusCode::UNAUTHORIZED, error.to_string()).into_response()
        })
        .build()
        .unwrap();
    let expired = sign(&json!({"sub": "alice", "exp": now() - 60}));
    let reply = send(&app(&auth), get_bearer("/protected", &expired)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.text(), "Invalid token: token expired");
}
