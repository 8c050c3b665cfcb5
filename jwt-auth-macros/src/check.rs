//! Phase 3: the rules across keys. They are `jwt_auth_config`'s, which the builder applies too;
//! here each violation is shown on the key or value at fault, in the attribute's syntax. A key
//! whose value was refused is not checked again, so that one mistake gives one error.

use jwt_auth_config::{Blame, Draft, Flow, Key, KeySet, Scope, Violation};
use proc_macro2::Span;

use crate::attr::example_of;
use crate::errors::Errors;
use crate::model::Config;

/// Checks the rules across keys.
pub(crate) fn check(config: &Config, errors: &mut Errors) {
    for violation in draft(config).check() {
        let message = message(violation);
        let entry = |key| config.entry(key);
        match violation.blame() {
            Blame::Key(key) => {
                let span = entry(key).map_or_else(Span::call_site, |e| e.ident.span());
                errors.at(span, message);
            }
            Blame::Item(Key::Issuers, index) => {
                match config.issuers.as_ref().and_then(|all| all.get(index)) {
                    Some(provider) => errors.spanned(&provider.tokens, message),
                    None => errors.at(Span::call_site(), message),
                }
            }
            Blame::Value(key) | Blame::Item(key, _) => match entry(key) {
                Some(entry) => errors.spanned(&entry.value, message),
                None => errors.at(Span::call_site(), message),
            },
            Blame::Whole => errors.at(Span::call_site(), message),
        }
    }
}

/// What the rules read of the attribute: the values that were accepted, the defaults for the
/// others, and which keys were written but refused.
fn draft(config: &Config) -> Draft {
    let refused: KeySet = config
        .written
        .iter()
        .filter(|key| !config.accepted.contains(*key))
        .collect();
    let defaults = Draft::default();
    let algorithm = config
        .algorithm
        .as_ref()
        .and_then(|name| jwt_auth_config::algorithm(&name.to_string()));
    Draft {
        given: config.accepted,
        refused,
        flow: config.flow.unwrap_or(defaults.flow),
        algorithm: algorithm.unwrap_or(defaults.algorithm),
        secure: config.secure.unwrap_or(defaults.secure),
        same_site: config.same_site.unwrap_or(defaults.same_site),
        audiences: config.audience.as_ref().map_or(0, Vec::len),
        issuer_audiences: config
            .issuers
            .iter()
            .flatten()
            .map(|provider| provider.audience.len())
            .collect(),
        strict_audience: config.strict_audience.unwrap_or(defaults.strict_audience),
    }
}

/// The message, in the attribute's syntax.
fn message(violation: Violation) -> String {
    let oauth2 = Flow::OAuth2Password.name();
    match violation {
        Violation::MissingSecret => format!(
            "missing `secret`; add `{}` to read the signing secret from the environment",
            example_of(Key::Secret)
        ),
        Violation::SecretWithAsymmetric { algorithm } => format!(
            "`{algorithm}` takes keys, not a `secret`; remove `secret` and add `{}` and/or \
             `public_keys = [...]`",
            example_of(Key::PrivateKey)
        ),
        Violation::MissingKeys { algorithm } => format!(
            "`{algorithm}` needs keys: add `{}` to sign and/or \
             `public_keys = [file(\"keys/public.pem\")]` to verify",
            example_of(Key::PrivateKey)
        ),
        Violation::KeyWithHmac { key, .. } => format!(
            "`{}` needs an asymmetric `algorithm` (\"RS256\", \"ES256\", \"EdDSA\", ...); HMAC \
             algorithms take `{}`",
            key.name(),
            example_of(Key::Secret)
        ),
        Violation::TokenUrlMissing => format!(
            "`flow = \"{oauth2}\"` needs the login route's path: add `{}`",
            example_of(Key::TokenUrl)
        ),
        Violation::NotForFlow { key, .. } => match key.spec().scope {
            Scope::CookieFlows => format!(
                "`{}` only applies to the cookie flows: add `flow = \"{}\"` or \
                 `flow = \"{oauth2}\"`",
                key.name(),
                Flow::Cookie.name()
            ),
            Scope::OAuth2Password | Scope::AllFlows => {
                let why = if key == Key::RefreshExpiration {
                    ": refresh tokens are issued and redeemed at its token endpoint"
                } else {
                    ""
                };
                format!(
                    "`{}` only applies to `flow = \"{oauth2}\"`{why}",
                    key.name()
                )
            }
        },
        Violation::SameSiteNoneWithoutSecure => {
            "`same_site = \"none\"` needs `secure = true`: browsers drop such a cookie".to_owned()
        }
        Violation::StrictAudience { count } => format!(
            "`strict_audience = true` needs exactly one `audience`, found {count}; e.g. `{}`",
            example_of(Key::Audience)
        ),
        Violation::IssuerWithoutAudience { .. } => "an identity provider's tokens name the API \
            they are for: without an audience, a token it issued for any other API would be \
            accepted here; add `audience = \"my-api\"` to the `oidc(...)`, or an `audience` for \
            every provider"
            .to_owned(),
        Violation::PreviousSecretsWithoutSecret => format!(
            "`previous_secrets` rotates an HMAC secret: add `{}`, the current one",
            example_of(Key::Secret)
        ),
        Violation::TlsRootsWithoutIssuers => {
            "`tls_roots` checks the `https://` identity providers of `issuers`, and there are none"
                .to_owned()
        }
    }
}
