//! A hash map whose clones share everything that did not change since: the large maps of an
//! actor's state (a project's tasks, comments, positions) are cloned into a snapshot after every
//! commit, and a clone must not copy 100,000 entries.
//!
//! The entries are split over a fixed number of shards, each behind an `Arc`. A clone copies
//! the shard pointers only; a write copies the one shard it touches if a clone still shares it
//! (`Arc::make_mut`), so a commit that changes a few entries of a 100k-entry map copies a few
//! shards of ~1.5k entries each, not the map.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

const SHARDS: usize = 64;

pub struct SharedMap<K, V> {
    shards: Arc<[Arc<HashMap<K, V>>; SHARDS]>,
    hasher: RandomState,
    len: usize,
}

impl<K, V> Clone for SharedMap<K, V> {
    fn clone(&self) -> Self {
        Self {
            shards: self.shards.clone(),
            hasher: self.hasher.clone(),
            len: self.len,
        }
    }
}

impl<K, V> Default for SharedMap<K, V> {
    fn default() -> Self {
        // Every shard starts as the same empty map: a small project pays for the shards it
        // writes to, not for 64 of them.
        let empty = Arc::new(HashMap::new());
        Self {
            shards: Arc::new(std::array::from_fn(|_| empty.clone())),
            hasher: RandomState::new(),
            len: 0,
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SharedMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V> SharedMap<K, V> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.shards.iter().flat_map(|s| s.iter())
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.shards.iter().flat_map(|s| s.values())
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.shards.iter().flat_map(|s| s.keys())
    }
}

impl<K: Hash + Eq + Clone, V: Clone> SharedMap<K, V> {
    fn shard_of<Q: Hash + ?Sized>(&self, key: &Q) -> usize {
        (self.hasher.hash_one(key) as usize) % SHARDS
    }

    /// The shard for `key`, copied first if a clone still shares it.
    fn shard_mut<Q: Hash + ?Sized>(&mut self, key: &Q) -> &mut HashMap<K, V> {
        let index = self.shard_of(key);
        let shards = Arc::make_mut(&mut self.shards);
        Arc::make_mut(&mut shards[index])
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shards[self.shard_of(key)].get(key)
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key).is_some()
    }

    /// The value for `key`, writable (its shard is copied first if a clone shares it).
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key)?;
        let index = self.shard_of(key);
        let shards = Arc::make_mut(&mut self.shards);
        Arc::make_mut(&mut shards[index]).get_mut(key)
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let old = self.shard_mut(&key).insert(key, value);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        // Only copy the shard when the key is there.
        self.get(key)?;
        let index = self.shard_of(key);
        let shards = Arc::make_mut(&mut self.shards);
        let old = Arc::make_mut(&mut shards[index]).remove(key);
        if old.is_some() {
            self.len -= 1;
        }
        old
    }

    /// The value for `key`, inserting `V::default()` first when there is none.
    pub fn get_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        let is_new = !self.contains_key(&key);
        if is_new {
            self.len += 1;
        }
        self.shard_mut(&key).entry(key).or_default()
    }
}

impl<K: Hash + Eq + Clone, V: Clone> FromIterator<(K, V)> for SharedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::default();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl<K: Hash + Eq + Clone, V: Clone + PartialEq> PartialEq for SharedMap<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_unchanged_shards_and_see_no_later_writes() {
        let mut a: SharedMap<u32, String> = (0..1000).map(|i| (i, i.to_string())).collect();
        let b = a.clone();
        a.insert(5, "five".into());
        a.insert(2000, "new".into());
        assert_eq!(a.remove(&7), Some("7".into()));
        assert_eq!(a.remove(&7), None);
        assert_eq!(b.get(&5).map(String::as_str), Some("5"));
        assert_eq!(b.get(&7).map(String::as_str), Some("7"));
        assert!(b.get(&2000).is_none());
        assert_eq!(a.len(), 1000);
        assert_eq!(b.len(), 1000);
        let shared = a
            .shards
            .iter()
            .zip(b.shards.iter())
            .filter(|(x, y)| Arc::ptr_eq(x, y))
            .count();
        // At most three shards were written.
        assert!(shared >= SHARDS - 3, "{shared} shards shared");
        assert_eq!(a.values().count(), 1000);
    }

    #[test]
    fn get_or_default_counts_new_keys_once() {
        let mut m: SharedMap<u8, Vec<u8>> = SharedMap::default();
        m.get_or_default(1).push(1);
        m.get_or_default(1).push(2);
        assert_eq!(m.len(), 1);
        assert_eq!(m.get(&1), Some(&vec![1, 2]));
    }
}
