//! HMAC signatures (HS256, HS384, HS512) checked with a keyed state computed once.
//!
//! `jsonwebtoken::crypto::verify` builds a new verifier per call, which copies the key and
//! hashes it into the inner and outer pads again: two of the five to seven SHA-2 blocks of a
//! typical token. Here the keyed state is computed when the backend is built and copied per
//! token. The result is the same as `jsonwebtoken`'s: with `rust_crypto` the same `hmac` and
//! `sha2` crates, with `aws_lc_rs` (which wins when both are on, as in `crypto.rs`) the same
//! `aws_lc_rs::hmac`, a base64url decoding that
//! accepts what its engine accepts (`token/base64.rs`), a constant-time comparison. The asymmetric
//! algorithms still go through `jsonwebtoken`.

#[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
mod keyed {
    use hmac::{Hmac, Mac};
    use jsonwebtoken::Algorithm;
    use sha2::{Sha256, Sha384, Sha512};
    use subtle::ConstantTimeEq as _;

    /// An HMAC key with its pads already hashed.
    #[derive(Clone)]
    pub(crate) enum HmacKey {
        Hs256(Hmac<Sha256>),
        Hs384(Hmac<Sha384>),
        Hs512(Hmac<Sha512>),
    }

    impl HmacKey {
        /// The keyed state for an HMAC algorithm; `None` for any other algorithm.
        pub(crate) fn new(algorithm: Algorithm, secret: &[u8]) -> Option<Self> {
            // `new_from_slice` accepts any key length for HMAC.
            match algorithm {
                Algorithm::HS256 => Hmac::new_from_slice(secret).ok().map(Self::Hs256),
                Algorithm::HS384 => Hmac::new_from_slice(secret).ok().map(Self::Hs384),
                Algorithm::HS512 => Hmac::new_from_slice(secret).ok().map(Self::Hs512),
                _ => None,
            }
        }

        /// Whether `expected` is the MAC of `message`, compared in constant time.
        pub(super) fn matches(&self, message: &[u8], expected: &[u8]) -> bool {
            match self {
                Self::Hs256(key) => check(key.clone(), message, expected),
                Self::Hs384(key) => check(key.clone(), message, expected),
                Self::Hs512(key) => check(key.clone(), message, expected),
            }
        }
    }

    fn check(mut mac: impl Mac, message: &[u8], expected: &[u8]) -> bool {
        mac.update(message);
        same(&mac.finalize().into_bytes(), expected)
    }

    /// Whether two MACs are equal, in constant time: a word at a time with `subtle`, as
    /// `Mac::verify_slice` does a byte at a time (with an optimization barrier per byte). The
    /// lengths are public, as there.
    pub(super) fn same(computed: &[u8], expected: &[u8]) -> bool {
        if computed.len() != expected.len() {
            return false;
        }
        let (words, rest) = computed.as_chunks::<8>();
        let (other_words, other_rest) = expected.as_chunks::<8>();
        words
            .iter()
            .zip(other_words)
            .fold(rest.ct_eq(other_rest), |equal, (a, b)| {
                equal & u64::from_ne_bytes(*a).ct_eq(&u64::from_ne_bytes(*b))
            })
            .into()
    }
}

#[cfg(feature = "aws_lc_rs")]
mod keyed {
    use aws_lc_rs::hmac;
    use jsonwebtoken::Algorithm;

    /// An HMAC key with its pads already hashed: aws-lc's `HMAC_CTX`, initialized once and
    /// copied per token (`hmac::Context::with_key`), where `jsonwebtoken` builds a new
    /// `hmac::Key` for every signature it checks.
    #[derive(Clone)]
    pub(crate) struct HmacKey(hmac::Key);

    impl HmacKey {
        /// The keyed state for an HMAC algorithm; `None` for any other algorithm.
        pub(crate) fn new(algorithm: Algorithm, secret: &[u8]) -> Option<Self> {
            let algorithm = match algorithm {
                Algorithm::HS256 => hmac::HMAC_SHA256,
                Algorithm::HS384 => hmac::HMAC_SHA384,
                Algorithm::HS512 => hmac::HMAC_SHA512,
                _ => return None,
            };
            Some(Self(hmac::Key::new(algorithm, secret)))
        }

        /// Whether `expected` is the MAC of `message`, compared in constant time
        /// (`hmac::verify`).
        pub(super) fn matches(&self, message: &[u8], expected: &[u8]) -> bool {
            hmac::verify(&self.0, message, expected).is_ok()
        }
    }
}

