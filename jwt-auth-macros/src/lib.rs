//! Implementation detail of `jwt-auth`; depend on `jwt-auth` instead.

use proc_macro::TokenStream;

/// See the `jwt-auth` crate.
#[proc_macro_attribute]
pub fn jwt_auth(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}
