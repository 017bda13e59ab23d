//! Brute-force protection for logins (Paca has none). Only failures count: a right password
//! never uses up anyone's allowance, so nobody can lock an account out by guessing at it.
//!
//! Failures are limited per (username, client address) and per client address, whatever the
//! usernames (an IPv6 address counts as its /64). Each limit is a failure allowance that
//! refills steadily over `window` (a GCRA bucket: `limit` failures at once, then one more every
//! `window / limit`). When either allowance of an address is spent, every login attempt from it
//! for that username (or, for the address's allowance, for any username) is refused with 429 and
//! `Retry-After`, the right password included, so guessing from there stops; the owner logging in
//! from another address is not affected.
//!
//! An attempt is counted as a failure when it is admitted and given back when it succeeds, so
//! concurrent guesses cannot all slip past the check before the first one fails. A success also
//! forgets the failures of its (username, address). Both tables are bounded ([`MAX_KEYS`]):
//! idle entries are dropped, and when a table is still full the entry closest to idle goes, so an
//! attacker rotating usernames or addresses cannot grow memory without bound.

use crate::error::{Error, codes};
use crate::user::USERNAME_MAX;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Entries each table keeps at most.
pub const MAX_KEYS: usize = 100_000;

/// Failures allowed within `window`, per client address and per (username, client address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginLimits {
    pub failures_per_ip: NonZeroU32,
    pub failures_per_username_ip: NonZeroU32,
    pub window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            failures_per_ip: NonZeroU32::new(30).unwrap_or(NonZeroU32::MIN),
            failures_per_username_ip: NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// A client address as the limits see it: IPv4 as is, IPv6 by its /64 (what one subscriber
/// usually holds), an IPv4-mapped IPv6 address as IPv4.
type AddressKey = IpAddr;
type UsernameKey = (String, Option<AddressKey>);

#[derive(Clone)]
pub struct LoginLimiter {
    tables: Arc<Mutex<Tables>>,
}

struct Tables {
    by_ip: FailureTable<AddressKey>,
    by_username_ip: FailureTable<UsernameKey>,
}

/// One admitted login attempt, counted as a failure unless [`LoginAttempt::succeeded`] is
/// called (so an attempt abandoned half-way still counts).
#[must_use = "an attempt counts as a failure unless it is marked as a success"]
pub struct LoginAttempt {
    limiter: LoginLimiter,
    ip: Option<AddressKey>,
    username: UsernameKey,
}

impl LoginAttempt {
    /// The password was right: the attempt is not a failure, and the earlier failures of this
    /// username from this address are forgotten. Those of the address are kept, so an attacker
    /// cannot reset them by logging in to an account of their own.
    pub fn succeeded(self) {
        let now = Instant::now();
        let mut tables = self.limiter.lock();
        if let Some(ip) = &self.ip {
            tables.by_ip.give_back(ip, now);
        }
        tables.by_username_ip.forget(&self.username);
    }
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> Self {
        Self {
            tables: Arc::new(Mutex::new(Tables {
                by_ip: FailureTable::new(limits.failures_per_ip, limits.window),
                by_username_ip: FailureTable::new(limits.failures_per_username_ip, limits.window),
            })),
        }
    }

    /// Admits an attempt, counting it as a failure until it succeeds; refuses it, with how long
    /// to wait, when the address or this username from this address has no failures left.
    pub fn admit(&self, ip: Option<IpAddr>, username: &str) -> Result<LoginAttempt, Error> {
        self.admit_at(ip, username, Instant::now())
    }

    fn admit_at(
        &self,
        ip: Option<IpAddr>,
        username: &str,
        now: Instant,
    ) -> Result<LoginAttempt, Error> {
        let ip = ip.map(address_key);
        let username = (username_key(username), ip);
        let mut tables = self.lock();
        let ip_wait = ip.and_then(|ip| tables.by_ip.wait(&ip, now));
        let username_wait = tables.by_username_ip.wait(&username, now);
        match (ip_wait, username_wait) {
            (None, None) => {}
            (Some(wait), other) => {
                return Err(limited(
                    wait.max(other.unwrap_or_default()),
                    "from this address",
                ));
            }
            (None, Some(wait)) => {
                return Err(limited(wait, "for this username from this address"));
            }
        }
        if let Some(ip) = ip {
            tables.by_ip.charge(ip, now);
        }
        tables.by_username_ip.charge(username.clone(), now);
        drop(tables);
        Ok(LoginAttempt {
            limiter: self.clone(),
            ip,
            username,
        })
    }

