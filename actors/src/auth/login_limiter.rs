//! Login rate limits, per client IP and per username (Paca has none). Every attempt counts, so
//! guessing is slow whether or not it succeeds.

use crate::error::{Error, codes};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// Attempts allowed per minute (also the burst).
#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    pub per_ip_per_minute: NonZeroU32,
    pub per_username_per_minute: NonZeroU32,
}

#[derive(Clone)]
pub struct LoginLimiter {
    by_ip: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    by_username: Arc<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> Self {
        Self {
            by_ip: Arc::new(RateLimiter::keyed(Quota::per_minute(
                limits.per_ip_per_minute,
            ))),
            by_username: Arc::new(RateLimiter::keyed(Quota::per_minute(
                limits.per_username_per_minute,
            ))),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt; refuses it with how long to wait when a limit is reached.
    pub fn check(&self, ip: Option<IpAddr>, username: &str) -> Result<(), Error> {
        if let Some(ip) = ip {
            self.by_ip
                .check_key(&ip)
                .map_err(|wait| limited(wait.wait_time_from(self.clock.now()), "this address"))?;
        }
        self.by_username
            .check_key(&username.to_lowercase())
            .map_err(|wait| limited(wait.wait_time_from(self.clock.now()), "this username"))
    }

    /// Drops the state of keys that are back to a full quota (called periodically).
    pub fn forget_idle(&self) {
        self.by_ip.retain_recent();
        self.by_username.retain_recent();
    }
}

fn limited(wait: Duration, whom: &str) -> Error {
    // Round up: a client that waits `Retry-After` seconds must then get through.
    let retry_after = Duration::from_secs(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        .max(Duration::from_secs(1));
    Error::RateLimited {
        code: codes::RATE_LIMITED,
        message: format!("too many login attempts for {whom}; retry later"),
        retry_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(ip: u32, user: u32) -> LoginLimiter {
        LoginLimiter::new(LoginLimits {
            per_ip_per_minute: NonZeroU32::new(ip).expect("nonzero"),
            per_username_per_minute: NonZeroU32::new(user).expect("nonzero"),
        })
    }

    #[test]
    fn per_username_limit_is_case_insensitive() {
        let l = limiter(100, 2);
        assert!(l.check(None, "Alice").is_ok());
        assert!(l.check(None, "alice").is_ok());
        let err = l.check(None, "ALICE").expect_err("limited");
        assert!(
            matches!(err, Error::RateLimited { retry_after, .. } if retry_after >= Duration::from_secs(1))
        );
        assert!(l.check(None, "bob").is_ok());
    }

    #[test]
    fn per_ip_limit_spans_usernames() {
        let l = limiter(2, 100);
        let ip: IpAddr = "10.0.0.1".parse().expect("ip");
        assert!(l.check(Some(ip), "a").is_ok());
        assert!(l.check(Some(ip), "b").is_ok());
        assert!(l.check(Some(ip), "c").is_err());
        assert!(l.check(Some("10.0.0.2".parse().expect("ip")), "d").is_ok());
    }
}
