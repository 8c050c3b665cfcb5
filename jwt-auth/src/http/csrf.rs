//! Cross-site request forgery protection for the cookie flows.
//!
//! A cookie rides along with any request the browser makes, including a form posted from
//! another site or a WebSocket opened by another site's script; a header token does not. So when
//! the token came from the cookie and the request can change state or open a stream (an unsafe
//! method: anything but `GET`, `HEAD`, `OPTIONS` and `TRACE`; or a WebSocket handshake, which is
//! a `GET` that browsers send cross-site with the cookie and without CORS), the request must come
//! from our own origin. This follows the browser-header check of Go's
//! `http.CrossOriginProtection` and the OWASP "verifying origin with standard headers" defence,
//! which needs no state and no token in every form:
//!
//! 1. an `Origin` that is one of the trusted origins passes, whatever else the request says
//!    (browsers send `Sec-Fetch-Site: cross-site` for a front end on another origin);
//! 2. `Sec-Fetch-Site: same-origin` or `none` (the user typed the URL or used a bookmark)
//!    passes; any other value (`cross-site`, `same-site`) is refused;
//! 3. without `Sec-Fetch-Site`, an `Origin` header must name this host (the `Host` header, or
//!    the URI's authority over HTTP/2); `Origin: null` is refused;
//! 4. with neither header, the request passes: every browser that sends cookies cross-site
//!    sends `Origin` on unsafe requests and WebSocket handshakes (and current ones
//!    `Sec-Fetch-Site` too), so a request with neither comes from a non-browser client such as
//!    curl, which cannot borrow a victim's cookie. This also keeps plain `curl -b token=...`
//!    scripts working.
//!
//! The same check guards the handlers that set or clear the cookie (those that take the
//! backend as an extractor: login, refresh, logout) against login CSRF: a cross-site form that
//! logs the victim in as the attacker.
//!
//! `SameSite=Lax` (the default cookie) already stops most cross-site posts; this check also
//! covers `SameSite=None` cookies, same-site sibling subdomains and WebSocket handshakes, which
//! `Lax` lets through as top-level-looking `GET`s from a same-site page.

use axum::http::HeaderName;
use axum::http::header::{HOST, ORIGIN, UPGRADE};
use axum::http::{HeaderMap, Method, Uri};

/// The fetch-metadata header that says where a browser request comes from.
pub(crate) const FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// The CSRF settings: on by default, with no extra trusted origins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfSettings {
    /// Whether the check runs (cookie-borne tokens, unsafe methods), default on.
    pub enabled: bool,
    /// Other origins allowed to send unsafe requests with the cookie, as
    /// `scheme://host[:port]` (for a front end served from another origin).
    pub trusted_origins: Vec<String>,
}

impl Default for CsrfSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            trusted_origins: Vec::new(),
        }
    }
}

/// Whether a method may change state (RFC 9110 section 9.2.1: not a safe method).
fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether a request is a WebSocket handshake (RFC 6455: `Upgrade: websocket`, any case, maybe
/// among other protocols). Over HTTP/2 a handshake is a `CONNECT`, which is unsafe already.
pub(crate) fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    headers.get_all(UPGRADE).iter().any(|value| {
        value
            .as_bytes()
            .split(|&b| b == b',')
            .any(|protocol| protocol.trim_ascii().eq_ignore_ascii_case(b"websocket"))
    })
}

