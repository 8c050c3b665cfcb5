//! WebSocket upgrades behind the layer, over a real socket: the handshake is authenticated like
//! any request (header, or cookie for the cookie flows) and refused with an HTTP 401 before the
//! upgrade, where Litestar closes an accepted socket with code 4500.

mod common;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::ws::{Message as ServerMessage, WebSocketUpgrade};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use common::{User, backend, token_for};
use futures_util::{SinkExt as _, StreamExt as _};
use jwt_auth::{CurrentUser, Flow};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// Echoes each text message, prefixed with the authenticated user's id.
async fn echo(upgrade: WebSocketUpgrade, CurrentUser(user): CurrentUser<User>) -> Response {
    upgrade.on_upgrade(move |mut socket| async move {
        while let Some(Ok(message)) = socket.recv().await {
            if let ServerMessage::Text(text) = message {
                let reply = format!("{}: {}", user.id, text.as_str());
                if socket
                    .send(ServerMessage::Text(reply.into()))
                    .await
                    .is_err()
                {
                    break;
                }
            }
        }
    })
}

/// Serves `app` on an ephemeral port of 127.0.0.1.
async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

/// A server for `flow` with `/ws` behind the layer; and a token for `alice`.
async fn server(flow: Flow) -> (SocketAddr, String) {
    let auth = backend(flow);
    let jwt = token_for(&auth, "alice");
    let app = auth.install(Router::new().route("/ws", get(echo)), ());
    (serve(app).await, jwt)
}

type Handshake = Result<
    (
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
        tokio_tungstenite::tungstenite::handshake::client::Response,
    ),
    WsError,
>;

async fn connect(address: SocketAddr, headers: &[(header::HeaderName, String)]) -> Handshake {
    let mut request = format!("ws://{address}/ws").into_client_request().unwrap();
    for (name, value) in headers {
        request
            .headers_mut()
            .insert(name.clone(), HeaderValue::from_str(value).unwrap());
    }
    tokio_tungstenite::connect_async(request).await
}

async fn assert_echo(handshake: Handshake) {
    let (mut socket, response) = handshake.expect("the upgrade succeeds");
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    socket.send(Message::text("hello")).await.unwrap();
    let reply = socket.next().await.expect("a reply").expect("a message");
    assert_eq!(reply, Message::text("alice: hello"));
    socket.close(None).await.unwrap();
}

fn assert_refused(handshake: Handshake, detail: &str) {
    match handshake {
        Err(WsError::Http(response)) => {
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
            let body: serde_json::Value =
                serde_json::from_slice(response.body().as_deref().unwrap_or_default()).unwrap();
            assert_eq!(body["detail"], detail);
        }
        Err(other) => panic!("expected an HTTP 401, got {other}"),
        Ok((_, response)) => panic!("the upgrade succeeded: {}", response.status()),
    }
}

#[tokio::test]
async fn the_upgrade_succeeds_with_the_token_in_the_header() {
    for flow in common::FLOWS {
        let (address, jwt) = server(flow).await;
        let handshake = connect(address, &[(header::AUTHORIZATION, format!("Bearer {jwt}"))]).await;
        assert_echo(handshake).await;
    }
}

#[tokio::test]
async fn the_upgrade_succeeds_with_the_token_in_the_cookie() {
    for flow in [Flow::Cookie, Flow::OAuth2Password] {
        let (address, jwt) = server(flow).await;
        let handshake = connect(address, &[(header::COOKIE, format!("token={jwt}"))]).await;
        assert_echo(handshake).await;
    }
}

#[tokio::test]
async fn the_handshake_is_refused_with_401_without_a_valid_token() {
    for flow in common::FLOWS {
        let (address, _) = server(flow).await;
        assert_refused(connect(address, &[]).await, common::missing_detail(flow));
        let junk = [(header::AUTHORIZATION, "Bearer junk".to_owned())];
        assert_refused(connect(address, &junk).await, "Invalid token");
    }
    // The header flow does not read the cookie.
    let (address, jwt) = server(Flow::Header).await;
    let cookie = [(header::COOKIE, format!("token={jwt}"))];
    assert_refused(
        connect(address, &cookie).await,
        "No JWT token found in request header",
    );
}

