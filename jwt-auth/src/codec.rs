//! The token codec: keys parsed once, signing, and decoding with this crate's validation rules.
//!
//! Signatures are computed and checked by `jsonwebtoken`; the claims are parsed once, by
//! [`RawClaims`], and validated here with Litestar's semantics (audience and issuer only checked
//! when configured, `strict_audience`, `require_claims`) plus `leeway`.

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header};
use serde::de::DeserializeOwned;

use crate::b64;
use crate::error::{ConfigError, InvalidToken, TokenError};
use crate::mac::HmacKey;
use crate::token::{ClaimsToEncode, RawClaims, Token};

/// A secret or key: its bytes never appear in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps secret bytes.
    #[must_use]
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The secret bytes.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([redacted; {} bytes])", self.0.len())
    }
}

/// Where the keys come from.
#[derive(Clone, Debug, Default)]
pub enum KeySource {
    /// Nothing configured yet.
    #[default]
    None,
    /// An HMAC secret.
    Secret(Secret),
    /// An HMAC secret read from an environment variable when the backend is built.
    /// With `dev_fallback`, a missing variable gives a random per-process secret and a warning
    /// on stderr instead of an error (meant for debug builds only).
    Env {
        /// The variable's name.
        var: String,
        /// Use a random development secret when the variable is unset.
        dev_fallback: bool,
    },
    /// PEM keys for RSA, RSA-PSS, ECDSA or `EdDSA`: a private signing key and/or a public
    /// verifying key. With only a private key, the public half is not derived: give both.
    Pem {
        /// The private key, to sign tokens. Without it the backend only verifies.
        signing: Option<Secret>,
        /// The public key, to verify tokens.
        verifying: Secret,
    },
    /// Keys for RSA, RSA-PSS, ECDSA or `EdDSA`: an optional private signing key and any number of
    /// public verification keys, each with an optional `kid`. See [`Key`] for how a token's
    /// `kid` selects the verification key.
    Keys {
        /// The private key, to sign tokens; its `kid` is written into each token's header.
        signing: Option<Key>,
        /// The public keys, to verify tokens. When empty, the signing key's public half is used.
        verifying: Vec<Key>,
    },
}

/// Where the bytes of a key come from. Read and parsed once, when the backend is built.
#[derive(Clone, Debug)]
pub enum KeyMaterial {
    /// PEM text (`-----BEGIN PUBLIC KEY-----`, `PRIVATE KEY`, `RSA PRIVATE KEY`, ...).
    Pem(Secret),
    /// DER bytes: `SubjectPublicKeyInfo` for a public key, PKCS#8 for a private key (what
    /// `openssl pkey -outform DER` writes).
    Der(Secret),
    /// A public JWK, or a JWK Set (`{"keys": [...]}`) whose keys are all added, as JSON text.
    Jwk(String),
    /// An environment variable holding PEM or JWK text.
    Env(String),
    /// A file holding PEM, DER or JWK (told apart by their first bytes).
    File(std::path::PathBuf),
}

/// A key and its optional key id (`kid`).
///
/// Verification keys are selected by the token's `kid` header:
/// - a token with a `kid` is verified with the key of that `kid`; if no key has it, the token
///   is refused (401), except that when the backend has a single key and no key id at all, the
///   `kid` is not looked at (a plain one-key setup keeps working with tokens that carry one);
/// - a token without a `kid` is only accepted when exactly one verification key is configured,
///   so that a rotation (two keys) never tries keys in turn.
///
/// To rotate: add the new public key with a new `kid` next to the old one, switch the signing
/// key to the new private key with the new `kid`, and drop the old public key once the tokens it
/// signed have expired.
#[derive(Clone, Debug)]
pub struct Key {
    /// The key id, compared with the token header's `kid`. A JWK's own `kid` is used when unset.
    pub kid: Option<String>,
    /// Where the key comes from.
    pub material: KeyMaterial,
}

impl Key {
    /// A PEM key.
    pub fn pem(pem: impl AsRef<[u8]>) -> Self {
        Self::from(KeyMaterial::Pem(Secret::new(pem.as_ref())))
    }

    /// A DER key (`SubjectPublicKeyInfo` or PKCS#8).
    pub fn der(der: impl AsRef<[u8]>) -> Self {
        Self::from(KeyMaterial::Der(Secret::new(der.as_ref())))
    }

    /// A public JWK or JWK Set, as JSON text.
    pub fn jwk(json: impl Into<String>) -> Self {
        Self::from(KeyMaterial::Jwk(json.into()))
    }

    /// PEM or JWK text from the environment variable `var`, read at build.
    pub fn env(var: impl Into<String>) -> Self {
        Self::from(KeyMaterial::Env(var.into()))
    }

    /// PEM, DER or JWK from a file, read at build.
    pub fn file(path: impl Into<std::path::PathBuf>) -> Self {
        Self::from(KeyMaterial::File(path.into()))
    }

    /// Sets the key id.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }
}

impl From<KeyMaterial> for Key {
    fn from(material: KeyMaterial) -> Self {
        Self {
            kid: None,
            material,
        }
    }
}

/// The validation rules, with Litestar's defaults.
#[derive(Clone, Debug)]
pub(crate) struct Rules {
    pub leeway: u64,
    pub issuers: Vec<String>,
    pub audiences: Vec<String>,
    pub strict_audience: bool,
    pub require_claims: Vec<String>,
    pub verify_expiry: bool,
    pub verify_not_before: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            leeway: 0,
            issuers: Vec::new(),
            audiences: Vec::new(),
            strict_audience: false,
            require_claims: Vec::new(),
            verify_expiry: true,
            verify_not_before: true,
        }
    }
}

impl Rules {
    fn check(&self) -> Result<(), ConfigError> {
        if self.strict_audience && self.audiences.len() != 1 {
            return Err(ConfigError::StrictAudience {
                count: self.audiences.len(),
            });
        }
        Ok(())
    }

    /// Validates the claims of a token whose signature has been verified.
    pub(crate) fn validate(&self, claims: &RawClaims, now: u64) -> Result<(), InvalidToken> {
        match &claims.sub {
            Some(sub) if !sub.is_empty() => {}
            Some(_) => return Err(InvalidToken::Claims),
            None => return Err(InvalidToken::MissingClaim),
        }
        let Some(exp) = claims.exp else {
            return Err(InvalidToken::MissingClaim);
        };
        if self.verify_expiry && now >= exp.saturating_add(self.leeway) {
            return Err(InvalidToken::Expired);
        }
        let horizon = now.saturating_add(self.leeway);
        if self.verify_not_before && claims.nbf.is_some_and(|nbf| nbf > horizon) {
            return Err(InvalidToken::NotYetValid);
        }
        if claims.iat.is_some_and(|iat| iat > horizon) {
            return Err(InvalidToken::IssuedInFuture);
        }
        if !self.issuers.is_empty() {
            match &claims.iss {
                Some(iss) if self.issuers.contains(iss) => {}
                _ => return Err(InvalidToken::Issuer),
            }
        }
        if !self.audiences.is_empty() {
            let accepted = match &claims.aud {
                None => false,
                Some(crate::token::Audience::One(aud)) if self.strict_audience => {
                    *aud == self.audiences[0]
                }
                Some(crate::token::Audience::Many(_)) if self.strict_audience => false,
                Some(aud) => self.audiences.iter().any(|a| aud.contains(a)),
            };
            if !accepted {
                return Err(InvalidToken::Audience);
            }
        }
        if self.require_claims.iter().any(|name| !claims.has(name)) {
            return Err(InvalidToken::MissingClaim);
        }
        Ok(())
    }
}

/// Signs and verifies tokens with keys parsed once.
#[derive(Clone)]
pub(crate) struct Codec {
    algorithm: Algorithm,
    header: Header,
    /// The key of refresh tokens, derived from the signing key (see [`RefreshKey`]).
    refresh: Option<RefreshKey>,
    encoding: Option<EncodingKey>,
    keys: Vec<VerifyKey>,
    /// The keyed HMAC state of the one secret, for HS* without a remote JWKS (see `mac.rs`).
    hmac: Option<HmacKey>,
    /// The header segment of the access tokens this codec signs, with what
    /// [`checked_kid`](Self::checked_kid) answers for it (see [`KnownHeader`]).
    own_header: Option<KnownHeader>,
    /// The first few other header segments of tokens whose signature verified (tokens minted
    /// by another library, whose header is the same JSON in another order, say).
    learned: [OnceLock<KnownHeader>; LEARNED_HEADERS],
    pub(crate) remote: Option<std::sync::Arc<crate::jwks::RemoteJwks>>,
    pub(crate) rules: Rules,
}

