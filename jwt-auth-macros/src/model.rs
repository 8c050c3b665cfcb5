//! Phase 2: the typed configuration. Each value is checked on its own here (a known flow, a
//! parsable duration, a valid regex, ...); rules across keys are in `check`.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Ident, Lit, LitStr};

use crate::attr::{Entry, Parsed, Value, example_of, key};
use crate::duration;
use crate::errors::Errors;
use crate::suggest;

/// A key as written, its value's tokens (for errors) and what it means.
pub(crate) struct Setting<T> {
    pub key: Ident,
    pub tokens: TokenStream,
    pub value: T,
}

/// The flows, as in `jwt_auth::Flow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Header,
    Cookie,
    OAuth2Password,
}

impl Flow {
    const NAMES: [(&'static str, Flow); 3] = [
        ("header", Flow::Header),
        ("cookie", Flow::Cookie),
        ("oauth2_password", Flow::OAuth2Password),
    ];

    pub(crate) fn uses_cookie(self) -> bool {
        self != Flow::Header
    }
}

/// The cookie's `SameSite`, as in `jwt_auth::SameSite`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SameSite {
    Lax,
    Strict,
    None,
}

/// The HMAC algorithms the attribute takes.
pub(crate) const HMAC_ALGORITHMS: [&str; 3] = ["HS256", "HS384", "HS512"];
/// The algorithms that take keys (`private_key`, `public_keys`) instead of a secret.
pub(crate) const PEM_ALGORITHMS: [&str; 9] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
];
/// The standard HTTP methods, as `http::Method` has them.
pub(crate) const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];
/// The path Litestar probes, besides `/`, to find exclusions that match every path.
const PROBE_PATH: &str = "/982c7064-6ac7-44b7-9be5-07a2ff6d8a92";

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

/// The attribute's configuration. A key that was not written, or whose value was refused, is
/// `None`; `written` lists every key that was written, so that cross-key rules neither miss a
/// key nor repeat a value's error.
#[derive(Default)]
pub(crate) struct Config {
    pub written: Vec<&'static str>,
    pub secret_env: Option<Setting<LitStr>>,
    pub flow: Option<Setting<Flow>>,
    pub token_url: Option<Setting<LitStr>>,
    pub algorithm: Option<Setting<Ident>>,
    pub private_key: Option<Setting<KeyFrom>>,
    pub public_keys: Option<Setting<Vec<KeyFrom>>>,
    pub key_id: Option<Setting<LitStr>>,
    pub auth_header: Option<Setting<LitStr>>,
    pub expiration: Option<Setting<u64>>,
    pub leeway: Option<Setting<u64>>,
    pub exclude: Option<Setting<Vec<LitStr>>>,
    pub exclude_methods: Option<Setting<Vec<Ident>>>,
    pub cookie_name: Option<Setting<LitStr>>,
    pub cookie_path: Option<Setting<LitStr>>,
    pub cookie_domain: Option<Setting<LitStr>>,
    pub secure: Option<Setting<bool>>,
    pub same_site: Option<Setting<SameSite>>,
    pub issuer: Option<Setting<Vec<LitStr>>>,
    pub audience: Option<Setting<Vec<LitStr>>>,
    pub strict_audience: Option<Setting<bool>>,
    pub require_claims: Option<Setting<Vec<LitStr>>>,
    pub verify_expiry: Option<Setting<bool>>,
    pub verify_not_before: Option<Setting<bool>>,
    pub revoked: Option<Setting<syn::Path>>,
    pub refresh_expiration: Option<Setting<u64>>,
    pub token_store: Option<Setting<TokenStream>>,
    pub scheme_name: Option<Setting<LitStr>>,
    pub description: Option<Setting<LitStr>>,
    pub oauth_scopes: Option<Setting<Vec<(LitStr, LitStr)>>>,
    pub claims: Option<Setting<syn::Path>>,
    pub name: Option<Setting<Ident>>,
    /// The name a refused `name = ...` spells (`"Auth"`, `a::Auth`), for the stand-in type, so
    /// that the code that names it still compiles.
    pub intended_name: Option<Ident>,
}

