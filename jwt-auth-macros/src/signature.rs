//! Phase 2, the other half: the user-retrieval function's shape, read syntactically.
//!
//! `fn name(token: &Token<C>[, state: &S]) -> Option<U> | Result<Option<U>, E>`, async or not.
//! Types are recognised by their last path segment (`std::option::Option<U>` works); a type alias
//! of `Option` is not seen through.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens as _;
use syn::spanned::Spanned as _;
use syn::{
    FnArg, GenericArgument, GenericParam, Ident, Item, ItemFn, PathArguments, ReturnType,
    Signature, Type, Visibility,
};

use crate::errors::Errors;

/// The right shape, for messages.
const SHAPE: &str = "`async fn retrieve_user(token: &Token, state: &AppState) -> Option<User>`";

/// What the expansion needs from the function.
pub(crate) struct Retrieval {
    pub ident: Ident,
    pub vis: Visibility,
    pub is_async: bool,
    /// The type behind the token parameter's reference, as written (`Token`, `Token<Claims>`).
    pub token: Type,
    /// The type behind the state parameter's reference; `None` with one parameter.
    pub state: Option<Type>,
    /// `U` in `Option<U>`.
    pub user: Type,
    /// The return type, as written.
    pub output: Type,
}

/// What the stand-in for the backend type takes from the item when there is a mistake: as much
/// as can be read, without judging it (that is [`read`]'s job).
pub(crate) struct Outline {
    /// The function's name; `None` for an item that is not a function.
    pub ident: Option<Ident>,
    pub vis: Visibility,
    /// The types behind the parameters, as in [`Retrieval`], and `U` in the return type. Each is
    /// `None` when it cannot be read, or cannot be named outside the function (`impl Trait`, or
    /// a type that names one of the function's generic parameters).
    pub token: Option<Type>,
    pub state: Option<Type>,
    pub user: Option<Type>,
}

/// The claims type a token parameter names: `C` in `Token<C>`.
pub(crate) fn claims_in(token: &Type) -> Option<&Type> {
    let Type::Path(path) = ungroup(token) else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Token" {
        return None;
    }
    match type_arguments(&last.arguments)?.as_slice() {
        [claims] => Some(claims),
        _ => None,
    }
}

/// Reads the item leniently, for the stand-in. A parameter that is not a shared reference
/// still gives its type (`state: AppState` and `state: &mut AppState` mean `AppState`). `None`
/// when no type can follow the item: a method (in an `impl` or `trait` block), or an item that
/// may be an associated one (`const`, `type`).
pub(crate) fn outline(item: &Item) -> Option<Outline> {
    let Item::Fn(function) = item else {
        return module_level_vis(item).map(|vis| Outline {
            ident: None,
            vis: vis.clone(),
            token: None,
            state: None,
            user: None,
        });
    };
    let sig = &function.sig;
    if sig.receiver().is_some() {
        return None;
    }
    let generics: Vec<String> = sig
        .generics
        .params
        .iter()
        .map(|parameter| match parameter {
            GenericParam::Type(ty) => ty.ident.to_string(),
            GenericParam::Lifetime(lifetime) => lifetime.lifetime.ident.to_string(),
            GenericParam::Const(constant) => constant.ident.to_string(),
        })
        .collect();
    let nameable = |ty: &Type| find_impl_trait(ty).is_none() && !names(ty, &generics);
    let mut parameters = sig.inputs.iter().filter_map(|input| match input {
        FnArg::Typed(typed) => Some(match ungroup(&typed.ty) {
            Type::Reference(reference) => &*reference.elem,
            other => other,
        }),
        FnArg::Receiver(_) => None,
    });
    let mut next = || parameters.next().filter(|ty| nameable(ty)).cloned();
    let (token, state) = (next(), next());
    let user = match &sig.output {
        ReturnType::Type(_, output) => user_type(output).filter(nameable),
        ReturnType::Default => None,
    };
    Some(Outline {
        ident: Some(sig.ident.clone()),
        vis: function.vis.clone(),
        token,
        state,
        user,
    })
}

