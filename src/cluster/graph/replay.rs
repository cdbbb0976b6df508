//! Linkage after a change, from the previous run's merges.
//!
//! Average linkage makes its merges in one total order (the average, then
//! the clusters' keys: see `linkage::Candidate`). The graph keeps the last
//! run's merges in that order (its `Log`), and the first phase's clusters.
//! After a change only some clusters can behave differently: those with an
//! entry the change touched (see `apply`: their units' first phase is run
//! again) and, from the moment one of them takes part, the clusters they
//! meet. Here those are *active*: they keep their summed scores to every
//! neighbour, as linkage keeps them, and their candidate merges go into a
//! heap. Every other cluster is *clean*: it is exactly a cluster of the last
//! run, with the same pairs, so its merges are the logged ones.
//!
//! The run walks the log and the heap together, in linkage's order:
//! - a logged merge of two clean clusters, both as logged, is made again;
//! - a logged merge whose side is no longer as logged (it became active or
//!   was taken into an active cluster) is not: its clean side becomes
//!   active there, with its sums to its neighbours, as linkage would have it
//!   at that moment;
//! - the heap's best candidate is merged as linkage merges it (a clean side
//!   becomes active first), unless it would join two entries of one list or
//!   two an editor kept apart.
//!
//! A clean cluster's candidate merge with another clean one is either
//! logged, or was not made in the last run because one of them merged
//! earlier with a better partner; that stays so unless that partner became
//! active, and then it is active too. An active cluster's candidates are all
//! in the heap. So every merge linkage would make on the whole graph is made
//! here, in the same order, and nothing else: the result is the rebuild's,
//! and the property test in `cluster::tests` checks it.

use std::collections::BinaryHeap;

use rustc_hash::FxHashMap as HashMap;

use super::{Graph, SAME};
use crate::cluster::linkage::{Candidate, Merged};

/// The last run's linkage: the first phase's clusters and the second
/// phase's merges.
pub(in crate::cluster) struct Log {
    /// The threshold it ran with (millionths).
    pub threshold: u64,
    /// By node: its first-phase cluster's root (a node of that cluster).
    pub first: Vec<u32>,
    /// In linkage's order; `a` and `b` are nodes.
    pub merges: Vec<Merged>,
}

/// What a replay gives: each node's cluster root, which roots are active
/// (their clusters may differ from the last run's), and the new log's
/// merges.
pub(super) struct Replayed {
    pub root: Vec<u32>,
    pub active: Vec<bool>,
    pub merges: Vec<Merged>,
}

struct State<'g> {
    g: &'g Graph,
    cannot: &'g HashMap<u32, Vec<u32>>,
    threshold: u64,
    parent: Vec<u32>,
    size: Vec<u32>,
    key: Vec<u64>,
    key_node: Vec<u32>,
    head: Vec<u32>,
    tail: Vec<u32>,
    next: Vec<u32>,
    version: Vec<u32>,
    active: Vec<bool>,
    /// Active clusters' summed scores to their neighbours (by root).
    sums: HashMap<u32, HashMap<u32, u64>>,
    /// Clean clusters: the active clusters that keep a sum to them (some
    /// may since have merged: found again through `find`).
    watchers: HashMap<u32, Vec<u32>>,
    heap: BinaryHeap<Candidate>,
    merges: Vec<Merged>,
}

