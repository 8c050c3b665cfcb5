//! Implementation detail of `jwt-auth`; depend on `jwt-auth` instead.

use proc_macro::TokenStream;

mod attr;
mod check;
mod duration;
mod errors;
mod expand;
mod model;
mod signature;
mod suggest;
#[cfg(test)]
mod tests;

/// See the `jwt-auth` crate.
#[proc_macro_attribute]
pub fn jwt_auth(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::jwt_auth(args.into(), item.into()).into()
}
