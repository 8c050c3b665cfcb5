//! Phase 4: the tokens. The expansion is data and thin glue: the configuration becomes calls on
//! `jwt_auth::JwtAuthBuilder`, and the user's function is wrapped in the builder's general
//! retrieval shape. Every runtime name goes through an absolute `::jwt_auth::...` path.
//!
//! On a mistake, the errors come with a stand-in for the backend type: the same type and impls
//! (one `BackendType` writes both), with the types that could be read and without the
//! configuration or the glue, so that the code that names the type adds no errors of its own.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{Ident, Item, Type, Visibility};

use jwt_auth_config::{Flow, Key, SameSite};

use crate::attr;
use crate::check;
use crate::errors::Errors;
use crate::model::{Config, KeyFrom};
use crate::signature::{self, Outline, Retrieval};

/// The whole macro, on `proc_macro2` types: the user's item, followed by the generated items or
/// by the errors and a stand-in for the backend type.
pub(crate) fn jwt_auth(args: TokenStream, item: TokenStream) -> TokenStream {
    let added = match analyse(args, item.clone()) {
        Ok(accepted) => generate(&accepted),
        Err(refused) => {
            let mut added = refused.error.to_compile_error();
            added.extend(stand_in(&refused));
            added
        }
    };
    let mut output = item;
    output.extend(added);
    output
}

/// What to expand.
pub(crate) struct Accepted {
    config: Config,
    retrieval: Retrieval,
    /// The backend type's name.
    name: Ident,
}

/// Every mistake, and what the stand-in for the backend type is made of.
pub(crate) struct Refused {
    pub error: syn::Error,
    config: Config,
    /// The item as far as it could be read; `None` when no type can follow it.
    outline: Option<Outline>,
    /// The backend type's name, when one can be told.
    name: Option<Ident>,
}

