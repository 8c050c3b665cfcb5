//! The token cookie of the cookie flows: its settings, and the `Set-Cookie` values that set and
//! clear it.

use axum::http::HeaderValue;
use cookie::Cookie;

use crate::error::TokenError;

/// The cookie's `SameSite` attribute: the configuration's own type, so that its rules (`None`
/// needs `Secure`) and the attribute's names are those the macro checks.
pub use jwt_auth_config::SameSite;

fn same_site(same_site: SameSite) -> cookie::SameSite {
    match same_site {
        SameSite::Lax => cookie::SameSite::Lax,
        SameSite::Strict => cookie::SameSite::Strict,
        SameSite::None => cookie::SameSite::None,
    }
}

/// The cookie's name and attributes (cookie flows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieSettings {
    /// The cookie's name, default `token`.
    pub name: String,
    /// `Path`, default `/`.
    pub path: String,
    /// `Domain`, default none.
    pub domain: Option<String>,
    /// `Secure`, default `true` (Litestar's default is off; see `docs/litestar.md`).
    pub secure: bool,
    /// `SameSite`, default `Lax`.
    pub same_site: SameSite,
}

impl Default for CookieSettings {
    fn default() -> Self {
        Self {
            name: "token".to_owned(),
            path: "/".to_owned(),
            domain: None,
            secure: true,
            same_site: SameSite::Lax,
        }
    }
}

fn cookie<'a>(settings: &'a CookieSettings, value: &'a str) -> cookie::CookieBuilder<'a> {
    let mut cookie = Cookie::build((settings.name.as_str(), value))
        .http_only(true)
        .path(settings.path.as_str())
        .same_site(same_site(settings.same_site))
        .secure(settings.secure);
    if let Some(domain) = &settings.domain {
        cookie = cookie.domain(domain.as_str());
    }
    cookie
}

/// The `Set-Cookie` value of a login: the token, `HttpOnly`, for `lifetime` seconds.
pub(crate) fn set_cookie(
    settings: &CookieSettings,
    jwt: &str,
    lifetime: u64,
) -> Result<HeaderValue, TokenError> {
    let max_age = cookie::time::Duration::seconds(i64::try_from(lifetime).unwrap_or(i64::MAX));
    let value = cookie(settings, jwt).max_age(max_age).build().to_string();
    HeaderValue::try_from(value).map_err(|e| TokenError::Encode(e.to_string()))
}

/// The `Set-Cookie` value of a logout, which clears the cookie.
pub(crate) fn removal_cookie(settings: &CookieSettings) -> Option<HeaderValue> {
    let removal = cookie(settings, "").removal().build().to_string();
    HeaderValue::try_from(removal).ok()
}
