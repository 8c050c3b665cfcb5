//! Phase 3: the rules across keys. A key whose value was refused is not checked again here, so
//! that one mistake gives one error.

use proc_macro2::Span;

use crate::attr::key;
use crate::errors::Errors;
use crate::model::{Config, Flow, PEM_ALGORITHMS, SameSite};

/// A secret for HMAC, keys for the asymmetric algorithms, never both (algorithm confusion).
fn check_keys(config: &Config, errors: &mut Errors) {
    let has_keys = config.has(key::PRIVATE_KEY) || config.has(key::PUBLIC_KEYS);
    let asymmetric = config
        .algorithm
        .as_ref()
        .map(|a| (a, PEM_ALGORITHMS.contains(&a.value.to_string().as_str())));
    match asymmetric {
        Some((algorithm, true)) => {
            let name = &algorithm.value;
            if let Some(secret) = &config.secret_env {
                errors.spanned(
                    &secret.key,
                    format_args!(
                        "`{name}` takes keys, not a `secret`; remove `secret` and add \
                         `private_key = file(\"keys/private.pem\")` and/or `public_keys = [...]`"
                    ),
                );
            } else if !has_keys {
                errors.spanned(
                    &algorithm.tokens,
                    format_args!(
                        "`{name}` needs keys: add `private_key = file(\"keys/private.pem\")` to \
                         sign and/or `public_keys = [file(\"keys/public.pem\")]` to verify"
                    ),
                );
            }
        }
        // An unknown algorithm was reported already.
        None if config.has(key::ALGORITHM) => {}
        _ => {
            for setting in [
                config.private_key.as_ref().map(|s| &s.key),
                config.public_keys.as_ref().map(|s| &s.key),
            ]
            .into_iter()
            .flatten()
            {
                errors.spanned(
                    setting,
                    format_args!(
                        "`{setting}` needs an asymmetric `algorithm` (\"RS256\", \"ES256\", \
                         \"EdDSA\", ...); HMAC algorithms take `secret = env(\"JWT_SECRET\")`"
                    ),
                );
            }
            if !config.has(key::SECRET) && !has_keys {
                errors.at(
                    Span::call_site(),
                    "missing `secret`; add `secret = env(\"JWT_SECRET\")` to read the signing \
                     secret from the environment",
                );
            }
        }
    }
}

/// Checks the rules across keys.
pub(crate) fn check(config: &Config, errors: &mut Errors) {
    check_keys(config, errors);
    if let Some(flow) = config.effective_flow() {
        check_flow(config, flow, errors);
    }
    let audience_refused = config.has(key::AUDIENCE) && config.audience.is_none();
    if let Some(strict) = config
        .strict_audience
        .as_ref()
        .filter(|_| !audience_refused)
    {
        let count = config.audience.as_ref().map_or(0, |a| a.value.len());
        if strict.value && count != 1 {
            errors.spanned(
                &strict.tokens,
                format_args!(
                    "`strict_audience = true` needs exactly one `audience`, found {count}; e.g. \
                     `audience = \"my-api\"`"
                ),
            );
        }
    }
}

fn check_flow(config: &Config, flow: Flow, errors: &mut Errors) {
    match (flow, &config.token_url) {
        (Flow::OAuth2Password, None) if !config.has(key::TOKEN_URL) => {
            let span = config.flow.as_ref().map(|f| &f.tokens);
            errors.spanned(
                span,
                "`flow = \"oauth2_password\"` needs the login route's path: add `token_url = \"/login\"`",
            );
        }
        (Flow::Header | Flow::Cookie, Some(url)) => errors.at(
            url.key.span(),
            "`token_url` only applies to `flow = \"oauth2_password\"`",
        ),
        _ => {}
    }
    if flow != Flow::OAuth2Password
        && let Some(scopes) = &config.oauth_scopes
    {
        errors.at(
            scopes.key.span(),
            "`oauth_scopes` only applies to `flow = \"oauth2_password\"`",
        );
    }
    if flow != Flow::OAuth2Password
        && let Some(refresh) = &config.refresh_expiration
    {
        errors.at(
            refresh.key.span(),
            "`refresh_expiration` only applies to `flow = \"oauth2_password\"`: refresh tokens \
             are issued and redeemed at its token endpoint",
        );
    }
    if !flow.uses_cookie() {
        for (name, span) in cookie_keys(config) {
            errors.at(
                span,
                format_args!(
                    "`{name}` only applies to the cookie flows: add `flow = \"cookie\"` or \
                     `flow = \"oauth2_password\"`"
                ),
            );
        }
        return;
    }
    if let (Some(same_site), Some(secure)) = (&config.same_site, &config.secure)
        && same_site.value == SameSite::None
        && !secure.value
    {
        errors.spanned(
            &same_site.tokens,
            "`same_site = \"none\"` needs `secure = true`: browsers drop such a cookie",
        );
    }
}

/// The cookie keys that were written and accepted, with their key's span.
fn cookie_keys(config: &Config) -> Vec<(&'static str, Span)> {
    let spans = [
        config.cookie_name.as_ref().map(|s| s.key.span()),
        config.cookie_path.as_ref().map(|s| s.key.span()),
        config.cookie_domain.as_ref().map(|s| s.key.span()),
        config.secure.as_ref().map(|s| s.key.span()),
        config.same_site.as_ref().map(|s| s.key.span()),
    ];
    key::COOKIE
        .into_iter()
        .zip(spans)
        .filter_map(|(name, span)| Some((name, span?)))
        .collect()
}
