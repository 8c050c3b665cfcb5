//! One GET of a key set or a discovery document: HTTP/1.1 over tokio, through rustls for
//! `https://` (feature `remote-tls`). The body is bounded, redirects are not followed (a key
//! set is where its configuration or discovery says), and the caller bounds the time.

use std::time::Duration;

use axum::http::{Request, StatusCode, Uri, header};
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper::body::Bytes;
use hyper::rt::{Read, Write};

use crate::keys::remote::TlsRoots;

/// Why one fetch failed, for the log.
pub(crate) type FetchError = String;

/// A response's body and what its `Cache-Control` says of how long it is fresh.
pub(crate) struct Fetched {
    pub body: Bytes,
    /// `max-age`, or zero for `no-cache` or `no-store`; `None` when it says neither.
    pub max_age: Option<Duration>,
}

/// The client: plain TCP, and a TLS configuration for `https://` when built with one.
#[derive(Clone, Default)]
pub(crate) struct Client {
    #[cfg(feature = "remote-tls")]
    pub tls: Option<std::sync::Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

/// The clients of one backend: a TLS configuration per set of roots, made once.
pub(crate) struct Clients {
    /// The backend's roots, for the URLs without roots of their own.
    roots: TlsRoots,
    #[cfg(feature = "remote-tls")]
    made: Vec<(TlsRoots, Client)>,
}

impl Clients {
    pub(crate) fn new(roots: TlsRoots) -> Self {
        Self {
            roots,
            #[cfg(feature = "remote-tls")]
            made: Vec::new(),
        }
    }

    /// The client of a URL: with TLS when it is `https://`; for an issuer on plain `http://`
    /// (loopback), with TLS too when the roots can be had, since its discovery document may
    /// name an `https://` key set.
    pub(crate) fn client(
        &mut self,
        https: bool,
        discovery: bool,
        roots: Option<&TlsRoots>,
    ) -> Result<Client, String> {
        #[cfg(feature = "remote-tls")]
        {
            if !https && !discovery {
                return Ok(Client::default());
            }
            let roots = roots.unwrap_or(&self.roots);
            if let Some((_, client)) = self.made.iter().find(|(made, _)| made == roots) {
                return Ok(client.clone());
            }
            match super::tls::client_config(roots) {
                Ok(config) => {
                    let client = Client { tls: Some(config) };
                    self.made.push((roots.clone(), client.clone()));
                    Ok(client)
                }
                Err(reason) if https => Err(reason),
                Err(_) => Ok(Client::default()),
            }
        }
        #[cfg(not(feature = "remote-tls"))]
        {
            // Without TLS there are no roots to choose among.
            let _ = (discovery, roots, &self.roots);
            if https {
                return Err("`https://` needs jwt-auth's feature `remote-tls`: \
                            jwt-auth = { version = \"0.1\", features = [\"remote-tls\"] }"
                    .to_owned());
            }
            Ok(Client::default())
        }
    }
}

impl Client {
    /// `GET uri`, a `200` whose body is at most `limit` bytes.
    pub(crate) async fn get(&self, uri: &Uri, limit: usize) -> Result<Fetched, FetchError> {
        let host = uri.host().ok_or("no host")?;
        // `Uri::host` keeps an IPv6 address's brackets; the socket and TLS want it bare.
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let https = uri.scheme_str() == Some("https");
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let stream = tokio::net::TcpStream::connect((bare, port))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        if https {
            self.get_tls(stream, bare, uri, limit).await
        } else {
            exchange(hyper_util::rt::TokioIo::new(stream), uri, limit).await
        }
    }

    #[cfg(feature = "remote-tls")]
    async fn get_tls(
        &self,
        stream: tokio::net::TcpStream,
        host: &str,
        uri: &Uri,
        limit: usize,
    ) -> Result<Fetched, FetchError> {
        let config = self
            .tls
            .clone()
            .ok_or("no TLS client for an `https://` URL")?;
        let name = rustls::pki_types::ServerName::try_from(host.to_owned())
            .map_err(|e| format!("server name: {e}"))?;
        let stream = tokio_rustls::TlsConnector::from(config)
            .connect(name, stream)
            .await
            .map_err(|e| format!("TLS: {e}"))?;
        exchange(hyper_util::rt::TokioIo::new(stream), uri, limit).await
    }

    #[cfg(not(feature = "remote-tls"))]
    #[allow(clippy::unused_async, reason = "the same shape as with `remote-tls`")]
    async fn get_tls(
        &self,
        _: tokio::net::TcpStream,
        _: &str,
        _: &Uri,
        _: usize,
    ) -> Result<Fetched, FetchError> {
        Err("`https://` needs jwt-auth's feature `remote-tls`".to_owned())
    }
}

/// One request on a new connection.
async fn exchange<T>(io: T, uri: &Uri, limit: usize) -> Result<Fetched, FetchError>
where
    T: Read + Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let path = uri
        .path_and_query()
        .map_or("/", axum::http::uri::PathAndQuery::as_str);
    let authority = uri.authority().map_or("", |a| a.as_str());
    let request = Request::get(path)
        .header(header::HOST, authority)
        .header(header::ACCEPT, "application/json")
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("request: {e}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("request: {e}"))?;
    if response.status() != StatusCode::OK {
        return Err(format!("status {}", response.status()));
    }
    let max_age = response
        .headers()
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(max_age);
    let body = Limited::new(response.into_body(), limit)
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    Ok(Fetched { body, max_age })
}

/// What a `Cache-Control` value says of freshness: `max-age=N`, or zero for `no-cache` or
/// `no-store` (fetch again as soon as the bounds allow).
pub(crate) fn max_age(value: &str) -> Option<Duration> {
    let mut found = None;
    for directive in value.split(',').map(str::trim) {
        let (name, argument) = directive.split_once('=').unwrap_or((directive, ""));
        if name.eq_ignore_ascii_case("no-cache") || name.eq_ignore_ascii_case("no-store") {
            return Some(Duration::ZERO);
        }
        if name.eq_ignore_ascii_case("max-age") {
            found = argument
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_max_age() {
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(max_age("max-age=300"), secs(300));
        assert_eq!(
            max_age("public, max-age=86400, must-revalidate"),
            secs(86_400)
        );
        assert_eq!(max_age("Max-Age=\"60\""), secs(60));
        assert_eq!(max_age("no-cache"), secs(0));
        assert_eq!(max_age("max-age=300, no-store"), secs(0));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=-1"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }
}
