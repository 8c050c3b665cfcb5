//! Header and cookie extraction, as the middleware does it: the input is split at the first
//! NUL into an `Authorization` value and a `Cookie` value (each kept only if it is a valid
//! header value), and extracted for every flow, with the default size limit and a small one.
#![no_main]

use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use jwt_auth::Flow;
use jwt_auth::__private::extract_token;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (authorization, cookie) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(authorization) {
        headers.append(AUTHORIZATION, value);
    }
    if let Some(cookie) = cookie {
        for part in cookie.split(|&b| b == b'\n') {
            if let Ok(value) = HeaderValue::from_bytes(part) {
                headers.append(COOKIE, value);
            }
        }
    }
    for flow in [Flow::Header, Flow::Cookie, Flow::OAuth2Password] {
        for max_size in [8192, 16] {
            if let Ok((token, _)) = extract_token(flow, &headers, &AUTHORIZATION, "token", max_size) {
                assert!(!token.is_empty());
                assert!(token.len() <= max_size);
                // Visible ASCII: it becomes text without fail.
                assert!(token.iter().all(|&b| b == b'\t' || (0x20..0x7f).contains(&b)));
            }
        }
    }
});