/// The visibility of an item that can only be at module level (or in a block), where a stand-in
/// can follow it.
fn module_level_vis(item: &Item) -> Option<&Visibility> {
    match item {
        Item::Struct(item) => Some(&item.vis),
        Item::Enum(item) => Some(&item.vis),
        Item::Union(item) => Some(&item.vis),
        Item::Trait(item) => Some(&item.vis),
        Item::Mod(item) => Some(&item.vis),
        Item::Use(item) => Some(&item.vis),
        Item::Impl(_) => Some(&Visibility::Inherited),
        _ => None,
    }
}

/// Whether `ty` names one of `generics` (a lifetime by its name without the quote). A type
/// that happens to share a lifetime's name counts too, which only costs the stand-in that type.
fn names(ty: &Type, generics: &[String]) -> bool {
    fn any_of(tokens: TokenStream, generics: &[String]) -> bool {
        tokens.into_iter().any(|tree| match tree {
            TokenTree::Ident(ident) => generics.iter().any(|name| ident == name),
            TokenTree::Group(group) => any_of(group.stream(), generics),
            TokenTree::Punct(_) | TokenTree::Literal(_) => false,
        })
    }
    !generics.is_empty() && any_of(ty.to_token_stream(), generics)
}

/// Reads the function, reporting every way its shape is wrong. `None` when it cannot be used.
pub(crate) fn read(item: &Item, errors: &mut Errors) -> Option<Retrieval> {
    let Item::Fn(function) = item else {
        errors.at(
            item_keyword(item),
            format_args!("`#[jwt_auth]` goes on a user-retrieval function: {SHAPE}"),
        );
        return None;
    };
    read_fn(function, errors)
}

fn read_fn(function: &ItemFn, errors: &mut Errors) -> Option<Retrieval> {
    let before = errors.len();
    let sig = &function.sig;
    check_qualifiers(sig, errors);

    let mut params = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => errors.spanned(
                receiver,
                format_args!(
                    "`#[jwt_auth]` goes on a free function, not a method; remove `self`: {SHAPE}"
                ),
            ),
            FnArg::Typed(typed) => params.push(typed),
        }
    }
    let mut token = None;
    let mut state = None;
    match params.as_slice() {
        [] => {
            if sig.receiver().is_none() {
                errors.at(
                    sig.paren_token.span.join(),
                    format_args!("the user-retrieval function takes the token, and optionally the state: {SHAPE}"),
                );
            }
        }
        [first, rest @ ..] => {
            token = referent(&first.ty, "token", "token: &Token", errors);
            if let Some(second) = rest.first() {
                state = referent(&second.ty, "state", "state: &AppState", errors);
            }
            for extra in rest.iter().skip(1) {
                errors.spanned(
                    extra,
                    format_args!(
                        "the user-retrieval function takes at most two parameters, the token and the state: {SHAPE}"
                    ),
                );
            }
        }
    }

    let user = match &sig.output {
        ReturnType::Default => {
            errors.at(
                sig.paren_token.span.close(),
                "the user-retrieval function must return `Option<User>` or `Result<Option<User>, E>`: \
                 add `-> Option<User>`",
            );
            None
        }
        ReturnType::Type(_, output) => {
            let user = user_type(output);
            if user.is_none() {
                errors.spanned(
                    output,
                    "the user-retrieval function must return `Option<User>` or \
                     `Result<Option<User>, E>` (`None` means no such user: 401)",
                );
            }
            user
        }
    };

    if errors.len() != before {
        return None;
    }
    let ReturnType::Type(_, output) = &sig.output else {
        return None;
    };
    Some(Retrieval {
        ident: sig.ident.clone(),
        vis: function.vis.clone(),
        is_async: sig.asyncness.is_some(),
        token: token?,
        state,
        user: user?,
        output: (**output).clone(),
    })
}