impl CsrfSettings {
    /// Whether a request whose token came from the cookie may go on: see the module's
    /// documentation.
    pub(crate) fn allows(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> bool {
        if !self.enabled || !(is_unsafe(method) || is_websocket_upgrade(headers)) {
            return true;
        }
        let origin = headers.get(ORIGIN).map(|origin| origin.to_str());
        if let Some(Ok(origin)) = origin
            && self
                .trusted_origins
                .iter()
                .any(|trusted| trusted.eq_ignore_ascii_case(origin))
        {
            return true;
        }
        if let Some(site) = headers.get(FETCH_SITE) {
            return matches!(site.as_bytes(), b"same-origin" | b"none");
        }
        let origin = match origin {
            None => return true,
            Some(Err(_)) => return false,
            Some(Ok(origin)) => origin,
        };
        let Some((_, origin_host)) = origin.split_once("://") else {
            return false;
        };
        let host = headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| uri.authority().map(axum::http::uri::Authority::as_str));
        host.is_some_and(|host| !host.is_empty() && host.eq_ignore_ascii_case(origin_host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue};

    fn check(settings: &CsrfSettings, method: &Method, pairs: &[(&str, &str)]) -> bool {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        settings.allows(method, &Uri::from_static("/x"), &headers)
    }

    #[test]
    fn safe_methods_always_pass() {
        let on = CsrfSettings::default();
        for method in [Method::GET, Method::HEAD, Method::OPTIONS, Method::TRACE] {
            assert!(check(&on, &method, &[("sec-fetch-site", "cross-site")]));
        }
    }

    #[test]
    fn sec_fetch_site_decides_first() {
        let on = CsrfSettings::default();
        let host = ("host", "app.example");
        for (site, ok) in [
            ("same-origin", true),
            ("none", true),
            ("same-site", false),
            ("cross-site", false),
            ("junk", false),
        ] {
            assert_eq!(
                check(&on, &Method::POST, &[("sec-fetch-site", site), host]),
                ok,
                "{site}"
            );
            // Even with a matching Origin.
            assert_eq!(
                check(
                    &on,
                    &Method::DELETE,
                    &[
                        ("sec-fetch-site", site),
                        ("origin", "https://app.example"),
                        host
                    ]
                ),
                ok
            );
        }
    }

    #[test]
    fn origin_must_match_the_host_or_a_trusted_origin() {
        let on = CsrfSettings {
            enabled: true,
            trusted_origins: vec!["https://front.example".into()],
        };
        let host = ("host", "app.example:8443");
        for (origin, ok) in [
            ("https://app.example:8443", true),
            ("http://APP.example:8443", true),
            ("https://app.example", false),
            ("https://evil.example", false),
            ("https://front.example", true),
            ("null", false),
            ("", false),
        ] {
            assert_eq!(
                check(&on, &Method::PUT, &[("origin", origin), host]),
                ok,
                "{origin}"
            );
        }
        assert!(!check(
            &on,
            &Method::PATCH,
            &[("origin", "https://app.example")]
        ));
    }

    /// A front end on a trusted origin passes though browsers call it cross-site; any other
    /// origin is still refused by `Sec-Fetch-Site`.
    #[test]
    fn trusted_origins_pass_whatever_fetch_metadata_says() {
        let on = CsrfSettings {
            enabled: true,
            trusted_origins: vec!["https://front.example".into()],
        };
        for site in ["cross-site", "same-site"] {
            let trusted = [
                ("sec-fetch-site", site),
                ("origin", "https://front.example"),
            ];
            assert!(check(&on, &Method::POST, &trusted), "{site}");
            let other = [("sec-fetch-site", site), ("origin", "https://evil.example")];
            assert!(!check(&on, &Method::POST, &other), "{site}");
        }
    }

    /// A WebSocket handshake is a `GET` that opens a stream with the cookie: checked as an
    /// unsafe method is; a plain `GET` is not.
    #[test]
    fn websocket_handshakes_are_checked_like_unsafe_methods() {
        let on = CsrfSettings::default();
        let cross = [
            ("origin", "http://evil.example"),
            ("sec-fetch-site", "cross-site"),
            ("host", "app.example"),
        ];
        assert!(check(&on, &Method::GET, &cross), "a plain GET");
        for upgrade in ["websocket", "WebSocket", "h2c, websocket"] {
            let mut headers = cross.to_vec();
            headers.push(("upgrade", upgrade));
            assert!(!check(&on, &Method::GET, &headers), "{upgrade}");
        }
        let same = [
            ("origin", "http://app.example"),
            ("host", "app.example"),
            ("upgrade", "websocket"),
        ];
        assert!(check(&on, &Method::GET, &same));
        let h2c = [
            ("origin", "http://evil.example"),
            ("host", "app.example"),
            ("upgrade", "h2c"),
        ];
        assert!(check(&on, &Method::GET, &h2c), "not a WebSocket");
        assert!(
            check(&on, &Method::GET, &[("upgrade", "websocket")]),
            "curl"
        );
    }

    #[test]
    fn no_browser_headers_pass_and_off_means_off() {
        let on = CsrfSettings::default();
        assert!(check(&on, &Method::POST, &[("host", "app.example")]));
        let off = CsrfSettings {
            enabled: false,
            ..CsrfSettings::default()
        };
        assert!(check(
            &off,
            &Method::POST,
            &[("sec-fetch-site", "cross-site")]
        ));
    }
}
