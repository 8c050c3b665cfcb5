use proc_macro2::TokenStream;
use quote::quote;

use super::attr;
use super::expand::{alternatives, requires};
use crate::errors::Errors;

fn errors_of(args: TokenStream, item: TokenStream) -> Vec<String> {
    let output = requires(args, item).to_string();
    output
        .split("compile_error ! {")
        .skip(1)
        .map(|rest| rest.split('"').nth(1).unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn every_form_parses() {
    let mut errors = Errors::new();
    let parsed = attr::parse(
        quote!(
            RetrieveUser,
            scopes = ["a", "b"],
            scope = "c",
            guard = is_admin,
            any(scope = "d", guard = auth::is_owner)
        ),
        &mut errors,
    )
    .expect("parsed");
    assert!(errors.is_empty(), "{:?}", errors.messages());
    assert_eq!(parsed.all.len(), 4);
    assert_eq!(
        alternatives(&parsed.all),
        [vec!["a", "b", "c", "d"], vec!["a", "b", "c"]]
    );
}

#[test]
fn mistakes_are_reported_together() {
    let messages = errors_of(
        quote!(RetrieveUser, scopes = [], scops = ["a"], guard = 5),
        quote!(
            async fn handler() {}
        ),
    );
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("`scopes` needs at least one scope"));
    assert_eq!(
        messages[1],
        "unknown requirement `scops`; did you mean `scopes`?"
    );
    assert!(messages[2].starts_with("`guard` takes the path of a function"));
}

#[test]
fn only_async_free_handlers() {
    let messages = errors_of(
        quote!(A, scope = "a"),
        quote!(
            fn handler() {}
        ),
    );
    assert!(messages[0].contains("add `async`"), "{messages:?}");
    let messages = errors_of(
        quote!(A, scope = "a"),
        quote!(
            struct Handler;
        ),
    );
    assert_eq!(
        messages,
        ["`#[requires]` goes on an `async fn` handler, not a struct"]
    );
    let messages = errors_of(
        quote!(A, scope = "a"),
        quote!(
            async fn handler(&self) {}
        ),
    );
    assert!(messages[0].contains("without `self`"), "{messages:?}");
    let messages = errors_of(
        quote!(),
        quote!(
            async fn handler() {}
        ),
    );
    assert!(
        messages[0].contains("needs the backend type"),
        "{messages:?}"
    );
    let messages = errors_of(
        quote!(A),
        quote!(
            async fn handler() {}
        ),
    );
    assert!(
        messages[0].contains("at least one requirement"),
        "{messages:?}"
    );
}

#[test]
fn the_handler_gets_the_guard_first_and_its_utoipa_path_the_scopes() {
    let output = requires(
        quote!(RetrieveUser, any(scope = "a", scope = "b")),
        quote! {
            #[utoipa::path(post, path = "/notes")]
            pub async fn create(body: String) {}
        },
    )
    .to_string();
    assert!(
        output.contains("pub struct __jwt_auth_requires_create < B >"),
        "{output}"
    );
    assert!(
        output.contains(
            "pub async fn create (_ : :: jwt_auth :: Guarded < __jwt_auth_requires_create < RetrieveUser > > , body : String)"
        ),
        "{output}"
    );
    assert!(
        output.contains(r#"extensions (("x-jwt-auth-scopes" = json ! ([["a"] , ["b"]])))"#),
        "{output}"
    );
    assert!(
        output.contains(r#"InsufficientScope { scope : "a b" }"#),
        "{output}"
    );
}

#[test]
fn an_existing_extensions_list_is_kept() {
    let output = requires(
        quote!(RetrieveUser, scope = "a"),
        quote! {
            #[utoipa::path(get, path = "/x", extensions(("x-mine" = json!(1))))]
            async fn x() {}
        },
    )
    .to_string();
    assert!(
        output.contains(r#"extensions (("x-mine" = json ! (1)) , ("x-jwt-auth-scopes""#),
        "{output}"
    );
}

#[test]
fn all_inside_any_is_one_alternative_of_several_requirements() {
    let mut errors = Errors::new();
    let parsed = attr::parse(
        quote!(
            RetrieveUser,
            any(
                scope = "notes:admin",
                all(scope = "notes:write", guard = is_owner)
            )
        ),
        &mut errors,
    )
    .expect("parsed");
    assert!(errors.is_empty(), "{:?}", errors.messages());
    assert_eq!(
        alternatives(&parsed.all),
        [vec!["notes:admin"], vec!["notes:write"]]
    );
    let output = requires(
        quote!(RetrieveUser, any(scope = "a", all(scope = "b", guard = g))),
        quote!(
            async fn x() {}
        ),
    )
    .to_string();
    assert!(
        output.contains(
            r#"if ! ((__jwt_auth_token . has_scope ("a")) || ((__jwt_auth_token . has_scope ("b")) && (:: jwt_auth :: __private :: Predicate (g (__jwt_auth_user , __jwt_auth_token)) . into_check () . await)))"#
        ),
        "{output}"
    );
    let messages = errors_of(
        quote!(RetrieveUser, all()),
        quote!(
            async fn x() {}
        ),
    );
    assert!(
        messages[0].starts_with("`all(...)` needs at least one"),
        "{messages:?}"
    );
}
