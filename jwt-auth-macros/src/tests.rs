//! The macro end to end on `proc_macro2` input: every rule, accumulation, and the expansion's
//! shape. The compiler's view of the same is in the workspace's `tests/ui`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand::{analyse, jwt_auth, pascal_case};

fn item() -> TokenStream {
    quote! {
        async fn retrieve_user(token: &Token, state: &AppState) -> Option<User> { None }
    }
}

/// The messages for `args` on a well-formed function; empty when it is accepted.
fn messages(args: TokenStream) -> Vec<String> {
    messages_for(args, item())
}

fn messages_for(args: TokenStream, item: TokenStream) -> Vec<String> {
    match analyse(args, item) {
        Ok(_) => Vec::new(),
        Err(refused) => refused.error.into_iter().map(|e| e.to_string()).collect(),
    }
}

/// The single message for `args`, which must be refused for exactly one reason.
fn message(args: TokenStream) -> String {
    let mut all = messages(args);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

fn accepted(args: TokenStream) {
    assert_eq!(messages(args), Vec::<String>::new());
}

fn signature_message(item: TokenStream) -> String {
    let mut all = messages_for(quote!(secret = env("JWT_SECRET")), item);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

// --- keys ---

#[test]
fn the_design_attribute_is_accepted() {
    accepted(quote! {
        secret = env("JWT_SECRET"), exclude = ["/login","/schema"], flow = "oauth2_password",
        token_url = "/login"
    });
}

#[test]
fn every_key_at_once_is_accepted() {
    accepted(quote! {
        secret = env("JWT_SECRET"),
        flow = "oauth2_password",
        token_url = "/login",
        algorithm = "HS512",
        auth_header = "X-Api-Token",
        expiration = "1h30m",
        leeway = 30,
        exclude = "^/login$",
        exclude_methods = ["OPTIONS", "HEAD"],
        cookie_name = "session",
        cookie_path = "/api",
        cookie_domain = "example.com",
        secure = true,
        same_site = "none",
        issuer = ["a", "b"],
        audience = "my-api",
        strict_audience = true,
        require_claims = ["aud"],
        verify_expiry = false,
        verify_not_before = false,
        revoked = crate::auth::is_revoked,
        scheme_name = "Bearer",
        description = "Our tokens",
        oauth_scopes = { "read": "Read", "write": "Write" },
        claims = Claims,
        name = Auth,
    });
}

#[test]
fn missing_secret() {
    assert_eq!(
        message(quote!(flow = "cookie")),
        "missing `secret`; add `secret = env(\"JWT_SECRET\")` to read the signing secret from the environment"
    );
    assert_eq!(messages(TokenStream::new()).len(), 1);
}

#[test]
fn secret_literal_points_to_env() {
    let message = message(quote!(secret = "abc"));
    assert!(
        message.contains("`secret = env(\"JWT_SECRET\")`"),
        "{message}"
    );
    assert!(
        message.starts_with("a secret written in the source"),
        "{message}"
    );
}

#[test]
fn secret_of_another_shape() {
    assert_eq!(
        message(quote!(secret = std::env::var("X"))),
        "`secret` takes `env(\"VAR\")`, the environment variable holding the secret, not an \
         expression: `secret = env(\"JWT_SECRET\")`"
    );
    assert!(message(quote!(secret = env(X))).starts_with("`env(...)` takes the variable's name"));
    assert!(message(quote!(secret = env())).starts_with("`env(...)` takes the variable's name"));
    assert!(message(quote!(secret = env(""))).starts_with("not a valid environment variable name"));
}

#[test]
fn flow() {
    accepted(quote!(secret = env("S"), flow = "header"));
    accepted(quote!(secret = env("S"), flow = "cookie"));
    assert_eq!(
        message(quote!(secret = env("S"), flow = "cookies")),
        "unknown flow `cookies`; did you mean `cookie`?"
    );
    assert_eq!(
        message(quote!(secret = env("S"), flow = "jwt")),
        "unknown flow `jwt`; use \"header\", \"cookie\" or \"oauth2_password\""
    );
}

#[test]
fn an_unknown_flow_does_not_cascade() {
    // `token_url` may be right for the flow the user meant.
    assert_eq!(
        messages(quote!(
            secret = env("S"),
            flow = "oauth",
            token_url = "/login"
        ))
        .len(),
        1
    );
}

#[test]
fn token_url() {
    assert_eq!(
        message(quote!(secret = env("S"), flow = "oauth2_password")),
        "`flow = \"oauth2_password\"` needs the login route's path: add `token_url = \"/login\"`"
    );
    assert_eq!(
        message(quote!(secret = env("S"), token_url = "/login")),
        "`token_url` only applies to `flow = \"oauth2_password\"`"
    );
    assert_eq!(
        message(quote!(
            secret = env("S"),
            flow = "cookie",
            token_url = "/login"
        )),
        "`token_url` only applies to `flow = \"oauth2_password\"`"
    );
    assert_eq!(
        message(quote!(
            secret = env("S"),
            flow = "oauth2_password",
            token_url = ""
        )),
        "`token_url` must not be empty"
    );
}

#[test]
fn algorithm() {
    for name in ["HS256", "HS384", "HS512"] {
        accepted(quote!(secret = env("S"), algorithm = #name));
    }
    for name in ["RS256", "PS512", "ES256", "EdDSA"] {
        accepted(quote!(algorithm = #name, private_key = file("k.pem")));
        accepted(quote!(algorithm = #name, public_keys = [env("A"), file("b.der")]));
        let with_secret = message(quote!(secret = env("S"), algorithm = #name));
        assert!(
            with_secret.contains("takes keys, not a `secret`"),
            "{with_secret}"
        );
        let without_keys = message(quote!(algorithm = #name));
        assert!(without_keys.contains("needs keys"), "{without_keys}");
    }
    assert_eq!(
        message(quote!(secret = env("S"), algorithm = "hs256")),
        "unknown algorithm `hs256`; did you mean `HS256`?"
    );
    assert_eq!(
        message(quote!(secret = env("S"), algorithm = "none")),
        "unknown algorithm `none`; use \"HS256\", \"HS384\", \"HS512\", \"RS256\", \"RS384\", \
         \"RS512\", \"PS256\", \"PS384\", \"PS512\", \"ES256\", \"ES384\" or \"EdDSA\""
    );
}

#[test]
fn keys() {
    accepted(quote! {
        algorithm = "EdDSA",
        private_key = env("JWT_PRIVATE_KEY"),
        public_keys = [file("keys/old.pem"), env("JWT_PUBLIC_KEY")],
        key_id = "2026-01",
    });
    accepted(quote!(
        algorithm = "ES256",
        public_keys = file("keys/public.pem")
    ));
    // An HMAC secret may carry a key id too.
    accepted(quote!(secret = env("S"), key_id = "k1"));
    // Keys without an asymmetric algorithm: one error per key, no "missing secret".
    assert_eq!(
        messages(quote!(
            private_key = file("a.pem"),
            public_keys = [file("b.pem")]
        )),
        [
            "`private_key` needs an asymmetric `algorithm` (\"RS256\", \"ES256\", \"EdDSA\", ...); \
             HMAC algorithms take `secret = env(\"JWT_SECRET\")`",
            "`public_keys` needs an asymmetric `algorithm` (\"RS256\", \"ES256\", \"EdDSA\", ...); \
             HMAC algorithms take `secret = env(\"JWT_SECRET\")`",
        ]
    );
    let literal = message(quote!(
        algorithm = "RS256",
        private_key = "-----BEGIN PRIVATE KEY-----"
    ));
    assert!(
        literal.starts_with("a key written in the source"),
        "{literal}"
    );
    let empty = message(quote!(algorithm = "RS256", public_keys = []));
    assert_eq!(empty, "`public_keys` must not be empty");
    let wrong = message(quote!(
        algorithm = "RS256",
        public_keys = [file("a.pem"), 3]
    ));
    assert!(
        wrong.starts_with("`public_keys` takes `env(\"VAR\")` or `file(\"path\")`, not an integer"),
        "{wrong}"
    );
    let secret_file = message(quote!(secret = file("secret.txt")));
    assert!(
        secret_file.contains("read from the environment"),
        "{secret_file}"
    );
    assert_eq!(
        message(quote!(secret = env("S"), key_id = "")),
        "`key_id` must not be empty"
    );
}

#[test]
fn auth_header() {
    accepted(quote!(secret = env("S"), auth_header = "X-Token"));
    for bad in ["", "X Token", "X-Token:", "Tök"] {
        let message = message(quote!(secret = env("S"), auth_header = #bad));
        assert!(
            message.starts_with("not a valid HTTP header name"),
            "{message}"
        );
    }
}

#[test]
fn durations() {
    accepted(quote!(secret = env("S"), expiration = "15m", leeway = "0s"));
    accepted(quote!(secret = env("S"), expiration = 60, leeway = 0));
    let refused = message(quote!(secret = env("S"), expiration = "1 day"));
    assert!(
        refused.starts_with("cannot read `1 day` as a duration"),
        "{refused}"
    );
    assert_eq!(
        message(quote!(secret = env("S"), expiration = "0s")),
        "the expiration must be longer than zero, e.g. `expiration = \"1d\"`"
    );
    assert_eq!(
        message(quote!(secret = env("S"), expiration = 0)),
        "the expiration must be longer than zero, e.g. `expiration = \"1d\"`"
    );
    assert!(message(quote!(secret = env("S"), leeway = "30x")).starts_with("cannot read"));
    assert!(
        message(quote!(secret = env("S"), leeway = -1)).starts_with("`leeway` takes a duration")
    );
}

#[test]
fn exclude() {
    accepted(quote!(secret = env("S"), exclude = "^/login$"));
    accepted(quote!(secret = env("S"), exclude = ["/login", "/schema"]));
    accepted(quote!(secret = env("S"), exclude = []));
    assert_eq!(
        message(quote!(secret = env("S"), exclude = ["^/ok$", "^("])),
        "invalid regular expression in `exclude`: unclosed group"
    );
    assert_eq!(
        messages(quote!(secret = env("S"), exclude = ["^(", "^["])).len(),
        2
    );
}

/// Litestar's unanchored search is not a form: the message shows the form that was meant.
#[test]
fn exclude_patterns_of_neither_form() {
    for (pattern, suggestion) in [
        ("login", "/login"),
        ("/login$", "^/login$"),
        (".json$", "^.*.json$"),
    ] {
        assert_eq!(
            message(quote!(secret = env("S"), exclude = [#pattern])),
            format!(
                "an `exclude` pattern is a path (`\"/login\"`: that route and the routes under \
                 it) or a regular expression starting with `^`; write `\"{suggestion}\"`"
            )
        );
    }
}

#[test]
fn exclude_matching_every_path() {
    for patterns in [
        quote!("/"),
        quote!("^.*"),
        quote!(["^/login$", "/"]),
        quote!(["^/$", "^/[0-9]"]),
    ] {
        assert_eq!(
            message(quote!(secret = env("S"), exclude = #patterns)),
            "`exclude` matches every path, which would turn authentication off; anchor the \
             pattern, e.g. `\"^/login$\"`"
        );
    }
    accepted(quote!(secret = env("S"), exclude = ["/login", "^/$"]));
}

#[test]
fn exclude_methods() {
    accepted(quote!(secret = env("S"), exclude_methods = []));
    accepted(quote!(secret = env("S"), exclude_methods = "OPTIONS"));
    assert_eq!(
        message(quote!(secret = env("S"), exclude_methods = ["options"])),
        "unknown HTTP method `options`; did you mean `OPTIONS`?"
    );
    assert!(
        message(quote!(secret = env("S"), exclude_methods = ["FETCH"]))
            .starts_with("unknown HTTP method `FETCH`; use GET, HEAD, POST")
    );
}

#[test]
fn cookie_keys() {
    accepted(quote! {
        secret = env("S"), flow = "cookie", cookie_name = "sid", cookie_path = "/",
        cookie_domain = "example.com", secure = false, same_site = "strict"
    });
    let all = messages(quote! {
        secret = env("S"), cookie_name = "sid", secure = false, same_site = "lax"
    });
    assert_eq!(all.len(), 3, "{all:#?}");
    assert_eq!(
        all[0],
        "`cookie_name` only applies to the cookie flows: add `flow = \"cookie\"` or `flow = \"oauth2_password\"`"
    );
    assert!(all[1].starts_with("`secure` only applies"));
    assert!(all[2].starts_with("`same_site` only applies"));
}

#[test]
fn cookie_values() {
    assert!(
        message(quote!(
            secret = env("S"),
            flow = "cookie",
            cookie_name = "my token"
        ))
        .starts_with("not a valid cookie name")
    );
    assert!(
        message(quote!(
            secret = env("S"),
            flow = "cookie",
            cookie_path = "/a;b"
        ))
        .starts_with("`cookie_path` must be printable ASCII without `;`")
    );
    assert!(
        message(quote!(
            secret = env("S"),
            flow = "cookie",
            cookie_domain = ""
        ))
        .starts_with("`cookie_domain` must be printable ASCII")
    );
    assert_eq!(
        message(quote!(
            secret = env("S"),
            flow = "cookie",
            same_site = "relaxed"
        )),
        "unknown `same_site` value `relaxed`; use \"lax\", \"strict\" or \"none\""
    );
}

#[test]
fn same_site_none_needs_secure() {
    assert_eq!(
        message(quote!(
            secret = env("S"),
            flow = "cookie",
            same_site = "none",
            secure = false
        )),
        "`same_site = \"none\"` needs `secure = true`: browsers drop such a cookie"
    );
    // `secure` defaults to true.
    accepted(quote!(
        secret = env("S"),
        flow = "cookie",
        same_site = "none"
    ));
}

#[test]
fn strict_audience() {
    accepted(quote!(
        secret = env("S"),
        audience = "a",
        strict_audience = true
    ));
    accepted(quote!(
        secret = env("S"),
        audience = ["a", "b"],
        strict_audience = false
    ));
    assert_eq!(
        message(quote!(
            secret = env("S"),
            audience = ["a", "b"],
            strict_audience = true
        )),
        "`strict_audience = true` needs exactly one `audience`, found 2; e.g. `audience = \"my-api\"`"
    );
    assert!(message(quote!(secret = env("S"), strict_audience = true)).contains("found 0"));
    // A refused audience is reported once, not again by `strict_audience`.
    assert_eq!(
        messages(quote!(
            secret = env("S"),
            audience = 5,
            strict_audience = true
        ))
        .len(),
        1
    );
}

#[test]
fn oauth_scopes() {
    accepted(quote! {
        secret = env("S"), flow = "oauth2_password", token_url = "/t", oauth_scopes = {}
    });
    assert_eq!(
        message(quote!(secret = env("S"), flow = "cookie", oauth_scopes = { "read": "Read" })),
        "`oauth_scopes` only applies to `flow = \"oauth2_password\"`"
    );
    assert_eq!(
        message(quote! {
            secret = env("S"), flow = "oauth2_password", token_url = "/t",
            oauth_scopes = { "read": "Read", "read": "Again" }
        }),
        "duplicate OAuth2 scope `read`"
    );
}

#[test]
fn refresh_tokens_and_token_store() {
    accepted(quote! {
        secret = env("S"), flow = "oauth2_password", token_url = "/t",
        refresh_expiration = "30d", token_store = crate::db::Tokens
    });
    accepted(quote!(secret = env("S"), token_store = MemoryStore::new()));
    assert_eq!(
        message(quote!(
            secret = env("S"),
            flow = "cookie",
            refresh_expiration = "1d"
        )),
        "`refresh_expiration` only applies to `flow = \"oauth2_password\"`: refresh tokens are \
         issued and redeemed at its token endpoint"
    );
    assert_eq!(
        message(quote! {
            secret = env("S"), flow = "oauth2_password", token_url = "/t", refresh_expiration = 0
        }),
        "the refresh expiration must be longer than zero, e.g. `refresh_expiration = \"30d\"`"
    );
    assert_eq!(
        message(quote!(secret = env("S"), token_store = ["memory"])),
        "`token_store` takes an expression of a type that implements `jwt_auth::TokenStore`, not \
         a list: `token_store = SqlTokenStore`"
    );
}

#[test]
fn wrong_value_types() {
    assert_eq!(
        message(quote!(secret = env("S"), verify_expiry = "yes")),
        "`verify_expiry` takes `true` or `false`, not a string: `verify_expiry = true`"
    );
    assert_eq!(
        message(quote!(secret = env("S"), exclude = 5)),
        "`exclude` takes a pattern or a list of patterns, not an integer: `exclude = [\"^/login$\"]`"
    );
    assert_eq!(
        message(quote!(secret = env("S"), issuer = ["a", 1])),
        "`issuer` takes a string or a list of strings, not an integer: `issuer = \"https://issuer.example\"`"
    );
    assert_eq!(
        message(quote!(secret = env("S"), revoked = "is_revoked")),
        "`revoked` takes the path of a function, not a string: `revoked = is_revoked`"
    );
    assert_eq!(
        message(quote!(secret = env("S"), name = "Auth")),
        "`name` takes a type name, not a string: `name = Auth`"
    );
    assert_eq!(
        message(quote!(secret = env("S"), name = a::Auth)),
        "`name` takes a type name, not a path: `name = Auth`"
    );
    assert_eq!(
        message(quote!(secret = env("S"), flow = cookie)),
        "`flow` takes a string, not a path: `flow = \"cookie\"`"
    );
    assert!(
        message(quote!(secret = env("S"), oauth_scopes = ["read"]))
            .starts_with("`oauth_scopes` takes a map")
    );
}

#[test]
fn unknown_and_duplicate_keys() {
    assert_eq!(
        message(quote!(secret = env("S"), exlude = "/x")),
        "unknown `jwt_auth` key `exlude`; did you mean `exclude`?"
    );
    assert_eq!(
        message(quote!(secret = env("S"), flow = "cookie", flow = "header")),
        "duplicate `jwt_auth` key `flow`; give each key once"
    );
}

#[test]
fn three_bad_keys_give_three_errors() {
    let all = messages(quote! {
        secret = env("S"), flwo = "cookie", expiration = "soon", secure = "yes"
    });
    assert_eq!(all.len(), 3, "{all:#?}");
    assert!(all[0].starts_with("unknown `jwt_auth` key `flwo`"));
    assert!(all[1].starts_with("cannot read `soon` as a duration"));
    assert!(all[2].starts_with("`secure` takes `true` or `false`"));
}

#[test]
fn a_misspelt_key_does_not_also_count_as_missing() {
    assert_eq!(
        message(quote!(token_secret = env("JWT_SECRET"))),
        "unknown `jwt_auth` key `token_secret`; did you mean `secret`?"
    );
    assert_eq!(
        message(quote!(
            secret = env("S"),
            flow = "oauth2_password",
            tokn_url = "/login"
        )),
        "unknown `jwt_auth` key `tokn_url`; did you mean `token_url`?"
    );
}

#[test]
fn attribute_and_signature_errors_are_reported_together() {
    let all = messages_for(
        quote!(flow = "nope"),
        quote!(
            fn retrieve_user<T>(token: Token) {}
        ),
    );
    assert_eq!(all.len(), 5, "{all:#?}");
}

// --- the function ---

#[test]
fn function_shapes_accepted() {
    for item in [
        quote!(
            async fn f(token: &Token, state: &AppState) -> Option<User> {
                None
            }
        ),
        quote!(
            fn f(token: &Token, state: &AppState) -> Option<User> {
                None
            }
        ),
        quote!(
            async fn f(token: &Token) -> Option<User> {
                None
            }
        ),
        quote!(
            pub async fn f(_: &Token<Claims>, _: &S) -> Result<Option<User>, Error> {
                Ok(None)
            }
        ),
        quote!(
            fn f(token: &Token) -> std::option::Option<User> {
                None
            }
        ),
        quote!(
            fn f(token: &Token) -> ::core::result::Result<std::option::Option<User>, E> {
                todo!()
            }
        ),
    ] {
        assert_eq!(
            messages_for(quote!(secret = env("S")), item),
            Vec::<String>::new()
        );
    }
}

#[test]
fn not_a_function() {
    let message = signature_message(quote!(
        struct User;
    ));
    assert!(
        message.starts_with("`#[jwt_auth]` goes on a user-retrieval function"),
        "{message}"
    );
}

#[test]
fn method_with_self() {
    let message = signature_message(quote!(
        async fn f(&self, token: &Token) -> Option<User> {
            None
        }
    ));
    assert!(
        message.starts_with("`#[jwt_auth]` goes on a free function, not a method"),
        "{message}"
    );
}

#[test]
fn generics_and_impl_trait() {
    assert!(
        signature_message(quote!(
            fn f<T>(token: &Token) -> Option<T> {
                None
            }
        ))
        .starts_with("the user-retrieval function cannot be generic")
    );
    assert!(
        signature_message(quote!(
            fn f<'a>(token: &'a Token) -> Option<U> {
                None
            }
        ))
        .starts_with("the user-retrieval function cannot be generic")
    );
    assert_eq!(
        signature_message(quote!(
            fn f(token: &Token, state: &impl Clone) -> Option<U> {
                None
            }
        )),
        "the user-retrieval function cannot take `impl Trait`; name the type"
    );
}

#[test]
fn parameter_count_and_kind() {
    assert!(
        signature_message(quote!(
            fn f() -> Option<U> {
                None
            }
        ))
        .starts_with("the user-retrieval function takes the token, and optionally the state")
    );
    assert!(
        signature_message(quote!(
            fn f(t: &Token, s: &S, x: &X) -> Option<U> {
                None
            }
        ))
        .starts_with("the user-retrieval function takes at most two parameters")
    );
    assert_eq!(
        signature_message(quote!(
            fn f(token: Token) -> Option<U> {
                None
            }
        )),
        "the token parameter must be a shared reference: `token: &Token`"
    );
    assert_eq!(
        signature_message(quote!(
            fn f(token: &Token, state: &mut S) -> Option<U> {
                None
            }
        )),
        "the state parameter must be a shared reference: `state: &AppState`"
    );
}

#[test]
fn return_types() {
    assert!(
        signature_message(quote!(
            fn f(token: &Token) {}
        ))
        .ends_with("add `-> Option<User>`")
    );
    for output in [
        quote!(User),
        quote!(Result<User, E>),
        quote!(Option<A, B>),
        quote!(Vec<User>),
    ] {
        assert!(
            signature_message(quote!(fn f(token: &Token) -> #output { todo!() }))
                .starts_with("the user-retrieval function must return `Option<User>`")
        );
    }
}

#[test]
fn qualifiers() {
    assert!(
        signature_message(quote!(
            unsafe fn f(t: &Token) -> Option<U> {
                None
            }
        ))
        .starts_with("the user-retrieval function cannot be `unsafe`")
    );
    assert!(
        signature_message(quote!(
            const fn f(t: &Token) -> Option<U> {
                None
            }
        ))
        .starts_with("the user-retrieval function cannot be `const`")
    );
    assert!(
        signature_message(quote!(
            extern "C" fn f(t: &Token) -> Option<U> {
                None
            }
        ))
        .starts_with("the user-retrieval function cannot be `extern`")
    );
}

// --- the expansion ---

#[test]
fn names() {
    assert_eq!(pascal_case("retrieve_user_handler"), "RetrieveUserHandler");
    assert_eq!(pascal_case("_user"), "User");
    assert_eq!(pascal_case("user2_by_id"), "User2ById");
}

fn expanded(args: TokenStream, item: TokenStream) -> String {
    jwt_auth(args, item).to_string()
}

#[test]
fn expansion_keeps_the_function_and_names_the_runtime_absolutely() {
    let out = expanded(quote!(secret = env("JWT_SECRET"), flow = "cookie"), item());
    assert!(out.starts_with("async fn retrieve_user"), "{out}");
    assert!(out.contains("struct RetrieveUser (:: jwt_auth :: JwtAuth < User , AppState , :: jwt_auth :: Extras >)"), "{out}");
    assert!(out.contains(". secret_from_env (\"JWT_SECRET\") . dev_secret_fallback (:: core :: cfg ! (debug_assertions))"), "{out}");
    assert!(
        out.contains(". flow (:: jwt_auth :: Flow :: Cookie)"),
        "{out}"
    );
    assert!(
        out.contains("fn __jwt_auth_retrieve_retrieve_user"),
        "{out}"
    );
    assert!(out.contains("# [doc (hidden)]"), "{out}");
    assert!(!out.contains("compile_error"), "{out}");
}

#[test]
fn expansion_on_error_keeps_the_function() {
    let out = expanded(quote!(flow = "nope"), item());
    assert!(out.starts_with("async fn retrieve_user"), "{out}");
    assert!(out.contains("compile_error"), "{out}");
}

#[test]
fn claims_type() {
    let with_key = expanded(quote!(secret = env("S"), claims = my::Claims), item());
    assert!(
        with_key.contains("JwtAuth < User , AppState , my :: Claims >"),
        "{with_key}"
    );
    let from_token = expanded(
        quote!(secret = env("S")),
        quote!(
            fn f(token: &Token<Claims>) -> Option<User> {
                None
            }
        ),
    );
    assert!(
        from_token.contains("JwtAuth < User , () , Claims >"),
        "{from_token}"
    );
}

#[test]
fn name_key() {
    let out = expanded(quote!(secret = env("S"), name = Auth), item());
    assert!(out.contains("struct Auth"), "{out}");
}

#[test]
fn revoked_glue() {
    let out = expanded(
        quote!(secret = env("S"), revoked = checks::is_revoked),
        item(),
    );
    assert!(out.contains("fn __jwt_auth_revoked_retrieve_user"), "{out}");
    assert!(
        out.contains("Revoked :: new (checks :: is_revoked (< :: jwt_auth :: __private :: Arc < :: jwt_auth :: Token < :: jwt_auth :: Extras >> as :: core :: ops :: Deref > :: deref (__jwt_auth_token ,) , __jwt_auth_state))"),
        "{out}"
    );
    assert!(out.contains(". revoked_with (:: jwt_auth :: __private :: Arc :: new (__jwt_auth_revoked_retrieve_user))"), "{out}");
}

#[test]
fn a_function_name_without_a_type_name() {
    for function in [quote!(__), quote!(_1), quote!(self_)] {
        let item = quote!(fn #function(token: &Token) -> Option<User> { None });
        assert_eq!(
            messages_for(quote!(secret = env("S")), item.clone()),
            [format!(
                "cannot make a type name of `{function}`; name the backend type with `name = Auth`"
            )]
        );
        assert_eq!(
            messages_for(quote!(secret = env("S"), name = Auth), item.clone()),
            Vec::<String>::new()
        );
        // No stand-in either, and no panic.
        let out = expanded(quote!(secret = env("S"), flow = "nope"), item);
        assert!(!out.contains("struct"), "{out}");
    }
    // A refused `name` is its own error, not this one too.
    assert_eq!(
        messages_for(
            quote!(secret = env("S"), name = 5),
            quote!(
                fn __(token: &Token) -> Option<User> {
                    None
                }
            )
        )
        .len(),
        1
    );
}

// --- the stand-in ---

/// The generated type's surface: the struct, and each impl's header with its items' signatures,
/// without docs or bodies.
fn surface(out: TokenStream) -> Vec<String> {
    let file: syn::File = syn::parse2(out).expect("the expansion parses");
    let without_docs = |attrs: &[syn::Attribute]| -> Vec<String> {
        attrs
            .iter()
            .filter(|attr| !attr.path().is_ident("doc"))
            .map(|attr| quote!(#attr).to_string())
            .collect()
    };
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(item) => {
                let syn::ItemStruct {
                    vis, ident, fields, ..
                } = item;
                let attrs = without_docs(&item.attrs).join(" ");
                Some(format!("{attrs} {} ;", quote!(#vis struct #ident #fields)))
            }
            syn::Item::Impl(item) => {
                let (generics, self_ty) = (&item.generics, &item.self_ty);
                let trait_ = item.trait_.as_ref().map(|(_, path, _)| quote!(#path for));
                let where_clause = &generics.where_clause;
                let members: Vec<String> = item
                    .items
                    .iter()
                    .map(|member| match member {
                        syn::ImplItem::Fn(function) => {
                            let (vis, sig) = (&function.vis, &function.sig);
                            quote!(#vis #sig).to_string()
                        }
                        other => quote!(#other).to_string(),
                    })
                    .collect();
                Some(format!(
                    "{} {{ {} }}",
                    quote!(impl #generics #trait_ #self_ty #where_clause),
                    members.join(" ")
                ))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_stand_in_has_the_surface_of_the_backend_type() {
    // The stand-in's guards are not checked (`CHECKED` is false); the rest is the same.
    let unchecked = |surface: Vec<String>| -> Vec<String> {
        surface
            .into_iter()
            .map(|item| item.replace("CHECKED : bool = false", "CHECKED : bool = true"))
            .collect()
    };
    let real = surface(jwt_auth(quote!(secret = env("S")), item()));
    let stand_in = surface(jwt_auth(quote!(secret = env("S"), exlude = "^/x$"), item()));
    assert!(
        stand_in[2].contains("CHECKED : bool = false"),
        "{stand_in:#?}"
    );
    let stand_in = unchecked(stand_in);
    // The struct, its impl block, `Backend` (for `#[requires]`), `From`, `Deref`, the
    // extractor and `AuthUser` for the user.
    assert_eq!(real.len(), 7, "{real:#?}");
    assert_eq!(stand_in, real);
    let public = quote!(
        pub async fn retrieve_user(token: &Token<Claims>) -> Option<User> {
            None
        }
    );
    let real = surface(jwt_auth(quote!(secret = env("S")), public.clone()));
    let stand_in = unchecked(surface(jwt_auth(
        quote!(secret = env("S"), flow = "nope"),
        public,
    )));
    assert_eq!(stand_in, real);
    assert!(real[0].contains("pub struct"), "{real:#?}");
}

#[test]
fn the_stand_in_follows_the_errors_without_the_configuration() {
    let out = expanded(
        quote! {
            secret = env("S"), flow = "cookie", exlude = "^/x$", revoked = is_revoked,
            token_store = Store
        },
        item(),
    );
    assert!(out.starts_with("async fn retrieve_user"), "{out}");
    let error = out.find("compile_error").expect(&out);
    let stand_in = out.find("struct RetrieveUser (:: jwt_auth :: JwtAuth < User , AppState , :: jwt_auth :: Extras >)").expect(&out);
    assert!(error < stand_in, "{out}");
    // `builder()` is the runtime's builder with the assertions and nothing else.
    assert!(
        out.contains("fn builder () -> :: jwt_auth :: JwtAuthBuilder < User , AppState , :: jwt_auth :: Extras > { :: jwt_auth :: __private :: assert_user :: < User > () ; :: jwt_auth :: __private :: assert_state :: < AppState > () ; :: jwt_auth :: __private :: assert_claims :: < :: jwt_auth :: Extras > () ; :: jwt_auth :: JwtAuth :: < User , AppState , :: jwt_auth :: Extras > :: builder () }"),
        "{out}"
    );
    for configuration in [
        "secret_from_env",
        "Flow",
        "is_revoked",
        "Store",
        "__jwt_auth_retrieve",
        "__jwt_auth_revoked",
        "retrieve_user (",
        "unreachable",
        "panic",
    ] {
        assert!(
            !out[error..].contains(configuration),
            "{configuration}: {out}"
        );
    }
}

/// The stand-in's `JwtAuth<U, S, C>`, for `args` (which must have a mistake) on `item`.
fn stand_in_types(args: TokenStream, item: TokenStream) -> String {
    let out = expanded(args, item);
    assert!(out.contains("compile_error"), "{out}");
    let start = out.find("struct").expect(&out);
    let end = start + out[start..].find(';').expect(&out);
    out[start..end].trim_end().to_owned()
}

#[test]
fn the_stand_in_takes_the_types_that_were_read() {
    let bad = || quote!(secret = env("S"), exlude = "^/x$");
    // A wrong return type: the user type is unknown.
    assert_eq!(
        stand_in_types(
            bad(),
            quote!(
                fn retrieve_user(token: &Token, state: &AppState) -> User {
                    User
                }
            )
        ),
        "struct RetrieveUser (:: jwt_auth :: JwtAuth < () , AppState , :: jwt_auth :: Extras >)"
    );
    // Parameters that are not shared references still tell their types.
    assert_eq!(
        stand_in_types(
            quote!(secret = env("S")),
            quote!(
                fn retrieve_user(token: Token<Claims>, state: &mut AppState) -> Option<User> {
                    None
                }
            )
        ),
        "struct RetrieveUser (:: jwt_auth :: JwtAuth < User , AppState , Claims >)"
    );
    // `impl Trait` and the function's generic parameters cannot be named outside it.
    assert_eq!(
        stand_in_types(
            quote!(secret = env("S")),
            quote!(
                fn retrieve_user(token: &Token<Claims>, state: &impl Clone) -> Option<User> {
                    None
                }
            )
        ),
        "struct RetrieveUser (:: jwt_auth :: JwtAuth < User , () , Claims >)"
    );
    assert_eq!(
        stand_in_types(
            quote!(secret = env("S")),
            quote!(
                fn retrieve_user<'a, U, const N: usize>(
                    token: &'a Token<[u8; N]>,
                    state: &Vec<U>,
                ) -> Option<Users<'a>> {
                    None
                }
            )
        ),
        "struct RetrieveUser (:: jwt_auth :: JwtAuth < () , () , :: jwt_auth :: Extras >)"
    );
    assert_eq!(
        stand_in_types(
            quote!(secret = env("S")),
            quote!(
                fn retrieve_user<T>(token: &Token, state: &AppState) -> Option<User> {
                    None
                }
            )
        ),
        "struct RetrieveUser (:: jwt_auth :: JwtAuth < User , AppState , :: jwt_auth :: Extras >)"
    );
    // `claims = ...` as in the expansion, even with other mistakes; a refused one gives way to
    // the token's.
    assert_eq!(
        stand_in_types(
            quote!(secret = env("S"), claims = my::Claims, flow = "nope"),
            item()
        ),
        "struct RetrieveUser (:: jwt_auth :: JwtAuth < User , AppState , my :: Claims >)"
    );
    assert_eq!(
        stand_in_types(
            quote!(secret = env("S"), claims = "Claims"),
            quote!(
                async fn retrieve_user(token: &Token<Mine>) -> Option<User> {
                    None
                }
            )
        ),
        "struct RetrieveUser (:: jwt_auth :: JwtAuth < User , () , Mine >)"
    );
}

#[test]
fn the_stand_in_is_named_as_the_code_names_it() {
    let with = |name: TokenStream| {
        stand_in_types(
            quote!(secret = env("S"), exlude = "^/x$", name = #name),
            item(),
        )
    };
    assert!(with(quote!(Auth)).starts_with("struct Auth ("));
    assert!(with(quote!(r#Auth)).starts_with("struct r#Auth ("));
    // A refused name: the one it spells, without a second error.
    for spelt in [quote!("Auth"), quote!(crate::Auth), quote!(Auth<T>)] {
        assert_eq!(
            messages(quote!(secret = env("S"), name = #spelt)).len(),
            1,
            "{spelt}"
        );
        let out = stand_in_types(quote!(secret = env("S"), name = #spelt), item());
        assert!(out.starts_with("struct Auth ("), "{out}");
    }
    // Nothing spelt: the function's name.
    for nothing in [quote!(5), quote!("not a name"), quote!("type")] {
        let out = stand_in_types(quote!(secret = env("S"), name = #nothing), item());
        assert!(out.starts_with("struct RetrieveUser ("), "{out}");
    }
}

#[test]
fn no_stand_in_where_a_type_cannot_go() {
    let standing_in = |args: TokenStream, item: TokenStream| {
        let out = expanded(args, item);
        assert!(out.contains("compile_error"), "{out}");
        out.contains("struct Auth") || out.contains("struct RetrieveUser")
    };
    // A method is in an `impl` or `trait` block.
    assert!(!standing_in(
        quote!(secret = env("S"), name = Auth),
        quote!(
            async fn retrieve_user(&self, token: &Token) -> Option<User> {
                None
            }
        )
    ));
    // Not a function: a stand-in only with `name`, and only after a module-level item.
    assert!(!standing_in(
        quote!(secret = env("S")),
        quote!(
            struct User;
        )
    ));
    assert!(standing_in(
        quote!(secret = env("S"), name = Auth),
        quote!(
            struct User;
        )
    ));
    assert!(!standing_in(
        quote!(secret = env("S"), name = Auth),
        quote!(
            const USER: u8 = 0;
        )
    ));
    assert!(!standing_in(
        quote!(secret = env("S"), name = Auth),
        quote!(
            type User = u8;
        )
    ));
}

// --- the table of keys ---

/// The attribute's documentation lists the keys of `jwt_auth_config::KEYS`, in its order, with
/// its defaults.
#[test]
fn the_documented_keys_are_the_table_of_keys() {
    let source = include_str!("lib.rs");
    let rows: Vec<(&str, &str)> = source
        .split_once("/// # Keys\n")
        .expect("a `# Keys` section")
        .1
        .lines()
        .take_while(|line| line.starts_with("///"))
        .filter_map(|line| {
            let mut cells = line.strip_prefix("/// | `")?.split(" | ");
            let key = cells.next()?.strip_suffix('`')?;
            Some((key, cells.next()?))
        })
        .collect();
    let table: Vec<(&str, &str)> = jwt_auth_config::KEYS
        .iter()
        .map(|spec| (spec.name, spec.default))
        .collect();
    let documented: Vec<&str> = rows.iter().map(|(key, _)| *key).collect();
    let known: Vec<&str> = table.iter().map(|(key, _)| *key).collect();
    assert_eq!(documented, known);
    for ((key, documented), (_, default)) in rows.iter().zip(&table) {
        assert!(
            *documented == *default || *documented == format!("`{default}`"),
            "the default of `{key}`: {documented} in the documentation, {default} in the table"
        );
    }
}

/// `AuthUser` is implemented for the user type (through an `Arc` or a `Box`), not for `String`
/// (the runtime's), and not with `user_impl = false`.
#[test]
fn the_user_type_gets_its_auth_user_impl() {
    let with = |return_type: TokenStream, keys: TokenStream| {
        let item = quote!(fn retrieve_user(token: &Token) -> #return_type { None });
        jwt_auth(keys, item).to_string()
    };
    let secret = quote!(secret = env("S"));
    assert!(
        with(quote!(Option<User>), secret.clone())
            .contains("impl :: jwt_auth :: AuthUser for User { }")
    );
    assert!(
        with(
            quote!(Option<std::sync::Arc<Box<users::User>>>),
            secret.clone()
        )
        .contains("impl :: jwt_auth :: AuthUser for users :: User { }")
    );
    assert!(!with(quote!(Option<String>), secret.clone()).contains("AuthUser"));
    let off = quote!(secret = env("S"), user_impl = false);
    assert!(!with(quote!(Option<User>), off).contains("AuthUser"));
}
