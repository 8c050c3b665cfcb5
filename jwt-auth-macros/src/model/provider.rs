//! The identity providers of `issuers`: `oidc("https://...", audience = ..., algorithms = ...)`,
//! each read and checked on its own with the rules the builder applies too (the URL's, the
//! algorithms'); that each has an audience is a rule across keys (`check`).

use jwt_auth_config::{ALGORITHMS, Family};
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Ident, Lit, LitStr};

use super::{Reader, quoted_choice, unknown};
use crate::attr::{ProviderArg, Value};
use crate::suggest;

/// An identity provider, as `oidc(...)` gives it.
pub(crate) struct Provider {
    /// The issuer's URL: its tokens' `iss`, and where its discovery document is.
    pub url: LitStr,
    /// `audience = ...`: the audiences of its own (none: `audience` applies).
    pub audience: Vec<LitStr>,
    /// `algorithms = [...]`: the algorithms accepted (none: every asymmetric one).
    pub algorithms: Vec<Ident>,
    /// Its tokens, where the rules across keys show an error about it.
    pub tokens: TokenStream,
}

/// The options of `oidc(...)`.
const OPTIONS: [&str; 2] = ["audience", "algorithms"];

/// How a provider is written, for messages.
const EXAMPLE: &str = "oidc(\"https://idp.example/realms/main\", audience = \"my-api\")";

