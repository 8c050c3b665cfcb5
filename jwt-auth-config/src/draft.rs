//! The rules across keys, over a [`Draft`]: a plain description of a configuration that the
//! attribute fills from what was written and the builder from what was called.

use crate::algorithm::{ALGORITHMS, AlgorithmSpec, Family};
use crate::cookie::SameSite;
use crate::flow::Flow;
use crate::key::{KEYS, Key, KeySet};

/// What the rules across keys read of a configuration. The values are the effective ones (the
/// documented default where nothing was given); `given` and `refused` say what was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The keys given with a value that was accepted.
    pub given: KeySet,
    /// The keys given with a value that was refused, and reported: the rules that read them are
    /// skipped, so that one mistake gives one error.
    pub refused: KeySet,
    /// The flow.
    pub flow: Flow,
    /// The algorithm.
    pub algorithm: &'static AlgorithmSpec,
    /// The cookie's `Secure`.
    pub secure: bool,
    /// The cookie's `SameSite`.
    pub same_site: SameSite,
    /// How many audiences are accepted.
    pub audiences: usize,
    /// For each identity provider of `issuers`, in order: how many audiences it names of its
    /// own (without any, `audience` applies to it).
    pub issuer_audiences: Vec<usize>,
    /// `strict_audience`.
    pub strict_audience: bool,
}

impl Default for Draft {
    /// Nothing given: every value its documented default.
    fn default() -> Self {
        Self {
            given: KeySet::new(),
            refused: KeySet::new(),
            flow: Flow::Header,
            algorithm: &ALGORITHMS[0],
            secure: true,
            same_site: SameSite::Lax,
            audiences: 0,
            issuer_audiences: Vec::new(),
            strict_audience: false,
        }
    }
}

/// A rule across keys that a configuration breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// An HMAC algorithm without a secret (or any key).
    MissingSecret,
    /// An asymmetric algorithm with a secret: it takes keys.
    SecretWithAsymmetric {
        /// The algorithm's name.
        algorithm: &'static str,
    },
    /// An asymmetric algorithm without a private or public key.
    MissingKeys {
        /// The algorithm's name.
        algorithm: &'static str,
    },
    /// `private_key` or `public_keys` with an HMAC algorithm: it takes a secret.
    KeyWithHmac {
        /// The key given.
        key: Key,
        /// The algorithm's name.
        algorithm: &'static str,
    },
    /// The `OAuth2` password flow without `token_url`.
    TokenUrlMissing,
    /// A key given with a flow it does not apply to (its [`Scope`](crate::Scope) in the table).
    NotForFlow {
        /// The key.
        key: Key,
        /// The flow.
        flow: Flow,
    },
    /// `same_site = "none"` without `secure`: browsers drop such a cookie.
    SameSiteNoneWithoutSecure,
    /// `strict_audience` without exactly one audience.
    StrictAudience {
        /// How many audiences there are.
        count: usize,
    },
    /// An identity provider of `issuers` without an audience of its own or `audience`: any
    /// token it issues, for any of its clients' APIs, would be accepted.
    IssuerWithoutAudience {
        /// Its place in `issuers`.
        index: usize,
    },
    /// `previous_secrets` without `secret`: previous secrets rotate an HMAC secret.
    PreviousSecretsWithoutSecret,
    /// `tls_roots` without `issuers`: nothing is fetched over TLS.
    TlsRootsWithoutIssuers,
}

/// Where a violation is to be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// On the key: it should not be there.
    Key(Key),
    /// On the key's value: it asks for something that is missing.
    Value(Key),
    /// On one item of the key's list value (`issuers = [a, b]`: `b` is item 1).
    Item(Key, usize),
    /// On the configuration as a whole: something is missing from it.
    Whole,
}

