//! Interoperability with PyJWT for the asymmetric algorithms, both ways, with the test keys in
//! `tests/keys/`. The suite does not run Python; the vectors were made once, by hand.
//!
//! PyJWT to us: the three vectors below were printed by PyJWT 2.15.1 (`pip install
//! 'pyjwt[crypto]'`), run in `jwt-auth/tests/keys/`:
//!
//! ```python
//! import jwt
//! claims = {"sub": "alice", "exp": 4102444800, "iat": 1704067200, "email": "alice@example.com"}
//! for alg, key, kid in [("RS256", "rsa2048-private.pem", "rsa-1"),
//!                       ("ES256", "p256-private.pem", "p256-1"),
//!                       ("EdDSA", "ed25519-private.pem", "ed-1")]:
//!     print(alg, jwt.encode(claims, open(key).read(), algorithm=alg, headers={"kid": kid}))
//! ```
//!
//! Us to PyJWT: `cargo test -p jwt-auth --test pyjwt -- --ignored --nocapture` prints one token
//! per algorithm, signed by our backends with the private keys; each was verified once with
//! PyJWT 2.15.1 and the public keys:
//!
//! ```python
//! import jwt, sys
//! for line in sys.stdin:
//!     alg, key, token = line.split()
//!     print(alg, jwt.decode(token, open(key).read(), algorithms=[alg]),
//!           jwt.get_unverified_header(token))
//! ```
//!
//! (run in `jwt-auth/tests/keys/`, fed the printed lines) which printed (`exp`/`iat` vary per run):
//!
//! ```text
//! RS256 {'exp': 1795908020, 'sub': 'alice', 'iat': 1795821620, 'email': 'alice@example.com'} {'typ': 'JWT', 'alg': 'RS256', 'kid': 'ours'}
//! ES256 {'exp': 1795908020, 'sub': 'alice', 'iat': 1795821620, 'email': 'alice@example.com'} {'typ': 'JWT', 'alg': 'ES256', 'kid': 'ours'}
//! EdDSA {'exp': 1795908020, 'sub': 'alice', 'iat': 1795821620, 'email': 'alice@example.com'} {'typ': 'JWT', 'alg': 'EdDSA', 'kid': 'ours'}
//! ```

mod common;

use common::{User, app, assert_user, get_bearer, known_user, send};
use jwt_auth::{Algorithm, JwtAuth, Key};

const RSA_PUBLIC: &[u8] = include_bytes!("keys/rsa2048-public.pem");
const P256_PUBLIC: &[u8] = include_bytes!("keys/p256-public.pem");
const ED25519_PUBLIC: &[u8] = include_bytes!("keys/ed25519-public.pem");
const ED25519_SECOND_PUBLIC: &[u8] = include_bytes!("keys/ed25519-second-public.pem");
const RSA_PRIVATE: &[u8] = include_bytes!("keys/rsa2048-private.pem");
const P256_PRIVATE: &[u8] = include_bytes!("keys/p256-private.pem");
const ED25519_PRIVATE: &[u8] = include_bytes!("keys/ed25519-private.pem");

const PYJWT_RS256: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIiwidHlwIjoiSldUIn0.\
    eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMCwiaWF0IjoxNzA0MDY3MjAwLCJlbWFpbCI6ImFsaWNlQGV4YW1wbGUuY29tIn0.\
    Xswg8ovOp30t3cwPiK1doQlZ9CiFm_P_zM4pki6socHl1ha_sewBJP6gk0m2XkMXzVPnA8hIX5d8uRxx0IGPCX9pcCLGgxOF0sra9tHhORPZKyLq8MeU-dhErQ_StVMCLf_9tCNqXhZ7qQkLCQvLPyjUf9vh2YkLVoc67LRPGtqrHFHmcyQzrFYgHXGbWDNlmwRHq4UimJyFq3ff0Drf-E8rRsp42_6Vceo4i2r5Adp9mH7HOVC58vtanIoRcPCQxOStKEHI_aNbXdA-h_TLOCkERuXl2Kzw9I9BSobQkbINnpROe084ZxZD_oHniYtgG8ouFvVtWfsOkYXfmXvqkA";