    /// Drops the entries whose allowance is full again (called periodically).
    pub fn forget_idle(&self) {
        let now = Instant::now();
        let mut tables = self.lock();
        tables.by_ip.forget_idle(now);
        tables.by_username_ip.forget_idle(now);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        // The tables hold no invariant a panicking holder could break half-way.
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[cfg(test)]
    fn len(&self) -> (usize, usize) {
        let tables = self.lock();
        (tables.by_ip.full.len(), tables.by_username_ip.full.len())
    }
}

/// Failure allowances per key, as the time each one is full again (GCRA's "theoretical arrival
/// time"): a failure pushes it `period` later; the allowance is spent when it is more than
/// `window - period` ahead of now.
struct FailureTable<K> {
    period: Duration,
    window: Duration,
    full: HashMap<K, Instant>,
}

impl<K: Eq + Hash + Clone> FailureTable<K> {
    fn new(limit: NonZeroU32, window: Duration) -> Self {
        let period = (window / limit.get()).max(Duration::from_millis(1));
        Self {
            period,
            window: period * limit.get(),
            full: HashMap::new(),
        }
    }

    /// How long until one more failure is allowed, if none is now.
    fn wait(&self, key: &K, now: Instant) -> Option<Duration> {
        let ahead = self.full.get(key)?.saturating_duration_since(now);
        let allowed = self.window - self.period;
        (ahead > allowed).then(|| ahead - allowed)
    }

    fn charge(&mut self, key: K, now: Instant) {
        if !self.full.contains_key(&key) && self.full.len() >= MAX_KEYS {
            self.make_room(now);
        }
        let full = self.full.entry(key).or_insert(now);
        *full = (*full).max(now) + self.period;
    }

    fn give_back(&mut self, key: &K, now: Instant) {
        if let Some(full) = self.full.get_mut(key) {
            *full = full.checked_sub(self.period).unwrap_or(now);
            if *full <= now {
                self.full.remove(key);
            }
        }
    }

    fn forget(&mut self, key: &K) {
        self.full.remove(key);
    }

    fn forget_idle(&mut self, now: Instant) {
        self.full.retain(|_, full| *full > now);
    }

