//! What an authentication tells the operator: one `tracing` span per authentication (target
//! `jwt_auth`, level DEBUG), and one event in it with the outcome, so that a refusal is logged
//! once, by the layer, whatever extractor asks again. With the `metrics` feature, a counter
//! through the `metrics` facade as well.
//!
//! The fields: `flow`, `algorithm` (the backend's), `cached` (whether the verified-token cache
//! answered), `kid` (the token header's, when the token was decoded now and tracing is on),
//! `outcome` (`authenticated` or `refused`), `reason` ([`AuthError::reason`]: `expired`,
//! `signature`, ...), and `subject` only when the application allows it
//! ([`JwtAuthBuilder::trace_subject`](crate::JwtAuthBuilder::trace_subject)). Never the token,
//! a secret or the query string.
//!
//! With no subscriber interested, the span is disabled: each field is then one check of a
//! cached flag, nothing is formatted or allocated.

use std::sync::Arc;

use tracing::Span;
use tracing::field::Empty;

use crate::backend::JwtAuth;
use crate::backend::settings::Settings;
use crate::error::AuthError;
use crate::keys::algorithm::algorithm_name;
use crate::token::model::Token;

/// The name of the counter of outcomes (`outcome`, `reason` labels), with `metrics`.
pub const METRIC_AUTHENTICATIONS: &str = "jwt_auth_authentications_total";

impl<U, S, C> JwtAuth<U, S, C> {
    /// A new authentication's span, its outcome still empty.
    pub(crate) fn span(&self) -> Span {
        let settings = &*self.settings;
        tracing::debug_span!(
            target: "jwt_auth",
            "authenticate",
            flow = settings.flow.to_config().name(),
            algorithm = algorithm_name(settings.codec.algorithm()),
            cached = Empty,
            kid = Empty,
            outcome = Empty,
            reason = Empty,
            subject = Empty,
        )
    }
}

/// Records how an authentication ended in its span, logs it once there, and counts it.
pub(crate) fn finish<U, C>(
    span: &Span,
    settings: &Settings,
    outcome: &Result<(U, Arc<Token<C>>), AuthError>,
) {
    let (result, reason) = match outcome {
        Ok(_) => ("authenticated", None),
        Err(error) => ("refused", Some(error.reason())),
    };
    #[cfg(feature = "metrics")]
    metrics::counter!(METRIC_AUTHENTICATIONS, "outcome" => result, "reason" => reason.unwrap_or("")).increment(1);
    if span.is_disabled() {
        return;
    }
    span.record("outcome", result);
    if let Some(reason) = reason {
        span.record("reason", reason);
    }
    if let (Ok((_, token)), true) = (outcome, settings.trace_subject) {
        span.record("subject", token.sub.as_str());
    }
    span.in_scope(|| match outcome {
        Ok(_) => tracing::debug!(target: "jwt_auth", "request authenticated"),
        Err(error) => {
            tracing::debug!(target: "jwt_auth", reason = error.reason(), "request refused: {error}");
        }
    });
}
