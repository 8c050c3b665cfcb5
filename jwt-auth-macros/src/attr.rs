//! Phase 1: the attribute's `key = value` list, parsed with `syn::meta::parser`. Each value keeps
//! its tokens (and so its span); what a value means is the model's business.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser as _};
use syn::punctuated::Punctuated;
use syn::{Ident, Lit, LitStr, Token, braced, bracketed, parenthesized};

use jwt_auth_config::{KEYS, Key};

use crate::errors::Errors;
use crate::suggest;

/// One `key = value` of the attribute.
pub(crate) struct Entry {
    pub key: Key,
    /// The key, as written.
    pub ident: Ident,
    pub value: Value,
}

/// A value, before the model gives it a meaning.
pub(crate) enum Value {
    /// `"text"`, `5`, `true`, ...
    Lit(Lit),
    /// `["a", "b"]`
    List {
        bracket: syn::token::Bracket,
        items: Punctuated<Value, Token![,]>,
    },
    /// `{ "read": "Read things", ... }`
    Map {
        brace: syn::token::Brace,
        pairs: Punctuated<(LitStr, Token![:], LitStr), Token![,]>,
    },
    /// `env("VAR")` or `file("path")` (`env` holds which); what is inside the parentheses is
    /// checked by the model.
    Env {
        env: Ident,
        paren: syn::token::Paren,
        var: Option<syn::Expr>,
    },
    /// `oidc("https://...", audience = "api", ...)`: an identity provider, its URL and its
    /// options; what they mean is checked by the model.
    Provider {
        function: Ident,
        paren: syn::token::Paren,
        args: Punctuated<ProviderArg, Token![,]>,
    },
    /// `path::to::item` or `Type<Args>`
    Path(syn::Path),
    /// Anything else: always the wrong type of value, reported by the model.
    Other(syn::Expr),
}

/// One argument of `oidc(...)`: the URL, or an option.
pub(crate) enum ProviderArg {
    /// `"https://..."`
    Positional(Value),
    /// `audience = "api"`
    Named {
        key: Ident,
        eq: Token![=],
        value: Value,
    },
}

impl ProviderArg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Ident) && input.peek2(Token![=]) {
            return Ok(ProviderArg::Named {
                key: input.parse()?,
                eq: input.parse()?,
                value: Value::parse(input)?,
            });
        }
        Value::parse(input).map(ProviderArg::Positional)
    }
}

impl ToTokens for ProviderArg {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            ProviderArg::Positional(value) => value.to_tokens(tokens),
            ProviderArg::Named { key, eq, value } => {
                key.to_tokens(tokens);
                eq.to_tokens(tokens);
                value.to_tokens(tokens);
            }
        }
    }
}

/// The function names that make an identity provider of `issuers`.
pub(crate) const PROVIDERS: [&str; 1] = ["oidc"];

impl Value {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Lit) {
            return input.parse().map(Value::Lit);
        }
        if input.peek(syn::token::Bracket) {
            let content;
            let bracket = bracketed!(content in input);
            let items = content.parse_terminated(Value::parse, Token![,])?;
            return Ok(Value::List { bracket, items });
        }
        if input.peek(syn::token::Brace) {
            let fork = input.fork();
            let content;
            braced!(content in fork);
            if content.is_empty() || content.peek(LitStr) && content.peek2(Token![:]) {
                let content;
                let brace = braced!(content in input);
                let pairs = content.parse_terminated(
                    |pair| Ok((pair.parse()?, pair.parse()?, pair.parse()?)),
                    Token![,],
                )?;
                return Ok(Value::Map { brace, pairs });
            }
        }
        if input.peek(Ident) && input.peek2(syn::token::Paren) {
            let fork = input.fork();
            let function = fork.parse::<Ident>()?;
            if PROVIDERS.iter().any(|name| function == name) {
                let function = input.parse()?;
                let content;
                let paren = parenthesized!(content in input);
                let args = content.parse_terminated(ProviderArg::parse, Token![,])?;
                return Ok(Value::Provider {
                    function,
                    paren,
                    args,
                });
            }
            if function == "env" || function == "file" {
                let env = input.parse()?;
                let content;
                let paren = parenthesized!(content in input);
                let var = if content.is_empty() {
                    None
                } else {
                    Some(content.parse()?)
                };
                if !content.is_empty() {
                    return Err(content.error(format_args!(
                        "expected `{function}(\"...\")` with one string"
                    )));
                }
                return Ok(Value::Env { env, paren, var });
            }
        }
        let fork = input.fork();
        if let Ok(path) = fork.parse::<syn::Path>()
            && (fork.is_empty() || fork.peek(Token![,]))
        {
            input.parse::<syn::Path>()?;
            return Ok(Value::Path(path));
        }
        input.parse().map(Value::Other)
    }

    /// A short description of what was written, for "takes X, found Y" messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Lit(Lit::Str(_)) => "a string",
            Value::Lit(Lit::Int(_)) => "an integer",
            Value::Lit(Lit::Bool(_)) => "a boolean",
            Value::Lit(_) => "a literal",
            Value::List { .. } => "a list",
            Value::Map { .. } => "a map",
            Value::Env { env, .. } if env == "file" => "`file(...)`",
            Value::Env { .. } => "`env(...)`",
            Value::Provider { .. } => "`oidc(...)`",
            Value::Path(_) => "a path",
            Value::Other(_) => "an expression",
        }
    }
}

