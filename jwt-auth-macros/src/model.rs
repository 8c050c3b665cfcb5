//! Phase 2: the typed configuration. Each value is read as what its key takes (the table of
//! keys, `jwt_auth_config::KEYS`) and checked on its own with the rules on one value that the
//! builder applies too; rules across keys are in `check`.

use jwt_auth_config::{ALGORITHMS, ExcludeError, Flow, Key, KeySet, METHODS, SameSite, Takes};
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Ident, Lit, LitStr};

use crate::attr::{Entry, Parsed, Value, example_of};
use crate::errors::Errors;
use crate::suggest;

mod provider;

pub(crate) use provider::Provider;

/// The error for `exclude` patterns that would turn authentication off.
const EVERY_PATH: &str = "`exclude` matches every path, which would turn authentication off; \
                          anchor the pattern, e.g. `\"^/login$\"`";

/// Where a key is read from when the backend is built.
pub(crate) enum KeyFrom {
    /// `env("VAR")`: PEM or JWK text.
    Env(LitStr),
    /// `file("path")`: PEM, DER or JWK, relative to the working directory.
    File(LitStr),
}

/// A key written with a value, kept for the errors that `check` shows on it.
pub(crate) struct Written {
    pub key: Key,
    /// The key as written.
    pub ident: Ident,
    /// Its value's tokens.
    pub value: TokenStream,
}

/// The attribute's configuration. A key that was not written, or whose value was refused, is
/// `None`; `written` and `accepted` tell the two apart, so that cross-key rules neither miss a
/// key nor repeat a value's error.
#[derive(Default)]
pub(crate) struct Config {
    /// Every key written, valid or not (a likely typo of a key counts as that key).
    pub written: KeySet,
    /// The keys whose value was accepted.
    pub accepted: KeySet,
    /// The entries, as written.
    pub entries: Vec<Written>,
    pub secret_env: Option<LitStr>,
    pub flow: Option<Flow>,
    pub token_url: Option<LitStr>,
    pub algorithm: Option<Ident>,
    pub private_key: Option<KeyFrom>,
    pub public_keys: Option<Vec<KeyFrom>>,
    pub key_id: Option<LitStr>,
    pub auth_header: Option<LitStr>,
    pub expiration: Option<u64>,
    pub leeway: Option<u64>,
    pub exclude: Option<Vec<LitStr>>,
    pub exclude_methods: Option<Vec<Ident>>,
    pub cookie_name: Option<LitStr>,
    pub cookie_path: Option<LitStr>,
    pub cookie_domain: Option<LitStr>,
    pub secure: Option<bool>,
    pub same_site: Option<SameSite>,
    pub issuer: Option<Vec<LitStr>>,
    pub audience: Option<Vec<LitStr>>,
    pub issuers: Option<Vec<Provider>>,
    pub tls_roots: Option<KeyFrom>,
    pub previous_secrets_env: Option<LitStr>,
    pub strict_audience: Option<bool>,
    pub require_claims: Option<Vec<LitStr>>,
    pub verify_expiry: Option<bool>,
    pub verify_not_before: Option<bool>,
    pub revoked: Option<syn::Path>,
    pub refresh_expiration: Option<u64>,
    pub token_store: Option<TokenStream>,
    pub scheme_name: Option<LitStr>,
    pub description: Option<LitStr>,
    pub oauth_scopes: Option<Vec<(LitStr, LitStr)>>,
    pub claims: Option<syn::Path>,
    pub name: Option<Ident>,
    /// `user_impl = false`: another backend implements `jwt_auth::AuthUser` for the user type.
    pub user_impl: Option<bool>,
    /// `websocket_query = "access_token"`.
    pub websocket_query: Option<LitStr>,
    /// The name a refused `name = ...` spells (`"Auth"`, `a::Auth`), for the stand-in type, so
    /// that the code that names it still compiles.
    pub intended_name: Option<Ident>,
}

/// Stores a value read for a field; whether there was one.
fn store<T>(field: &mut Option<T>, value: Option<T>) -> bool {
    *field = value;
    field.is_some()
}

impl Config {
    /// Whether `key` was written, valid or not.
    pub(crate) fn has(&self, key: Key) -> bool {
        self.written.contains(key)
    }

    /// The entry of `key`, if it was written with a value.
    pub(crate) fn entry(&self, key: Key) -> Option<&Written> {
        self.entries.iter().find(|written| written.key == key)
    }