/// Links the graph again. `first` gives each node's first-phase root (the
/// log's, with the touched units' first phase run again); `dirty` the
/// first-phase roots that start active.
pub(super) fn replay(g: &Graph, log: &Log, first: &[u32], dirty: &[u32], cannot: &HashMap<u32, Vec<u32>>) -> Replayed {
    let n = g.keys.len();
    let mut s = State {
        g,
        cannot,
        threshold: log.threshold,
        parent: first.to_vec(),
        size: vec![0; n],
        key: vec![u64::MAX; n],
        key_node: (0..n as u32).collect(),
        head: (0..n as u32).collect(),
        tail: (0..n as u32).collect(),
        next: (0..n as u32).collect(),
        version: vec![0; n],
        active: vec![false; n],
        sums: HashMap::default(),
        watchers: HashMap::default(),
        heap: BinaryHeap::new(),
        merges: Vec::with_capacity(log.merges.len() + dirty.len()),
    };
    // The first phase's clusters, their members chained in node order.
    for i in 0..n {
        let r = s.parent[i] as usize;
        s.size[r] += 1;
        if g.keys[i] < s.key[r] {
            s.key[r] = g.keys[i];
            s.key_node[r] = i as u32;
        }
        if r != i {
            let t = s.tail[r] as usize;
            s.next[t] = i as u32;
            s.tail[r] = i as u32;
        }
    }
    for &r in dirty {
        s.activate(r);
    }
    let mut at = 0;
    loop {
        while let Some(top) = s.heap.peek() {
            if s.live(top) {
                break;
            }
            s.heap.pop();
        }
        let logged = log.merges.get(at);
        let take_log = match (logged, s.heap.peek()) {
            (Some(m), Some(top)) => m.priority() > *top,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if take_log {
            if let Some(m) = logged {
                s.logged(m);
            }
            at += 1;
        } else if let Some(top) = s.heap.pop() {
            s.candidate(top);
        }
    }
    let root = (0..n as u32).map(|i| s.find(i)).collect();
    Replayed { root, active: s.active, merges: s.merges }
}

impl State<'_> {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    fn is_root(&self, r: u32) -> bool {
        self.parent[r as usize] == r
    }

    fn live(&self, c: &Candidate) -> bool {
        let (a, b) = (c.roots.0 as u32, c.roots.1 as u32);
        self.is_root(a)
            && self.is_root(b)
            && self.version[a as usize] == c.versions.0
            && self.version[b as usize] == c.versions.1
    }

    fn members(&self, r: u32) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.size[r as usize] as usize);
        let mut at = self.head[r as usize];
        loop {
            out.push(at);
            let nx = self.next[at as usize];
            if nx == at {
                return out;
            }
            at = nx;
        }
    }

    fn push(&mut self, a: u32, b: u32, sum: u64) {
        let pairs = u64::from(self.size[a as usize]) * u64::from(self.size[b as usize]);
        if u128::from(sum) < u128::from(self.threshold) * u128::from(pairs) {
            return;
        }
        let (ka, kb) = (self.key[a as usize], self.key[b as usize]);
        self.heap.push(Candidate {
            sum,
            pairs,
            keys: (ka.min(kb), ka.max(kb)),
            roots: (a as usize, b as usize),
            versions: (self.version[a as usize], self.version[b as usize]),
        });
    }

    /// Makes a clean cluster active: its sums to every neighbour, and its
    /// candidates.
    fn activate(&mut self, r: u32) {
        if self.active[r as usize] {
            return;
        }
        self.active[r as usize] = true;
        self.watchers.remove(&r);
        let mut sums: HashMap<u32, u64> = HashMap::default();
        for m in self.members(r) {
            for &(o, w) in &self.g.adj[m as usize] {
                let ro = self.find(o);
                if ro != r {
                    *sums.entry(ro).or_default() += u64::from(w & !SAME);
                }
            }
        }
        for (&o, &sum) in &sums {
            if !self.active[o as usize] {
                self.watchers.entry(o).or_default().push(r);
            }
            self.push(r, o, sum);
        }
        self.sums.insert(r, sums);
    }

    /// Joins two roots' member chains, sizes and keys; returns the root kept.
    fn join(&mut self, a: u32, b: u32) -> (u32, u32) {
        let (keep, gone) = if self.size[a as usize] >= self.size[b as usize] { (a, b) } else { (b, a) };
        let (k, x) = (keep as usize, gone as usize);
        self.parent[x] = keep;
        self.size[k] += self.size[x];
        if self.key[x] < self.key[k] {
            self.key[k] = self.key[x];
            self.key_node[k] = self.key_node[x];
        }
        let t = self.tail[k] as usize;
        self.next[t] = self.head[x];
        self.tail[k] = self.tail[x];
        self.version[k] += 1;
        (keep, gone)
    }

    fn record(&mut self, a: u32, b: u32, sum: u64, pairs: u64) {
        let (a, b) = if self.key[a as usize] <= self.key[b as usize] { (a, b) } else { (b, a) };
        self.merges.push(Merged {
            a: self.key_node[a as usize] as usize,
            b: self.key_node[b as usize] as usize,
            keys: (self.key[a as usize], self.key[b as usize]),
            sizes: (self.size[a as usize], self.size[b as usize]),
            sum,
            pairs,
        });
    }

    /// The clean root a logged side's entry is in, and whether that cluster
    /// is still as logged.
    fn side(&mut self, node: usize, key: u64, size: u32) -> Option<(u32, bool)> {
        if self.g.keys.get(node) != Some(&key) {
            return None;
        }
        let r = self.find(node as u32);
        if self.active[r as usize] {
            return None;
        }
        Some((r, self.key[r as usize] == key && self.size[r as usize] == size))
    }

    fn logged(&mut self, m: &Merged) {
        let (a, b) = match (self.side(m.a, m.keys.0, m.sizes.0), self.side(m.b, m.keys.1, m.sizes.1)) {
            (Some((a, true)), Some((b, true))) => (a, b),
            (x, y) => {
                // Not as logged: linkage now weighs the clean sides afresh.
                for (r, _) in [x, y].into_iter().flatten() {
                    self.activate(r);
                }
                return;
            }
        };
        self.record(a, b, m.sum, m.pairs);
        let (keep, gone) = self.join(a, b);
        // The active clusters with sums to either now have one to both.
        let mut watching = self.watchers.remove(&keep).unwrap_or_default();
        watching.extend(self.watchers.remove(&gone).unwrap_or_default());
        let mut seen: Vec<u32> = Vec::with_capacity(watching.len());
        for w in watching {
            let d = self.find(w);
            if !self.active[d as usize] || seen.contains(&d) {
                continue;
            }
            seen.push(d);
            let Some(sums) = self.sums.get_mut(&d) else { continue };
            let sum = sums.remove(&keep).unwrap_or(0) + sums.remove(&gone).unwrap_or(0);
            if sum > 0 {
                sums.insert(keep, sum);
                self.push(d, keep, sum);
            }
        }
        if !seen.is_empty() {
            self.watchers.insert(keep, seen);
        }
    }

    fn candidate(&mut self, top: Candidate) {
        let (a, b) = (top.roots.0 as u32, top.roots.1 as u32);
        if self.blocked(a, b) {
            // Clusters only grow: this pair stays blocked.
            for (x, y) in [(a, b), (b, a)] {
                if let Some(s) = self.sums.get_mut(&x) {
                    s.remove(&y);
                }
            }
            return;
        }
        self.activate(a);
        self.activate(b);
        self.record(a, b, top.sum, top.pairs);
        let (keep, gone) = self.join(a, b);
        let gone_sums = self.sums.remove(&gone).unwrap_or_default();
        for (&o, &sum) in &gone_sums {
            if o == keep {
                continue;
            }
            if self.active[o as usize] {
                if let Some(os) = self.sums.get_mut(&o) {
                    os.remove(&gone);
                    *os.entry(keep).or_default() += sum;
                }
            } else {
                self.watchers.entry(o).or_default().push(keep);
            }
        }
        let mut sums = self.sums.remove(&keep).unwrap_or_default();
        sums.remove(&gone);
        for (o, sum) in gone_sums {
            if o != keep {
                *sums.entry(o).or_default() += sum;
            }
        }
        let pending: Vec<(u32, u64)> = sums.iter().map(|(&o, &s)| (o, s)).collect();
        self.sums.insert(keep, sums);
        for (o, sum) in pending {
            self.push(keep.min(o), keep.max(o), sum);
        }
    }

    /// Would merging put two entries of one list, or two entries an editor
    /// kept apart, into one cluster?
    fn blocked(&mut self, a: u32, b: u32) -> bool {
        let (ma, mb) = (self.members(a), self.members(b));
        let lists: rustc_hash::FxHashSet<u64> = ma.iter().map(|&m| self.g.keys[m as usize] >> 32).collect();
        if mb.iter().any(|&m| lists.contains(&(self.g.keys[m as usize] >> 32))) {
            return true;
        }
        if self.cannot.is_empty() {
            return false;
        }
        let (small, other) = if ma.len() <= mb.len() { (ma, b) } else { (mb, a) };
        small.iter().any(|m| self.cannot.get(m).is_some_and(|cs| cs.clone().into_iter().any(|c| self.find(c) == other)))
    }
}
