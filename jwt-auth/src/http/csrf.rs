//! Cross-site request forgery protection for the cookie flows.
//!
//! A cookie rides along with any request the browser makes, including a form posted from
//! another site; a header token does not. So when the token came from the cookie and the method
//! is unsafe (anything but `GET`, `HEAD`, `OPTIONS` and `TRACE`), the request must come from
//! our own origin. This follows the browser-header check of Go's `http.CrossOriginProtection`
//! and the OWASP "verifying origin with standard headers" defence, which needs no state and no
//! token in every form:
//!
//! 1. `Sec-Fetch-Site: same-origin` or `none` (the user typed the URL or used a bookmark) passes;
//!    any other value (`cross-site`, `same-site`) is refused;
//! 2. without `Sec-Fetch-Site`, an `Origin` header must name this host (the `Host` header, or the
//!    URI's authority over HTTP/2) or one of the trusted origins; `Origin: null` is refused;
//! 3. with neither header, the request passes: every browser that sends cookies cross-site sends
//!    `Origin` on unsafe requests (and current ones `Sec-Fetch-Site` too), so a request with
//!    neither comes from a non-browser client such as curl, which cannot borrow a victim's
//!    cookie. This also keeps plain `curl -b token=...` scripts working.
//!
//! `SameSite=Lax` (the default cookie) already stops most cross-site posts; this check also
//! covers `SameSite=None` cookies and same-site sibling subdomains.

use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, Method, Uri};

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

impl CsrfSettings {
    /// Whether a request whose token came from the cookie may go on.
    pub(crate) fn allows(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> bool {
        if !self.enabled || !is_unsafe(method) {
            return true;
        }
        if let Some(site) = headers.get("sec-fetch-site") {
            return matches!(site.as_bytes(), b"same-origin" | b"none");
        }
        let Some(origin) = headers.get(ORIGIN) else {
            return true;
        };
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        if self
            .trusted_origins
            .iter()
            .any(|trusted| trusted.eq_ignore_ascii_case(origin))
        {
            return true;
        }
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
