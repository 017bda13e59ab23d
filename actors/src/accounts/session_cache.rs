//! Live sessions this node has checked recently, so that a request does not cost a store round
//! trip to learn what the previous one learned.
//!
//! Correctness on this node: every account change made here (user, role, password, logout,
//! revocation) bumps a generation when it completes, and entries filled before that are never
//! used again, so a change takes effect for the very next request. Changes made on another
//! node reach this one when its entries age out, after at most the cache's lifetime.

use crate::ids::{SessionFamilyId, UserId};
use crate::user::UserRecord;
use dashmap::DashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Entries past this many are dropped wholesale (a bound, not a working-set policy).
const MAX_ENTRIES: usize = 100_000;

pub(crate) struct SessionCache<R = UserRecord> {
    lifetime: Duration,
    generation: AtomicU64,
    entries: DashMap<(UserId, SessionFamilyId), Entry<R>>,
}

struct Entry<R> {
    record: R,
    generation: u64,
    filled: Instant,
}

impl<R: Clone> SessionCache<R> {
    pub(crate) fn new(lifetime: Duration) -> Self {
        Self {
            lifetime,
            generation: AtomicU64::new(0),
            entries: DashMap::new(),
        }
    }

    /// The generation to fill with: read before asking the store.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(crate) fn get(&self, user: UserId, family: SessionFamilyId) -> Option<R> {
        if self.lifetime.is_zero() {
            return None;
        }
        let entry = self.entries.get(&(user, family))?;
        (entry.generation == self.generation() && entry.filled.elapsed() < self.lifetime)
            .then(|| entry.record.clone())
    }

    /// Remembers a live session read from the store at `generation`.
    pub(crate) fn put(&self, user: UserId, family: SessionFamilyId, record: R, generation: u64) {
        if self.lifetime.is_zero() || generation != self.generation() {
            return;
        }
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.clear();
        }
        self.entries.insert(
            (user, family),
            Entry {
                record,
                generation,
                filled: Instant::now(),
            },
        );
    }

    /// Something about accounts changed: nothing cached before now is trusted again.
    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.clear();
    }
}

/// Invalidates the cache when dropped: held for the whole of an account change, so the
/// invalidation follows the change's writes (a request that read the store meanwhile cannot
/// leave a stale entry behind).
pub(crate) struct Changing<'a, R: Clone = UserRecord>(pub(crate) &'a SessionCache<R>);

impl<R: Clone> Drop for Changing<'_, R> {
    fn drop(&mut self) {
        self.0.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> (UserId, SessionFamilyId) {
        (UserId::new(), SessionFamilyId::new())
    }

    #[test]
    fn serves_what_it_was_given_until_it_ages_out() {
        let cache = SessionCache::new(Duration::from_millis(50));
        let (u, f) = key();
        cache.put(u, f, "alice", cache.generation());
        assert_eq!(cache.get(u, f), Some("alice"));
        assert_eq!(cache.get(u, SessionFamilyId::new()), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(u, f), None);
    }

    #[test]
    fn a_change_invalidates_earlier_entries_and_reads_that_raced_it() {
        let cache = SessionCache::new(Duration::from_secs(60));
        let (u, f) = key();
        cache.put(u, f, "before", cache.generation());
        // A request reads the store while a change is being made...
        let read_at = cache.generation();
        {
            let _changing = Changing(&cache);
            assert_eq!(cache.get(u, f), Some("before"), "not yet committed");
        }
        assert_eq!(cache.get(u, f), None, "the change applies at once");
        // ...and its answer, possibly older than the change, is not kept.
        cache.put(u, f, "raced", read_at);
        assert_eq!(cache.get(u, f), None);
        cache.put(u, f, "after", cache.generation());
        assert_eq!(cache.get(u, f), Some("after"));
    }

    #[test]
    fn a_zero_lifetime_caches_nothing() {
        let cache = SessionCache::new(Duration::ZERO);
        let (u, f) = key();
        cache.put(u, f, 1, cache.generation());
        assert_eq!(cache.get(u, f), None);
    }
}
