//! Token decoding: any bytes, as a token, to an HS256 backend and to RS256, ES256 and EdDSA
//! verify-only backends, and as a refresh token to an HS256 backend that issues them. Decoding
//! and the refresh exchange must return an error or a token, never panic.
#![no_main]

use std::future::Future as _;
use std::pin::pin;
use std::sync::LazyLock;
use std::task::{Context, Poll, Waker};

use jwt_auth::{Algorithm, Flow, JwtAuth};
use libfuzzer_sys::fuzz_target;

const RSA_PUBLIC: &[u8] = include_bytes!("../../jwt-auth/tests/keys/rsa2048-public.pem");
const P256_PUBLIC: &[u8] = include_bytes!("../../jwt-auth/tests/keys/p256-public.pem");
const ED25519_PUBLIC: &[u8] = include_bytes!("../../jwt-auth/tests/keys/ed25519-public.pem");

static BACKENDS: LazyLock<Vec<JwtAuth<()>>> = LazyLock::new(|| {
    let hmac = JwtAuth::<()>::builder()
        .secret("a fuzzing secret of at least thirty-two bytes")
        .retrieve_user_sync(|_, _: &()| Some(()))
        .build()
        .unwrap();
    let mut backends = vec![hmac];
    for (algorithm, public) in [
        (Algorithm::RS256, RSA_PUBLIC),
        (Algorithm::ES256, P256_PUBLIC),
        (Algorithm::EdDSA, ED25519_PUBLIC),
    ] {
        backends.push(
            JwtAuth::<()>::builder()
                .algorithm(algorithm)
                .pem_keys(None, public)
                .retrieve_user_sync(|_, _: &()| Some(()))
                .build()
                .unwrap(),
        );
    }
    backends
});

static REFRESHING: LazyLock<JwtAuth<()>> = LazyLock::new(|| {
    JwtAuth::<()>::builder()
        .secret("a fuzzing secret of at least thirty-two bytes")
        .flow(Flow::OAuth2Password)
        .token_url("/token")
        .refresh_tokens(std::time::Duration::from_hours(1))
        .retrieve_user_sync(|_, _: &()| Some(()))
        .build()
        .unwrap()
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for backend in BACKENDS.iter() {
        let _ = backend.decode(&text);
    }
    // The in-memory store never waits, so one poll finishes the exchange.
    let refresh = pin!(REFRESHING.refresh(&text, &()));
    let outcome = refresh.poll(&mut Context::from_waker(Waker::noop()));
    assert!(matches!(outcome, Poll::Ready(Err(_))), "a fuzzed refresh token was accepted");
});