impl fmt::Debug for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kids: Vec<_> = self.keys.iter().map(|k| k.kid.as_deref()).collect();
        f.debug_struct("Codec")
            .field("algorithm", &self.algorithm)
            .field("signs", &self.encoding.is_some())
            .field("signing_kid", &self.header.kid)
            .field("verification_kids", &kids)
            .field("remote", &self.remote)
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

/// The name of an algorithm as it appears in the JOSE header.
#[must_use]
pub fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::EdDSA => "EdDSA",
        _ => "an unsupported algorithm",
    }
}

/// Parses an algorithm name (`"HS256"`, ...).
pub fn parse_algorithm(name: &str) -> Result<Algorithm, ConfigError> {
    name.parse()
        .map_err(|_| ConfigError::UnknownAlgorithm(name.to_owned()))
}

/// The minimum HMAC secret length for an algorithm: its hash output (RFC 7518 section 3.2).
fn min_hmac_len(algorithm: Algorithm) -> usize {
    match algorithm {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => 32,
    }
}

/// The JOSE `typ` of refresh tokens. Access tokens carry `JWT` (or, from other issuers, any
/// other `typ` or none); a token with this one is refused where an access token is expected.
pub const REFRESH_TYP: &str = "refresh+jwt";

/// The segments of a compact JWS: the header, what the signature covers, the signature, the
/// payload.
struct Segments<'a> {
    header: &'a str,
    message: &'a [u8],
    signature: &'a str,
    payload: &'a str,
}

impl<'a> Segments<'a> {
    /// Splits a token with exactly two dots, each byte looked at once; any other token is
    /// [`InvalidToken::Malformed`].
    fn split(jwt: &'a str) -> Result<Self, InvalidToken> {
        // Exactly two dots, found by `memchr`'s vectorized search (`str::split_once` reads a
        // word at a time). A dot is ASCII, so each index is a character boundary.
        let mut dots = memchr::memchr_iter(b'.', jwt.as_bytes());
        let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
            return Err(InvalidToken::Malformed);
        };
        Ok(Self {
            header: &jwt[..first],
            message: &jwt.as_bytes()[..second],
            signature: &jwt[second + 1..],
            payload: &jwt[first + 1..second],
        })
    }
}

/// The largest payload decoded on the stack (issue 8); a longer one is decoded on the heap.
const STACK_PAYLOAD: usize = 1024;

/// Decodes the base64url payload of a token whose signature is checked and hands its bytes to
/// `parse`: in a stack buffer when it fits, so that a typical token needs no allocation for it.
/// Not base64url is [`InvalidToken::Malformed`], as before.
fn with_payload<T>(
    encoded: &str,
    parse: impl FnOnce(&[u8]) -> Result<T, InvalidToken>,
) -> Result<T, InvalidToken> {
    // Every 4 characters give at most 3 bytes, and the last 2 or 3 characters 1 or 2.
    let encoded = encoded.as_bytes();
    if encoded.len() / 4 * 3 + 2 <= STACK_PAYLOAD {
        let mut buffer = [0_u8; STACK_PAYLOAD];
        let len = b64::decode_into(encoded, &mut buffer).ok_or(InvalidToken::Malformed)?;
        parse(&buffer[..len])
    } else {
        let bytes = b64::decode(encoded).ok_or(InvalidToken::Malformed)?;
        parse(&bytes)
    }
}

/// Parses JSON bytes as `serde_json::from_slice` does, but valid UTF-8 is checked once for the
/// whole text rather than string by string (issue 8). Invalid UTF-8 goes through
/// `from_slice` itself, so that what is refused, and how, does not change.
fn from_json<'de, T: serde::Deserialize<'de>>(bytes: &'de [u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A random secret for development, 64 bytes.
fn development_secret() -> Result<Secret, ConfigError> {
    let mut bytes = vec![0_u8; 64];
    getrandom::fill(&mut bytes).map_err(|e| ConfigError::InvalidKey {
        algorithm: "HS256",
        reason: format!("no randomness for the development secret: {e}"),
    })?;
    Ok(Secret(bytes))
}

fn resolve_secret(source: &KeySource) -> Result<Option<Secret>, ConfigError> {
    match source {
        KeySource::Secret(secret) => Ok(Some(secret.clone())),
        KeySource::Env { var, dev_fallback } => match std::env::var(var) {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(_) if *dev_fallback => {
                eprintln!(
                    "jwt-auth: `{var}` is not set; using a random development secret \
                     (tokens will not survive a restart; a release build refuses to start)"
                );
                tracing::warn!(var = %var, "jwt-auth: using a random development secret");
                development_secret().map(Some)
            }
            Err(_) => Err(ConfigError::MissingEnvSecret { var: var.clone() }),
        },
        KeySource::None | KeySource::Pem { .. } | KeySource::Keys { .. } => Ok(None),
    }
}

fn key_error(algorithm: Algorithm, reason: impl fmt::Display) -> ConfigError {
    ConfigError::InvalidKey {
        algorithm: algorithm_name(algorithm),
        reason: reason.to_string(),
    }
}

/// The bytes of a key, once read, and what they are.
enum Loaded {
    Pem(Vec<u8>),
    Der(Vec<u8>),
    Jwk(String),
}

impl Loaded {
    /// Tells PEM, JWK and DER apart by their first bytes.
    fn sniff(bytes: Vec<u8>) -> Self {
        let start = bytes.trim_ascii_start();
        if start.starts_with(b"-----BEGIN") {
            Self::Pem(bytes)
        } else if start.starts_with(b"{") {
            Self::Jwk(String::from_utf8_lossy(&bytes).into_owned())
        } else {
            Self::Der(bytes)
        }
    }

    fn load(algorithm: Algorithm, material: &KeyMaterial) -> Result<Self, ConfigError> {
        Ok(match material {
            KeyMaterial::Pem(pem) => Self::Pem(pem.expose().to_vec()),
            KeyMaterial::Der(der) => Self::Der(der.expose().to_vec()),
            KeyMaterial::Jwk(json) => Self::Jwk(json.clone()),
            KeyMaterial::Env(var) => match std::env::var(var) {
                Ok(value) => Self::sniff(value.into_bytes()),
                Err(_) => return Err(ConfigError::MissingEnvKey { var: var.clone() }),
            },
            KeyMaterial::File(path) => match std::fs::read(path) {
                Ok(bytes) => Self::sniff(bytes),
                Err(e) => {
                    return Err(key_error(
                        algorithm,
                        format!("cannot read the key file `{}`: {e}", path.display()),
                    ));
                }
            },
        })
    }
}

/// DER wrapped as PEM, so that one parser handles both.
fn der_to_pem(der: &[u8], label: &str) -> Vec<u8> {
    use base64::engine::general_purpose::STANDARD;
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        STANDARD.encode(der)
    )
    .into_bytes()
}

type EncodeParser = fn(&[u8]) -> jsonwebtoken::errors::Result<EncodingKey>;
type DecodeParser = fn(&[u8]) -> jsonwebtoken::errors::Result<DecodingKey>;

fn pem_parsers(algorithm: Algorithm) -> Result<(EncodeParser, DecodeParser), ConfigError> {
    match algorithm.family() {
        AlgorithmFamily::Rsa => Ok((EncodingKey::from_rsa_pem, DecodingKey::from_rsa_pem)),
        AlgorithmFamily::Ec => Ok((EncodingKey::from_ec_pem, DecodingKey::from_ec_pem)),
        AlgorithmFamily::Ed => Ok((EncodingKey::from_ed_pem, DecodingKey::from_ed_pem)),
        AlgorithmFamily::Hmac => Err(key_error(
            algorithm,
            "an HMAC algorithm takes a secret, not a PEM, DER or JWK key",
        )),
    }
}

fn family_name(family: AlgorithmFamily) -> &'static str {
    match family {
        AlgorithmFamily::Hmac => "an HMAC",
        AlgorithmFamily::Rsa => "an RSA",
        AlgorithmFamily::Ec => "an EC",
        AlgorithmFamily::Ed => "an Ed25519",
    }
}

