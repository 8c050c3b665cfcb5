//! The crypto backend of `jsonwebtoken`: exactly one, chosen by this crate's features.
//!
//! A wrong choice is a compile error here rather than `jsonwebtoken`'s panic on the first
//! request. The provider is also installed explicitly when a backend is built, so that another
//! crate enabling the other backend of `jsonwebtoken` cannot make it panic either.

#[cfg(all(feature = "rust_crypto", feature = "aws_lc_rs"))]
compile_error!(
    "jwt-auth: the features `rust_crypto` and `aws_lc_rs` are both enabled; pick one. \
     `rust_crypto` is the default: to use AWS-LC write \
     `jwt-auth = { version = \"0.1\", default-features = false, features = [\"aws_lc_rs\"] }`"
);

#[cfg(not(any(feature = "rust_crypto", feature = "aws_lc_rs")))]
compile_error!(
    "jwt-auth: no crypto backend; enable the feature `rust_crypto` (the default) or `aws_lc_rs`"
);

/// Installs this crate's choice as the process-wide `jsonwebtoken` provider, unless the
/// application installed one already.
pub(crate) fn install_provider() {
    #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
    let provider = &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
    #[cfg(all(feature = "aws_lc_rs", not(feature = "rust_crypto")))]
    let provider = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
    #[cfg(any(
        all(feature = "rust_crypto", not(feature = "aws_lc_rs")),
        all(feature = "aws_lc_rs", not(feature = "rust_crypto"))
    ))]
    {
        // An error means a provider is installed already: the application chose, keep it.
        let _ = provider.install_default();
    }
}
