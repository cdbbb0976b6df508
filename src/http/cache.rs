//! Recent response bodies of `/v1/search`, each valid until the next index
//! commit: a repeated query (a popular term, a page reloaded) is answered
//! without searching or serializing again.
//!
//! Entries are keyed by the request as parsed (so parameter order and
//! spelling do not matter) and stamped with the index's change sequence
//! number read *before* the search ran. The cache holds one sequence number
//! at a time: a lookup or a store with a newer one empties it, and a body
//! computed under an older one is never stored, so no response can outlive
//! the commit after which it was computed.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;

pub struct ResponseCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    seq: u64,
    bodies: HashMap<String, Bytes>,
}

impl ResponseCache {
    /// A cache of up to `capacity` bodies; 0 caches nothing.
    pub fn new(capacity: usize) -> Self {
        Self { capacity, inner: Mutex::default() }
    }

    /// The body stored for `key` at sequence number `seq`, if any.
    pub fn get(&self, seq: u64, key: &str) -> Option<Bytes> {
        if self.capacity == 0 {
            return None;
        }
        let mut inner = self.inner.lock().ok()?;
        inner.advance(seq);
        (inner.seq == seq).then(|| inner.bodies.get(key).cloned()).flatten()
    }

    /// Stores `body` for `key`, computed against sequence number `seq`.
    pub fn put(&self, seq: u64, key: String, body: Bytes) {
        if self.capacity == 0 {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else { return };
        inner.advance(seq);
        if inner.seq != seq {
            return; // computed before a commit the cache has already seen
        }
        if inner.bodies.len() >= self.capacity {
            // Bounded and simple: start afresh rather than track recency.
            inner.bodies.clear();
        }
        inner.bodies.insert(key, body);
    }
}

impl Inner {
    fn advance(&mut self, seq: u64) {
        if seq > self.seq {
            self.seq = seq;
            self.bodies.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_lives_until_a_newer_commit_and_an_older_one_is_never_stored() {
        let cache = ResponseCache::new(8);
        cache.put(5, "q".into(), Bytes::from_static(b"five"));
        assert_eq!(cache.get(5, "q").as_deref(), Some(&b"five"[..]));
        // A newer commit empties it.
        assert_eq!(cache.get(6, "q"), None);
        // A body computed before commit 6 is not kept under it.
        cache.put(5, "q".into(), Bytes::from_static(b"stale"));
        assert_eq!(cache.get(6, "q"), None);
        cache.put(6, "q".into(), Bytes::from_static(b"six"));
        assert_eq!(cache.get(6, "q").as_deref(), Some(&b"six"[..]));
    }

    #[test]
    fn capacity_bounds_it_and_zero_turns_it_off() {
        let cache = ResponseCache::new(2);
        for k in ["a", "b", "c"] {
            cache.put(1, k.into(), Bytes::from_static(b"x"));
        }
        assert!(cache.get(1, "c").is_some());
        assert!(cache.get(1, "a").is_none());
        let off = ResponseCache::new(0);
        off.put(1, "a".into(), Bytes::from_static(b"x"));
        assert!(off.get(1, "a").is_none());
    }
}
