//! The crypto backend of `jsonwebtoken`, chosen by this crate's features: `aws_lc_rs` when it is
//! on, else `rust_crypto` (the default). Features add up: with both, as `cargo build
//! --all-features` builds, AWS-LC is used, since turning it on is the one way to ask for it.
//!
//! `jsonwebtoken` itself panics on the first token when both of its backends are compiled in and
//! none was installed, so the provider is installed explicitly when a backend is built. With no
//! backend at all, nothing could sign or verify: that is a compile error here rather than a
//! panic per request.

#[cfg(not(any(feature = "rust_crypto", feature = "aws_lc_rs")))]
compile_error!(
    "jwt-auth: no crypto backend; enable the feature `rust_crypto` (the default) or `aws_lc_rs`"
);

/// Installs this crate's choice as the process-wide `jsonwebtoken` provider, unless the
/// application installed one already.
pub(crate) fn install_provider() {
    #[cfg(feature = "aws_lc_rs")]
    let provider = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
    #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
    let provider = &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
    #[cfg(any(feature = "rust_crypto", feature = "aws_lc_rs"))]
    {
        // An error means a provider is installed already: the application chose, keep it.
        let _ = provider.install_default();
    }
}