/// Parses public keys: one for PEM or DER, one per key for a JWK Set. A JWK must be of the
/// algorithm's family and, if it names an `alg`, of the algorithm itself.
///
/// With `lenient` (a remote JWKS, which may hold keys for other algorithms), keys that do not
/// fit are skipped instead of refused.
pub(crate) fn jwk_keys(
    algorithm: Algorithm,
    json: &str,
    kid: Option<&str>,
    lenient: bool,
) -> Result<Vec<VerifyKey>, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("not a JWK: {e}"))?;
    let jwks: Vec<jsonwebtoken::jwk::Jwk> = if value.get("keys").is_some() {
        serde_json::from_value::<jsonwebtoken::jwk::JwkSet>(value)
            .map_err(|e| format!("not a JWK Set: {e}"))?
            .keys
    } else {
        vec![serde_json::from_value(value).map_err(|e| format!("not a JWK: {e}"))?]
    };
    let single = jwks.len() == 1;
    let mut keys = Vec::with_capacity(jwks.len());
    for jwk in &jwks {
        let fits = fitting_jwk(algorithm, jwk);
        let key = match fits {
            Ok(key) => key,
            Err(_) if lenient => continue,
            Err(e) => return Err(e),
        };
        let kid = match kid {
            Some(kid) if single => Some(kid.to_owned()),
            _ => jwk.common.key_id.clone(),
        };
        keys.push(VerifyKey { kid, key });
    }
    Ok(keys)
}

/// The decoding key of a JWK that fits the algorithm.
fn fitting_jwk(algorithm: Algorithm, jwk: &jsonwebtoken::jwk::Jwk) -> Result<DecodingKey, String> {
    if let Some(alg) = jwk.common.key_algorithm {
        let name = serde_json::to_value(alg).ok();
        if name.as_ref().and_then(serde_json::Value::as_str) != Some(algorithm_name(algorithm)) {
            return Err(format!(
                "a JWK for {alg:?}, not {}",
                algorithm_name(algorithm)
            ));
        }
    }
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != jsonwebtoken::jwk::PublicKeyUse::Signature)
    {
        return Err("a JWK whose `use` is not `sig`".to_owned());
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("JWK: {e}"))?;
    if key.family() != algorithm.family() {
        return Err(format!("{} JWK", family_name(key.family())));
    }
    Ok(key)
}

fn verification_keys(algorithm: Algorithm, key: &Key) -> Result<Vec<VerifyKey>, ConfigError> {
    let (_, decode) = pem_parsers(algorithm)?;
    let pem = match Loaded::load(algorithm, &key.material)? {
        Loaded::Pem(pem) => pem,
        Loaded::Der(der) => der_to_pem(&der, "PUBLIC KEY"),
        Loaded::Jwk(json) => {
            return jwk_keys(algorithm, &json, key.kid.as_deref(), false)
                .map_err(|e| key_error(algorithm, format!("verification key: {e}")));
        }
    };
    let decoded =
        decode(&pem).map_err(|e| key_error(algorithm, format!("verification key: {e}")))?;
    Ok(vec![VerifyKey {
        kid: key.kid.clone(),
        key: decoded,
    }])
}

fn signing_key(algorithm: Algorithm, key: &Key) -> Result<(EncodingKey, Vec<u8>), ConfigError> {
    let (encode, _) = pem_parsers(algorithm)?;
    let pem = match Loaded::load(algorithm, &key.material)? {
        Loaded::Pem(pem) => pem,
        Loaded::Der(der) => der_to_pem(&der, "PRIVATE KEY"),
        Loaded::Jwk(_) => {
            return Err(key_error(
                algorithm,
                "a private JWK is not supported; give the signing key as PEM or DER",
            ));
        }
    };
    let encoding = encode(&pem).map_err(|e| key_error(algorithm, format!("signing key: {e}")))?;
    Ok((encoding, pem))
}

/// The signing key with its `kid` and its bytes, and the verification keys.
type ParsedKeys = (
    Option<(EncodingKey, Option<String>, Vec<u8>)>,
    Vec<VerifyKey>,
);

/// The keys of an asymmetric algorithm. Without a verification key for the signing key's
/// `kid`, the signing key's public half is derived and added.
fn asymmetric_keys(
    algorithm: Algorithm,
    signing: Option<&Key>,
    verifying: &[Key],
    key_id: Option<&str>,
    remote: bool,
) -> Result<ParsedKeys, ConfigError> {
    pem_parsers(algorithm)?;
    let mut keys = Vec::new();
    for key in verifying {
        keys.extend(verification_keys(algorithm, key)?);
    }
    let signing = match signing {
        Some(key) => {
            let (encoding, material) = signing_key(algorithm, key)?;
            let kid = key.kid.clone().or_else(|| key_id.map(str::to_owned));
            let covered = match &kid {
                Some(kid) => keys.iter().any(|k| k.kid.as_ref() == Some(kid)),
                None => !keys.is_empty(),
            };
            if !covered {
                let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, algorithm)
                    .and_then(|jwk| DecodingKey::from_jwk(&jwk))
                    .map_err(|e| key_error(algorithm, format!("signing key: {e}")))?;
                keys.push(VerifyKey {
                    kid: kid.clone(),
                    key: jwk,
                });
            }
            Some((encoding, kid, material))
        }
        None => None,
    };
    if keys.is_empty() && !remote {
        return Err(key_error(algorithm, "no verification key"));
    }
    let mut seen = std::collections::HashSet::new();
    for kid in keys.iter().filter_map(|k| k.kid.as_deref()) {
        if !seen.insert(kid) {
            return Err(key_error(
                algorithm,
                format!("two verification keys have the `kid` `{kid}`"),
            ));
        }
    }
    Ok((signing, keys))
}

/// What the JOSE header says that decides how a token is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoseHeader {
    /// Selects the verification key (see [`Key`]).
    pub kid: Option<String>,
    /// The token type (`JWT`, or none).
    pub typ: Option<String>,
}

/// A JOSE header with only the fields this crate reads, decoded and parsed in a stack buffer
/// (issue 8): no `Header` of 17 fields, no flattened map.
/// A header with any other field, or that this cannot take, is left to
/// `jsonwebtoken::decode_header`, so that what is accepted does not change.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainHeader<'a> {
    alg: Algorithm,
    #[serde(borrow)]
    typ: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    kid: Option<std::borrow::Cow<'a, str>>,
    crit: Option<serde::de::IgnoredAny>,
}

impl PlainHeader<'_> {
    /// The header segment of `jwt` as `jsonwebtoken::decode_header` takes it: all before the
    /// last two dots.
    fn segment(jwt: &str) -> Option<&str> {
        let (message, _) = jwt.rsplit_once('.')?;
        let (encoded, _) = message.rsplit_once('.')?;
        Some(encoded)
    }

    /// Decodes a header segment into a stack buffer and parses it there: its `alg`,
    /// whether it has a `crit`, its `kid` and `typ`.
    fn parse(encoded: &str) -> Option<(Algorithm, bool, JoseHeader)> {
        let mut buffer = [0_u8; 256];
        let len = b64::decode_into(encoded.as_bytes(), &mut buffer)?;
        let plain: PlainHeader<'_> = from_json(&buffer[..len]).ok()?;
        let fields = JoseHeader {
            kid: plain.kid.map(std::borrow::Cow::into_owned),
            typ: plain.typ.map(std::borrow::Cow::into_owned),
        };
        Some((plain.alg, plain.crit.is_some(), fields))
    }
}

/// How many header segments besides its own a codec remembers.
const LEARNED_HEADERS: usize = 4;

/// The longest header segment a codec remembers, in bytes.
const LEARNED_HEADER_MAX: usize = 512;

/// A header segment and the [`JoseHeader`] that [`Codec::checked_kid`] found in it (issue 8):
/// the codec's own access tokens' header, and the first few others of tokens that verified.
/// What `checked_kid` answers depends only on the header segment, so a token whose header is,
/// byte for byte, a known one is answered from here: no base64 and no JSON for the header. Only
/// a token with a valid signature teaches one, so a caller without the key cannot fill them.
#[derive(Clone, Debug)]
struct KnownHeader {
    segment: String,
    header: JoseHeader,
}