impl Reader<'_> {
    /// One provider or a list of them, each checked; a list with a mistake is refused whole.
    pub(super) fn providers(&mut self) -> Option<Vec<Provider>> {
        let value = &self.entry.value;
        let items: Vec<&Value> = match value {
            Value::List { items, .. } => items.iter().collect(),
            single => vec![single],
        };
        if items.is_empty() {
            self.errors.spanned(
                value,
                format_args!("`issuers` must not be empty: `issuers = [{EXAMPLE}]`"),
            );
            return None;
        }
        let mut providers: Vec<Provider> = Vec::new();
        let mut ok = true;
        for item in items {
            let Some(provider) = self.provider(item) else {
                ok = false;
                continue;
            };
            if providers
                .iter()
                .any(|p| p.url.value() == provider.url.value())
            {
                self.errors.spanned(
                    &provider.url,
                    format_args!("`{}` is twice in `issuers`", provider.url.value()),
                );
                ok = false;
                continue;
            }
            providers.push(provider);
        }
        ok.then_some(providers)
    }

    fn provider(&mut self, value: &Value) -> Option<Provider> {
        let Value::Provider { args, .. } = value else {
            self.wrong_type(value);
            return None;
        };
        let mut url = None;
        let mut audience = Vec::new();
        let mut algorithms = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let mut ok = true;
        for arg in args {
            match arg {
                ProviderArg::Positional(Value::Lit(Lit::Str(lit))) if url.is_none() => {
                    ok &= self.provider_url(lit);
                    url = Some(lit.clone());
                }
                ProviderArg::Positional(other) => {
                    self.errors.spanned(
                        other,
                        format_args!(
                            "`oidc(...)` takes the issuer's URL, then options: `{EXAMPLE}`"
                        ),
                    );
                    ok = false;
                }
                ProviderArg::Named { key, value, .. } => {
                    let name = key.to_string();
                    if seen.contains(&name) {
                        self.errors.at(
                            key.span(),
                            format_args!("duplicate `oidc` option `{name}`; give each once"),
                        );
                        ok = false;
                        continue;
                    }
                    seen.push(name.clone());
                    match name.as_str() {
                        "audience" => match self.provider_strings(value, "audience") {
                            Some(strings) => audience = strings,
                            None => ok = false,
                        },
                        "algorithms" => match self.provider_algorithms(value) {
                            Some(names) => algorithms = names,
                            None => ok = false,
                        },
                        _ => {
                            let message = match suggest::closest(&name, OPTIONS) {
                                Some(option) => format!(
                                    "unknown `oidc` option `{name}`; did you mean `{option}`?"
                                ),
                                None => format!(
                                    "unknown `oidc` option `{name}`; the options are `audience` \
                                     and `algorithms`"
                                ),
                            };
                            self.errors.at(key.span(), message);
                            ok = false;
                        }
                    }
                }
            }
        }
        let Some(url) = url else {
            self.errors.spanned(
                value,
                format_args!("`oidc(...)` takes the issuer's URL first: `{EXAMPLE}`"),
            );
            return None;
        };
        ok.then(|| Provider {
            url,
            audience,
            algorithms,
            tokens: value.to_token_stream(),
        })
    }

    /// The issuer's URL: the shared rule (`https://`, or `http://` to loopback).
    fn provider_url(&mut self, lit: &LitStr) -> bool {
        match jwt_auth_config::check_remote_url(&lit.value()) {
            Ok(_) => true,
            Err(error) => {
                self.errors.spanned(
                    lit,
                    format_args!(
                        "the issuer URL `{}` is refused: {}",
                        lit.value(),
                        error.describe()
                    ),
                );
                false
            }
        }
    }

    /// A non-empty string or a list of them.
    fn provider_strings(&mut self, value: &Value, option: &str) -> Option<Vec<LitStr>> {
        let items: Vec<&Value> = match value {
            Value::List { items, .. } => items.iter().collect(),
            single => vec![single],
        };
        let mut strings = Vec::new();
        for item in &items {
            match item {
                Value::Lit(Lit::Str(lit)) if !lit.value().is_empty() => strings.push(lit.clone()),
                other => {
                    self.errors.spanned(
                        other,
                        format_args!(
                            "`{option}` takes a non-empty string or a list of them: \
                             `{option} = \"my-api\"`"
                        ),
                    );
                    return None;
                }
            }
        }
        if strings.is_empty() {
            self.errors.spanned(
                value,
                format_args!("`{option}` must not be empty: `{option} = \"my-api\"`"),
            );
            return None;
        }
        Some(strings)
    }

    /// Algorithm names, each known and asymmetric: a provider's published keys never verify
    /// HMAC (a key set is public; an HMAC key in it is anyone's).
    fn provider_algorithms(&mut self, value: &Value) -> Option<Vec<Ident>> {
        let items: Vec<&Value> = match value {
            Value::List { items, .. } => items.iter().collect(),
            single => vec![single],
        };
        let asymmetric: Vec<&str> = ALGORITHMS
            .iter()
            .filter(|a| a.family == Family::Asymmetric)
            .map(|a| a.name)
            .collect();
        let mut names = Vec::new();
        let mut ok = true;
        for item in &items {
            let Value::Lit(Lit::Str(lit)) = item else {
                self.errors.spanned(
                    item,
                    "`algorithms` takes a list of algorithm names: `algorithms = [\"RS256\"]`",
                );
                ok = false;
                continue;
            };
            let written = lit.value();
            match jwt_auth_config::algorithm(&written) {
                Some(spec) if spec.family == Family::Asymmetric => {
                    names.push(Ident::new(spec.name, lit.span()));
                }
                Some(spec) => {
                    self.errors.spanned(
                        lit,
                        format_args!(
                            "`{}` is an HMAC algorithm: a provider's published keys never verify \
                             HMAC; use {}",
                            spec.name,
                            quoted_choice(asymmetric.iter().copied())
                        ),
                    );
                    ok = false;
                }
                None => {
                    let message = unknown(
                        "algorithm",
                        &written,
                        &written.to_ascii_uppercase(),
                        asymmetric.iter().copied(),
                        &quoted_choice(asymmetric.iter().copied()),
                    );
                    self.errors.spanned(lit, message);
                    ok = false;
                }
            }
        }
        if ok && names.is_empty() {
            self.errors.spanned(
                value,
                "`algorithms` must not be empty: `algorithms = [\"RS256\"]`",
            );
            return None;
        }
        ok.then_some(names)
    }
}
