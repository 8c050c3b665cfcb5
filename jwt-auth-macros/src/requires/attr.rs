//! Phase 1: `#[requires(Backend, scopes = [...], guard = path, any(...))]`, parsed with
//! `syn::meta::parser` after the backend type; every mistake is reported, each on its token.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::{Parse as _, ParseStream, Parser as _};
use syn::{LitStr, Token};

use crate::errors::Errors;
use crate::requires::keys;
use crate::suggest;

/// The right syntax, for messages.
pub(crate) const EXAMPLE: &str = "`#[requires(RetrieveUser, scopes = [\"notes:write\"])]`";

/// One requirement.
pub(crate) enum Requirement {
    /// Every one of these scopes.
    Scopes(Vec<LitStr>),
    /// A predicate on the user and the token.
    Guard(syn::Path),
    /// At least one of these.
    Any(Vec<Requirement>),
    /// Every one of these: inside `any(...)`, an alternative of several requirements.
    All(Vec<Requirement>),
}

/// The attribute: the backend type and the requirements, all of which must hold.
pub(crate) struct Requires {
    pub backend: syn::Type,
    pub all: Vec<Requirement>,
}

impl Requirement {
    /// Every scope it names, for the compile-time checks.
    pub(crate) fn scopes(&self) -> Vec<&LitStr> {
        match self {
            Self::Scopes(scopes) => scopes.iter().collect(),
            Self::Guard(_) => Vec::new(),
            Self::Any(list) | Self::All(list) => list.iter().flat_map(Self::scopes).collect(),
        }
    }
}

/// Parses the arguments; `None` when the backend type cannot be read.
pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Option<Requires> {
    let mut requires = None;
    let parser = |input: ParseStream| -> syn::Result<()> {
        if input.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                format_args!("`#[requires]` needs the backend type and a requirement: {EXAMPLE}"),
            ));
        }
        let backend: syn::Type = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                format_args!("expected the backend type first: {EXAMPLE}"),
            )
        })?;
        if input.is_empty() {
            return Err(syn::Error::new_spanned(
                &backend,
                format_args!(
                    "`#[requires]` needs at least one requirement after the backend type: {EXAMPLE}"
                ),
            ));
        }
        input.parse::<Token![,]>()?;
        let before = errors.len();
        let all = requirements(input, errors)?;
        if all.is_empty() && errors.len() == before {
            return Err(syn::Error::new_spanned(
                &backend,
                format_args!(
                    "`#[requires]` needs at least one requirement after the backend type: {EXAMPLE}"
                ),
            ));
        }
        requires = Some(Requires { backend, all });
        Ok(())
    };
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
    requires
}

/// A comma-separated list of requirements, to the end of `input`.
fn requirements(input: ParseStream, errors: &mut Errors) -> syn::Result<Vec<Requirement>> {
    let mut all = Vec::new();
    let parser = syn::meta::parser(|meta| {
        if let Some(requirement) = requirement(&meta, errors)? {
            all.push(requirement);
        }
        Ok(())
    });
    parser.parse2(input.parse::<TokenStream>()?)?;
    Ok(all)
}

fn requirement(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<Requirement>> {
    let name = meta
        .path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    match name.as_str() {
        keys::SCOPES => scopes(meta, errors),
        keys::SCOPE => scope(meta, errors),
        keys::GUARD => guard(meta, errors),
        keys::ANY => group(meta, errors, keys::ANY).map(|list| list.map(Requirement::Any)),
        keys::ALL_OF => group(meta, errors, keys::ALL_OF).map(|list| list.map(Requirement::All)),
        _ => unknown(meta, &name, errors),
    }
}

/// `scopes = ["a", "b"]`: at least one, each a string.
fn scopes(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<Requirement>> {
    let content;
    let value = meta.value()?;
    if !value.peek(syn::token::Bracket) {
        let found: syn::Expr = value.parse()?;
        errors.spanned(
            found,
            "`scopes` takes a list of strings: `scopes = [\"notes:read\", \"notes:write\"]`",
        );
        return Ok(None);
    }
    let bracket = syn::bracketed!(content in value);
    let items = content.parse_terminated(syn::Expr::parse, Token![,])?;
    let mut scopes = Vec::new();
    for item in items {
        match item {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(lit),
                ..
            }) => scopes.push(lit),
            other => errors.spanned(other, "a scope is a string: `scopes = [\"notes:write\"]`"),
        }
    }
    if scopes.is_empty() {
        errors.at(
            bracket.span.join(),
            "`scopes` needs at least one scope: `scopes = [\"notes:write\"]`; a handler \
             that only needs a valid token needs no `#[requires]`",
        );
        return Ok(None);
    }
    Ok(Some(Requirement::Scopes(scopes)))
}

/// `scope = "a"`.
fn scope(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<Requirement>> {
    match meta.value()?.parse::<syn::Expr>()? {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Ok(Some(Requirement::Scopes(vec![lit]))),
        other => {
            errors.spanned(other, "`scope` takes a string: `scope = \"notes:write\"`");
            Ok(None)
        }
    }
}

/// `guard = path`: the predicate's path; its signature is the compiler's to check.
fn guard(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<Requirement>> {
    match meta.value()?.parse::<syn::Expr>()? {
        syn::Expr::Path(path) if path.qself.is_none() => Ok(Some(Requirement::Guard(path.path))),
        other => {
            errors.spanned(
                other,
                "`guard` takes the path of a function \
                 `fn(&User, &Token) -> bool` (or an `async fn`): `guard = is_admin`",
            );
            Ok(None)
        }
    }
}

/// `any(...)` or `all(...)`: at least one requirement inside.
fn group(
    meta: &ParseNestedMeta,
    errors: &mut Errors,
    name: &str,
) -> syn::Result<Option<Vec<Requirement>>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let list = requirements(&content, errors)?;
    if list.is_empty() {
        errors.spanned(
            &meta.path,
            format_args!(
                "`{name}(...)` needs at least one requirement: \
                 `{name}(scope = \"notes:admin\", guard = is_owner)`"
            ),
        );
        return Ok(None);
    }
    Ok(Some(list))
}

/// Anything else: reported with the closest requirement, its value skipped.
fn unknown(
    meta: &ParseNestedMeta,
    name: &str,
    errors: &mut Errors,
) -> syn::Result<Option<Requirement>> {
    let path = &meta.path;
    let message = match suggest::closest(name, keys::ALL) {
        Some(close) => format!("unknown requirement `{name}`; did you mean `{close}`?"),
        None => format!(
            "unknown requirement `{}`; write `scopes = [...]`, `scope = \"...\"`, \
             `guard = path`, `any(...)` or `all(...)`",
            quote::ToTokens::to_token_stream(path)
        ),
    };
    errors.spanned(path, message);
    // Skip the value, up to the next comma.
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(None)
}