impl KnownHeader {
    /// The header of `probe`, a token `codec` signed, if `codec` accepts it.
    fn of(codec: &Codec, probe: &str) -> Option<Self> {
        let segments = Segments::split(probe).ok()?;
        let header = codec.checked_header(Some(segments.header), probe).ok()?;
        Some(Self {
            segment: segments.header.to_owned(),
            header,
        })
    }
}

/// A verification key and its `kid`.
#[derive(Clone)]
pub(crate) struct VerifyKey {
    pub kid: Option<String>,
    pub key: DecodingKey,
}

/// Picks the verification key for a token's `kid` (see [`Key`] for the rules).
pub(crate) fn select_key<'k>(
    keys: &'k [VerifyKey],
    kid: Option<&str>,
) -> Result<&'k DecodingKey, InvalidToken> {
    match kid {
        Some(kid) => {
            if let Some(key) = keys.iter().find(|k| k.kid.as_deref() == Some(kid)) {
                Ok(&key.key)
            } else if let [only] = keys
                && only.kid.is_none()
            {
                Ok(&only.key)
            } else {
                Err(InvalidToken::UnknownKey)
            }
        }
        None => match keys {
            [only] => Ok(&only.key),
            _ => Err(InvalidToken::UnknownKey),
        },
    }
}

/// Checks the claims and signs them with `key` (none: a backend that only verifies).
fn sign(
    header: &Header,
    claims: &ClaimsToEncode,
    key: Option<&EncodingKey>,
) -> Result<String, TokenError> {
    let key = key.ok_or(TokenError::NoSigningKey)?;
    claims.check()?;
    jsonwebtoken::encode(header, claims, key).map_err(|e| TokenError::Encode(e.to_string()))
}

/// The key of refresh tokens: HS256 with a secret derived from the signing key's bytes
/// (HMAC-SHA256 of a fixed label), whatever the backend's algorithm. Only the backend that signs
/// can verify its refresh tokens: a service that verifies access tokens with the published JWKS,
/// or with the shared secret, cannot take a refresh token for an access token, even if it ignores
/// the `typ` header. Replacing the signing key invalidates the refresh tokens it issued.
#[derive(Clone)]
struct RefreshKey {
    header: Header,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl RefreshKey {
    const LABEL: &[u8] = b"jwt-auth refresh-token key, v1";

    fn derive(material: &[u8]) -> Result<Self, ConfigError> {
        let derived = jsonwebtoken::crypto::sign(
            Self::LABEL,
            &EncodingKey::from_secret(material),
            Algorithm::HS256,
        )
        .ok()
        .and_then(|mac| URL_SAFE_NO_PAD.decode(mac).ok())
        .ok_or_else(|| key_error(Algorithm::HS256, "cannot derive the refresh-token key"))?;
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(REFRESH_TYP.to_owned());
        Ok(Self {
            header,
            encoding: EncodingKey::from_secret(&derived),
            decoding: DecodingKey::from_secret(&derived),
        })
    }

    /// Checks the header (`alg` HS256, `typ` refresh+jwt, no `crit`) and the signature; returns
    /// the payload, still in base64url.
    fn verify<'j>(&self, jwt: &'j str) -> Result<&'j str, InvalidToken> {
        let segments = Segments::split(jwt)?;
        let decoded = jsonwebtoken::decode_header(jwt).map_err(|_| InvalidToken::Malformed)?;
        if decoded.typ.as_deref() != Some(REFRESH_TYP) {
            return Err(InvalidToken::WrongType);
        }
        if decoded.alg != Algorithm::HS256 {
            return Err(InvalidToken::Algorithm);
        }
        if decoded.crit.is_some() {
            return Err(InvalidToken::Malformed);
        }
        match jsonwebtoken::crypto::verify(
            segments.signature,
            segments.message,
            &self.decoding,
            Algorithm::HS256,
        ) {
            Ok(true) => Ok(segments.payload),
            Ok(false) | Err(_) => Err(InvalidToken::Signature),
        }
    }
}

impl Codec {
    /// Parses the keys and checks them against the algorithm; with a signing key, a probe token is
    /// signed and verified, so a key pair that does not match is refused here, not per request.
    pub(crate) fn new(
        algorithm: Algorithm,
        source: &KeySource,
        key_id: Option<&str>,
        remote: Option<crate::jwks::RemoteJwks>,
        rules: Rules,
    ) -> Result<Self, ConfigError> {
        crate::crypto::install_provider();
        rules.check()?;
        let mut hmac = None;
        let (encoding, keys) = if let Some(secret) = resolve_secret(source)? {
            if algorithm.family() != AlgorithmFamily::Hmac {
                return Err(key_error(
                    algorithm,
                    "an asymmetric algorithm takes PEM, DER or JWK keys, not a secret",
                ));
            }
            let min = min_hmac_len(algorithm);
            match secret.expose().len() {
                0 => return Err(ConfigError::EmptySecret),
                len if len < min => {
                    return Err(ConfigError::SecretTooShort {
                        algorithm: algorithm_name(algorithm),
                        len,
                        min,
                    });
                }
                _ => {}
            }
            let kid = key_id.map(str::to_owned);
            if remote.is_none() {
                hmac = HmacKey::new(algorithm, secret.expose());
            }
            (
                Some((
                    EncodingKey::from_secret(secret.expose()),
                    kid.clone(),
                    secret.expose().to_vec(),
                )),
                vec![VerifyKey {
                    kid,
                    key: DecodingKey::from_secret(secret.expose()),
                }],
            )
        } else {
            match source {
                KeySource::Pem { signing, verifying } => {
                    let signing = signing.clone().map(|s| Key::from(KeyMaterial::Pem(s)));
                    let verifying = [Key::from(KeyMaterial::Pem(verifying.clone()))];
                    asymmetric_keys(
                        algorithm,
                        signing.as_ref(),
                        &verifying,
                        key_id,
                        remote.is_some(),
                    )?
                }
                KeySource::Keys { signing, verifying } => asymmetric_keys(
                    algorithm,
                    signing.as_ref(),
                    verifying,
                    key_id,
                    remote.is_some(),
                )?,
                KeySource::None if remote.is_some() => {
                    pem_parsers(algorithm)?;
                    (None, Vec::new())
                }
                _ => return Err(ConfigError::MissingSecret),
            }
        };
        let mut header = Header::new(algorithm);
        let mut refresh = None;
        let encoding = encoding.map(|(key, kid, material)| {
            header.kid = kid;
            refresh = Some(RefreshKey::derive(&material));
            key
        });
        let refresh = refresh.transpose()?;
        let mut codec = Self {
            algorithm,
            header,
            refresh,
            encoding,
            keys,
            hmac,
            own_header: None,
            learned: Default::default(),
            remote: remote.map(std::sync::Arc::new),
            rules,
        };
        if codec.encoding.is_some() {
            let probe = codec.probe()?;
            codec.own_header = KnownHeader::of(&codec, &probe);
            // The probe's verification learned the own header: `own_header` holds it now.
            codec.learned = Default::default();
        }
        Ok(codec)
    }

    #[cfg(test)]
    fn test_new(
        algorithm: Algorithm,
        source: &KeySource,
        rules: Rules,
    ) -> Result<Self, ConfigError> {
        Self::new(algorithm, source, None, None, rules)
    }

    /// Signs and verifies a token; returns it.
    fn probe(&self) -> Result<String, ConfigError> {
        let claims = ClaimsToEncode {
            exp: now() + 60,
            sub: "jwt-auth-probe".to_owned(),
            ..ClaimsToEncode::default()
        };
        let jwt = self
            .encode(&claims)
            .map_err(|e| key_error(self.algorithm, e))?;
        self.verify_signature(&jwt).map_err(|_| {
            key_error(
                self.algorithm,
                "the signing key does not match the verifying key",
            )
        })?;
        Ok(jwt)
    }

    /// The configured algorithm.
    pub(crate) fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Signs claims as an access token.
    pub(crate) fn encode(&self, claims: &ClaimsToEncode) -> Result<String, TokenError> {
        sign(&self.header, claims, self.encoding.as_ref())
    }

    /// Signs claims as a refresh token: the derived key, `typ` [`REFRESH_TYP`].
    pub(crate) fn encode_refresh(&self, claims: &ClaimsToEncode) -> Result<String, TokenError> {
        let refresh = self.refresh.as_ref();
        let header = refresh.map_or(&self.header, |refresh| &refresh.header);
        sign(header, claims, refresh.map(|refresh| &refresh.encoding))
    }

