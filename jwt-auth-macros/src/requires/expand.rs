//! Phase 4: the guard, its checks and the rewritten handler.
//!
//! ```text
//! #[requires(RetrieveUser, scopes = ["notes:write"], guard = is_admin)]
//! async fn create_note(CurrentUser(user): CurrentUser<User>, ...) -> ...
//! ```
//!
//! becomes a hidden type `__jwt_auth_requires_create_note<RetrieveUser>` implementing
//! `jwt_auth::Guard` for `RetrieveUser`'s user and claims types, one `const _` per scope that
//! the compiler evaluates against `RetrieveUser`'s `oauth_scopes` (spanned on the scope), and
//! the handler with `_: jwt_auth::Guarded<__jwt_auth_requires_create_note<RetrieveUser>>` as
//! its first parameter, so that the guard runs before its other extractors.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{ItemFn, LitStr};

use crate::errors::Errors;
use crate::requires::attr::{self, Requirement, Requires};
use crate::requires::handler;

/// The whole attribute: the rewritten handler and its guard, or the errors with the handler as
/// written (so that the rest of the crate still compiles).
pub(crate) fn requires(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let requires = attr::parse(args, &mut errors);
    let function = handler::read(item.clone(), &mut errors);
    match (errors.finish(), requires, function) {
        (None, Some(requires), Some(function)) => generate(&requires, function),
        (error, _, _) => {
            let error = error
                .unwrap_or_else(|| syn::Error::new(Span::call_site(), "unusable `#[requires]`"));
            let mut output = item;
            output.extend(error.to_compile_error());
            output
        }
    }
}

fn generate(requires: &Requires, mut function: ItemFn) -> TokenStream {
    let backend = &requires.backend;
    let guard = format_ident!(
        "__jwt_auth_requires_{}",
        function.sig.ident.unraw(),
        span = function.sig.ident.span()
    );
    let vis = function.vis.clone();
    let scopes: Vec<&LitStr> = requires.all.iter().flat_map(Requirement::scopes).collect();
    // Spanned on each scope, so that an undeclared one stops the build there.
    let checks = scopes.iter().map(|scope| {
        quote_spanned! {scope.span()=>
            const _: () = ::jwt_auth::__private::check_scope::<#backend>(#scope);
        }
    });
    let body = all(&requires.all);
    handler::document(&mut function, &alternatives(&requires.all));
    let parameter: syn::FnArg = syn::parse_quote! {
        _: ::jwt_auth::Guarded<#guard<#backend>>
    };
    function.sig.inputs.insert(0, parameter);
    let backend_types = quote_spanned! {backend.span()=>
        <#backend as ::jwt_auth::__private::Backend>
    };
    // Generic over the backend, so that the impl is no more visible than the backend type its
    // associated types name (a private backend behind a `pub` handler is not E0446).
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #guard<B>(::core::marker::PhantomData<fn() -> B>);

        #(#checks)*

        impl ::jwt_auth::Guard for #guard<#backend> {
            type User = #backend_types::User;
            type Claims = #backend_types::Claims;

            #[allow(clippy::too_many_lines, reason = "one check per requirement")]
            async fn check(
                __jwt_auth_user: &Self::User,
                __jwt_auth_token: &::jwt_auth::Token<Self::Claims>,
            ) -> ::core::result::Result<(), ::jwt_auth::AuthError> {
                #[allow(unused_imports)]
                use ::jwt_auth::__private::{PredicateFuture as _, PredicateValue as _};
                #body
                ::core::result::Result::Ok(())
            }
        }

        #function
    }
}

/// Every requirement in turn, each refusing with its own answer.
fn all(requirements: &[Requirement]) -> TokenStream {
    requirements
        .iter()
        .map(|requirement| {
            let holds = holds(requirement);
            let refusal = refusal(requirement);
            quote! {
                if !(#holds) {
                    return ::core::result::Result::Err(#refusal);
                }
            }
        })
        .collect()
}

/// A boolean expression: whether the requirement holds.
fn holds(requirement: &Requirement) -> TokenStream {
    match requirement {
        Requirement::Scopes(scopes) => {
            let checks = scopes
                .iter()
                .map(|scope| quote!(__jwt_auth_token.has_scope(#scope)));
            quote!(#(#checks)&&*)
        }
        Requirement::Guard(path) => quote_spanned! {path.span()=>
            ::jwt_auth::__private::Predicate(#path(__jwt_auth_user, __jwt_auth_token))
                .into_check()
                .await
        },
        Requirement::Any(any) => {
            let alternatives = any.iter().map(holds);
            quote!(#((#alternatives))||*)
        }
        Requirement::All(all) => {
            let each = all.iter().map(holds);
            quote!(#((#each))&&*)
        }
    }
}

/// The refusal of a requirement that does not hold: the scopes it names, or `Forbidden` for a
/// predicate alone.
fn refusal(requirement: &Requirement) -> TokenStream {
    let scopes: Vec<String> = requirement.scopes().iter().map(|s| s.value()).collect();
    if scopes.is_empty() {
        return quote!(::jwt_auth::AuthError::Forbidden);
    }
    let mut unique: Vec<String> = Vec::new();
    for scope in scopes {
        if !unique.contains(&scope) {
            unique.push(scope);
        }
    }
    let scope = unique.join(" ");
    quote!(::jwt_auth::AuthError::InsufficientScope { scope: #scope })
}

/// The scope sets that satisfy the requirements, as alternatives (for OpenAPI's security
/// requirements: one per alternative); a predicate needs no scope.
pub(crate) fn alternatives(requirements: &[Requirement]) -> Vec<Vec<String>> {
    let mut product: Vec<Vec<String>> = vec![Vec::new()];
    for requirement in requirements {
        let options = match requirement {
            Requirement::Scopes(scopes) => vec![scopes.iter().map(LitStr::value).collect()],
            Requirement::Guard(_) => vec![Vec::new()],
            Requirement::Any(any) => any
                .iter()
                .flat_map(|one| alternatives(std::slice::from_ref(one)))
                .collect(),
            Requirement::All(all) => alternatives(all),
        };
        product = product
            .iter()
            .flat_map(|left| {
                options.iter().map(move |right| {
                    let mut both = left.clone();
                    for scope in right {
                        if !both.contains(scope) {
                            both.push(scope.clone());
                        }
                    }
                    both
                })
            })
            .collect();
    }
    let mut unique: Vec<Vec<String>> = Vec::new();
    for alternative in product {
        if !unique.contains(&alternative) {
            unique.push(alternative);
        }
    }
    unique
}
