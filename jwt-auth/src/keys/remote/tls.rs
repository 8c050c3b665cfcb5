//! The TLS client of `https://` key sets (feature `remote-tls`): rustls with its aws-lc-rs
//! provider, given explicitly so that whatever provider the process installed (or none) does
//! not matter, TLS 1.2 and 1.3, and the roots of [`TlsRoots`]. Built once per backend and roots.

use std::sync::Arc;

use crate::keys::remote::{TlsRoots, pem_certificates};

/// Why the roots cannot be had.
pub(crate) type RootsError = String;

/// A client configuration that checks servers against `roots`.
pub(crate) fn client_config(roots: &TlsRoots) -> Result<Arc<rustls::ClientConfig>, RootsError> {
    let mut store = rustls::RootCertStore::empty();
    let certificates = match roots.read_pem()? {
        None => {
            let found = rustls_native_certs::load_native_certs();
            if found.certs.is_empty() {
                let errors: Vec<String> = found.errors.iter().map(ToString::to_string).collect();
                return Err(format!(
                    "no root certificate found in the system's store ({}); give them with \
                     `tls_roots`",
                    errors.join("; ")
                ));
            }
            found.certs
        }
        Some(pem) => pem_certificates(&pem)?,
    };
    let (added, _ignored) = store.add_parsable_certificates(certificates);
    if added == 0 {
        return Err("none of the root certificates could be used".to_owned());
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS versions: {e}"))?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