/// Phases 1 to 3: every mistake in the attribute and the function, or what to expand.
pub(crate) fn analyse(args: TokenStream, item: TokenStream) -> Result<Accepted, Box<Refused>> {
    let mut errors = Errors::new();
    let parsed = attr::parse(args, &mut errors);
    let config = Config::from_entries(parsed, &mut errors);
    check::check(&config, &mut errors);
    let item = match syn::parse2::<Item>(item) {
        Ok(item) => Some(item),
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let retrieval = item
        .as_ref()
        .and_then(|item| signature::read(item, &mut errors));
    let outline = item.as_ref().and_then(signature::outline);
    let function = outline.as_ref().and_then(|outline| outline.ident.as_ref());
    let name = type_name(&config, function);
    if let Some(function) = function.filter(|_| name.is_none() && !config.has(Key::Name)) {
        errors.spanned(
            function,
            format_args!(
                "cannot make a type name of `{function}`; name the backend type with `name = Auth`"
            ),
        );
    }
    match (errors.finish(), retrieval, name) {
        (None, Some(retrieval), Some(name)) => Ok(Accepted {
            config,
            retrieval,
            name,
        }),
        (error, _, name) => Err(Box::new(Refused {
            // `signature::read` only refuses a function after reporting why, and a missing name
            // was reported above.
            error: error.unwrap_or_else(|| syn::Error::new(Span::call_site(), "unusable function")),
            config,
            outline,
            name,
        })),
    }
}

/// The backend type's name: `name = ...` (or, for the stand-in, the name that a refused value
/// spells), else the function's name in `PascalCase`; `None` when that is not an identifier
/// (`fn __`, `fn _1`, `fn self_`).
fn type_name(config: &Config, function: Option<&Ident>) -> Option<Ident> {
    if let Some(name) = config.name.as_ref().or(config.intended_name.as_ref()) {
        return Some(name.clone());
    }
    let function = function?;
    let pascal = pascal_case(&function.unraw().to_string());
    let mut name = syn::parse_str::<Ident>(&pascal).ok()?;
    name.set_span(function.span());
    Some(name)
}

/// `retrieve_user_handler` -> `RetrieveUserHandler`.
pub(crate) fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// `U, S, C` in `JwtAuth<U, S, C>`.
struct Types {
    user: TokenStream,
    state: TokenStream,
    claims: TokenStream,
}

impl Types {
    /// The user and state types from the function, the claims from `claims = ...` or the token
    /// parameter's `Token<C>`, else `jwt_auth::Extras`. A stand-in's type that could not be read
    /// is `()`, which the runtime's bounds accept.
    fn new(
        config: &Config,
        user: Option<&Type>,
        state: Option<&Type>,
        token: Option<&Type>,
    ) -> Self {
        let unit = || quote!(());
        let claims = match (&config.claims, token.and_then(signature::claims_in)) {
            (Some(claims), _) => claims.to_token_stream(),
            (None, Some(claims)) => claims.to_token_stream(),
            (None, None) => quote!(::jwt_auth::Extras),
        };
        Types {
            user: user.map_or_else(unit, ToTokens::to_token_stream),
            state: state.map_or_else(unit, ToTokens::to_token_stream),
            claims,
        }
    }
}

impl ToTokens for Types {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let Types {
            user,
            state,
            claims,
        } = self;
        tokens.extend(quote!(#user, #state, #claims));
    }
}

/// The backend type and its impls. The expansion and the stand-in share it; the stand-in's
/// `builder()` leaves the configuration out.
struct BackendType<'a> {
    name: &'a Ident,
    vis: &'a Visibility,
    types: &'a Types,
    doc: String,
    new_doc: String,
    /// The assertions on the types, then the builder calls, in `builder()`.
    assertions: TokenStream,
    calls: TokenStream,
    /// What `#[requires]` checks its scopes against; see [`Declared`].
    declared: Declared,
}

/// The scopes a backend declares, for `#[requires]`'s compile-time checks
/// (`jwt_auth::__private::Backend`).
struct Declared {
    scopes: Vec<syn::LitStr>,
    /// `false` for the stand-in, whose guards are not checked: the attribute's errors come
    /// alone.
    checked: bool,
}

impl Declared {
    fn new(config: &Config, checked: bool) -> Self {
        let scopes = config
            .oauth_scopes
            .iter()
            .flatten()
            .map(|(name, _)| name.clone())
            .collect();
        Self { scopes, checked }
    }
}

impl ToTokens for BackendType<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let BackendType {
            name,
            vis,
            types,
            doc,
            new_doc,
            assertions,
            calls,
            declared,
        } = self;
        let Types {
            user: user_type,
            claims: claims_type,
            ..
        } = types;
        let (scopes, checked) = (&declared.scopes, declared.checked);
        let name_text = name.to_string();
        let builder_doc = " The configuration written in `#[jwt_auth(...)]`, as a builder to \
                           adjust before [`build`](jwt_auth::JwtAuthBuilder::build).";
        tokens.extend(quote! {
            #[doc = #doc]
            #[derive(::core::clone::Clone, ::core::fmt::Debug)]
            #vis struct #name(::jwt_auth::JwtAuth<#types>);

            impl #name {
                #[doc = #new_doc]
                #vis fn new() -> ::core::result::Result<Self, ::jwt_auth::ConfigError> {
                    ::core::result::Result::map(Self::builder().build(), Self)
                }

                #[doc = #builder_doc]
                #vis fn builder() -> ::jwt_auth::JwtAuthBuilder<#types> {
                    #assertions
                    ::jwt_auth::JwtAuth::<#types>::builder() #calls
                }
            }

            impl ::jwt_auth::__private::Backend for #name {
                type User = #user_type;
                type Claims = #claims_type;
                const NAME: &'static str = #name_text;
                const SCOPES: &'static [&'static str] = &[#(#scopes),*];
                const CHECKED: bool = #checked;
            }

            impl ::core::convert::From<::jwt_auth::JwtAuth<#types>> for #name {
                fn from(backend: ::jwt_auth::JwtAuth<#types>) -> Self {
                    Self(backend)
                }
            }

            impl ::core::ops::Deref for #name {
                type Target = ::jwt_auth::JwtAuth<#types>;

                fn deref(&self) -> &Self::Target {
                    &self.0
                }
            }

            impl<__JwtAuthRouterState> ::jwt_auth::__private::axum::extract::FromRequestParts<__JwtAuthRouterState>
                for #name
            where
                __JwtAuthRouterState: ::core::marker::Send + ::core::marker::Sync,
            {
                type Rejection = ::jwt_auth::__private::axum::response::Response;

                async fn from_request_parts(
                    parts: &mut ::jwt_auth::__private::axum::http::request::Parts,
                    _state: &__JwtAuthRouterState,
                ) -> ::core::result::Result<Self, Self::Rejection> {
                    ::core::result::Result::map(
                        ::jwt_auth::__private::extract_backend::<#types>(parts).await,
                        Self,
                    )
                }
            }
        });
    }
}

