//! What the three seed examples share and is not about authentication: the user model, its
//! in-memory store, JSON bodies that fail with a JSON 4xx, the `/schema` routes and the server
//! loop (`HOST`, `PORT`, the listening line, graceful shutdown on SIGINT and SIGTERM).

// Each example uses a different part of this module.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jwt_auth::ErrorBody;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::Config;
use uuid::Uuid;

/// The docs' user: `{"id": uuid, "name": string, "email": email}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = String, format = Email)]
    pub email: Email,
}

/// An email address, validated when deserialized (pydantic's `EmailStr`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Checks the shape `local@domain.tld`: one `@`, no spaces or control characters, a dot in
    /// the domain with non-empty labels, at most 254 characters.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let (local, domain) = value
            .split_once('@')
            .ok_or("an email address needs an `@`")?;
        let valid = value.len() <= 254
            && !local.is_empty()
            && local.len() <= 64
            && !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:\"".contains(c));
        if valid {
            Ok(Self(value.to_owned()))
        } else {
            Err("value is not a valid email address")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Email::parse(&value).map_err(serde::de::Error::custom)
    }
}

/// The docs' `MOCK_DB`, as application state instead of a global.
#[derive(Debug, Clone, Default)]
pub struct Users(Arc<RwLock<HashMap<String, User>>>);

impl Users {
    pub fn insert(&self, user: User) {
        let mut users = self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        users.insert(user.id.to_string(), user);
    }

    pub fn get(&self, id: &str) -> Option<User> {
        let users = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        users.get(id).cloned()
    }
}

/// A JSON body whose failures are JSON too: 415 without a JSON content type, 400 for bytes
/// that are not JSON, 422 for JSON of the wrong shape (a missing field, a bad uuid or email),
/// each with a `detail` that says what was wrong.
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    S: Send + Sync,
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_error(rejection.status(), &rejection.body_text())),
        }
    }
}

fn json_error(status: StatusCode, detail: &str) -> Response {
    (
        status,
        axum::Json(ErrorBody {
            status_code: status.as_u16(),
            detail: detail.to_owned(),
        }),
    )
        .into_response()
}

/// The Swagger UI page at `/schema` (and `/schema/`), its assets under `/schema/`, and the
/// document at `/schema/openapi.json`; all served by the app itself, so the page works offline.
/// The routes are to be excluded from authentication.
pub fn schema_routes<S: Clone + Send + Sync + 'static>(document: OpenApi) -> Router<S> {
    let config = Arc::new(
        Config::new([OPENAPI_JSON])
            // No badge fetched from the public validator.
            .validator_url("none")
            .try_it_out_enabled(true),
    );
    let page = {
        let config = Arc::clone(&config);
        move || std::future::ready(swagger_ui_file("", Arc::clone(&config)))
    };
    let asset = move |Path(file): Path<String>| {
        std::future::ready(swagger_ui_file(&file, Arc::clone(&config)))
    };
    Router::new()
        .route(
            OPENAPI_JSON,
            get(move || std::future::ready(axum::Json(document.clone()))),
        )
        .route("/schema", get(page.clone()))
        .route("/schema/", get(page))
        .route("/schema/{*file}", get(asset))
}

/// Where the document is served.
pub const OPENAPI_JSON: &str = "/schema/openapi.json";

/// One of Swagger UI's files (`index.html` for an empty path), 404 for an unknown one. The page
/// is served at `/schema` too, so it names its base: its assets are relative links.
fn swagger_ui_file(file: &str, config: Arc<Config<'static>>) -> Response {
    match utoipa_swagger_ui::serve(file, config) {
        Ok(Some(found)) => {
            let mut bytes = found.bytes.into_owned();
            if found.content_type.starts_with("text/html") {
                let html = String::from_utf8_lossy(&bytes).replacen(
                    "<head>",
                    "<head>\n    <base href=\"/schema/\">",
                    1,
                );
                bytes = html.into_bytes();
            }
            ([(header::CONTENT_TYPE, found.content_type)], bytes).into_response()
        }
        Ok(None) => json_error(StatusCode::NOT_FOUND, "Not Found"),
        Err(error) => json_error(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

/// Binds `HOST` (default `127.0.0.1`) and `PORT` (default `8000`; `0` picks a free port),
/// prints `listening on http://HOST:PORT`, serves until SIGINT or SIGTERM, and then gives
/// requests in flight [`SHUTDOWN_GRACE`] to finish (idle keep-alive connections are closed at
/// once). Handlers may take the client's address as `ConnectInfo<SocketAddr>`.
pub async fn serve(app: Router) -> std::io::Result<()> {
    // The handlers are installed before the listening line, so that a signal sent as soon as
    // the server answers is never the default "terminate at once".
    let shutdown = shutdown_signal()?;
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}")).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let stop = Arc::new(tokio::sync::Notify::new());
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app)
        .with_graceful_shutdown({
            let stop = Arc::clone(&stop);
            async move { stop.notified().await }
        })
        .into_future();
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => return result,
        () = shutdown => stop.notify_one(),
    }
    tokio::time::timeout(SHUTDOWN_GRACE, server)
        .await
        .unwrap_or(Ok(()))
}

/// A future that completes on SIGINT or SIGTERM; the handlers are installed by this call.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        eprintln!("shutting down");
    })
}

/// A future that completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("shutting down");
    })
}

/// How long requests in flight get after the signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The process's exit code for the server's result.
pub fn exit_code(result: std::io::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("server error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