/// `const`, `unsafe`, `extern`, variadics and generics, which the glue cannot call.
fn check_qualifiers(sig: &Signature, errors: &mut Errors) {
    if let Some(constness) = &sig.constness {
        errors.at(
            constness.span,
            "the user-retrieval function cannot be `const`",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.at(
            unsafety.span,
            "the user-retrieval function cannot be `unsafe`; the backend calls it for every request",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.spanned(
            abi,
            "the user-retrieval function cannot be `extern`; remove the ABI",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, "the user-retrieval function cannot be variadic");
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(
            &sig.generics,
            "the user-retrieval function cannot be generic; name the user and state types, \
             and let elided lifetimes be",
        );
    } else if let Some(clause) = &sig.generics.where_clause {
        errors.spanned(
            clause,
            "the user-retrieval function cannot have a `where` clause",
        );
    }
}

/// `T` in a parameter of type `&T`; reports any other parameter type.
fn referent(ty: &Type, what: &str, example: &str, errors: &mut Errors) -> Option<Type> {
    let Type::Reference(reference) = ungroup(ty) else {
        errors.spanned(
            ty,
            format_args!("the {what} parameter must be a shared reference: `{example}`"),
        );
        return None;
    };
    if let Some(mutability) = &reference.mutability {
        errors.at(
            mutability.span,
            format_args!("the {what} parameter must be a shared reference: `{example}`"),
        );
        return None;
    }
    if let Some(impl_trait) = find_impl_trait(&reference.elem) {
        errors.spanned(
            impl_trait,
            "the user-retrieval function cannot take `impl Trait`; name the type",
        );
        return None;
    }
    Some((*reference.elem).clone())
}

/// `U` in `Option<U>` or `Result<Option<U>, E>`, by last path segment.
fn user_type(output: &Type) -> Option<Type> {
    let (name, arguments) = last_segment(output)?;
    match (name.to_string().as_str(), arguments.as_slice()) {
        ("Option", [user]) => Some((*user).clone()),
        ("Result", [ok, _error]) => match last_segment(ok)? {
            (name, arguments) if name == "Option" => match arguments.as_slice() {
                [user] => Some((*user).clone()),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// The last segment's name and type arguments.
fn last_segment(ty: &Type) -> Option<(&Ident, Vec<&Type>)> {
    let Type::Path(path) = ungroup(ty) else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    let arguments = match &last.arguments {
        PathArguments::None => Vec::new(),
        arguments => type_arguments(arguments)?,
    };
    Some((&last.ident, arguments))
}

/// The type arguments of `<...>`; `None` if any argument is not a type.
fn type_arguments(arguments: &PathArguments) -> Option<Vec<&Type>> {
    let PathArguments::AngleBracketed(angle) = arguments else {
        return None;
    };
    angle
        .args
        .iter()
        .map(|argument| match argument {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect()
}

/// Looks through the invisible groups a `macro_rules!` `$t:ty` leaves, and parentheses.
fn ungroup(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => ungroup(&group.elem),
        Type::Paren(paren) => ungroup(&paren.elem),
        other => other,
    }
}

/// An `impl Trait` anywhere in a type.
fn find_impl_trait(ty: &Type) -> Option<&Type> {
    match ty {
        Type::ImplTrait(_) => Some(ty),
        Type::Group(group) => find_impl_trait(&group.elem),
        Type::Paren(paren) => find_impl_trait(&paren.elem),
        Type::Reference(reference) => find_impl_trait(&reference.elem),
        Type::Slice(slice) => find_impl_trait(&slice.elem),
        Type::Array(array) => find_impl_trait(&array.elem),
        Type::Tuple(tuple) => tuple.elems.iter().find_map(find_impl_trait),
        Type::Path(path) => path.path.segments.iter().find_map(|segment| {
            let PathArguments::AngleBracketed(angle) = &segment.arguments else {
                return None;
            };
            angle.args.iter().find_map(|argument| match argument {
                GenericArgument::Type(ty) => find_impl_trait(ty),
                _ => None,
            })
        }),
        _ => None,
    }
}

/// The keyword that names an item that is not a function, for the error's caret.
fn item_keyword(item: &Item) -> Span {
    match item {
        Item::Struct(item) => item.struct_token.span,
        Item::Enum(item) => item.enum_token.span,
        Item::Union(item) => item.union_token.span,
        Item::Impl(item) => item.impl_token.span,
        Item::Trait(item) => item.trait_token.span,
        Item::Mod(item) => item.mod_token.span,
        Item::Const(item) => item.const_token.span,
        Item::Static(item) => item.static_token.span,
        Item::Type(item) => item.type_token.span,
        Item::Use(item) => item.use_token.span,
        Item::ForeignMod(item) => item.abi.extern_token.span,
        other => other.span(),
    }
}