    /// Whether tokens can be signed (not a verify-only backend).
    pub(crate) fn can_sign(&self) -> bool {
        self.encoding.is_some()
    }

    /// The public keys as a JWK Set; empty for HMAC, whose secret is never published.
    pub(crate) fn jwks(&self) -> jsonwebtoken::jwk::JwkSet {
        let mut set = jsonwebtoken::jwk::JwkSet { keys: Vec::new() };
        if self.algorithm.family() == AlgorithmFamily::Hmac {
            return set;
        }
        for key in &self.keys {
            if let Ok(mut jwk) =
                jsonwebtoken::jwk::Jwk::from_decoding_key(&key.key, Some(self.algorithm))
            {
                jwk.common.key_id.clone_from(&key.kid);
                jwk.common.public_key_use = Some(jsonwebtoken::jwk::PublicKeyUse::Signature);
                set.keys.push(jwk);
            }
        }
        set
    }

    /// Checks the header and the signature with the key the `kid` selects among `keys`;
    /// returns the payload, still in base64url.
    fn verify_signature<'j>(&self, jwt: &'j str) -> Result<&'j str, InvalidToken> {
        self.verify_signature_with(jwt, |kid| select_key(&self.keys, kid))
    }

    /// The header's `kid` and `typ`, or a token that is refused before any key is looked up.
    /// (Refresh tokens are refused as access tokens by their `typ`.)
    pub(crate) fn checked_kid(&self, jwt: &str) -> Result<JoseHeader, InvalidToken> {
        self.checked_header(PlainHeader::segment(jwt), jwt)
    }

    /// [`checked_kid`](Self::checked_kid) with the header segment of `jwt` already split
    /// (`None`: `jwt` has fewer than two dots).
    fn checked_header(&self, encoded: Option<&str>, jwt: &str) -> Result<JoseHeader, InvalidToken> {
        let (alg, critical, header) = if let Some(parsed) = encoded.and_then(PlainHeader::parse) {
            parsed
        } else {
            let decoded = jsonwebtoken::decode_header(jwt).map_err(|_| InvalidToken::Malformed)?;
            let header = JoseHeader {
                kid: decoded.kid,
                typ: decoded.typ,
            };
            (decoded.alg, decoded.crit.is_some(), header)
        };
        if alg != self.algorithm {
            return Err(InvalidToken::Algorithm);
        }
        if critical {
            // RFC 7515 section 4.1.11: no extension is understood here.
            return Err(InvalidToken::Malformed);
        }
        if header.typ.as_deref() == Some(REFRESH_TYP) {
            // Explicit typing (RFC 8725 section 3.11): a refresh token is never an access token.
            return Err(InvalidToken::WrongType);
        }
        Ok(header)
    }

    /// What [`checked_kid`](Self::checked_kid) answered for a known header segment.
    fn known_header(&self, segment: &str) -> Option<&JoseHeader> {
        self.own_header
            .iter()
            .chain(self.learned.iter().map_while(OnceLock::get))
            .find(|known| known.segment == segment)
            .map(|known| &known.header)
    }

    /// Remembers the header of a token whose signature verified, in the first free slot: the
    /// slots fill in order and are never replaced, so the first few distinct headers stay.
    fn learn(&self, segment: &str, header: JoseHeader) {
        if segment.len() > LEARNED_HEADER_MAX {
            return;
        }
        let mut known = Some(KnownHeader {
            segment: segment.to_owned(),
            header,
        });
        for slot in &self.learned {
            let Some(value) = known.take() else { return };
            // Another thread may have taken the slot first: then try the next one, unless it
            // learned the same header.
            known = match slot.set(value) {
                Ok(()) => None,
                Err(_) if slot.get().is_some_and(|other| other.segment == segment) => None,
                Err(value) => Some(value),
            };
        }
    }

    /// Checks the header and the signature with the key `select` picks for the `kid`; returns
    /// the payload, still in base64url.
    pub(crate) fn verify_signature_with<'k, 'j>(
        &self,
        jwt: &'j str,
        select: impl FnOnce(Option<&str>) -> Result<&'k DecodingKey, InvalidToken>,
    ) -> Result<&'j str, InvalidToken> {
        let segments = Segments::split(jwt)?;
        let (message, signature) = (segments.message, segments.signature);
        // With exactly two dots, the first segment is the one `checked_kid` would take.
        let (key, parsed) = if let Some(known) = self.known_header(segments.header) {
            (select(known.kid.as_deref())?, None)
        } else {
            let header = self.checked_header(Some(segments.header), jwt)?;
            (select(header.kid.as_deref())?, Some(header))
        };
        let valid = match &self.hmac {
            // The codec's only key (no remote JWKS): `select` applied the `kid` rules to it.
            Some(hmac) => hmac.verify(message, signature),
            None => matches!(
                jsonwebtoken::crypto::verify(signature, message, key, self.algorithm),
                Ok(true)
            ),
        };
        if !valid {
            return Err(InvalidToken::Signature);
        }
        if let Some(header) = parsed {
            self.learn(segments.header, header);
        }
        Ok(segments.payload)
    }

    /// Verifies, parses and validates a token at time `now`.
    pub(crate) fn decode_at<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
        now: u64,
    ) -> Result<Token<C>, InvalidToken> {
        let payload = self.verify_signature(jwt)?;
        with_payload(payload, |payload| self.validate_payload(payload, now))
    }

    /// Verifies, parses and validates a refresh token at time `now` (local keys only: refresh
    /// tokens are this backend's own).
    pub(crate) fn decode_refresh_at<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
        now: u64,
    ) -> Result<Token<C>, InvalidToken> {
        let refresh = self.refresh.as_ref().ok_or(InvalidToken::UnknownKey)?;
        let payload = refresh.verify(jwt)?;
        with_payload(payload, |payload| self.validate_payload(payload, now))
    }

    /// As [`decode`](Self::decode), also with the keys of a remote JWKS (fetched, cached and
    /// refetched on an unknown `kid` as [`crate::RemoteJwksConfig`] says).
    pub(crate) async fn decode_async<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
    ) -> Result<Token<C>, InvalidToken> {
        let Some(remote) = &self.remote else {
            return self.decode(jwt);
        };
        // Tokens refused for their shape or algorithm never cause a fetch.
        let kid = self.checked_kid(jwt)?.kid;
        let mut keys = self.keys.clone();
        keys.extend(remote.keys().await);
        let mut selected = select_key(&keys, kid.as_deref()).cloned();
        if selected.is_err() && kid.is_some() && remote.refetch_for_unknown_kid().await {
            keys.truncate(self.keys.len());
            keys.extend(remote.keys().await);
            selected = select_key(&keys, kid.as_deref()).cloned();
        }
        if selected.is_err() && !remote.has_fetched() && self.keys.is_empty() {
            return Err(InvalidToken::KeysUnavailable);
        }
        let selected = selected?;
        let payload = self.verify_signature_with(jwt, |_| Ok(&selected))?;
        with_payload(payload, |payload| self.validate_payload(payload, now()))
    }

    /// Parses and validates a verified payload.
    pub(crate) fn validate_payload<C: DeserializeOwned + 'static>(
        &self,
        payload: &[u8],
        now: u64,
    ) -> Result<Token<C>, InvalidToken> {
        let claims = RawClaims::from_json(payload)?;
        self.rules.validate(&claims, now)?;
        claims.into_token()
    }

    /// Verifies, parses and validates a token now.
    pub(crate) fn decode<C: DeserializeOwned + 'static>(
        &self,
        jwt: &str,
    ) -> Result<Token<C>, InvalidToken> {
        self.decode_at(jwt, now())
    }
}

