//! Where the cookie flows (Litestar's `JWTCookieAuth` and `OAuth2PasswordBearerAuth`) read the
//! token: the header, else the cookie, with Litestar's precedence.

mod common;

use common::{
    app, assert_invalid_token, assert_unauthorized, assert_user, backend, builder, get_bearer,
    get_cookie, get_plain, get_with, missing_detail, send, token_for,
};
use jwt_auth::Flow;

const COOKIE_FLOWS: [Flow; 2] = [Flow::Cookie, Flow::OAuth2Password];
const HEX: &str = "8f3a9c0d4b7e21f6a5c3d9e0b1f2a4c6";

#[tokio::test]
async fn no_header_and_no_cookie_is_401_naming_both() {
    for flow in COOKIE_FLOWS {
        let reply = send(&app(&backend(flow)), get_plain("/protected")).await;
        assert_unauthorized(&reply, "No JWT token found in request header or cookies");
    }
}

#[tokio::test]
async fn the_header_alone_is_enough() {
    for flow in COOKIE_FLOWS {
        let auth = backend(flow);
        let reply = send(
            &app(&auth),
            get_bearer("/protected", &token_for(&auth, "alice")),
        )
        .await;
        assert_user(&reply, "alice");
    }
}

#[tokio::test]
async fn the_cookie_may_hold_the_raw_token_the_legacy_bearer_form_or_a_quoted_value() {
    for flow in COOKIE_FLOWS {
        let auth = backend(flow);
        let jwt = token_for(&auth, "bob");
        for value in [
            jwt.clone(),
            format!("Bearer {jwt}"),
            format!("\"{jwt}\""),
            format!("\"Bearer {jwt}\""),
        ] {
            let reply = send(&app(&auth), get_cookie("/protected", &value)).await;
            assert_user(&reply, "bob");
        }
    }
}

#[tokio::test]
async fn the_cookie_is_found_among_others() {
    for flow in COOKIE_FLOWS {
        let auth = backend(flow);
        let jwt = token_for(&auth, "alice");
        let cookies = format!("theme=dark; token={jwt}; lang=en");
        let reply = send(&app(&auth), get_with("/protected", &[("cookie", &cookies)])).await;
        assert_user(&reply, "alice");
    }
}

#[tokio::test]
async fn the_cookie_name_is_case_sensitive_and_the_last_duplicate_wins() {
    let auth = backend(Flow::Cookie);
    let jwt = token_for(&auth, "alice");
    let app = app(&auth);
    let reply = send(
        &app,
        get_with("/protected", &[("cookie", &format!("Token={jwt}"))]),
    )
    .await;
    assert_unauthorized(&reply, missing_detail(Flow::Cookie));

    let last_good = format!("token=junk; token={jwt}");
    assert_user(
        &send(&app, get_with("/protected", &[("cookie", &last_good)])).await,
        "alice",
    );
    let last_bad = format!("token={jwt}; token=junk");
    assert_invalid_token(&send(&app, get_with("/protected", &[("cookie", &last_bad)])).await);
}

#[tokio::test]
async fn a_custom_cookie_name_is_read() {
    let auth = builder(Flow::Cookie)
        .cookie_name("accessToken")
        .build()
        .unwrap();
    let jwt = token_for(&auth, "alice");
    let app = app(&auth);
    let named = format!("accessToken={jwt}");
    assert_user(
        &send(&app, get_with("/protected", &[("cookie", &named)])).await,
        "alice",
    );
    assert_unauthorized(
        &send(&app, get_cookie("/protected", &jwt)).await,
        missing_detail(Flow::Cookie),
    );
}

#[tokio::test]
async fn a_raw_token_in_the_header_or_under_a_header_named_like_the_cookie_is_401() {
    for flow in COOKIE_FLOWS {
        let auth = backend(flow);
        let jwt = token_for(&auth, "alice");
        let app = app(&auth);
        // No space: nothing after the scheme, so the cookie is consulted, and there is none.
        let reply = send(&app, get_with("/protected", &[("authorization", &jwt)])).await;
        assert_unauthorized(&reply, missing_detail(flow));
        for value in [jwt.clone(), format!("Bearer {jwt}")] {
            let reply = send(&app, get_with("/protected", &[("token", &value)])).await;
            assert_unauthorized(&reply, missing_detail(flow));
        }
    }
}

#[tokio::test]
async fn random_hex_or_an_unknown_user_is_401_in_header_or_cookie() {
    for flow in COOKIE_FLOWS {
        let auth = backend(flow);
        let app = app(&auth);
        assert_invalid_token(&send(&app, get_bearer("/protected", HEX)).await);
        assert_invalid_token(&send(&app, get_cookie("/protected", HEX)).await);
        assert_invalid_token(&send(&app, get_cookie("/protected", &format!("Bearer {HEX}"))).await);
        let stranger = token_for(&auth, "mallory");
        assert_unauthorized(
            &send(&app, get_bearer("/protected", &stranger)).await,
            "Unauthorized",
        );
        assert_unauthorized(
            &send(&app, get_cookie("/protected", &stranger)).await,
            "Unauthorized",
        );
    }
}

#[tokio::test]
async fn a_non_empty_bad_header_beats_a_valid_cookie() {
    for flow in COOKIE_FLOWS {
        let auth = backend(flow);
        let jwt = token_for(&auth, "alice");
        let cookie = format!("token={jwt}");
        for header in ["Bearer junk", "Basic abc", "Bearer a b"] {
            let reply = send(
                &app(&auth),
                get_with(
                    "/protected",
                    &[("authorization", header), ("cookie", &cookie)],
                ),
            )
            .await;
            assert_invalid_token(&reply);
        }
    }
}

#[tokio::test]
async fn a_valid_header_beats_a_junk_cookie() {
    for flow in COOKIE_FLOWS {
        let auth = backend(flow);
        let value = format!("Bearer {}", token_for(&auth, "bob"));
        let reply = send(
            &app(&auth),
            get_with(
                "/protected",
                &[("authorization", &value), ("cookie", "token=junk")],
            ),
        )
        .await;
        assert_user(&reply, "bob");
    }
}

#[tokio::test]
async fn a_header_with_nothing_after_the_scheme_falls_through_to_the_cookie() {
    for flow in COOKIE_FLOWS {
        let auth = backend(flow);
        let cookie = format!("token={}", token_for(&auth, "alice"));
        for header in ["Bearer ", "Bearer", "", "opaque-without-space"] {
            let reply = send(
                &app(&auth),
                get_with(
                    "/protected",
                    &[("authorization", header), ("cookie", &cookie)],
                ),
            )
            .await;
            assert_user(&reply, "alice");
        }
    }
}

#[tokio::test]
async fn the_header_flow_ignores_the_cookie() {
    let auth = backend(Flow::Header);
    let reply = send(
        &app(&auth),
        get_cookie("/protected", &token_for(&auth, "alice")),
    )
    .await;
    assert_unauthorized(&reply, "No JWT token found in request header");
}

#[tokio::test]
async fn the_query_string_is_never_read() {
    for flow in common::FLOWS {
        let auth = backend(flow);
        let jwt = token_for(&auth, "alice");
        let path = format!("/protected?token={jwt}&access_token={jwt}");
        let reply = send(&app(&auth), get_plain(&path)).await;
        assert_unauthorized(&reply, missing_detail(flow));
    }
}