impl ToTokens for Value {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Value::Lit(lit) => lit.to_tokens(tokens),
            Value::List { bracket, items } => bracket.surround(tokens, |t| items.to_tokens(t)),
            Value::Map { brace, pairs } => brace.surround(tokens, |t| {
                for pair in pairs.pairs() {
                    let (name, colon, description) = pair.value();
                    name.to_tokens(t);
                    colon.to_tokens(t);
                    description.to_tokens(t);
                    pair.punct().to_tokens(t);
                }
            }),
            Value::Env { env, paren, var } => {
                env.to_tokens(tokens);
                paren.surround(tokens, |t| var.to_tokens(t));
            }
            Value::Provider {
                function,
                paren,
                args,
            } => {
                function.to_tokens(tokens);
                paren.surround(tokens, |t| args.to_tokens(t));
            }
            Value::Path(path) => path.to_tokens(tokens),
            Value::Other(expr) => expr.to_tokens(tokens),
        }
    }
}

/// The attribute's entries, and the keys the user tried to write.
#[derive(Default)]
pub(crate) struct Parsed {
    pub entries: Vec<Entry>,
    /// Keys written with a typo that has a likely correction, or without a value: the later
    /// phases count them as written (but refused), so that `exlude = ...` does not also give
    /// "missing `exclude`"-style errors.
    pub attempted: Vec<Key>,
}

/// Parses the attribute's arguments. Unknown and duplicate keys are reported and skipped; a
/// syntax error stops the parse (after the entries before it).
pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Parsed {
    let mut parsed = Parsed::default();
    let parser = syn::meta::parser(|meta| parse_entry(&meta, &mut parsed, errors));
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
    parsed
}

fn parse_entry(
    meta: &ParseNestedMeta,
    parsed: &mut Parsed,
    errors: &mut Errors,
) -> syn::Result<()> {
    let Some(key) = meta.path.get_ident().cloned() else {
        errors.spanned(&meta.path, "expected a key such as `flow = \"cookie\"`");
        skip_value(meta.input)?;
        return Ok(());
    };
    let written = key.to_string();
    let known = Key::from_name(&written);
    if !meta.input.peek(Token![=]) {
        let example = known.map_or_else(|| "key = value".to_owned(), example_of);
        errors.at(
            key.span(),
            format_args!("expected `=` after `{written}`: `{example}`"),
        );
        parsed.attempted.extend(known);
        skip_value(meta.input)?;
        return Ok(());
    }
    let value = Value::parse(meta.value()?)?;
    let Some(known) = known else {
        let suggestion = suggestion(&written);
        errors.at(key.span(), unknown_key_message(&written, suggestion));
        parsed.attempted.extend(suggestion);
        return Ok(());
    };
    let entries = &mut parsed.entries;
    if entries.iter().any(|e| e.key == known) {
        errors.at(
            key.span(),
            format_args!("duplicate `jwt_auth` key `{written}`; give each key once"),
        );
        return Ok(());
    }
    entries.push(Entry {
        key: known,
        ident: key,
        value,
    });
    Ok(())
}

/// Skips what follows a key that has no `=`, up to the next comma.
fn skip_value(input: ParseStream) -> syn::Result<()> {
    input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',') {
                return Ok(((), rest));
            }
            rest = next;
        }
        Ok(((), rest))
    })
}

/// The key an unknown key most likely meant: Litestar's name for it, or a close spelling.
fn suggestion(written: &str) -> Option<Key> {
    Key::from_litestar_name(written).or_else(|| {
        suggest::closest(written, KEYS.iter().map(|spec| spec.name)).and_then(Key::from_name)
    })
}