    /// Interprets the entries, reporting each refused value.
    pub(crate) fn from_entries(parsed: Parsed, errors: &mut Errors) -> Config {
        let mut config = Config {
            written: parsed.attempted.into_iter().collect(),
            ..Config::default()
        };
        for entry in parsed.entries {
            let mut reader = Reader {
                entry: &entry,
                errors,
            };
            let c = &mut config;
            let accepted = match entry.key {
                Key::Secret => store(&mut c.secret_env, reader.secret()),
                Key::Flow => store(&mut c.flow, reader.flow()),
                Key::TokenUrl => store(&mut c.token_url, reader.text()),
                Key::Algorithm => store(&mut c.algorithm, reader.algorithm()),
                Key::PrivateKey => store(&mut c.private_key, reader.private_key()),
                Key::PublicKeys => store(&mut c.public_keys, reader.public_keys()),
                Key::KeyId => store(&mut c.key_id, reader.text()),
                Key::AuthHeader => store(&mut c.auth_header, reader.text()),
                Key::Expiration => store(&mut c.expiration, reader.duration()),
                Key::Leeway => store(&mut c.leeway, reader.duration()),
                Key::Exclude => store(&mut c.exclude, reader.exclude()),
                Key::ExcludeMethods => store(&mut c.exclude_methods, reader.methods()),
                Key::CookieName => store(&mut c.cookie_name, reader.text()),
                Key::CookiePath => store(&mut c.cookie_path, reader.text()),
                Key::CookieDomain => store(&mut c.cookie_domain, reader.text()),
                Key::Secure => store(&mut c.secure, reader.bool()),
                Key::SameSite => store(&mut c.same_site, reader.same_site()),
                Key::Issuer => store(&mut c.issuer, reader.string_list()),
                Key::Audience => store(&mut c.audience, reader.string_list()),
                Key::Issuers => store(&mut c.issuers, reader.providers()),
                Key::TlsRoots => store(&mut c.tls_roots, reader.tls_roots()),
                Key::PreviousSecrets => store(&mut c.previous_secrets_env, reader.secret()),
                Key::StrictAudience => store(&mut c.strict_audience, reader.bool()),
                Key::RequireClaims => store(&mut c.require_claims, reader.string_list()),
                Key::VerifyExpiry => store(&mut c.verify_expiry, reader.bool()),
                Key::VerifyNotBefore => store(&mut c.verify_not_before, reader.bool()),
                Key::Revoked => store(&mut c.revoked, reader.path()),
                Key::RefreshExpiration => store(&mut c.refresh_expiration, reader.duration()),
                Key::TokenStore => store(&mut c.token_store, reader.expression()),
                Key::SchemeName => store(&mut c.scheme_name, reader.text()),
                Key::Description => store(&mut c.description, reader.text()),
                Key::OAuthScopes => store(&mut c.oauth_scopes, reader.scopes()),
                Key::Claims => store(&mut c.claims, reader.path()),
                Key::Name => {
                    let name = reader.ident();
                    if name.is_none() {
                        c.intended_name = intended_name(&entry.value);
                    }
                    store(&mut c.name, name)
                }
                Key::UserImpl => store(&mut c.user_impl, reader.bool()),
                Key::WebsocketQuery => store(&mut c.websocket_query, reader.text()),
            };
            config.written.insert(entry.key);
            if accepted {
                config.accepted.insert(entry.key);
            }
            config.entries.push(Written {
                key: entry.key,
                value: entry.value.to_token_stream(),
                ident: entry.ident,
            });
        }
        config
    }
}

/// Reads one entry's value as the type its key takes.
struct Reader<'a> {
    entry: &'a Entry,
    errors: &'a mut Errors,
}

