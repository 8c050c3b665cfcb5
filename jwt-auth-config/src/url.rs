//! The URLs keys are fetched from: an issuer's (whose discovery document names its key set) or
//! a key set's. Keys decide who may log in, so they travel over TLS: `https://`, or plain
//! `http://` to this machine only (a provider or a proxy on loopback, and the tests).

use std::net::{Ipv4Addr, Ipv6Addr};

/// Why a URL to fetch keys from is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    /// Not an absolute `scheme://host/...` URL (or it has spaces or control characters).
    NotAbsolute,
    /// A scheme other than `https` or `http`.
    Scheme,
    /// Plain `http://` to a host that is not loopback: anyone on the path could swap the keys.
    PlainHttp,
    /// `user:password@` in the URL: credentials in a configuration end up in logs.
    Credentials,
    /// A `#fragment`, which is never sent and so means nothing here.
    Fragment,
}

impl UrlError {
    /// What is wrong, for messages: "... is refused: {describe}".
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::NotAbsolute => "not an absolute URL such as `https://idp.example/realms/main`",
            Self::Scheme => "keys are fetched over `https://`",
            Self::PlainHttp => {
                "plain `http://` is only for loopback (`127.0.0.1`, `[::1]`, `localhost`): \
                 anyone on the way could swap the keys; use `https://`"
            }
            Self::Credentials => "credentials (`user@`) do not belong in the URL",
            Self::Fragment => "a `#fragment` is never sent; remove it",
        }
    }
}

/// A URL that keys may be fetched from, split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteUrl<'a> {
    /// Whether it is `https://`.
    pub https: bool,
    /// The host, as written (an IPv6 address with its brackets).
    pub host: &'a str,
}

/// Checks a URL to fetch keys from: absolute, `https://` (or `http://` to a loopback host), no
/// credentials, no fragment.
pub fn check_remote_url(url: &str) -> Result<RemoteUrl<'_>, UrlError> {
    if url
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(UrlError::NotAbsolute);
    }
    let (scheme, rest) = url.split_once("://").ok_or(UrlError::NotAbsolute)?;
    let https = if scheme.eq_ignore_ascii_case("https") {
        true
    } else if scheme.eq_ignore_ascii_case("http") {
        false
    } else if !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(UrlError::Scheme);
    } else {
        return Err(UrlError::NotAbsolute);
    };
    if rest.contains('#') {
        return Err(UrlError::Fragment);
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(UrlError::Credentials);
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (address, after) = bracketed.split_once(']').ok_or(UrlError::NotAbsolute)?;
        address
            .parse::<Ipv6Addr>()
            .map_err(|_| UrlError::NotAbsolute)?;
        (&authority[..address.len() + 2], after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port_ok = port.is_none_or(|port| port.parse::<u16>().is_ok_and(|port| port > 0));
    let host_ok = !host.is_empty()
        && (host.starts_with('[')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
    if !port_ok || !host_ok {
        return Err(UrlError::NotAbsolute);
    }
    if !https && !is_loopback(host) {
        return Err(UrlError::PlainHttp);
    }
    Ok(RemoteUrl { https, host })
}

/// Whether `host` names this machine: `localhost`, `127.0.0.0/8` or `[::1]`.
#[must_use]
pub fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Some(address) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return address.parse::<Ipv6Addr>().is_ok_and(|a| a.is_loopback());
    }
    host.parse::<Ipv4Addr>().is_ok_and(|a| a.is_loopback())
}

/// The URL of an issuer's OpenID discovery document (OpenID Connect Discovery 1.0, section 4):
/// the issuer without a trailing `/`, then `/.well-known/openid-configuration`.
#[must_use]
pub fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_to_loopback_only() {
        for good in [
            "https://idp.example/realms/main",
            "https://idp.example",
            "HTTPS://IDP.example:8443/x?y=1",
            "https://login.microsoftonline.com/tenant/v2.0",
            "http://127.0.0.1:8080/jwks.json",
            "http://127.1.2.3/x",
            "http://localhost:3000",
            "http://[::1]:9000/",
            "https://[2001:db8::1]/x",
        ] {
            assert!(check_remote_url(good).is_ok(), "{good}");
        }
        assert_eq!(
            check_remote_url("https://idp.example:8443/x"),
            Ok(RemoteUrl {
                https: true,
                host: "idp.example"
            })
        );
        assert_eq!(
            check_remote_url("http://[::1]:1/").map(|u| u.host),
            Ok("[::1]")
        );
        for (bad, error) in [
            ("http://idp.example/realms/main", UrlError::PlainHttp),
            ("http://10.0.0.1/jwks", UrlError::PlainHttp),
            ("http://[::2]/jwks", UrlError::PlainHttp),
            ("http://localhost.evil.example/", UrlError::PlainHttp),
            ("ftp://idp.example/", UrlError::Scheme),
            ("idp.example/realms", UrlError::NotAbsolute),
            ("/relative", UrlError::NotAbsolute),
            ("not a url", UrlError::NotAbsolute),
            ("https://", UrlError::NotAbsolute),
            ("https://idp.example:0/", UrlError::NotAbsolute),
            ("https://idp.example:99999/", UrlError::NotAbsolute),
            ("https://idp_example/", UrlError::NotAbsolute),
            ("https://[::1/", UrlError::NotAbsolute),
            ("https://user:pw@idp.example/", UrlError::Credentials),
            ("https://idp.example/#x", UrlError::Fragment),
        ] {
            assert_eq!(check_remote_url(bad), Err(error), "{bad}");
        }
    }

    #[test]
    fn discovery_documents_are_under_the_issuer() {
        assert_eq!(
            discovery_url("https://idp.example/realms/main"),
            "https://idp.example/realms/main/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("https://idp.example/"),
            "https://idp.example/.well-known/openid-configuration"
        );
    }
}
