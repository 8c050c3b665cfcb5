//! Per-client limits on the requests that hash a password: password grants at `POST /token`
//! and `POST /register`, counted per client address with governor's GCRA (a bucket of
//! `N` requests, one back every `period / N`). They come on top of the per-username limit on
//! failed logins ([`LoginThrottle`](crate::throttle::LoginThrottle)), which a client that makes
//! up a new username for every attempt never reaches.
//!
//! A client is its IP address; an IPv6 client is its /64, which is what one subscriber is
//! usually given (counting single IPv6 addresses would give an attacker 2^64 buckets). Clients
//! behind one NAT share their bucket, so the defaults are generous for one person and still
//! cap what one address can make the server hash.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The variable of [`Quotas::logins_per_minute`].
pub const LOGINS_VAR: &str = "LOGINS_PER_MINUTE";
/// The variable of [`Quotas::registrations_per_hour`].
pub const REGISTRATIONS_VAR: &str = "REGISTRATIONS_PER_HOUR";

/// How many requests one client may make, each also the size of its burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// Password grants at `/token` per minute (default 30). Refresh grants are not counted:
    /// they hash no password and cannot be guessed.
    pub logins_per_minute: NonZeroU32,
    /// Requests to `/register` per hour (default 20).
    pub registrations_per_hour: NonZeroU32,
}

impl Default for Quotas {
    fn default() -> Self {
        const {
            Self {
                logins_per_minute: NonZeroU32::new(30).unwrap(),
                registrations_per_hour: NonZeroU32::new(20).unwrap(),
            }
        }
    }
}

impl Quotas {
    /// The defaults, with `LOGINS_PER_MINUTE` and `REGISTRATIONS_PER_HOUR` when set; a value
    /// that is not a whole number from 1 up is an error that names the variable.
    pub fn from_env() -> Result<Self, String> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let read = |name: &str, default: NonZeroU32| match var(name) {
            None => Ok(default),
            Some(value) => value.trim().parse().map_err(|_| {
                format!(
                    "{name} must be a whole number from 1 up (requests per client), not {value:?}"
                )
            }),
        };
        let defaults = Self::default();
        Ok(Self {
            logins_per_minute: read(LOGINS_VAR, defaults.logins_per_minute)?,
            registrations_per_hour: read(REGISTRATIONS_VAR, defaults.registrations_per_hour)?,
        })
    }
}

/// The limiters, shared by the handlers.
#[derive(Debug, Clone)]
pub struct ClientLimits {
    logins: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    registrations: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl ClientLimits {
    /// Empty limiters with these quotas.
    pub fn new(quotas: Quotas) -> Self {
        Self {
            logins: Arc::new(RateLimiter::keyed(Quota::per_minute(
                quotas.logins_per_minute,
            ))),
            registrations: Arc::new(RateLimiter::keyed(Quota::per_hour(
                quotas.registrations_per_hour,
            ))),
        }
    }

    /// Counts a password grant from `client`, or says how long until it may send another.
    pub fn login(&self, client: IpAddr) -> Result<(), Duration> {
        check(&self.logins, client)
    }

    /// Counts a registration from `client`, or says how long until it may send another.
    pub fn register(&self, client: IpAddr) -> Result<(), Duration> {
        check(&self.registrations, client)
    }

    /// Forgets the clients whose bucket is full again, as if they had never come: run now and
    /// then, so that memory holds only recent clients.
    pub fn forget_idle(&self) {
        for limiter in [&self.logins, &self.registrations] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

fn check(limiter: &DefaultKeyedRateLimiter<IpAddr>, client: IpAddr) -> Result<(), Duration> {
    limiter
        .check_key(&client_key(client))
        .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
}

/// The bucket of an address: an IPv4 address (IPv4-mapped IPv6 ones included) as it is, an
/// IPv6 address's first 64 bits.
fn client_key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = v6.to_bits() & !u128::from(u64::MAX);
            IpAddr::V6(Ipv6Addr::from_bits(prefix))
        }
        v4 @ IpAddr::V4(_) => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotas(logins: u32, registrations: u32) -> Quotas {
        Quotas {
            logins_per_minute: NonZeroU32::new(logins).unwrap(),
            registrations_per_hour: NonZeroU32::new(registrations).unwrap(),
        }
    }

    #[test]
    fn each_client_has_its_own_burst_then_waits_for_the_next_request() {
        let limits = ClientLimits::new(quotas(3, 2));
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let two: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(limits.login(one), Ok(()));
        }
        let wait = limits.login(one).unwrap_err();
        // One request back every 20 s.
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert_eq!(limits.login(two), Ok(()));
        // Registrations have their own count.
        assert_eq!(limits.register(one), Ok(()));
        assert_eq!(limits.register(one), Ok(()));
        let wait = limits.register(one).unwrap_err();
        assert!(
            wait > Duration::from_mins(29) && wait <= Duration::from_mins(30),
            "{wait:?}"
        );
        // Forgetting idle clients keeps those still waiting.
        limits.forget_idle();
        assert!(limits.login(one).is_err());
        assert!(limits.register(one).is_err());
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64_and_a_mapped_ipv4_one_its_ipv4_address() {
        let limits = ClientLimits::new(quotas(1, 1));
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(limits.login(a), Ok(()));
        assert!(limits.login(same_64).is_err());
        assert_eq!(limits.login(other_64), Ok(()));
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(limits.login(v4), Ok(()));
        assert!(limits.login(mapped).is_err());
    }

    /// An environment holding only `pairs`.
    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        }
    }

    #[test]
    fn quotas_come_from_the_environment_with_defaults() {
        assert_eq!(Quotas::from_vars(vars(&[])), Ok(quotas(30, 20)));
        assert_eq!(
            Quotas::from_vars(vars(&[(LOGINS_VAR, "5"), (REGISTRATIONS_VAR, " 100 ")])),
            Ok(quotas(5, 100))
        );
        for bad in ["0", "-1", "ten", ""] {
            let error = Quotas::from_vars(vars(&[(LOGINS_VAR, bad)])).unwrap_err();
            assert!(error.starts_with("LOGINS_PER_MINUTE must be"), "{error}");
        }
    }
}
