//! The claims payload's fast path (`token.rs`, `flat`): any bytes as a decoded payload. Where
//! the fast path answers, it must answer as the serde visitor does; it must never panic.
#![no_main]

use jwt_auth::__private::claims_fast_path;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((fast, visitor)) = claims_fast_path(data) {
        assert_eq!(fast, visitor, "{}", String::from_utf8_lossy(data));
    }
});
