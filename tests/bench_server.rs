//! The load test's server (`bench/server.rs`) over a real socket: the `jwt_auth` example's
//! routes as the example serves them, and the benchmark routes `bench/http.sh` compares them
//! with.

mod support;

use serde_json::json;
use support::{SECRET, Server};

#[tokio::test]
async fn the_bench_server_serves_the_example_and_its_benchmark_routes() {
    let server = Server::start("bench_server");
    let user = json!({
        "id": "6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f",
        "name": "Ada",
        "email": "ada@example.com",
    });
    let login = server.post_json("/login", &user).await;
    assert_eq!(login.status, 201, "{}", login.text());
    let bearer = format!("Bearer {}", login.bearer());

    // The example's protected route, authenticated as in the example.
    assert_eq!(server.get("/some-path", &[]).await.status, 401);
    let protected = server
        .get("/some-path", &[("authorization", &bearer)])
        .await;
    assert_eq!(protected.status, 200, "{}", protected.text());

    // The ceiling: the same body, without authentication.
    let ceiling = server
        .get("/bench/no-auth/6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f", &[])
        .await;
    assert_eq!(ceiling.status, 200, "{}", ceiling.text());
    assert_eq!(ceiling.body, protected.body);
    let spin = server
        .get("/bench/spin/6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f/1000", &[])
        .await;
    assert_eq!(spin.body, protected.body);

    // The hand-written baseline: the same body behind its own middleware.
    let baseline = server
        .get("/bench/jsonwebtoken", &[("authorization", &bearer)])
        .await;
    assert_eq!(baseline.status, 200, "{}", baseline.text());
    assert_eq!(baseline.body, protected.body);
    assert_eq!(server.get("/bench/jsonwebtoken", &[]).await.status, 401);

    // The guard's pair: the same body behind the layer, and behind it guarded by a scope.
    let unguarded = server
        .get("/bench/protected", &[("authorization", &bearer)])
        .await;
    assert_eq!(unguarded.status, 200, "{}", unguarded.text());
    assert_eq!(unguarded.body, protected.body);
    assert_eq!(server.get("/bench/guarded", &[]).await.status, 401);
    let refused = server
        .get("/bench/guarded", &[("authorization", &bearer)])
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text());
    assert_eq!(
        refused.header("www-authenticate"),
        Some(r#"Bearer error="insufficient_scope", scope="bench:read""#)
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    // With every feature on, jsonwebtoken has two crypto backends and picks none by itself.
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    let scoped = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({
            "sub": "6a1f6f3c-3b5e-4a9e-9f0e-8d2b1c3a4e5f",
            "exp": now + 600,
            "iat": now,
            "scope": "bench:read bench:write",
        }),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("signed");
    let scoped = format!("Bearer {scoped}");
    for path in ["/bench/protected", "/bench/guarded"] {
        let admitted = server.get(path, &[("authorization", &scoped)]).await;
        assert_eq!(admitted.status, 200, "{path}: {}", admitted.text());
        assert_eq!(admitted.body, protected.body);
    }
}