fn unknown_key_message(written: &str, suggestion: Option<Key>) -> String {
    if let Some(key) = suggestion {
        return format!(
            "unknown `jwt_auth` key `{written}`; did you mean `{}`?",
            key.name()
        );
    }
    let keys: Vec<String> = KEYS.iter().map(|spec| format!("`{}`", spec.name)).collect();
    format!(
        "unknown `jwt_auth` key `{written}`; the keys are {}",
        keys.join(", ")
    )
}

/// How a key is written, for messages: `expiration = "1d"`.
pub(crate) fn example_of(key: Key) -> String {
    format!("{} = {}", key.name(), key.spec().example)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse_ok(args: TokenStream) -> Vec<Entry> {
        let mut errors = Errors::new();
        let parsed = parse(args, &mut errors);
        assert!(errors.is_empty(), "{:?}", errors.messages());
        parsed.entries
    }

    fn parse_err(args: TokenStream) -> Vec<String> {
        let mut errors = Errors::new();
        parse(args, &mut errors);
        errors.messages()
    }

    #[test]
    fn every_value_shape() {
        let entries = parse_ok(quote! {
            secret = env("JWT_SECRET"),
            exclude = ["/login", "/schema"],
            flow = "oauth2_password",
            expiration = 3600,
            secure = false,
            revoked = crate::auth::is_revoked,
            claims = MyClaims,
            oauth_scopes = { "read": "Read", "write": "Write", },
            leeway = f(x),
            issuers = [oidc("https://a.example", audience = ["x"]), oidc()],
        });
        let kinds: Vec<_> = entries
            .iter()
            .map(|e| (e.key.name(), e.value.kind()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("secret", "`env(...)`"),
                ("exclude", "a list"),
                ("flow", "a string"),
                ("expiration", "an integer"),
                ("secure", "a boolean"),
                ("revoked", "a path"),
                ("claims", "a path"),
                ("oauth_scopes", "a map"),
                ("leeway", "an expression"),
                ("issuers", "a list"),
            ]
        );
    }

    #[test]
    fn empty_map_and_list() {
        let entries = parse_ok(quote!(oauth_scopes = {}, exclude_methods = []));
        assert_eq!(entries[0].value.kind(), "a map");
        assert_eq!(entries[1].value.kind(), "a list");
    }

    #[test]
    fn unknown_key_suggests() {
        assert_eq!(
            parse_err(quote!(exlude = "/x")),
            ["unknown `jwt_auth` key `exlude`; did you mean `exclude`?"]
        );
        assert_eq!(
            parse_err(quote!(token_secret = env("X"))),
            ["unknown `jwt_auth` key `token_secret`; did you mean `secret`?"]
        );
        let far = parse_err(quote!(database = "x"));
        assert!(far[0].starts_with("unknown `jwt_auth` key `database`; the keys are `secret`, "));
    }

    #[test]
    fn duplicate_key_is_reported_once_and_dropped() {
        let mut errors = Errors::new();
        let entries = parse(quote!(flow = "cookie", flow = "header"), &mut errors).entries;
        assert_eq!(
            errors.messages(),
            ["duplicate `jwt_auth` key `flow`; give each key once"]
        );
        assert_eq!(entries.len(), 1);
    }

    #[test]
    fn missing_equals_is_reported_and_skipped() {
        let mut errors = Errors::new();
        let parsed = parse(quote!(secure, flow = "cookie", secret("X")), &mut errors);
        let entries = parsed.entries;
        assert_eq!(parsed.attempted, [Key::Secure, Key::Secret]);
        assert_eq!(
            errors.messages(),
            [
                "expected `=` after `secure`: `secure = true`",
                "expected `=` after `secret`: `secret = env(\"JWT_SECRET\")`",
            ]
        );
        assert_eq!(entries.len(), 1);
    }

    #[test]
    fn path_key_is_an_error() {
        assert_eq!(
            parse_err(quote!(a::b = 1)),
            ["expected a key such as `flow = \"cookie\"`"]
        );
    }

    #[test]
    fn a_likely_typo_counts_as_attempted() {
        let mut errors = Errors::new();
        let parsed = parse(
            quote!(token_secret = env("X"), sekret = 1, zzz = 2),
            &mut errors,
        );
        assert_eq!(parsed.attempted, [Key::Secret, Key::Secret]);
    }

    #[test]
    fn three_unknown_keys_three_errors() {
        assert_eq!(parse_err(quote!(a = 1, b = 2, c = 3)).len(), 3);
    }

    #[test]
    fn syntax_error_keeps_earlier_entries() {
        let mut errors = Errors::new();
        let entries = parse(quote!(flow = "cookie" token_url = "/x"), &mut errors).entries;
        assert_eq!(entries.len(), 1);
        assert_eq!(errors.len(), 1);
    }
}