impl Violation {
    /// Where the violation is to be shown.
    #[must_use]
    pub const fn blame(self) -> Blame {
        match self {
            Self::MissingSecret => Blame::Whole,
            Self::SecretWithAsymmetric { .. } => Blame::Key(Key::Secret),
            Self::MissingKeys { .. } => Blame::Value(Key::Algorithm),
            Self::KeyWithHmac { key, .. } | Self::NotForFlow { key, .. } => Blame::Key(key),
            Self::TokenUrlMissing => Blame::Value(Key::Flow),
            Self::SameSiteNoneWithoutSecure => Blame::Value(Key::SameSite),
            Self::StrictAudience { .. } => Blame::Value(Key::StrictAudience),
            Self::IssuerWithoutAudience { index } => Blame::Item(Key::Issuers, index),
            Self::PreviousSecretsWithoutSecret => Blame::Key(Key::PreviousSecrets),
            Self::TlsRootsWithoutIssuers => Blame::Key(Key::TlsRoots),
        }
    }
}

impl Draft {
    /// Whether `key` was given, its value accepted or not.
    #[must_use]
    pub const fn was_given(&self, key: Key) -> bool {
        self.given.contains(key) || self.refused.contains(key)
    }

    /// The rules across keys that the configuration breaks, in the order they are checked:
    /// keys and algorithm, then flow, then audience, then identity providers.
    #[must_use]
    pub fn check(&self) -> Vec<Violation> {
        let mut violations = Vec::new();
        if !self.refused.contains(Key::Algorithm) {
            self.check_keys(&mut violations);
        }
        if !self.refused.contains(Key::Flow) {
            self.check_flow(&mut violations);
        }
        let refused = |key| self.refused.contains(key);
        if self.strict_audience
            && self.audiences != 1
            && !refused(Key::StrictAudience)
            && !refused(Key::Audience)
        {
            violations.push(Violation::StrictAudience {
                count: self.audiences,
            });
        }
        self.check_issuers(&mut violations);
        violations
    }

    /// Identity providers name the audience their tokens must be for; TLS roots and previous
    /// secrets need what they apply to.
    fn check_issuers(&self, violations: &mut Vec<Violation>) {
        let refused = |key| self.refused.contains(key);
        if self.audiences == 0 && !refused(Key::Audience) {
            for (index, _) in self
                .issuer_audiences
                .iter()
                .enumerate()
                .filter(|(_, own)| **own == 0)
            {
                violations.push(Violation::IssuerWithoutAudience { index });
            }
        }
        if self.given.contains(Key::TlsRoots) && !self.was_given(Key::Issuers) {
            violations.push(Violation::TlsRootsWithoutIssuers);
        }
        if self.given.contains(Key::PreviousSecrets) && !self.was_given(Key::Secret) {
            violations.push(Violation::PreviousSecretsWithoutSecret);
        }
    }

    /// A secret for HMAC, keys for the asymmetric algorithms, never both (algorithm confusion).
    /// With identity providers (`issuers`), the backend may have neither: it only verifies
    /// their tokens.
    fn check_keys(&self, violations: &mut Vec<Violation>) {
        let algorithm = self.algorithm.name;
        let has_keys = self.was_given(Key::PrivateKey) || self.was_given(Key::PublicKeys);
        let providers = self.was_given(Key::Issuers);
        match self.algorithm.family {
            Family::Asymmetric if self.given.contains(Key::Secret) => {
                violations.push(Violation::SecretWithAsymmetric { algorithm });
            }
            Family::Asymmetric if !has_keys && !providers => {
                violations.push(Violation::MissingKeys { algorithm });
            }
            Family::Asymmetric => {}
            Family::Hmac => {
                for key in [Key::PrivateKey, Key::PublicKeys] {
                    if self.given.contains(key) {
                        violations.push(Violation::KeyWithHmac { key, algorithm });
                    }
                }
                if !self.was_given(Key::Secret) && !has_keys && !providers {
                    violations.push(Violation::MissingSecret);
                }
            }
        }
    }