const PYJWT_ES256: &str = "eyJhbGciOiJFUzI1NiIsImtpZCI6InAyNTYtMSIsInR5cCI6IkpXVCJ9.\
    eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMCwiaWF0IjoxNzA0MDY3MjAwLCJlbWFpbCI6ImFsaWNlQGV4YW1wbGUuY29tIn0.\
    kznfFBhJ01ldCM26Tya4C5bXLYW0viw6EwsASh_rBSFeWYhzuwA0tJ66UVxyD45Mh_f2Pn-UyJFEb1M-v0tEyA";
const PYJWT_EDDSA: &str = "eyJhbGciOiJFZERTQSIsImtpZCI6ImVkLTEiLCJ0eXAiOiJKV1QifQ.\
    eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMCwiaWF0IjoxNzA0MDY3MjAwLCJlbWFpbCI6ImFsaWNlQGV4YW1wbGUuY29tIn0.\
    Q5m2fmBmYzECGS0lzMkSgOPrMVVBQF5nmELcCStx7uEzTvEsP6FZAD8QNCyO3VChDmRpgJWK23DTEErRieekBA";

/// The vectors without the line continuations' indentation.
fn vector(raw: &str) -> String {
    raw.split_whitespace().collect()
}

fn verifier(algorithm: Algorithm, keys: Vec<Key>) -> JwtAuth<User> {
    JwtAuth::<User>::builder()
        .algorithm(algorithm)
        .verification_keys(keys)
        .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
        .build()
        .unwrap()
}

#[tokio::test]
async fn pyjwt_tokens_verify_with_our_public_keys() {
    for (algorithm, public, kid, jwt) in [
        (Algorithm::RS256, RSA_PUBLIC, "rsa-1", PYJWT_RS256),
        (Algorithm::ES256, P256_PUBLIC, "p256-1", PYJWT_ES256),
        (Algorithm::EdDSA, ED25519_PUBLIC, "ed-1", PYJWT_EDDSA),
    ] {
        let jwt = vector(jwt);
        // One key without kid; the same key by kid; the key among others, by kid.
        let mut setups = vec![
            verifier(algorithm, vec![Key::pem(public)]),
            verifier(algorithm, vec![Key::pem(public).with_kid(kid)]),
        ];
        if algorithm == Algorithm::EdDSA {
            setups.push(verifier(
                algorithm,
                vec![
                    Key::pem(ED25519_SECOND_PUBLIC).with_kid("ed-2"),
                    Key::pem(public).with_kid(kid),
                ],
            ));
        }
        for auth in setups {
            let token = auth
                .decode(&jwt)
                .unwrap_or_else(|e| panic!("{algorithm:?}: {e}"));
            assert_eq!(token.sub, "alice");
            assert_eq!(token.exp, 4_102_444_800);
            assert_eq!(token.iat, Some(1_704_067_200));
            assert_eq!(token.extras["email"], "alice@example.com");
            assert_user(
                &send(&app(&auth), get_bearer("/protected", &jwt)).await,
                "alice",
            );
        }
    }
    // PyJWT's kid unknown among two keys: refused.
    let wrong = verifier(
        Algorithm::EdDSA,
        vec![
            Key::pem(ED25519_PUBLIC).with_kid("other"),
            Key::pem(ED25519_SECOND_PUBLIC).with_kid("ed-2"),
        ],
    );
    assert!(wrong.decode(&vector(PYJWT_EDDSA)).is_err());
}

/// Prints our tokens for the PyJWT check described at the top; run by hand.
#[test]
#[ignore = "prints tokens for a manual check with PyJWT"]
fn print_our_tokens() {
    for (algorithm, private, public) in [
        (Algorithm::RS256, RSA_PRIVATE, "rsa2048-public.pem"),
        (Algorithm::ES256, P256_PRIVATE, "p256-public.pem"),
        (Algorithm::EdDSA, ED25519_PRIVATE, "ed25519-public.pem"),
    ] {
        let auth = JwtAuth::<User>::builder()
            .algorithm(algorithm)
            .signing_key(Key::pem(private).with_kid("ours"))
            .retrieve_user_sync(|token, _state: &()| known_user(&token.sub))
            .build()
            .unwrap();
        let jwt = auth
            .token("alice")
            .extra("email", "alice@example.com")
            .encode()
            .unwrap();
        println!("{} {public} {jwt}", jwt_auth::algorithm_name(algorithm));
    }
}