impl Reader<'_> {
    fn key(&self) -> Key {
        self.entry.key
    }

    fn name(&self) -> &'static str {
        self.entry.key.name()
    }

    /// Reports a value (or a list's item) of the wrong type.
    fn wrong_type(&mut self, value: &Value) {
        let key = self.key();
        let expected = key.spec().takes.describe();
        let found = value.kind();
        self.errors.spanned(
            value,
            format_args!(
                "`{}` takes {expected}, not {found}: `{}`",
                key.name(),
                example_of(key)
            ),
        );
    }

    fn string(&mut self) -> Option<LitStr> {
        if let Value::Lit(Lit::Str(lit)) = &self.entry.value {
            return Some(lit.clone());
        }
        self.wrong_type(&self.entry.value);
        None
    }

    /// A string, checked with the rule on one value for what the key takes.
    fn text(&mut self) -> Option<LitStr> {
        let lit = self.string()?;
        let value = lit.value();
        let (name, example) = (self.name(), example_of(self.key()));
        let refusal = match self.key().spec().takes {
            Takes::NonEmptyText if value.is_empty() => format!("`{name}` must not be empty"),
            Takes::HeaderName if !jwt_auth_config::is_valid_header_name(&value) => {
                "not a valid HTTP header name; use letters, digits and `-`, e.g. \
                 `auth_header = \"X-Api-Token\"`"
                    .to_owned()
            }
            Takes::CookieName if !jwt_auth_config::is_valid_cookie_name(&value) => format!(
                "not a valid cookie name; use letters, digits and `-` or `_`, e.g. `{example}`"
            ),
            Takes::CookieAttribute if !jwt_auth_config::is_valid_cookie_attribute(&value) => {
                format!("`{name}` must be printable ASCII without `;`, e.g. `{example}`")
            }
            _ => return Some(lit),
        };
        self.errors.spanned(&lit, refusal);
        None
    }

    fn bool(&mut self) -> Option<bool> {
        if let Value::Lit(Lit::Bool(lit)) = &self.entry.value {
            return Some(lit.value);
        }
        self.wrong_type(&self.entry.value);
        None
    }

    fn path(&mut self) -> Option<syn::Path> {
        if let Value::Path(path) = &self.entry.value {
            return Some(path.clone());
        }
        self.wrong_type(&self.entry.value);
        None
    }

    /// An expression that evaluates to a value (a unit struct, a constant, a call).
    fn expression(&mut self) -> Option<TokenStream> {
        match &self.entry.value {
            value @ (Value::Path(_) | Value::Other(_)) => Some(value.to_token_stream()),
            other => {
                self.wrong_type(other);
                None
            }
        }
    }

    fn ident(&mut self) -> Option<Ident> {
        if let Value::Path(path) = &self.entry.value
            && let Some(ident) = path.get_ident()
        {
            return Some(ident.clone());
        }
        self.wrong_type(&self.entry.value);
        None
    }

    /// A string or a list of strings; each item that is not a string is reported.
    fn string_list(&mut self) -> Option<Vec<LitStr>> {
        match &self.entry.value {
            Value::Lit(Lit::Str(lit)) => Some(vec![lit.clone()]),
            Value::List { items, .. } => {
                let mut strings = Vec::new();
                let mut ok = true;
                for item in items {
                    if let Value::Lit(Lit::Str(lit)) = item {
                        strings.push(lit.clone());
                    } else {
                        self.wrong_type(item);
                        ok = false;
                    }
                }
                ok.then_some(strings)
            }
            other => {
                self.wrong_type(other);
                None
            }
        }
    }

    /// One `env("VAR")` or `file("path")`.
    fn key_from(&mut self, value: &Value) -> Option<KeyFrom> {
        match value {
            Value::Env {
                env,
                var:
                    Some(syn::Expr::Lit(syn::ExprLit {
                        lit: Lit::Str(arg), ..
                    })),
                ..
            } if !arg.value().is_empty() && !arg.value().contains('\0') => {
                if env == "file" {
                    Some(KeyFrom::File(arg.clone()))
                } else {
                    Some(KeyFrom::Env(arg.clone()))
                }
            }
            env @ Value::Env { .. } => {
                self.errors.spanned(
                    env,
                    "`env(...)` and `file(...)` take one non-empty string: `env(\"JWT_PUBLIC_KEY\")`, \
                     `file(\"keys/public.pem\")`",
                );
                None
            }
            Value::Lit(Lit::Str(lit)) => {
                self.errors.spanned(
                    lit,
                    "a key written in the source ends up in the binary and the repository; read it \
                     at start-up: `env(\"JWT_PRIVATE_KEY\")` or `file(\"keys/private.pem\")`",
                );
                None
            }
            other => {
                self.wrong_type(other);
                None
            }
        }
    }

    fn private_key(&mut self) -> Option<KeyFrom> {
        let value = &self.entry.value;
        self.key_from(value)
    }

    fn public_keys(&mut self) -> Option<Vec<KeyFrom>> {
        let value = &self.entry.value;
        match value {
            Value::List { items, .. } => {
                let mut keys = Vec::new();
                let mut ok = true;
                for item in items {
                    match self.key_from(item) {
                        Some(key) => keys.push(key),
                        None => ok = false,
                    }
                }
                if ok && keys.is_empty() {
                    self.errors
                        .spanned(value, "`public_keys` must not be empty");
                    return None;
                }
                ok.then_some(keys)
            }
            single => self.key_from(single).map(|key| vec![key]),
        }
    }

    /// `env("VAR")`: the variable that holds the secret (`secret`) or the secrets
    /// (`previous_secrets`).
    fn secret(&mut self) -> Option<LitStr> {
        let example = example_of(self.key());
        let env_example = self.key().spec().example;
        let (the_secret, a_secret) = if self.key() == Key::Secret {
            ("the secret is", "a secret")
        } else {
            ("previous secrets are", "secrets")
        };
        if let Value::Env { env, .. } = &self.entry.value
            && env == "file"
        {
            self.errors.spanned(
                &self.entry.value,
                format_args!("{the_secret} read from the environment: `{example}`"),
            );
            return None;
        }
        match &self.entry.value {
            Value::Env {
                var:
                    Some(syn::Expr::Lit(syn::ExprLit {
                        lit: Lit::Str(var), ..
                    })),
                ..
            } => {
                let name = var.value();
                if name.is_empty() || name.contains(['=', '\0']) {
                    self.errors.spanned(
                        var,
                        format_args!(
                            "not a valid environment variable name; write e.g. `{env_example}`"
                        ),
                    );
                    return None;
                }
                Some(var.clone())
            }
            env @ Value::Env { .. } => {
                self.errors.spanned(
                    env,
                    format_args!(
                        "`env(...)` takes the variable's name as a string: `{env_example}`"
                    ),
                );
                None
            }
            Value::Lit(Lit::Str(lit)) => {
                self.errors.spanned(
                    lit,
                    format_args!(
                        "{a_secret} written in the source ends up in the binary and the \
                         repository; read it from the environment: `{example}`"
                    ),
                );
                None
            }
            other => {
                self.wrong_type(other);
                None
            }
        }
    }

    /// The certificate authorities of `https://` providers: `env("VAR")` or `file("path")`.
    fn tls_roots(&mut self) -> Option<KeyFrom> {
        let value = &self.entry.value;
        if let Value::Env { .. } = value {
            return self.key_from(value);
        }
        self.wrong_type(value);
        None
    }

    fn flow(&mut self) -> Option<Flow> {
        let lit = self.string()?;
        let written = lit.value();
        if let Some(flow) = Flow::from_name(&written) {
            return Some(flow);
        }
        let names = Flow::ALL.map(Flow::name);
        let message = unknown("flow", &written, &written, names, &quoted_choice(names));
        self.errors.spanned(&lit, message);
        None
    }

    fn algorithm(&mut self) -> Option<Ident> {
        let lit = self.string()?;
        let written = lit.value();
        if let Some(algorithm) = jwt_auth_config::algorithm(&written) {
            return Some(Ident::new(algorithm.name, lit.span()));
        }
        let names = ALGORITHMS.map(|algorithm| algorithm.name);
        let compare = written.to_ascii_uppercase();
        let message = unknown(
            "algorithm",
            &written,
            &compare,
            names,
            &quoted_choice(names),
        );
        self.errors.spanned(&lit, message);
        None
    }

    fn same_site(&mut self) -> Option<SameSite> {
        let lit = self.string()?;
        let written = lit.value();
        let same_site = SameSite::from_name(&written);
        if same_site.is_none() {
            let valid = quoted_choice(SameSite::ALL.map(SameSite::name));
            self.errors.spanned(
                &lit,
                format_args!("unknown `same_site` value `{written}`; use {valid}"),
            );
        }
        same_site
    }

    /// A duration; one longer than zero where the key takes a lifetime.
    fn duration(&mut self) -> Option<u64> {
        let seconds = match &self.entry.value {
            Value::Lit(Lit::Int(int)) => {
                let seconds = int.base10_parse::<u64>().ok();
                if seconds.is_none() {
                    let name = self.name();
                    self.errors.spanned(
                        int,
                        format_args!(
                            "`{name}` takes a duration such as \"15m\" or a whole number of \
                             seconds: `{}`",
                            example_of(self.key())
                        ),
                    );
                }
                seconds
            }
            Value::Lit(Lit::Str(lit)) => {
                let seconds = jwt_auth_config::parse_duration(&lit.value());
                if seconds.is_none() {
                    self.errors.spanned(
                        lit,
                        format_args!(
                            "cannot read `{}` as a duration; write a number and a unit (d, h, m, s), \
                             largest first: \"15m\", \"1h30m\", \"2d\", \"45s\"",
                            lit.value()
                        ),
                    );
                }
                seconds
            }
            other => {
                self.wrong_type(other);
                None
            }
        }?;
        let lifetime = self.key().spec().takes == Takes::Lifetime;
        if lifetime && !jwt_auth_config::is_valid_lifetime(seconds) {
            let what = self.name().replace('_', " ");
            self.errors.spanned(
                &self.entry.value,
                format_args!(
                    "the {what} must be longer than zero, e.g. `{}`",
                    example_of(self.key())
                ),
            );
            return None;
        }
        Some(seconds)
    }

    fn exclude(&mut self) -> Option<Vec<LitStr>> {
        let patterns = self.string_list()?;
        let texts: Vec<String> = patterns.iter().map(LitStr::value).collect();
        let refusals = jwt_auth_config::check_exclude(&texts);
        // A pattern's literal, or the whole value.
        let at = |index: Option<usize>| match index.and_then(|index| patterns.get(index)) {
            Some(pattern) => pattern.to_token_stream(),
            None => self.entry.value.to_token_stream(),
        };
        for refusal in &refusals {
            match refusal {
                ExcludeError::NotAPattern { index } => {
                    let suggestion = jwt_auth_config::suggestion(&texts[*index]);
                    self.errors.spanned(
                        at(Some(*index)),
                        format_args!(
                            "an `exclude` pattern is a path (`\"/login\"`: that route and the \
                             routes under it) or a regular expression starting with `^`; write \
                             `{suggestion:?}`"
                        ),
                    );
                }
                ExcludeError::Invalid { index, error } => {
                    let reason = regex_reason(error);
                    self.errors.spanned(
                        at(Some(*index)),
                        format_args!("invalid regular expression in `exclude`: {reason}"),
                    );
                }
                ExcludeError::MatchesEveryPath { index } => {
                    self.errors.spanned(at(*index), EVERY_PATH);
                }
            }
        }
        refusals.is_empty().then_some(patterns)
    }

    fn methods(&mut self) -> Option<Vec<Ident>> {
        let names = self.string_list()?;
        let mut methods = Vec::new();
        let mut ok = true;
        for name in names {
            let written = name.value();
            if METHODS.contains(&written.as_str()) {
                methods.push(Ident::new(&written, name.span()));
            } else {
                let message = unknown(
                    "HTTP method",
                    &written,
                    &written.to_ascii_uppercase(),
                    METHODS,
                    &METHODS.join(", "),
                );
                self.errors.spanned(&name, message);
                ok = false;
            }
        }
        ok.then_some(methods)
    }

    fn scopes(&mut self) -> Option<Vec<(LitStr, LitStr)>> {
        let Value::Map { pairs, .. } = &self.entry.value else {
            self.wrong_type(&self.entry.value);
            return None;
        };
        let mut scopes: Vec<(LitStr, LitStr)> = Vec::new();
        for (name, _, description) in pairs {
            if scopes.iter().any(|(seen, _)| seen.value() == name.value()) {
                self.errors.spanned(
                    name,
                    format_args!("duplicate OAuth2 scope `{}`", name.value()),
                );
                continue;
            }
            scopes.push((name.clone(), description.clone()));
        }
        Some(scopes)
    }
}

