//! Phase 2, the other half: the user-retrieval function's shape, read syntactically.
//!
//! `fn name(token: &Token<C>[, state: &S]) -> Option<U> | Result<Option<U>, E>`, async or not.
//! Types are recognised by their last path segment (`std::option::Option<U>` works); a type alias
//! of `Option` is not seen through.

use proc_macro2::Span;
use syn::spanned::Spanned as _;
use syn::{
    FnArg, GenericArgument, Ident, Item, ItemFn, PathArguments, ReturnType, Signature, Type,
    Visibility,
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

impl Retrieval {
    /// The claims type the token parameter names: `C` in `Token<C>`.
    pub(crate) fn claims_in_token(&self) -> Option<&Type> {
        let Type::Path(path) = ungroup(&self.token) else {
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