impl Config {
    /// Whether `name` was written, valid or not.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.written.contains(&name)
    }

    /// The flow, default header; `None` when the written flow was refused.
    pub(crate) fn effective_flow(&self) -> Option<Flow> {
        match &self.flow {
            Some(flow) => Some(flow.value),
            None if self.has(key::FLOW) => None,
            None => Some(Flow::Header),
        }
    }

    /// Interprets the entries, reporting each refused value.
    pub(crate) fn from_entries(parsed: Parsed, errors: &mut Errors) -> Config {
        let mut config = Config {
            written: parsed.attempted,
            ..Config::default()
        };
        for entry in parsed.entries {
            config.written.push(entry.name);
            let mut reader = Reader {
                entry: &entry,
                errors,
            };
            match entry.name {
                key::SECRET => config.secret_env = reader.read(Reader::secret),
                key::FLOW => config.flow = reader.read(Reader::flow),
                key::TOKEN_URL => config.token_url = reader.read(Reader::non_empty_string),
                key::ALGORITHM => config.algorithm = reader.read(Reader::algorithm),
                key::PRIVATE_KEY => config.private_key = reader.read(Reader::private_key),
                key::PUBLIC_KEYS => config.public_keys = reader.read(Reader::public_keys),
                key::KEY_ID => config.key_id = reader.read(Reader::non_empty_string),
                key::AUTH_HEADER => config.auth_header = reader.read(Reader::header_name),
                key::EXPIRATION => config.expiration = reader.read(Reader::expiration),
                key::LEEWAY => config.leeway = reader.read(Reader::duration),
                key::EXCLUDE => config.exclude = reader.read(Reader::exclude),
                key::EXCLUDE_METHODS => config.exclude_methods = reader.read(Reader::methods),
                key::COOKIE_NAME => config.cookie_name = reader.read(Reader::cookie_name),
                key::COOKIE_PATH => config.cookie_path = reader.read(Reader::cookie_attribute),
                key::COOKIE_DOMAIN => config.cookie_domain = reader.read(Reader::cookie_attribute),
                key::SECURE => config.secure = reader.read(Reader::bool),
                key::SAME_SITE => config.same_site = reader.read(Reader::same_site),
                key::ISSUER => config.issuer = reader.read(Reader::strings),
                key::AUDIENCE => config.audience = reader.read(Reader::strings),
                key::STRICT_AUDIENCE => config.strict_audience = reader.read(Reader::bool),
                key::REQUIRE_CLAIMS => config.require_claims = reader.read(Reader::strings),
                key::VERIFY_EXPIRY => config.verify_expiry = reader.read(Reader::bool),
                key::VERIFY_NOT_BEFORE => config.verify_not_before = reader.read(Reader::bool),
                key::REVOKED => config.revoked = reader.read(Reader::path),
                key::REFRESH_EXPIRATION => {
                    config.refresh_expiration = reader.read(Reader::expiration);
                }
                key::TOKEN_STORE => config.token_store = reader.read(Reader::expression),
                key::SCHEME_NAME => config.scheme_name = reader.read(Reader::non_empty_string),
                key::DESCRIPTION => config.description = reader.read(Reader::string),
                key::OAUTH_SCOPES => config.oauth_scopes = reader.read(Reader::scopes),
                key::CLAIMS => config.claims = reader.read(Reader::path),
                key::NAME => {
                    config.name = reader.read(Reader::ident);
                    if config.name.is_none() {
                        config.intended_name = intended_name(&entry.value);
                    }
                }
                _ => unreachable!("attr::parse only yields known keys"),
            }
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
    fn read<T>(&mut self, interpret: fn(&mut Self) -> Option<T>) -> Option<Setting<T>> {
        let value = interpret(self)?;
        Some(Setting {
            key: self.entry.key.clone(),
            tokens: self.entry.value.to_token_stream(),
            value,
        })
    }

    fn name(&self) -> &'static str {
        self.entry.name
    }

    /// Reports a value of the wrong type.
    fn wrong_type(&mut self, value: &Value, expected: &str) {
        let name = self.name();
        let found = value.kind();
        self.errors.spanned(
            value,
            format_args!(
                "`{name}` takes {expected}, not {found}: `{}`",
                example_of(name)
            ),
        );
    }

    fn string(&mut self) -> Option<LitStr> {
        if let Value::Lit(Lit::Str(lit)) = &self.entry.value {
            return Some(lit.clone());
        }
        self.wrong_type(&self.entry.value, "a string");
        None
    }

    fn non_empty_string(&mut self) -> Option<LitStr> {
        let lit = self.string()?;
        if lit.value().is_empty() {
            let name = self.name();
            self.errors
                .spanned(&lit, format_args!("`{name}` must not be empty"));
            return None;
        }
        Some(lit)
    }

    fn bool(&mut self) -> Option<bool> {
        if let Value::Lit(Lit::Bool(lit)) = &self.entry.value {
            return Some(lit.value);
        }
        self.wrong_type(&self.entry.value, "`true` or `false`");
        None
    }

    fn path(&mut self) -> Option<syn::Path> {
        if let Value::Path(path) = &self.entry.value {
            return Some(path.clone());
        }
        let expected = if self.name() == key::REVOKED {
            "the path of a function"
        } else {
            "a type"
        };
        self.wrong_type(&self.entry.value, expected);
        None
    }

    /// An expression that evaluates to a value (a unit struct, a constant, a call).
    fn expression(&mut self) -> Option<TokenStream> {
        match &self.entry.value {
            value @ (Value::Path(_) | Value::Other(_)) => Some(value.to_token_stream()),
            other => {
                self.wrong_type(
                    other,
                    "an expression of a type that implements `jwt_auth::TokenStore`",
                );
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
        self.wrong_type(&self.entry.value, "a type name");
        None
    }

    /// A string or a list of strings; each item that is not a string is reported.
    fn string_list(&mut self, expected: &str) -> Option<Vec<LitStr>> {
        match &self.entry.value {
            Value::Lit(Lit::Str(lit)) => Some(vec![lit.clone()]),
            Value::List { items, .. } => {
                let mut strings = Vec::new();
                let mut ok = true;
                for item in items {
                    if let Value::Lit(Lit::Str(lit)) = item {
                        strings.push(lit.clone());
                    } else {
                        self.wrong_type(item, expected);
                        ok = false;
                    }
                }
                ok.then_some(strings)
            }
            other => {
                self.wrong_type(other, expected);
                None
            }
        }
    }

    fn strings(&mut self) -> Option<Vec<LitStr>> {
        self.string_list("a string or a list of strings")
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
                self.wrong_type(other, "`env(\"VAR\")` or `file(\"path\")`");
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

    fn secret(&mut self) -> Option<LitStr> {
        if let Value::Env { env, .. } = &self.entry.value
            && env == "file"
        {
            self.errors.spanned(
                &self.entry.value,
                "the secret is read from the environment: `secret = env(\"JWT_SECRET\")`",
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
                        "not a valid environment variable name; write e.g. `env(\"JWT_SECRET\")`",
                    );
                    return None;
                }
                Some(var.clone())
            }
            env @ Value::Env { .. } => {
                self.errors.spanned(
                    env,
                    "`env(...)` takes the variable's name as a string: `env(\"JWT_SECRET\")`",
                );
                None
            }
            Value::Lit(Lit::Str(lit)) => {
                self.errors.spanned(
                    lit,
                    "a secret written in the source ends up in the binary and the repository; \
                     read it from the environment: `secret = env(\"JWT_SECRET\")`",
                );
                None
            }
            other => {
                self.wrong_type(
                    other,
                    "`env(\"VAR\")`, the environment variable holding the secret",
                );
                None
            }
        }
    }

    fn flow(&mut self) -> Option<Flow> {
        let lit = self.string()?;
        let written = lit.value();
        if let Some((_, flow)) = Flow::NAMES.iter().find(|(name, _)| *name == written) {
            return Some(*flow);
        }
        let names = Flow::NAMES.map(|(name, _)| name);
        let message = unknown(
            "flow",
            &written,
            &written,
            names,
            "\"header\", \"cookie\" or \"oauth2_password\"",
        );
        self.errors.spanned(&lit, message);
        None
    }

    fn algorithm(&mut self) -> Option<Ident> {
        let lit = self.string()?;
        let written = lit.value();
        if HMAC_ALGORITHMS.contains(&written.as_str()) {
            return Some(Ident::new(&written, lit.span()));
        }
        if PEM_ALGORITHMS.contains(&written.as_str()) {
            return Some(Ident::new(&written, lit.span()));
        }
        let message = unknown(
            "algorithm",
            &written,
            &written.to_ascii_uppercase(),
            HMAC_ALGORITHMS.into_iter().chain(PEM_ALGORITHMS),
            "\"HS256\", \"HS384\", \"HS512\", \"RS256\", \"RS384\", \"RS512\", \"PS256\", \"PS384\", \
             \"PS512\", \"ES256\", \"ES384\" or \"EdDSA\"",
        );
        self.errors.spanned(&lit, message);
        None
    }

    fn header_name(&mut self) -> Option<LitStr> {
        let lit = self.string()?;
        if is_token(&lit.value()) {
            return Some(lit);
        }
        self.errors.spanned(
            &lit,
            "not a valid HTTP header name; use letters, digits and `-`, e.g. `auth_header = \"X-Api-Token\"`",
        );
        None
    }

    fn cookie_name(&mut self) -> Option<LitStr> {
        let lit = self.string()?;
        if is_valid_cookie_name(&lit.value()) {
            return Some(lit);
        }
        self.errors.spanned(
            &lit,
            "not a valid cookie name; use letters, digits and `-` or `_`, e.g. `cookie_name = \"token\"`",
        );
        None
    }

    fn cookie_attribute(&mut self) -> Option<LitStr> {
        let lit = self.string()?;
        let value = lit.value();
        let valid = !value.is_empty()
            && value.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
            && !value.contains(';');
        if valid {
            return Some(lit);
        }
        let name = self.name();
        self.errors.spanned(
            &lit,
            format_args!(
                "`{name}` must be printable ASCII without `;`, e.g. `{}`",
                example_of(name)
            ),
        );
        None
    }

    fn same_site(&mut self) -> Option<SameSite> {
        let lit = self.string()?;
        let written = lit.value();
        match written.to_ascii_lowercase().as_str() {
            "lax" => Some(SameSite::Lax),
            "strict" => Some(SameSite::Strict),
            "none" => Some(SameSite::None),
            _ => {
                self.errors.spanned(
                    &lit,
                    format_args!(
                        "unknown `same_site` value `{written}`; use \"lax\", \"strict\" or \"none\""
                    ),
                );
                None
            }
        }
    }

    fn duration(&mut self) -> Option<u64> {
        match &self.entry.value {
            Value::Lit(Lit::Int(int)) => {
                let seconds = int.base10_parse::<u64>().ok();
                if seconds.is_none() {
                    let name = self.name();
                    self.errors.spanned(
                        int,
                        format_args!(
                            "`{name}` takes a duration such as \"15m\" or a whole number of \
                             seconds: `{}`",
                            example_of(name)
                        ),
                    );
                }
                seconds
            }
            Value::Lit(Lit::Str(lit)) => {
                let seconds = duration::parse_seconds(&lit.value());
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
                self.wrong_type(other, "a duration such as \"15m\" or a number of seconds");
                None
            }
        }
    }

    fn expiration(&mut self) -> Option<u64> {
        let seconds = self.duration()?;
        if seconds == 0 {
            let what = self.name().replace('_', " ");
            self.errors.spanned(
                &self.entry.value,
                format_args!(
                    "the {what} must be longer than zero, e.g. `{}`",
                    example_of(self.name())
                ),
            );
            return None;
        }
        Some(seconds)
    }

    fn exclude(&mut self) -> Option<Vec<LitStr>> {
        let patterns = self.string_list("a pattern or a list of patterns")?;
        let mut ok = true;
        for pattern in &patterns {
            if let Err(error) = regex::Regex::new(&pattern.value()) {
                let reason = regex_reason(&error);
                self.errors.spanned(
                    pattern,
                    format_args!("invalid regular expression in `exclude`: {reason}"),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        let matches_everything = |patterns: &[String]| {
            regex::RegexSet::new(patterns)
                .is_ok_and(|set| set.is_match("/") && set.is_match(PROBE_PATH))
        };
        let culprit = patterns
            .iter()
            .find(|pattern| matches_everything(&[pattern.value()]));
        if let Some(pattern) = culprit {
            self.errors.spanned(pattern, EVERY_PATH);
            return None;
        }
        let all: Vec<String> = patterns.iter().map(LitStr::value).collect();
        if matches_everything(&all) {
            self.errors.spanned(&self.entry.value, EVERY_PATH);
            return None;
        }
        Some(patterns)
    }

    fn methods(&mut self) -> Option<Vec<Ident>> {
        let names = self.string_list("a list of HTTP methods")?;
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
            self.wrong_type(&self.entry.value, "a map of scope names to descriptions");
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

/// The last line of the regex crate's message, which says what is wrong.
fn regex_reason(error: &regex::Error) -> String {
    let text = error.to_string();
    let last = text.lines().last().unwrap_or_default();
    last.strip_prefix("error: ").unwrap_or(last).to_owned()
}

/// An RFC 9110 token: what an HTTP header name may be.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// An RFC 6265 cookie name (the same rule as `jwt_auth::is_valid_cookie_name`).
fn is_valid_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}
