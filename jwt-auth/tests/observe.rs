//! What an authentication tells the operator: the `tracing` span and its one event (captured
//! with `tracing-subscriber`'s formatter into a buffer), and the outcome counter of the
//! `metrics` feature (read with `metrics-util`'s debugging recorder).

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use common::{User, builder, get_bearer, send, token_for};
use jwt_auth::testing::TokenBuilderExt as _;
use jwt_auth::{CurrentUser, Flow};
use tracing_subscriber::fmt::MakeWriter;

/// Everything the formatter wrote.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

/// Runs `test` to its end on this thread, with a DEBUG subscriber of this thread writing into
/// the returned text.
fn traced<F: std::future::Future<Output = ()>>(test: F) -> String {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || runtime.block_on(test));
    captured.text()
}

fn a_refusal_is_traced_once_with_its_reason_and_no_token_bytes() {
    let auth = builder(Flow::Header).build().unwrap();
    let jwt = auth.token("alice").expired().encode().unwrap();
    let app = common::app(&auth);
    let signature = jwt.rsplit('.').next().unwrap().to_owned();
    let output = traced(async move {
        let reply = send(&app, get_bearer("/protected", &jwt)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    });
    assert_eq!(output.matches("request refused").count(), 1, "{output}");
    for field in [
        "outcome=\"refused\"",
        "reason=\"expired\"",
        "flow=\"header\"",
        "algorithm=\"HS256\"",
        "cached=false",
    ] {
        assert!(output.contains(field), "{field} in {output}");
    }
    assert!(!output.contains(&signature), "token bytes in {output}");
    assert!(!output.contains(common::SECRET), "the secret in {output}");
    assert!(!output.contains("alice"), "the subject in {output}");
}

/// On an excluded route the layer authenticates nothing; an extractor that asks authenticates
/// once, and its refusal is traced once, not once more per extractor.
fn an_extractor_refusal_is_traced_once() {
    async fn both(user: Option<CurrentUser<User>>, again: Option<CurrentUser<User>>) -> String {
        format!("{} {}", user.is_some(), again.is_some())
    }
    let auth = builder(Flow::Header).exclude(["/open"]).build().unwrap();
    let app = auth.install(Router::new().route("/open", get(both)), ());
    let jwt = auth.token("alice").encode_wrongly_signed().unwrap();
    let output = traced(async move {
        let reply = send(&app, get_bearer("/open", &jwt)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    });
    assert_eq!(output.matches("request refused").count(), 1, "{output}");
    assert!(output.contains("reason=\"signature\""), "{output}");
}

/// The subject only when the application allows it; the cache's answer is recorded (it keeps
/// a token from its second decoding on, so the third request is answered from it).
fn the_subject_is_traced_only_when_allowed() {
    for allowed in [false, true] {
        let auth = builder(Flow::Header)
            .trace_subject(allowed)
            .build()
            .unwrap();
        let jwt = token_for(&auth, "alice");
        let app = common::app(&auth);
        let output = traced(async move {
            for _ in 0..3 {
                let reply = send(&app, get_bearer("/protected", &jwt)).await;
                assert_eq!(reply.status, StatusCode::OK);
            }
        });
        assert_eq!(
            output.matches("request authenticated").count(),
            3,
            "{output}"
        );
        assert_eq!(output.contains("subject=\"alice\""), allowed, "{output}");
        assert!(output.contains("cached=false"), "the first: {output}");
        assert!(output.contains("cached=true"), "the third: {output}");
    }
}

/// The cases one after the other, on one thread: `tracing` caches per call site whether anyone
/// listens, and test threads that come and go with subscribers of their own (or none) race on
/// that cache.
#[test]
fn authentications_are_traced_and_counted() {
    a_refusal_is_traced_once_with_its_reason_and_no_token_bytes();
    an_extractor_refusal_is_traced_once();
    the_subject_is_traced_only_when_allowed();
    a_query_token_never_reaches_the_trace();
    outcomes_are_counted();
}

/// A WebSocket handshake's query token, refused: the trace has the reason, never the query;
/// and `redacted_uri` writes the URI for the application's own logs without it.
fn a_query_token_never_reaches_the_trace() {
    let auth = builder(Flow::Header)
        .websocket_query("access_token")
        .build()
        .unwrap();
    let jwt = auth.token("alice").expired().encode().unwrap();
    let app = common::app(&auth);
    let uri = format!("/protected?access_token={jwt}&x=1");
    let request = common::request(
        axum::http::Method::GET,
        &uri,
        &[("upgrade", b"websocket"), ("connection", b"upgrade")],
    );
    let output = traced(async move {
        let reply = send(&app, request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    });
    assert!(output.contains("reason=\"expired\""), "{output}");
    let signature = jwt.rsplit('.').next().unwrap();
    assert!(!output.contains(signature), "{output}");
    assert!(!output.contains("access_token"), "{output}");
    let uri: axum::http::Uri = uri.parse().unwrap();
    assert_eq!(
        auth.redacted_uri(&uri),
        "/protected?access_token=[redacted]&x=1"
    );
}

/// The `metrics` counter of outcomes, by outcome and reason.
fn outcomes_are_counted() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let auth = builder(Flow::Header).build().unwrap();
    let app = common::app(&auth);
    let valid = token_for(&auth, "alice");
    let expired = auth.token("alice").expired().encode().unwrap();
    metrics::with_local_recorder(&recorder, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                for jwt in [&valid, &valid, &expired] {
                    send(&app, get_bearer("/protected", jwt)).await;
                }
                send(&app, common::get_plain("/protected")).await;
            });
    });
    let counts: Vec<(String, u64)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| key.key().name() == jwt_auth::METRIC_AUTHENTICATIONS)
        .map(|(key, _, _, value)| {
            let labels: Vec<String> = key
                .key()
                .labels()
                .map(|label| format!("{}={}", label.key(), label.value()))
                .collect();
            let DebugValue::Counter(count) = value else {
                panic!("a counter")
            };
            (labels.join(","), count)
        })
        .collect();
    for expected in [
        ("outcome=authenticated,reason=", 2),
        ("outcome=refused,reason=expired", 1),
        ("outcome=refused,reason=missing_token", 1),
    ] {
        assert!(
            counts.contains(&(expected.0.to_owned(), expected.1)),
            "{expected:?} in {counts:?}"
        );
    }
}
