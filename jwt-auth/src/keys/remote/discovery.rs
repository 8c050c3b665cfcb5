//! OpenID Connect Discovery 1.0: an issuer's configuration document, at
//! `{issuer}/.well-known/openid-configuration`, names its key set (`jwks_uri`). Its `issuer`
//! must be exactly the configured one (section 4.3: otherwise the document may be another
//! provider's, and so its keys), and `jwks_uri` obeys the rule every key URL obeys.

use axum::http::Uri;
use serde::Deserialize;

use crate::keys::remote::fetch::FetchError;

/// The largest discovery document read, in bytes (providers' are a few kilobytes).
pub(crate) const MAX_DISCOVERY_SIZE: usize = 256 << 10;

/// What is read of a discovery document.
#[derive(Deserialize)]
struct Document {
    issuer: String,
    jwks_uri: String,
}

/// The key set's URL from a discovery document of `issuer`.
pub(crate) fn jwks_uri(body: &[u8], issuer: &str) -> Result<Uri, FetchError> {
    let document: Document = serde_json::from_slice(body)
        .map_err(|e| format!("not an OpenID discovery document: {e}"))?;
    if document.issuer != issuer {
        return Err(format!(
            "the discovery document is of the issuer `{}`, not `{issuer}`",
            document.issuer
        ));
    }
    jwt_auth_config::check_remote_url(&document.jwks_uri)
        .map_err(|e| format!("its `jwks_uri` `{}`: {}", document.jwks_uri, e.describe()))?;
    document
        .jwks_uri
        .parse()
        .map_err(|e| format!("its `jwks_uri` `{}`: {e}", document.jwks_uri))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_must_match_and_jwks_uri_obey_the_url_rule() {
        let issuer = "https://idp.example/realms/main";
        let document = |iss: &str, jwks: &str| {
            serde_json::json!({"issuer": iss, "jwks_uri": jwks, "token_endpoint": "x"}).to_string()
        };
        let ok = jwks_uri(
            document(issuer, "https://idp.example/realms/main/certs").as_bytes(),
            issuer,
        );
        assert_eq!(ok.unwrap().path(), "/realms/main/certs");
        for (iss, jwks) in [
            (
                "https://idp.example/realms/other",
                "https://idp.example/certs",
            ),
            (
                "https://idp.example/realms/main/",
                "https://idp.example/certs",
            ),
            (issuer, "http://idp.example/certs"),
            (issuer, "certs"),
        ] {
            assert!(
                jwks_uri(document(iss, jwks).as_bytes(), issuer).is_err(),
                "{iss} {jwks}"
            );
        }
        assert!(jwks_uri(b"{\"issuer\": 1}", issuer).is_err());
        assert!(jwks_uri(b"<html>", issuer).is_err());
    }
}
