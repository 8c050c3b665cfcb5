//! Phase 2: the item `#[requires]` is on: an `async fn` handler, free or associated, without a
//! receiver; and its `#[utoipa::path]`, if any, which gets the scopes.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::quote;
use syn::{FnArg, ItemFn};

use crate::errors::Errors;

/// What `#[requires]` goes on, for messages.
const HANDLER: &str = "`#[requires]` goes on an `async fn` handler";

/// Reads the handler; `None` (with the error) for anything else.
pub(crate) fn read(item: TokenStream, errors: &mut Errors) -> Option<ItemFn> {
    let Ok(function) = syn::parse2::<ItemFn>(item.clone()) else {
        let what = syn::parse2::<syn::Item>(item)
            .ok()
            .map(|item| describe(&item));
        let message = match what {
            Some(what) => format!("{HANDLER}, not {what}"),
            None => HANDLER.to_owned(),
        };
        errors.at(proc_macro2::Span::call_site(), message);
        return None;
    };
    let signature = &function.sig;
    let mut ok = true;
    if signature.asyncness.is_none() {
        errors.spanned(
            signature.fn_token,
            format_args!("{HANDLER}: add `async` (axum handlers are async)"),
        );
        ok = false;
    }
    if let Some(FnArg::Receiver(receiver)) = signature.inputs.first() {
        errors.spanned(
            receiver,
            format_args!("{HANDLER} without `self`: axum calls handlers without a receiver"),
        );
        ok = false;
    }
    if let Some(generics) = signature.generics.lt_token.map(|_| &signature.generics) {
        errors.spanned(
            generics,
            format_args!("{HANDLER} without generic parameters"),
        );
        ok = false;
    }
    if let Some(other) = function.attrs.iter().find(|attr| is_requires(attr)) {
        errors.spanned(
            other,
            "one `#[requires]` per handler: list every requirement in it (they must all hold; \
             `any(...)` for alternatives)",
        );
        ok = false;
    }
    ok.then_some(function)
}

fn describe(item: &syn::Item) -> &'static str {
    match item {
        syn::Item::Struct(_) => "a struct",
        syn::Item::Enum(_) => "an enum",
        syn::Item::Const(_) => "a constant",
        syn::Item::Static(_) => "a static",
        syn::Item::Impl(_) => "an impl block",
        syn::Item::Mod(_) => "a module",
        syn::Item::Trait(_) => "a trait",
        syn::Item::Type(_) => "a type alias",
        _ => "this item",
    }
}

/// `#[requires(...)]` or `#[jwt_auth::requires(...)]`.
fn is_requires(attr: &syn::Attribute) -> bool {
    let path = attr.path();
    path.is_ident("requires")
        || (path.segments.len() == 2
            && path.segments[0].ident == "jwt_auth"
            && path.segments[1].ident == "requires")
}

/// `#[utoipa::path(...)]` (or `#[path(...)]`, imported).
fn is_utoipa_path(attr: &syn::Attribute) -> bool {
    let path = attr.path();
    path.is_ident("path")
        || (path.segments.len() == 2
            && path.segments[0].ident == "utoipa"
            && path.segments[1].ident == "path")
}

/// The name of the OpenAPI extension that carries a guarded operation's scopes, read by
/// `JwtAuth::apply_openapi` (the runtime's `openapi::SCOPES_EXTENSION`).
pub(crate) const SCOPES_EXTENSION: &str = "x-jwt-auth-scopes";

/// Adds the scope alternatives (`[["a", "b"], ["c"]]`: either both of the first or the second)
/// to the handler's `#[utoipa::path]` as the extension [`SCOPES_EXTENSION`], into its
/// `extensions(...)` if it has one. Whether `#[utoipa::path]` is there: it must come after
/// `#[requires]` (attributes expand from the top, so `#[requires]` sees it only then).
pub(crate) fn document(function: &mut ItemFn, alternatives: &[Vec<String>]) -> bool {
    let Some(attr) = function.attrs.iter_mut().find(|attr| is_utoipa_path(attr)) else {
        return false;
    };
    let syn::Meta::List(list) = &mut attr.meta else {
        return false;
    };
    let lists = alternatives.iter().map(|scopes| quote!([#(#scopes),*]));
    let extension = quote!((#SCOPES_EXTENSION = json!([#(#lists),*])));
    let mut tokens: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
    // An `extensions(...)` at the top level: ours goes inside, so that neither replaces the
    // other.
    let existing = tokens.windows(2).position(|pair| {
        matches!(&pair[0], TokenTree::Ident(ident) if ident == "extensions")
            && matches!(&pair[1], TokenTree::Group(group) if group.delimiter() == Delimiter::Parenthesis)
    });
    if let Some(index) = existing {
        if let TokenTree::Group(group) = &tokens[index + 1] {
            let mut inner = group.stream();
            let trailing_comma = inner.clone().into_iter().last().is_some_and(
                |last| matches!(last, TokenTree::Punct(punct) if punct.as_char() == ','),
            );
            if !trailing_comma && !inner.is_empty() {
                inner.extend(quote!(,));
            }
            inner.extend(extension);
            let mut replaced = Group::new(Delimiter::Parenthesis, inner);
            replaced.set_span(group.span());
            tokens[index + 1] = TokenTree::Group(replaced);
        }
        list.tokens = tokens.into_iter().collect();
    } else {
        let trailing_comma = tokens
            .last()
            .is_some_and(|last| matches!(last, TokenTree::Punct(punct) if punct.as_char() == ','));
        let mut stream: TokenStream = tokens.into_iter().collect();
        if !trailing_comma && !stream.is_empty() {
            stream.extend(quote!(,));
        }
        stream.extend(quote!(extensions(#extension)));
        list.tokens = stream;
    }
    true
}
