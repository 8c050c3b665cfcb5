//! The load test's server (`bench/server.rs`) over a real socket: the `jwt_auth` example's
//! routes as the example serves them, and the benchmark routes `bench/http.sh` compares them
//! with.

mod support;

use serde_json::json;
use support::Server;

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
}