    /// Drops idle entries and, if none was idle, the one closest to being idle.
    fn make_room(&mut self, now: Instant) {
        self.forget_idle(now);
        if self.full.len() < MAX_KEYS {
            return;
        }
        let nearest = self
            .full
            .iter()
            .min_by_key(|(_, full)| **full)
            .map(|(key, _)| key.clone());
        if let Some(nearest) = nearest {
            self.full.remove(&nearest);
        }
    }
}

fn address_key(ip: IpAddr) -> AddressKey {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

/// Usernames are matched without case, and no longer than any username can be (so a key is
/// small whatever a client sends).
fn username_key(username: &str) -> String {
    username
        .chars()
        .take(USERNAME_MAX)
        .flat_map(char::to_lowercase)
        .collect()
}

fn limited(wait: Duration, whom: &str) -> Error {
    // Round up: a client that waits `Retry-After` seconds must then get through.
    let retry_after = Duration::from_secs(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        .max(Duration::from_secs(1));
    Error::RateLimited {
        code: codes::RATE_LIMITED,
        message: format!("too many failed login attempts {whom}; retry later"),
        retry_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(60);

    fn limiter(ip: u32, username_ip: u32) -> LoginLimiter {
        LoginLimiter::new(LoginLimits {
            failures_per_ip: NonZeroU32::new(ip).expect("nonzero"),
            failures_per_username_ip: NonZeroU32::new(username_ip).expect("nonzero"),
            window: WINDOW,
        })
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    fn retry_after(err: &Error) -> Duration {
        match err {
            Error::RateLimited { retry_after, .. } => *retry_after,
            other => panic!("not rate limited: {other:?}"),
        }
    }

    #[test]
    fn successes_never_count() {
        let l = limiter(3, 2);
        let t = Instant::now();
        for _ in 0..1000 {
            l.admit_at(ip("10.0.0.1"), "alice", t)
                .expect("admitted")
                .succeeded();
        }
        assert_eq!(l.len(), (0, 0), "nothing is remembered about successes");
    }

    #[test]
    fn failures_per_username_and_address_then_refused_even_if_right() {
        let l = limiter(100, 3);
        let t = Instant::now();
        for name in ["Alice", "alice", "ALICE"] {
            drop(l.admit_at(ip("10.0.0.1"), name, t).expect("admitted"));
        }
        let err = l
            .admit_at(ip("10.0.0.1"), "alice", t)
            .err()
            .expect("limited");
        assert_eq!(retry_after(&err), WINDOW / 3);
        // The owner elsewhere, and other usernames here, are not affected.
        l.admit_at(ip("10.0.0.2"), "alice", t)
            .expect("other address")
            .succeeded();
        drop(
            l.admit_at(ip("10.0.0.1"), "bob", t)
                .expect("other username"),
        );
        // One failure is given back every window / limit.
        drop(
            l.admit_at(ip("10.0.0.1"), "alice", t + WINDOW / 3)
                .expect("refilled"),
        );
        assert!(l.admit_at(ip("10.0.0.1"), "alice", t + WINDOW / 3).is_err());
    }

    #[test]
    fn failures_per_address_span_usernames() {
        let l = limiter(3, 100);
        let t = Instant::now();
        for name in ["a", "b", "c"] {
            drop(l.admit_at(ip("10.0.0.1"), name, t).expect("admitted"));
        }
        assert!(l.admit_at(ip("10.0.0.1"), "d", t).is_err());
        assert!(l.admit_at(ip("10.0.0.2"), "d", t).is_ok());
    }

    #[test]
    fn an_ipv6_address_counts_as_its_64() {
        let l = limiter(2, 100);
        let t = Instant::now();
        drop(l.admit_at(ip("2001:db8:1:2::1"), "a", t).expect("admitted"));
        drop(
            l.admit_at(ip("2001:db8:1:2:ffff::9"), "b", t)
                .expect("admitted"),
        );
        assert!(l.admit_at(ip("2001:db8:1:2::77"), "c", t).is_err());
        assert!(l.admit_at(ip("2001:db8:1:3::1"), "c", t).is_ok());
        assert_eq!(
            address_key("::ffff:10.1.2.3".parse().expect("ip")),
            "10.1.2.3".parse::<IpAddr>().expect("ip")
        );
    }

    #[test]
    fn concurrent_attempts_are_counted_before_they_finish() {
        let l = limiter(100, 2);
        let t = Instant::now();
        let first = l.admit_at(ip("10.0.0.1"), "alice", t).expect("admitted");
        let second = l.admit_at(ip("10.0.0.1"), "alice", t).expect("admitted");
        assert!(l.admit_at(ip("10.0.0.1"), "alice", t).is_err());
        first.succeeded();
        drop(second);
        assert!(l.admit_at(ip("10.0.0.1"), "alice", t).is_ok());
    }

    #[test]
    fn a_success_forgets_the_usernames_failures_but_not_the_addresses() {
        let l = limiter(3, 3);
        let t = Instant::now();
        drop(l.admit_at(ip("10.0.0.1"), "alice", t).expect("admitted"));
        drop(l.admit_at(ip("10.0.0.1"), "alice", t).expect("admitted"));
        l.admit_at(ip("10.0.0.1"), "alice", t)
            .expect("admitted")
            .succeeded();
        drop(l.admit_at(ip("10.0.0.1"), "alice", t).expect("admitted"));
        assert!(l.admit_at(ip("10.0.0.1"), "mallory", t).is_err());
    }

    #[test]
    fn tables_stay_bounded() {
        let l = limiter(1, 1);
        let t = Instant::now();
        for i in 0..(MAX_KEYS as u32 + 10) {
            let addr = IpAddr::V4(std::net::Ipv4Addr::from(i));
            drop(l.admit_at(Some(addr), "x", t).expect("admitted"));
        }
        assert_eq!(l.len(), (MAX_KEYS, MAX_KEYS));
        // Past the window every entry is idle and makes room for the next one.
        let later = t + WINDOW * 2;
        drop(l.admit_at(ip("10.0.0.1"), "y", later).expect("admitted"));
        assert_eq!(l.len(), (1, 1));
    }
}