fn generate(accepted: &Accepted) -> TokenStream {
    let Accepted {
        config,
        retrieval,
        name,
    } = accepted;
    let types = Types::new(
        config,
        Some(&retrieval.user),
        retrieval.state.as_ref(),
        Some(&retrieval.token),
    );
    let Types { state, claims, .. } = &types;
    let unraw = retrieval.ident.unraw();
    let retrieve_glue = format_ident!("__jwt_auth_retrieve_{}", unraw);
    let revoked_glue = format_ident!("__jwt_auth_revoked_{}", unraw);

    let retrieve = retrieve_fn(retrieval, &retrieve_glue, state, claims);
    let revoked = config
        .revoked
        .as_ref()
        .map(|path| revoked_fn(retrieval, path, &revoked_glue, state, claims));
    let mut calls = builder_calls(config);
    if revoked.is_some() {
        calls.extend(quote!(.revoked_with(::jwt_auth::__private::Arc::new(#revoked_glue))));
    }
    let with = if retrieval.is_async {
        quote!(retrieve_user_with)
    } else {
        quote!(retrieve_user_sync_with)
    };
    calls.extend(quote!(.#with(::jwt_auth::__private::Arc::new(#retrieve_glue))));

    let backend = BackendType {
        name,
        vis: &retrieval.vis,
        types: &types,
        doc: format!(
            " The JWT authentication backend that `#[jwt_auth]` generates for [`{unraw}`].\n\n \
             Build it once with [`{name}::new`], or adjust the configuration first with \
             [`{name}::builder`]. It dereferences to [`jwt_auth::JwtAuth`] (`login`, \
             `create_token`, `logout`, `layer`, `install`, `decode`, ...), and a handler behind \
             its layer can take it as an extractor."
        ),
        new_doc: new_doc(config),
        assertions: assert_types(Some(&retrieval.user), retrieval.state.as_ref(), claims),
        calls,
        declared: Declared::new(config, true),
    };
    let user_impl = user_impl(config, Some(&retrieval.user));
    quote! {
        #backend
        #user_impl
        #retrieve
        #revoked
    }
}

/// `impl jwt_auth::AuthUser for User {}`, spanned on the user type, so that `CurrentUser<U>`
/// of a type no backend returns is a compile error; nothing with `user_impl = false` (another
/// backend's attribute wrote it: a second impl would conflict). For `Arc<User>` or `Box<User>`
/// the impl is `User`'s, which the runtime carries through the pointer; `String` has the
/// runtime's own.
fn user_impl(config: &Config, user: Option<&Type>) -> TokenStream {
    let wanted = config.user_impl.unwrap_or(!config.has(Key::UserImpl));
    let Some(user) = user.filter(|_| wanted) else {
        return TokenStream::new();
    };
    let mut inner = user;
    while let Some(pointee) = pointee(inner) {
        inner = pointee;
    }
    if is_last_segment(inner, "String") {
        return TokenStream::new();
    }
    quote_spanned!(inner.span()=> impl ::jwt_auth::AuthUser for #inner {})
}

/// `T` of `Arc<T>` or `Box<T>` (any path to them).
fn pointee(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Arc" && last.ident != "Box" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match arguments.args.first() {
        Some(syn::GenericArgument::Type(inner)) if arguments.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// Whether `ty` is a path whose last segment is `name`, without generic arguments.
fn is_last_segment(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none()
        && path.path.segments.last().is_some_and(|last| last.ident == name && last.arguments.is_empty()))
}

/// The backend type for an attribute with mistakes, so that they are its only errors: the code
/// that names the type (handlers that take it, `new()`, `auth.login(...)`) still compiles. It is
/// the expansion's type with the types that could be read and none of the configuration, and
/// it calls nothing of the user's; nothing when no name can be told or no type can follow the
/// item.
fn stand_in(refused: &Refused) -> Option<TokenStream> {
    let name = refused.name.as_ref()?;
    let outline = refused.outline.as_ref()?;
    let types = Types::new(
        &refused.config,
        outline.user.as_ref(),
        outline.state.as_ref(),
        outline.token.as_ref(),
    );
    let backend = BackendType {
        name,
        vis: &outline.vis,
        types: &types,
        doc: " A stand-in for the JWT authentication backend that `#[jwt_auth]` generates: the \
              attribute or its function has mistakes (see the errors), so this type has the \
              backend's methods but not its configuration."
            .to_owned(),
        new_doc: new_doc(&refused.config),
        assertions: assert_types(outline.user.as_ref(), outline.state.as_ref(), &types.claims),
        calls: TokenStream::new(),
        declared: Declared::new(&refused.config, false),
    };
    let user_impl = user_impl(&refused.config, outline.user.as_ref());
    Some(quote!(#backend #user_impl))
}

/// Assertions spanned on the user's types, so that a missing bound points at them.
fn assert_types(user: Option<&Type>, state: Option<&Type>, claims: &TokenStream) -> TokenStream {
    let user_check = user
        .map(|user| quote_spanned!(user.span()=> ::jwt_auth::__private::assert_user::<#user>();));
    let state_check = state.map(
        |state| quote_spanned!(state.span()=> ::jwt_auth::__private::assert_state::<#state>();),
    );
    let claims_span = claims.span();
    let claims_check =
        quote_spanned!(claims_span=> ::jwt_auth::__private::assert_claims::<#claims>(););
    quote!(#user_check #state_check #claims_check)
}

/// The arguments the user's function (or revocation check) is called with.
fn call_arguments(retrieval: &Retrieval, claims: &TokenStream) -> TokenStream {
    // `&Token<C>`, spanned on the user's token type: a mismatch reads "expected `&Token`,
    // found `&Token<Claims>`" there.
    let token = quote_spanned! {retrieval.token.span()=>
        <::jwt_auth::__private::Arc<::jwt_auth::Token<#claims>> as ::core::ops::Deref>::deref(
            __jwt_auth_token,
        )
    };
    match &retrieval.state {
        Some(state) => {
            let state = quote_spanned!(state.span()=> __jwt_auth_state);
            quote!(#token, #state)
        }
        None => token,
    }
}

/// The parameters of the general retrieval shape, `RetrieveFn`.
fn glue_parameters(
    retrieval: &Retrieval,
    state: &TokenStream,
    claims: &TokenStream,
) -> TokenStream {
    let state_name = if retrieval.state.is_some() {
        quote!(__jwt_auth_state)
    } else {
        quote!(_)
    };
    quote! {
        __jwt_auth_token: &'__jwt_auth ::jwt_auth::__private::Arc<::jwt_auth::Token<#claims>>,
        #state_name: &'__jwt_auth #state,
    }
}

/// The user's function in the builder's general shape.
fn retrieve_fn(
    retrieval: &Retrieval,
    glue: &Ident,
    state: &TokenStream,
    claims: &TokenStream,
) -> TokenStream {
    let function = &retrieval.ident;
    let user = &retrieval.user;
    let parameters = glue_parameters(retrieval, state, claims);
    let arguments = call_arguments(retrieval, claims);
    let output_span = retrieval.output.span();
    let call = quote!(#function(#arguments));
    // Spanned on the return type, so that an error type that cannot become a `BoxError`
    // points there.
    let converted = quote_spanned! {output_span=>
        ::jwt_auth::IntoRetrieved::<#user>::into_retrieved(__jwt_auth_value)
    };
    let result =
        quote!(::core::result::Result<::core::option::Option<#user>, ::jwt_auth::BoxError>);
    if retrieval.is_async {
        let body = quote_spanned! {function.span()=>
            ::jwt_auth::__private::Box::pin(async move {
                let __jwt_auth_value = #call.await;
                #converted
            })
        };
        quote! {
            #[doc(hidden)]
            fn #glue<'__jwt_auth>(#parameters)
                -> ::jwt_auth::__private::BoxFuture<'__jwt_auth, #result>
            {
                #body
            }
        }
    } else {
        // A synchronous function is called without a future (no allocation per request).
        quote! {
            #[doc(hidden)]
            fn #glue<'__jwt_auth>(#parameters) -> #result {
                let __jwt_auth_value = #call;
                #converted
            }
        }
    }
}

/// The revocation check in the builder's general shape, sync or async by autoref
/// specialisation (see `jwt_auth::__private::Revoked`).
fn revoked_fn(
    retrieval: &Retrieval,
    path: &syn::Path,
    glue: &Ident,
    state: &TokenStream,
    claims: &TokenStream,
) -> TokenStream {
    let parameters = glue_parameters(retrieval, state, claims);
    let arguments = call_arguments(retrieval, claims);
    let into_future = quote_spanned!(path.span()=> .into_revoked_future());
    quote! {
        #[doc(hidden)]
        fn #glue<'__jwt_auth>(#parameters) -> ::jwt_auth::__private::BoxFuture<
            '__jwt_auth,
            ::core::result::Result<bool, ::jwt_auth::BoxError>,
        > {
            #[allow(unused_imports)]
            use ::jwt_auth::__private::{RevokedViaFuture as _, RevokedViaValue as _};
            (&&::jwt_auth::__private::Revoked::new(#path(#arguments))) #into_future
        }
    }
}

/// The doc of the generated `new()`: what it reads and why it may fail.
fn new_doc(config: &Config) -> String {
    if let Some(secret) = &config.secret_env {
        let secret_var = secret.value();
        format!(
            " Builds the backend: reads the secret from the environment variable `{secret_var}` \
             and checks the configuration.\n\n # Errors\n\n A [`jwt_auth::ConfigError`] when the \
             variable is unset (a debug build then uses a random development secret instead), the \
             secret is too short, or the configuration cannot work."
        )
    } else {
        " Builds the backend: reads and parses the keys and checks the configuration.\n\n \
         # Errors\n\n A [`jwt_auth::ConfigError`] when a key cannot be read or does not fit the \
         algorithm, the signing key does not match its verification key, or the configuration \
         cannot work."
            .to_owned()
    }
}

/// The builder method that `key` becomes (the table of keys has it).
fn method(key: Key) -> Ident {
    Ident::new(key.spec().builder.unwrap_or(key.name()), Span::call_site())
}

/// The builder calls for every key that was written; the builder has the defaults.
fn builder_calls(config: &Config) -> TokenStream {
    let mut calls = TokenStream::new();
    if let Some(var) = &config.secret_env {
        let secret = method(Key::Secret);
        calls.extend(quote! {
            .#secret(#var)
            .dev_secret_fallback(::core::cfg!(debug_assertions))
        });
    }
    if let Some(flow) = config.flow {
        let variant = match flow {
            Flow::Header => quote!(Header),
            Flow::Cookie => quote!(Cookie),
            Flow::OAuth2Password => quote!(OAuth2Password),
        };
        let flow = method(Key::Flow);
        calls.extend(quote!(.#flow(::jwt_auth::Flow::#variant)));
    }
    string_call(&mut calls, config.token_url.as_ref(), Key::TokenUrl);
    if let Some(algorithm) = &config.algorithm {
        let method = method(Key::Algorithm);
        calls.extend(quote!(.#method(::jwt_auth::Algorithm::#algorithm)));
    }
    let key = |from: &KeyFrom| match from {
        KeyFrom::Env(var) => quote!(::jwt_auth::Key::env(#var)),
        KeyFrom::File(path) => quote!(::jwt_auth::Key::file(#path)),
    };
    if let Some(private) = &config.private_key {
        let (method, private) = (method(Key::PrivateKey), key(private));
        calls.extend(quote!(.#method(#private)));
    }
    for public in config.public_keys.iter().flatten() {
        let (method, public) = (method(Key::PublicKeys), key(public));
        calls.extend(quote!(.#method(#public)));
    }
    string_call(&mut calls, config.key_id.as_ref(), Key::KeyId);
    string_call(&mut calls, config.auth_header.as_ref(), Key::AuthHeader);
    for (seconds, key) in [
        (config.expiration, Key::Expiration),
        (config.leeway, Key::Leeway),
        (config.refresh_expiration, Key::RefreshExpiration),
    ] {
        if let Some(seconds) = seconds {
            let method = method(key);
            calls.extend(quote!(.#method(::jwt_auth::__private::Duration::from_secs(#seconds))));
        }
    }
    if let Some(store) = &config.token_store {
        let method = method(Key::TokenStore);
        calls.extend(quote!(.#method(#store)));
    }
    list_call(&mut calls, config.exclude.as_ref(), Key::Exclude);
    if let Some(methods) = &config.exclude_methods {
        let method = method(Key::ExcludeMethods);
        calls.extend(quote! {
            .#method([#(::jwt_auth::__private::axum::http::Method::#methods),*])
        });
    }
    string_call(&mut calls, config.cookie_name.as_ref(), Key::CookieName);
    string_call(&mut calls, config.cookie_path.as_ref(), Key::CookiePath);
    string_call(&mut calls, config.cookie_domain.as_ref(), Key::CookieDomain);
    string_call(
        &mut calls,
        config.websocket_query.as_ref(),
        Key::WebsocketQuery,
    );
    bool_call(&mut calls, config.secure, Key::Secure);
    if let Some(same_site) = config.same_site {
        let variant = match same_site {
            SameSite::Lax => quote!(Lax),
            SameSite::Strict => quote!(Strict),
            SameSite::None => quote!(None),
        };
        let method = method(Key::SameSite);
        calls.extend(quote!(.#method(::jwt_auth::SameSite::#variant)));
    }
    list_call(&mut calls, config.issuer.as_ref(), Key::Issuer);
    list_call(&mut calls, config.audience.as_ref(), Key::Audience);
    provider_calls(&mut calls, config);
    bool_call(&mut calls, config.strict_audience, Key::StrictAudience);
    list_call(
        &mut calls,
        config.require_claims.as_ref(),
        Key::RequireClaims,
    );
    bool_call(&mut calls, config.verify_expiry, Key::VerifyExpiry);
    bool_call(&mut calls, config.verify_not_before, Key::VerifyNotBefore);
    string_call(&mut calls, config.scheme_name.as_ref(), Key::SchemeName);
    string_call(&mut calls, config.description.as_ref(), Key::Description);
    if let Some(scopes) = &config.oauth_scopes {
        let method = method(Key::OAuthScopes);
        let (names, descriptions): (Vec<_>, Vec<_>) = scopes.iter().cloned().unzip();
        calls.extend(quote!(.#method([#((#names, #descriptions)),*])));
    }
    calls
}

/// The calls for the identity providers, their TLS roots and the previous secrets.
fn provider_calls(calls: &mut TokenStream, config: &Config) {
    for provider in config.issuers.iter().flatten() {
        let (method, url) = (method(Key::Issuers), &provider.url);
        let mut issuer = quote!(::jwt_auth::Issuer::oidc(#url));
        let audience = &provider.audience;
        if !audience.is_empty() {
            issuer.extend(quote!(.audience([#(#audience),*])));
        }
        let algorithms = &provider.algorithms;
        if !algorithms.is_empty() {
            issuer.extend(quote!(.algorithms([#(::jwt_auth::Algorithm::#algorithms),*])));
        }
        calls.extend(quote!(.#method(#issuer)));
    }
    if let Some(roots) = &config.tls_roots {
        let roots = match roots {
            KeyFrom::Env(var) => quote!(::jwt_auth::TlsRoots::env(#var)),
            KeyFrom::File(path) => quote!(::jwt_auth::TlsRoots::file(#path)),
        };
        let method = method(Key::TlsRoots);
        calls.extend(quote!(.#method(#roots)));
    }
    if let Some(var) = &config.previous_secrets_env {
        let method = method(Key::PreviousSecrets);
        calls.extend(quote!(.#method(#var)));
    }
}

fn string_call(calls: &mut TokenStream, value: Option<&syn::LitStr>, key: Key) {
    if let Some(value) = value {
        let method = method(key);
        calls.extend(quote!(.#method(#value)));
    }
}

fn bool_call(calls: &mut TokenStream, value: Option<bool>, key: Key) {
    if let Some(value) = value {
        let method = method(key);
        calls.extend(quote!(.#method(#value)));
    }
}

/// A list of strings; an empty list is the builder's default, so it is left out.
fn list_call(calls: &mut TokenStream, values: Option<&Vec<syn::LitStr>>, key: Key) {
    if let Some(values) = values.filter(|values| !values.is_empty()) {
        let method = method(key);
        calls.extend(quote!(.#method([#(#values),*])));
    }
}