/// The type name that a value refused for `name` spells: the string's identifier, or a path's
/// last segment.
fn intended_name(value: &Value) -> Option<Ident> {
    match value {
        Value::Lit(Lit::Str(lit)) => {
            let mut ident = syn::parse_str::<Ident>(&lit.value()).ok()?;
            ident.set_span(lit.span());
            Some(ident)
        }
        Value::Path(path) => path.segments.last().map(|segment| segment.ident.clone()),
        _ => None,
    }
}

/// "unknown flow `cokie`; did you mean `cookie`?", or with no likely typo, the valid values.
/// `compare` is how the written value is compared to the candidates (e.g. upper-cased).
fn unknown<'a>(
    what: &str,
    written: &str,
    compare: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    valid: &str,
) -> String {
    match suggest::closest(compare, candidates) {
        Some(candidate) => format!("unknown {what} `{written}`; did you mean `{candidate}`?"),
        None => format!("unknown {what} `{written}`; use {valid}"),
    }
}

/// `"a", "b" or "c"`.
fn quoted_choice<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = names
        .into_iter()
        .map(|name| format!("\"{name}\""))
        .collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The last line of the regex crate's message, which says what is wrong.
fn regex_reason(error: &impl std::fmt::Display) -> String {
    let text = error.to_string();
    let last = text.lines().last().unwrap_or_default();
    last.strip_prefix("error: ").unwrap_or(last).to_owned()
}
