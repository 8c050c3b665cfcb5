//! The clock, in the whole seconds of the registered claims.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Seconds of a duration, for `exp`, `Max-Age` and `expires_in` (sub-second parts are dropped,
/// as Litestar's `int(total_seconds())` does).
pub(crate) fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs()
}