    fn check_flow(&self, violations: &mut Vec<Violation>) {
        let flow = self.flow;
        if flow == Flow::OAuth2Password && !self.was_given(Key::TokenUrl) {
            violations.push(Violation::TokenUrlMissing);
        }
        for spec in KEYS {
            if !spec.scope.includes(flow) && self.given.contains(spec.key) {
                violations.push(Violation::NotForFlow {
                    key: spec.key,
                    flow,
                });
            }
        }
        let refused = |key| self.refused.contains(key);
        if flow.uses_cookie()
            && self.same_site == SameSite::None
            && !self.secure
            && !refused(Key::SameSite)
            && !refused(Key::Secure)
        {
            violations.push(Violation::SameSiteNoneWithoutSecure);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithm::algorithm;

    /// An HMAC configuration with a secret: nothing to say.
    fn draft() -> Draft {
        Draft {
            given: KeySet::from_iter([Key::Secret]),
            ..Draft::default()
        }
    }

    fn with(keys: &[Key]) -> Draft {
        let mut draft = draft();
        for key in keys {
            draft.given.insert(*key);
        }
        draft
    }

    fn asymmetric(name: &str, keys: &[Key]) -> Draft {
        Draft {
            given: keys.iter().copied().collect(),
            algorithm: algorithm(name).unwrap(),
            ..Draft::default()
        }
    }

    #[test]
    fn defaults_with_a_secret_pass() {
        assert_eq!(draft().check(), []);
    }

    #[test]
    fn hmac_needs_a_secret() {
        assert_eq!(Draft::default().check(), [Violation::MissingSecret]);
        // A refused secret was reported already.
        let refused = Draft {
            refused: KeySet::from_iter([Key::Secret]),
            ..Draft::default()
        };
        assert_eq!(refused.check(), []);
    }

    #[test]
    fn asymmetric_algorithms_take_keys_not_a_secret() {
        for name in ["RS256", "PS512", "ES256", "EdDSA"] {
            assert_eq!(asymmetric(name, &[Key::PrivateKey]).check(), []);
            assert_eq!(asymmetric(name, &[Key::PublicKeys]).check(), []);
            assert_eq!(
                asymmetric(name, &[Key::Secret]).check(),
                [Violation::SecretWithAsymmetric { algorithm: name }]
            );
            assert_eq!(
                asymmetric(name, &[Key::Secret, Key::PrivateKey]).check(),
                [Violation::SecretWithAsymmetric { algorithm: name }]
            );
            assert_eq!(
                asymmetric(name, &[]).check(),
                [Violation::MissingKeys { algorithm: name }]
            );
        }
        // A refused key counts as given: no "needs keys" on top of its own error.
        let refused_key = Draft {
            refused: KeySet::from_iter([Key::PrivateKey]),
            ..asymmetric("RS256", &[])
        };
        assert_eq!(refused_key.check(), []);
    }

    #[test]
    fn keys_need_an_asymmetric_algorithm() {
        assert_eq!(
            Draft {
                given: KeySet::from_iter([Key::PrivateKey, Key::PublicKeys]),
                ..Draft::default()
            }
            .check(),
            [
                Violation::KeyWithHmac {
                    key: Key::PrivateKey,
                    algorithm: "HS256"
                },
                Violation::KeyWithHmac {
                    key: Key::PublicKeys,
                    algorithm: "HS256"
                },
            ]
        );
        // With a secret too: the keys are the mistake.
        assert_eq!(
            with(&[Key::PublicKeys]).check(),
            [Violation::KeyWithHmac {
                key: Key::PublicKeys,
                algorithm: "HS256"
            }]
        );
    }

    #[test]
    fn a_refused_algorithm_skips_the_key_rules() {
        let draft = Draft {
            refused: KeySet::from_iter([Key::Algorithm]),
            ..Draft::default()
        };
        assert_eq!(draft.check(), []);
    }

    #[test]
    fn token_url_is_required_by_and_only_for_oauth2_password() {
        let oauth2 = |keys: &[Key]| Draft {
            flow: Flow::OAuth2Password,
            ..with(keys)
        };
        assert_eq!(oauth2(&[]).check(), [Violation::TokenUrlMissing]);
        assert_eq!(oauth2(&[Key::TokenUrl]).check(), []);
        let refused = Draft {
            refused: KeySet::from_iter([Key::TokenUrl]),
            ..oauth2(&[])
        };
        assert_eq!(refused.check(), []);
        for flow in [Flow::Header, Flow::Cookie] {
            let draft = Draft {
                flow,
                ..with(&[Key::TokenUrl])
            };
            assert_eq!(
                draft.check(),
                [Violation::NotForFlow {
                    key: Key::TokenUrl,
                    flow
                }]
            );
        }
    }

    #[test]
    fn refresh_and_scopes_only_for_oauth2_password() {
        for key in [Key::RefreshExpiration, Key::OAuthScopes] {
            for flow in [Flow::Header, Flow::Cookie] {
                let draft = Draft {
                    flow,
                    ..with(&[key])
                };
                assert_eq!(draft.check(), [Violation::NotForFlow { key, flow }]);
            }
            let oauth2 = Draft {
                flow: Flow::OAuth2Password,
                ..with(&[key, Key::TokenUrl])
            };
            assert_eq!(oauth2.check(), []);
        }
    }

    #[test]
    fn cookie_keys_only_for_the_cookie_flows() {
        let cookie = [
            Key::CookieName,
            Key::CookiePath,
            Key::CookieDomain,
            Key::Secure,
            Key::SameSite,
        ];
        let header = with(&cookie).check();
        let blamed: Vec<Key> = header
            .iter()
            .map(|violation| match violation.blame() {
                Blame::Key(key) => key,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(blamed, cookie);
        for flow in [Flow::Cookie, Flow::OAuth2Password] {
            let draft = Draft {
                flow,
                ..with(&cookie)
            };
            let violations = draft.check();
            assert!(
                violations.is_empty() || violations == [Violation::TokenUrlMissing],
                "{violations:?}"
            );
        }
        // A refused cookie key was reported already.
        let refused = Draft {
            refused: KeySet::from_iter([Key::CookieName]),
            ..draft()
        };
        assert_eq!(refused.check(), []);
    }

    #[test]
    fn same_site_none_needs_secure() {
        let cookie = |same_site, secure| Draft {
            flow: Flow::Cookie,
            same_site,
            secure,
            ..with(&[Key::SameSite, Key::Secure])
        };
        assert_eq!(
            cookie(SameSite::None, false).check(),
            [Violation::SameSiteNoneWithoutSecure]
        );
        assert_eq!(cookie(SameSite::None, true).check(), []);
        assert_eq!(cookie(SameSite::Lax, false).check(), []);
        assert_eq!(cookie(SameSite::Strict, false).check(), []);
        let refused_secure = Draft {
            refused: KeySet::from_iter([Key::Secure]),
            ..cookie(SameSite::None, false)
        };
        assert_eq!(refused_secure.check(), []);
    }

    #[test]
    fn strict_audience_needs_exactly_one() {
        let strict = |audiences| Draft {
            audiences,
            strict_audience: true,
            ..with(&[Key::StrictAudience])
        };
        assert_eq!(strict(1).check(), []);
        assert_eq!(strict(0).check(), [Violation::StrictAudience { count: 0 }]);
        assert_eq!(strict(2).check(), [Violation::StrictAudience { count: 2 }]);
        let lax = Draft {
            audiences: 2,
            ..with(&[Key::StrictAudience])
        };
        assert_eq!(lax.check(), []);
        let refused_audience = Draft {
            refused: KeySet::from_iter([Key::Audience]),
            ..strict(0)
        };
        assert_eq!(refused_audience.check(), []);
    }

    #[test]
    fn issuers_need_an_audience_and_no_local_keys() {
        let providers = |own: Vec<usize>, audiences| Draft {
            given: KeySet::from_iter([Key::Issuers]),
            issuer_audiences: own,
            audiences,
            ..Draft::default()
        };
        // No secret, no keys: the backend only verifies the providers' tokens.
        assert_eq!(providers(vec![1, 2], 0).check(), []);
        assert_eq!(
            Draft {
                algorithm: algorithm("RS256").unwrap(),
                ..providers(vec![1], 0)
            }
            .check(),
            []
        );
        // `audience` applies to the providers without one of their own.
        assert_eq!(providers(vec![0, 0], 1).check(), []);
        assert_eq!(
            providers(vec![1, 0, 0], 0).check(),
            [
                Violation::IssuerWithoutAudience { index: 1 },
                Violation::IssuerWithoutAudience { index: 2 },
            ]
        );
        assert_eq!(
            Violation::IssuerWithoutAudience { index: 2 }.blame(),
            Blame::Item(Key::Issuers, 2)
        );
        // A refused `audience` was reported already.
        let refused = Draft {
            refused: KeySet::from_iter([Key::Audience]),
            ..providers(vec![0], 0)
        };
        assert_eq!(refused.check(), []);
    }

    #[test]
    fn tls_roots_and_previous_secrets_need_what_they_apply_to() {
        assert_eq!(
            with(&[Key::TlsRoots]).check(),
            [Violation::TlsRootsWithoutIssuers]
        );
        let providers = Draft {
            issuer_audiences: vec![1],
            ..with(&[Key::TlsRoots, Key::Issuers])
        };
        assert_eq!(providers.check(), []);
        assert_eq!(with(&[Key::PreviousSecrets]).check(), []);
        let keys = asymmetric("EdDSA", &[Key::PublicKeys, Key::PreviousSecrets]);
        assert_eq!(keys.check(), [Violation::PreviousSecretsWithoutSecret]);
        assert_eq!(
            Violation::PreviousSecretsWithoutSecret.blame(),
            Blame::Key(Key::PreviousSecrets)
        );
    }

    #[test]
    fn a_refused_flow_skips_the_flow_rules() {
        let draft = Draft {
            refused: KeySet::from_iter([Key::Flow]),
            ..with(&[Key::TokenUrl, Key::CookieName])
        };
        assert_eq!(draft.check(), []);
    }

    #[test]
    fn violations_blame_the_key_or_value_at_fault() {
        assert_eq!(Violation::MissingSecret.blame(), Blame::Whole);
        assert_eq!(Violation::TokenUrlMissing.blame(), Blame::Value(Key::Flow));
        assert_eq!(
            Violation::SecretWithAsymmetric { algorithm: "RS256" }.blame(),
            Blame::Key(Key::Secret)
        );
        assert_eq!(
            Violation::MissingKeys { algorithm: "RS256" }.blame(),
            Blame::Value(Key::Algorithm)
        );
        assert_eq!(
            Violation::SameSiteNoneWithoutSecure.blame(),
            Blame::Value(Key::SameSite)
        );
        assert_eq!(
            Violation::StrictAudience { count: 2 }.blame(),
            Blame::Value(Key::StrictAudience)
        );
    }

    #[test]
    fn every_violation_at_once_in_order() {
        let draft = Draft {
            given: KeySet::from_iter([
                Key::PrivateKey,
                Key::TokenUrl,
                Key::Secure,
                Key::StrictAudience,
            ]),
            strict_audience: true,
            ..Draft::default()
        };
        assert_eq!(
            draft.check(),
            [
                Violation::KeyWithHmac {
                    key: Key::PrivateKey,
                    algorithm: "HS256"
                },
                Violation::NotForFlow {
                    key: Key::TokenUrl,
                    flow: Flow::Header
                },
                Violation::NotForFlow {
                    key: Key::Secure,
                    flow: Flow::Header
                },
                Violation::StrictAudience { count: 0 },
            ]
        );
    }
}