/// Cross-site WebSocket hijacking: another site's script opening the socket with the victim's
/// cookie is refused with 403 before the upgrade; the same page's own script is let in.
#[tokio::test]
async fn a_cross_site_handshake_with_the_cookie_is_refused_with_403() {
    for flow in [Flow::Cookie, Flow::OAuth2Password] {
        let (address, jwt) = server(flow).await;
        let cross = [
            (header::COOKIE, format!("token={jwt}")),
            (header::ORIGIN, "http://evil.example".to_owned()),
            (
                header::HeaderName::from_static("sec-fetch-site"),
                "cross-site".to_owned(),
            ),
        ];
        match connect(address, &cross).await {
            Err(WsError::Http(response)) => {
                assert_eq!(response.status(), StatusCode::FORBIDDEN);
                let body: serde_json::Value =
                    serde_json::from_slice(response.body().as_deref().unwrap_or_default()).unwrap();
                assert_eq!(body["detail"], "Cross-site request refused");
            }
            Err(other) => panic!("expected an HTTP 403, got {other}"),
            Ok((_, response)) => panic!("the upgrade succeeded: {}", response.status()),
        }
        let same = [
            (header::COOKIE, format!("token={jwt}")),
            (header::ORIGIN, format!("http://{address}")),
        ];
        assert_echo(connect(address, &same).await).await;
    }
}

/// A server whose backend reads `?access_token=` on handshakes, with `/ws` and a `/me` that
/// shows the query is ignored elsewhere; and a token for `alice`.
async fn query_server(flow: Flow) -> (SocketAddr, jwt_auth::JwtAuth<User>) {
    let auth = common::builder(flow)
        .websocket_query("access_token")
        .build()
        .unwrap();
    let app = auth.install(
        Router::new()
            .route("/ws", get(echo))
            .route("/me", get(common::whoami)),
        (),
    );
    (serve(app).await, auth)
}

async fn connect_to(
    address: SocketAddr,
    path_and_query: &str,
    headers: &[(header::HeaderName, String)],
) -> Handshake {
    let mut request = format!("ws://{address}{path_and_query}")
        .into_client_request()
        .unwrap();
    for (name, value) in headers {
        request
            .headers_mut()
            .insert(name.clone(), HeaderValue::from_str(value).unwrap());
    }
    tokio_tungstenite::connect_async(request).await
}

/// Plain HTTP to the same server.
async fn get_status(address: SocketAddr, path_and_query: &str) -> StatusCode {
    let app_request = axum::http::Request::get(format!("http://{address}{path_and_query}"))
        .body(String::new())
        .unwrap();
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    sender.send_request(app_request).await.unwrap().status()
}

#[tokio::test]
async fn a_query_token_opens_a_websocket_only_when_the_key_is_set() {
    for flow in common::FLOWS {
        let (address, auth) = query_server(flow).await;
        let jwt = token_for(&auth, "alice");
        assert_echo(connect_to(address, &format!("/ws?access_token={jwt}"), &[]).await).await;
        // A plain request's query is never read.
        assert_eq!(
            get_status(address, &format!("/me?access_token={jwt}")).await,
            StatusCode::UNAUTHORIZED
        );
    }
    // Without the key, the query is nobody's business.
    let (address, jwt) = server(Flow::Header).await;
    assert_refused(
        connect_to(address, &format!("/ws?access_token={jwt}"), &[]).await,
        "No JWT token found in request header",
    );
}

#[tokio::test]
async fn a_ticket_opens_one_websocket_and_is_nothing_else() {
    let (address, auth) = query_server(Flow::Header).await;
    let token = auth.decode(&token_for(&auth, "alice")).unwrap();
    let ticket = auth.websocket_ticket(&token).unwrap();
    assert_echo(connect_to(address, &format!("/ws?access_token={ticket}"), &[]).await).await;
    // Used: refused.
    assert_refused(
        connect_to(address, &format!("/ws?access_token={ticket}"), &[]).await,
        "Unauthorized",
    );
    // A fresh ticket is no access token in the header.
    let ticket = auth.websocket_ticket(&token).unwrap();
    let bearer = [(header::AUTHORIZATION, format!("Bearer {ticket}"))];
    assert_refused(connect_to(address, "/ws", &bearer).await, "Invalid token");
    assert!(auth.decode(&ticket).is_err());
}

#[tokio::test]
async fn a_cross_site_handshake_with_a_query_token_is_refused() {
    let (address, auth) = query_server(Flow::Header).await;
    let jwt = token_for(&auth, "alice");
    let cross = [
        (header::ORIGIN, "http://evil.example".to_owned()),
        (
            header::HeaderName::from_static("sec-fetch-site"),
            "cross-site".to_owned(),
        ),
    ];
    match connect_to(address, &format!("/ws?access_token={jwt}"), &cross).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), StatusCode::FORBIDDEN),
        Err(other) => panic!("expected an HTTP 403, got {other}"),
        Ok((_, response)) => panic!("the upgrade succeeded: {}", response.status()),
    }
}