#[cfg(not(any(feature = "rust_crypto", feature = "aws_lc_rs")))]
mod keyed {
    use jsonwebtoken::Algorithm;

    /// Without a crypto backend there is no keyed state; this only keeps `crypto.rs`'s
    /// `compile_error!` the one error of such a build.
    #[derive(Clone)]
    pub(crate) enum HmacKey {}

    impl HmacKey {
        pub(crate) fn new(_: Algorithm, _: &[u8]) -> Option<Self> {
            None
        }

        pub(super) fn matches(&self, _: &[u8], _: &[u8]) -> bool {
            match *self {}
        }
    }
}

pub(crate) use keyed::HmacKey;

impl HmacKey {
    /// Whether `signature` (base64url without padding, as in a JWS) is the MAC of `message`,
    /// compared in constant time.
    pub(crate) fn verify(&self, message: &[u8], signature: &str) -> bool {
        // The largest MAC is 64 bytes; a longer signature cannot match (nor does it in
        // `jsonwebtoken`, which compares lengths too).
        let mut bytes = [0_u8; 64];
        let Some(len) = crate::token::base64::decode_into(signature.as_bytes(), &mut bytes) else {
            return false;
        };
        self.matches(message, &bytes[..len])
    }
}

#[cfg(all(test, any(feature = "rust_crypto", feature = "aws_lc_rs")))]
mod tests {
    use super::*;
    use jsonwebtoken::Algorithm;
    use jsonwebtoken::{DecodingKey, EncodingKey, Header};

    /// Agrees with `jsonwebtoken::crypto::verify` on valid, altered, truncated, extended and
    /// non-base64 signatures, for the three algorithms.
    #[test]
    fn agrees_with_jsonwebtoken() {
        for (algorithm, len) in [
            (Algorithm::HS256, 32),
            (Algorithm::HS384, 48),
            (Algorithm::HS512, 64),
        ] {
            let secret = vec![7_u8; len];
            let key = HmacKey::new(algorithm, &secret).expect("an HMAC algorithm");
            let jwt = jsonwebtoken::encode(
                &Header::new(algorithm),
                &serde_json::json!({"sub": "u", "exp": 1}),
                &EncodingKey::from_secret(&secret),
            )
            .unwrap();
            let (message, signature) = jwt.rsplit_once('.').unwrap();
            let flipped = format!(
                "{}{}",
                if signature.starts_with('A') { 'B' } else { 'A' },
                &signature[1..]
            );
            let candidates = [
                signature.to_owned(),
                flipped,
                signature[..signature.len() - 2].to_owned(),
                format!("{signature}AA"),
                format!("{signature}{signature}"),
                signature.replace(|c: char| c.is_ascii_alphabetic(), "*"),
                String::new(),
            ];
            let decoding = DecodingKey::from_secret(&secret);
            for candidate in &candidates {
                let theirs = jsonwebtoken::crypto::verify(
                    candidate,
                    message.as_bytes(),
                    &decoding,
                    algorithm,
                )
                .unwrap_or(false);
                assert_eq!(
                    key.verify(message.as_bytes(), candidate),
                    theirs,
                    "{algorithm:?} {candidate}"
                );
            }
            assert!(key.verify(message.as_bytes(), signature));
            // Another message under the same signature.
            assert!(!key.verify(b"x.y", signature));
        }
        assert!(HmacKey::new(Algorithm::RS256, b"k").is_none());
    }

    /// The comparison answers as `==`: for each length a MAC has (and one that is not a
    /// multiple of a word), equal, differing in any one bit, and of another length.
    #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
    #[test]
    fn comparison_is_equality() {
        for len in [32, 48, 64, 13] {
            let mac: Vec<u8> = (0..len)
                .map(|i| u8::try_from(i * 7 % 256).unwrap())
                .collect();
            assert!(keyed::same(&mac, &mac.clone()));
            for bit in 0..len * 8 {
                let mut other = mac.clone();
                other[bit / 8] ^= 1 << (bit % 8);
                assert!(!keyed::same(&mac, &other), "{len} {bit}");
            }
            assert!(!keyed::same(&mac, &mac[..len - 1]));
            assert!(!keyed::same(&mac[..len - 1], &mac));
        }
        assert!(keyed::same(&[], &[]));
    }
}