/// Seconds of a duration, for `exp`, `Max-Age` and `expires_in` (sub-second parts are dropped,
/// as Litestar's `int(total_seconds())` does).
pub(crate) fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Audience;
    use serde_json::json;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn codec(rules: Rules) -> Codec {
        Codec::test_new(
            Algorithm::HS256,
            &KeySource::Secret(Secret::new(SECRET)),
            rules,
        )
        .unwrap()
    }

    fn claims(sub: &str, exp: u64) -> ClaimsToEncode {
        ClaimsToEncode {
            exp,
            sub: sub.into(),
            iat: Some(now()),
            ..ClaimsToEncode::default()
        }
    }

    fn raw(value: &serde_json::Value) -> RawClaims {
        RawClaims::from_json(value.to_string().as_bytes()).unwrap()
    }

    /// A token signed with `SECRET` whose header segment is `header` as written (the JSON of
    /// another library, in its own order).
    fn signed_with_header(header: &str, sub: &str) -> String {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = format!(r#"{{"sub":"{sub}","exp":{}}}"#, now() + 60);
        let message = format!("{}.{}", engine.encode(header), engine.encode(payload));
        let key = EncodingKey::from_secret(SECRET.as_bytes());
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
        format!("{message}.{signature}")
    }

    fn learned(c: &Codec) -> Vec<(String, JoseHeader)> {
        c.learned
            .iter()
            .filter_map(OnceLock::get)
            .map(|known| (known.segment.clone(), known.header.clone()))
            .collect()
    }

    /// Other libraries' headers are learned once a token with one verifies, and answered as
    /// `checked_kid` answers them; a forged token teaches nothing, and the slots fill once.
    #[test]
    fn verified_foreign_headers_are_learned_up_to_the_limit() {
        let source = KeySource::Secret(Secret::new(SECRET));
        let c = Codec::new(Algorithm::HS256, &source, None, None, Rules::default()).unwrap();
        // PyJWT's header, then others, each a distinct segment.
        let headers: Vec<String> = std::iter::once(r#"{"alg":"HS256","typ":"JWT"}"#.to_owned())
            .chain(
                (0..LEARNED_HEADERS + 2)
                    .map(|i| format!(r#"{{"typ":"JWT","alg":"HS256","x":{i}}}"#)),
            )
            .collect();
        let own = c.encode(&claims("u", now() + 60)).unwrap();
        assert!(c.decode::<crate::Extras>(&own).is_ok());
        assert!(learned(&c).is_empty(), "the own header has its own place");
        let pyjwt = signed_with_header(&headers[0], "u");
        let segment = pyjwt.split('.').next().unwrap().to_owned();

        let forged = format!("{}A", &pyjwt[..pyjwt.len() - 1]);
        let forged = if forged == pyjwt {
            format!("{}B", &pyjwt[..pyjwt.len() - 1])
        } else {
            forged
        };
        assert_eq!(
            c.decode::<crate::Extras>(&forged).unwrap_err(),
            InvalidToken::Signature
        );
        assert!(learned(&c).is_empty(), "a forged token teaches nothing");

        let token = c.decode::<crate::Extras>(&pyjwt).unwrap();
        assert_eq!(token.sub, "u");
        assert_eq!(
            learned(&c),
            vec![(segment.clone(), c.checked_kid(&pyjwt).unwrap())]
        );
        // Answered from the slot now, with the same outcome; a forged one is still refused.
        assert_eq!(c.decode::<crate::Extras>(&pyjwt).unwrap().sub, "u");
        assert_eq!(
            c.decode::<crate::Extras>(&forged).unwrap_err(),
            InvalidToken::Signature
        );
        assert_eq!(learned(&c).len(), 1, "a known header is not learned twice");

        for header in &headers[1..] {
            let jwt = signed_with_header(header, "v");
            assert_eq!(c.decode::<crate::Extras>(&jwt).unwrap().sub, "v");
        }
        let slots = learned(&c);
        assert_eq!(slots.len(), LEARNED_HEADERS);
        assert_eq!(slots[0].0, segment, "the first header keeps its slot");
        // Past the limit, tokens still verify, through `checked_kid`.
        let last = signed_with_header(headers.last().unwrap(), "w");
        assert_eq!(c.decode::<crate::Extras>(&last).unwrap().sub, "w");
        assert!(
            !slots
                .iter()
                .any(|(s, _)| last.starts_with(&format!("{s}.")))
        );
    }

    /// A header above the size limit is checked each time, never kept; refused headers (here a
    /// refresh token's `typ`) never reach a slot.
    #[test]
    fn long_or_refused_headers_are_not_learned() {
        let source = KeySource::Secret(Secret::new(SECRET));
        let c = Codec::new(Algorithm::HS256, &source, None, None, Rules::default()).unwrap();
        let long = format!(
            r#"{{"alg":"HS256","pad":"{}"}}"#,
            "x".repeat(LEARNED_HEADER_MAX)
        );
        let jwt = signed_with_header(&long, "u");
        assert_eq!(c.decode::<crate::Extras>(&jwt).unwrap().sub, "u");
        let refresh =
            signed_with_header(&format!(r#"{{"alg":"HS256","typ":"{REFRESH_TYP}"}}"#), "u");
        assert_eq!(
            c.decode::<crate::Extras>(&refresh).unwrap_err(),
            InvalidToken::WrongType
        );
        assert!(learned(&c).is_empty());
    }

    /// The header of the codec's own tokens is answered from `own_header`, as `checked_kid`
    /// answers it; a token with another header (here another `kid`) goes through
    /// `checked_kid`'s rules.
    #[test]
    fn own_header_is_what_checked_kid_answers() {
        for kid in [None, Some("k1")] {
            let source = KeySource::Secret(Secret::new(SECRET));
            let c = Codec::new(Algorithm::HS256, &source, kid, None, Rules::default()).unwrap();
            let jwt = c.encode(&claims("u", now() + 60)).unwrap();
            let own = c.own_header.as_ref().expect("a signing codec");
            assert_eq!(jwt.split('.').next(), Some(own.segment.as_str()));
            assert_eq!(c.checked_kid(&jwt), Ok(own.header.clone()));
            assert_eq!(own.header.kid.as_deref(), kid);
            assert_eq!(own.header.typ.as_deref(), Some("JWT"));
            assert!(c.decode::<crate::Extras>(&jwt).is_ok());

            let mut header = c.header.clone();
            header.kid = Some("other".to_owned());
            let other = jsonwebtoken::encode(
                &header,
                &claims("u", now() + 60),
                &EncodingKey::from_secret(SECRET.as_bytes()),
            )
            .unwrap();
            assert_ne!(other.split('.').next(), Some(own.segment.as_str()));
            // A lone key without a `kid` takes any `kid`; a key with one refuses another.
            match kid {
                None => assert!(c.decode::<crate::Extras>(&other).is_ok()),
                Some(_) => assert_eq!(
                    c.decode::<crate::Extras>(&other).unwrap_err(),
                    InvalidToken::UnknownKey
                ),
            }
        }
    }

    /// Payloads around the size that still fits the stack buffer decode the same on both
    /// sides of it, and a payload that is not base64url is `Malformed` on both.
    #[test]
    fn payloads_on_the_stack_and_on_the_heap() {
        let c = codec(Rules::default());
        let (mut stack, mut heap) = (0, 0);
        for len in (STACK_PAYLOAD - 100..STACK_PAYLOAD).chain([0, 5000]) {
            let mut claims = claims("u", now() + 60);
            claims.extras.insert("pad".into(), json!("x".repeat(len)));
            let jwt = c.encode(&claims).unwrap();
            let payload = jwt.split('.').nth(1).unwrap();
            if payload.len() / 4 * 3 + 2 <= STACK_PAYLOAD {
                stack += 1;
            } else {
                heap += 1;
            }
            let token: Token = c.decode(&jwt).unwrap();
            assert_eq!(token.extras["pad"].as_str().unwrap().len(), len);
            let bytes = with_payload(payload, |bytes| Ok(bytes.to_vec())).unwrap();
            assert_eq!(bytes, URL_SAFE_NO_PAD.decode(payload).unwrap());
        }
        assert!(stack > 10 && heap > 10, "{stack} {heap}");
        for bad in [
            "!",
            "e30!",
            "e31",
            "e3",
            "A",
            &"!".repeat(3000),
            &"A".repeat(2001),
        ] {
            assert_eq!(
                with_payload(bad, |_| Ok(())),
                Err(InvalidToken::Malformed),
                "{bad}"
            );
        }
    }

    /// `from_json` answers as `serde_json::from_slice`, valid UTF-8 or not.
    #[test]
    fn from_json_agrees_with_from_slice() {
        let cases: [&[u8]; 9] = [
            br#"{"alg":"HS256","typ":"JWT"}"#,
            br#"{"alg":"HS256","kid":"k\u00e9\"y"}"#,
            "{\"alg\":\"HS256\",\"kid\":\"\u{e9}\"}".as_bytes(),
            b"{\"alg\":\"HS256\",\"kid\":\"\xff\"}",
            b"{\"alg\":\"HS256\",\"crit\":\"\xff\"}",
            b"{\"alg\":\"HS256\"}\xff",
            b"{\"alg\":\"HS256\",\"typ\":\"JWT\"} ",
            b"\xef\xbb\xbf{\"alg\":\"HS256\"}",
            b"",
        ];
        for case in cases {
            let ours = from_json::<PlainHeader<'_>>(case).map(|p| (p.alg, p.kid, p.typ));
            let theirs =
                serde_json::from_slice::<PlainHeader<'_>>(case).map(|p| (p.alg, p.kid, p.typ));
            assert_eq!(
                format!("{ours:?}"),
                format!("{theirs:?}"),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
    }

    #[test]
    fn round_trip_every_hmac_algorithm() {
        for (alg, len) in [
            (Algorithm::HS256, 32),
            (Algorithm::HS384, 48),
            (Algorithm::HS512, 64),
        ] {
            let source = KeySource::Secret(Secret::new(vec![7; len]));
            let codec = Codec::test_new(alg, &source, Rules::default()).unwrap();
            let mut c = claims("u", now() + 60);
            c.iss = Some(String::new());
            c.aud = Some(Audience::from(["a", "b"]));
            c.jti = Some("j".into());
            c.extras.insert("email".into(), json!("e@x.io"));
            let jwt = codec.encode(&c).unwrap();
            let token: Token = codec.decode(&jwt).unwrap();
            assert_eq!(token.sub, "u");
            assert_eq!(token.iss.as_deref(), Some(""));
            assert_eq!(token.aud, c.aud);
            assert_eq!(token.jti.as_deref(), Some("j"));
            assert_eq!(token.extras["email"], "e@x.io");
            assert_eq!(token.exp, c.exp);
            assert_eq!(token.iat, c.iat);
        }
    }

    #[test]
    fn short_empty_and_missing_secrets_are_refused() {
        let short = KeySource::Secret(Secret::new("abcd123"));
        assert_eq!(
            Codec::test_new(Algorithm::HS256, &short, Rules::default()).unwrap_err(),
            ConfigError::SecretTooShort {
                algorithm: "HS256",
                len: 7,
                min: 32
            }
        );
        let s48 = KeySource::Secret(Secret::new(vec![1; 40]));
        assert!(matches!(
            Codec::test_new(Algorithm::HS384, &s48, Rules::default()),
            Err(ConfigError::SecretTooShort { min: 48, .. })
        ));
        let empty = KeySource::Secret(Secret::new(""));
        assert_eq!(
            Codec::test_new(Algorithm::HS256, &empty, Rules::default()).unwrap_err(),
            ConfigError::EmptySecret
        );
        assert_eq!(
            Codec::test_new(Algorithm::HS256, &KeySource::None, Rules::default()).unwrap_err(),
            ConfigError::MissingSecret
        );
    }

    #[test]
    fn env_secret_missing_is_an_error_unless_dev_fallback() {
        let var = "JWT_AUTH_TEST_SURELY_UNSET_VARIABLE";
        let strict = KeySource::Env {
            var: var.into(),
            dev_fallback: false,
        };
        assert_eq!(
            Codec::test_new(Algorithm::HS256, &strict, Rules::default()).unwrap_err(),
            ConfigError::MissingEnvSecret { var: var.into() }
        );
        let dev = KeySource::Env {
            var: var.into(),
            dev_fallback: true,
        };
        let codec = Codec::test_new(Algorithm::HS256, &dev, Rules::default()).unwrap();
        let jwt = codec.encode(&claims("u", now() + 5)).unwrap();
        assert!(codec.decode::<crate::Extras>(&jwt).is_ok());
    }

    #[test]
    fn secret_with_asymmetric_algorithm_is_refused() {
        let source = KeySource::Secret(Secret::new(SECRET));
        assert!(matches!(
            Codec::test_new(Algorithm::RS256, &source, Rules::default()),
            Err(ConfigError::InvalidKey {
                algorithm: "RS256",
                ..
            })
        ));
        let pem = KeySource::Pem {
            signing: None,
            verifying: Secret::new("not a pem"),
        };
        assert!(matches!(
            Codec::test_new(Algorithm::HS256, &pem, Rules::default()),
            Err(ConfigError::InvalidKey { .. })
        ));
        assert!(matches!(
            Codec::test_new(Algorithm::ES256, &pem, Rules::default()),
            Err(ConfigError::InvalidKey { .. })
        ));
    }

    #[test]
    fn strict_audience_needs_exactly_one() {
        for audiences in [vec![], vec!["a".to_owned(), "b".to_owned()]] {
            let rules = Rules {
                strict_audience: true,
                audiences,
                ..Rules::default()
            };
            assert!(matches!(
                Codec::test_new(
                    Algorithm::HS256,
                    &KeySource::Secret(Secret::new(SECRET)),
                    rules
                ),
                Err(ConfigError::StrictAudience { .. })
            ));
        }
    }

    #[test]
    fn wrong_secret_and_garbage_are_invalid() {
        let jwt = codec(Rules::default())
            .encode(&claims("u", now() + 60))
            .unwrap();
        let other = Codec::test_new(
            Algorithm::HS256,
            &KeySource::Secret(Secret::new(vec![b'x'; 32])),
            Rules::default(),
        )
        .unwrap();
        assert_eq!(
            other.decode::<crate::Extras>(&jwt).unwrap_err(),
            InvalidToken::Signature
        );
        let c = codec(Rules::default());
        for junk in [
            "",
            "abc",
            "a.b",
            "a.b.c",
            "a.b.c.d",
            &format!("{jwt}."),
            &format!("{jwt}x"),
        ] {
            assert!(c.decode::<crate::Extras>(junk).is_err(), "{junk}");
        }
    }

    #[test]
    fn algorithm_must_match_exactly() {
        let hs512 = Codec::test_new(
            Algorithm::HS512,
            &KeySource::Secret(Secret::new(vec![b'k'; 64])),
            Rules::default(),
        )
        .unwrap();
        let jwt = hs512.encode(&claims("u", now() + 60)).unwrap();
        let hs256 = Codec::test_new(
            Algorithm::HS256,
            &KeySource::Secret(Secret::new(vec![b'k'; 64])),
            Rules::default(),
        )
        .unwrap();
        assert_eq!(
            hs256.decode::<crate::Extras>(&jwt).unwrap_err(),
            InvalidToken::Algorithm
        );
        // alg "none" with an empty signature.
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(json!({"sub": "u", "exp": now() + 60}).to_string());
        let none = format!("{header}.{payload}.");
        assert!(hs256.decode::<crate::Extras>(&none).is_err());
    }

    #[test]
    fn expiry_leeway_and_verify_expiry() {
        let t = 1_000_000;
        let rules = Rules::default();
        assert_eq!(
            rules.validate(&raw(&json!({"sub": "u", "exp": t})), t),
            Err(InvalidToken::Expired)
        );
        assert_eq!(
            rules.validate(&raw(&json!({"sub": "u", "exp": t + 1})), t),
            Ok(())
        );
        let lenient = Rules {
            leeway: 5,
            ..Rules::default()
        };
        assert_eq!(
            lenient.validate(&raw(&json!({"sub": "u", "exp": t - 4})), t),
            Ok(())
        );
        assert_eq!(
            lenient.validate(&raw(&json!({"sub": "u", "exp": t - 5})), t),
            Err(InvalidToken::Expired)
        );
        let off = Rules {
            verify_expiry: false,
            ..Rules::default()
        };
        assert_eq!(
            off.validate(&raw(&json!({"sub": "u", "exp": 1})), t),
            Ok(())
        );
        assert_eq!(
            off.validate(&raw(&json!({"sub": "u"})), t),
            Err(InvalidToken::MissingClaim)
        );
    }

    #[test]
    fn not_before_and_issued_at() {
        let t = 1_000_000;
        let rules = Rules::default();
        let future_nbf = raw(&json!({"sub": "u", "exp": t + 60, "nbf": t + 1}));
        assert_eq!(
            rules.validate(&future_nbf, t),
            Err(InvalidToken::NotYetValid)
        );
        let off = Rules {
            verify_not_before: false,
            ..Rules::default()
        };
        assert_eq!(off.validate(&future_nbf, t), Ok(()));
        assert_eq!(
            rules.validate(&raw(&json!({"sub": "u", "exp": t + 60, "nbf": t})), t),
            Ok(())
        );
        let future_iat = raw(&json!({"sub": "u", "exp": t + 60, "iat": t + 5}));
        assert_eq!(
            rules.validate(&future_iat, t),
            Err(InvalidToken::IssuedInFuture)
        );
        let lenient = Rules {
            leeway: 5,
            ..Rules::default()
        };
        assert_eq!(lenient.validate(&future_iat, t), Ok(()));
        // iat is optional.
        assert_eq!(
            rules.validate(&raw(&json!({"sub": "u", "exp": t + 60})), t),
            Ok(())
        );
    }

    #[test]
    fn issuers() {
        let t = 1;
        let rules = Rules {
            issuers: vec!["a".into(), "b".into()],
            ..Rules::default()
        };
        for (iss, ok) in [
            (Some("a"), true),
            (Some("b"), true),
            (Some("c"), false),
            (None, false),
        ] {
            let mut v = json!({"sub": "u", "exp": 10});
            if let Some(iss) = iss {
                v["iss"] = json!(iss);
            }
            assert_eq!(rules.validate(&raw(&v), t).is_ok(), ok, "{v}");
        }
        // Without accepted issuers, any issuer passes.
        assert_eq!(
            Rules::default().validate(&raw(&json!({"sub": "u", "exp": 10, "iss": "z"})), t),
            Ok(())
        );
    }

    #[test]
    fn audiences_and_strict_audience() {
        let t = 1;
        let any = Rules {
            audiences: vec!["a".into(), "b".into()],
            ..Rules::default()
        };
        let strict = Rules {
            audiences: vec!["a".into()],
            strict_audience: true,
            ..Rules::default()
        };
        let cases = [
            (json!("a"), true, true),
            (json!("b"), true, false),
            (json!(["a", "b"]), true, false),
            (json!(["a"]), true, false),
            (json!(["z", "b"]), true, false),
            (json!("z"), false, false),
            (json!([]), false, false),
        ];
        for (aud, any_ok, strict_ok) in cases {
            let v = json!({"sub": "u", "exp": 10, "aud": aud});
            assert_eq!(any.validate(&raw(&v), t).is_ok(), any_ok, "any {v}");
            assert_eq!(
                strict.validate(&raw(&v), t).is_ok(),
                strict_ok,
                "strict {v}"
            );
        }
        let no_aud = raw(&json!({"sub": "u", "exp": 10}));
        assert_eq!(any.validate(&no_aud, t), Err(InvalidToken::Audience));
        assert_eq!(
            Rules::default().validate(&raw(&json!({"sub": "u", "exp": 10, "aud": "x"})), t),
            Ok(())
        );
    }

    #[test]
    fn require_claims_is_presence_only() {
        let rules = Rules {
            require_claims: vec!["aud".into(), "email".into()],
            ..Rules::default()
        };
        let t = 1;
        assert_eq!(
            rules.validate(
                &raw(&json!({"sub": "u", "exp": 10, "aud": "x", "email": null})),
                t
            ),
            Ok(())
        );
        assert_eq!(
            rules.validate(&raw(&json!({"sub": "u", "exp": 10, "aud": "x"})), t),
            Err(InvalidToken::MissingClaim)
        );
        assert_eq!(
            rules.validate(
                &raw(&json!({"sub": "u", "exp": 10, "extras": {"email": 1}, "aud": "x"})),
                t
            ),
            Ok(())
        );
    }

    #[test]
    fn empty_subject_is_invalid() {
        assert_eq!(
            Rules::default().validate(&raw(&json!({"sub": "", "exp": 10})), 1),
            Err(InvalidToken::Claims)
        );
        assert_eq!(
            codec(Rules::default()).encode(&claims("", 10)),
            Err(TokenError::EmptySubject)
        );
    }

    #[test]
    fn crit_header_is_refused() {
        let c = codec(Rules::default());
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","crit":["exp"],"exp":1}"#);
        let payload = URL_SAFE_NO_PAD.encode(json!({"sub": "u", "exp": now() + 60}).to_string());
        let message = format!("{header}.{payload}");
        let key = EncodingKey::from_secret(SECRET.as_bytes());
        let sig = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
        let jwt = format!("{message}.{sig}");
        assert_eq!(
            c.decode::<crate::Extras>(&jwt).unwrap_err(),
            InvalidToken::Malformed
        );
    }

    /// What `checked_kid` answered before its fast path: `jsonwebtoken::decode_header`.
    fn checked_kid_by_jsonwebtoken(c: &Codec, jwt: &str) -> Result<JoseHeader, InvalidToken> {
        let header = jsonwebtoken::decode_header(jwt).map_err(|_| InvalidToken::Malformed)?;
        if header.alg != c.algorithm {
            return Err(InvalidToken::Algorithm);
        }
        if header.crit.is_some() {
            return Err(InvalidToken::Malformed);
        }
        if header.typ.as_deref() == Some(REFRESH_TYP) {
            return Err(InvalidToken::WrongType);
        }
        Ok(JoseHeader {
            kid: header.kid,
            typ: header.typ,
        })
    }

    #[test]
    fn the_header_fast_path_agrees_with_decode_header() {
        let c = codec(Rules::default());
        let long_kid = "k".repeat(300);
        let headers = [
            r#"{"alg":"HS256","typ":"JWT"}"#.to_owned(),
            r#"{"typ":"JWT","alg":"HS256"}"#.to_owned(),
            r#"{"alg":"HS256"}"#.to_owned(),
            r#"{"alg":"HS256","typ":null,"kid":null}"#.to_owned(),
            r#"{"alg":"HS256","typ":"at+jwt","kid":"a\"b\u00e9"}"#.to_owned(),
            r#"{"alg":"HS256","typ":"refresh+jwt"}"#.to_owned(),
            r#" { "alg" : "HS256" , "kid" : "k1" } "#.to_owned(),
            r#"{"alg":"HS256","crit":["exp"],"exp":1}"#.to_owned(),
            r#"{"alg":"HS256","crit":null}"#.to_owned(),
            r#"{"alg":"HS256","crit":[]}"#.to_owned(),
            r#"{"alg":"HS256","crit":5}"#.to_owned(),
            r#"{"alg":"HS256","cty":"JWT","x":{"y":[1]}}"#.to_owned(),
            r#"{"alg":"HS256","cty":5}"#.to_owned(),
            r#"{"alg":"HS256","alg":"HS256"}"#.to_owned(),
            r#"{"alg":"HS256","kid":"a","kid":"b"}"#.to_owned(),
            r#"{"alg":"HS256","typ":5}"#.to_owned(),
            r#"{"alg":"HS384"}"#.to_owned(),
            r#"{"alg":"none"}"#.to_owned(),
            r#"{"typ":"JWT"}"#.to_owned(),
            r#"{"alg":"HS256"} x"#.to_owned(),
            "[1]".to_owned(),
            String::new(),
            format!(r#"{{"alg":"HS256","kid":"{long_kid}"}}"#),
        ];
        for header in &headers {
            let encoded = URL_SAFE_NO_PAD.encode(header);
            for jwt in [
                format!("{encoded}.e30.c2ln"),
                format!("{encoded}.e30.c2ln.c2ln"),
                format!("{encoded}.c2ln"),
                format!("{encoded}=.e30.c2ln"),
            ] {
                assert_eq!(
                    c.checked_kid(&jwt),
                    checked_kid_by_jsonwebtoken(&c, &jwt),
                    "{header} as {jwt}"
                );
            }
        }
        assert_eq!(
            c.checked_kid(&format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(&headers[4]))),
            Ok(JoseHeader {
                kid: Some("a\"bé".to_owned()),
                typ: Some("at+jwt".to_owned()),
            })
        );
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new(SECRET);
        assert_eq!(format!("{s:?}"), "Secret([redacted; 32 bytes])");
        let source = KeySource::Secret(s);
        assert!(!format!("{source:?}").contains("0123"));
        assert!(!format!("{:?}", codec(Rules::default())).contains("0123"));
    }
}
