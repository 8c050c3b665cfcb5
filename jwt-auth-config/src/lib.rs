//! Implementation detail of `jwt-auth`: the configuration's keys and rules, written once for the
//! `#[jwt_auth]` attribute (which reports a broken rule as a compile error on the guilty token)
//! and for `jwt_auth::JwtAuthBuilder` (which reports it as a `jwt_auth::ConfigError`). Depend on
//! `jwt-auth` instead.
//!
//! Plain data and pure functions, no syntax and no HTTP types, so that both sides can call them:
//!
//! - [`KEYS`], the table of the attribute's keys: what each takes, its default, the flows it
//!   applies to, its example, Litestar's name for it, the builder method it becomes;
//! - the vocabulary: [`Flow`], [`SameSite`], [`ALGORITHMS`], [`METHODS`], [`parse_duration`];
//! - the rules on one value: [`is_valid_cookie_name`], [`is_valid_cookie_attribute`],
//!   [`is_valid_header_name`], [`is_valid_lifetime`], [`check_exclude`], [`check_remote_url`];
//! - the rules across keys: [`Draft::check`], over a plain description of a configuration that
//!   the attribute and the builder both fill, giving [`Violation`]s that name the key to blame.
//!
//! Each side writes its own messages: the attribute in its `key = value` syntax, the builder
//! in its method names.

mod algorithm;
mod cookie;
mod draft;
mod duration;
mod exclude;
mod flow;
mod http;
mod key;
mod url;

pub use algorithm::{ALGORITHMS, AlgorithmSpec, Family, algorithm};
pub use cookie::{SameSite, is_valid_cookie_attribute, is_valid_cookie_name};
pub use draft::{Blame, Draft, Violation};
pub use duration::{is_valid_lifetime, parse_duration};
pub use exclude::{
    ExcludeError, ExcludePattern, PROBE_PATH, check_exclude, path_excludes, suggestion,
};
pub use flow::{Flow, Scope};
pub use http::{MAX_HEADER_NAME_LEN, METHODS, is_valid_header_name};
pub use key::{KEYS, Key, KeySet, KeySpec, Takes};
pub use url::{RemoteUrl, UrlError, check_remote_url, discovery_url, is_loopback};
