//! From edges to clusters: average linkage, honouring editors' must-link and
//! cannot-link constraints and the rule that one national list names
//! distinct notions.
//!
//! Editors' groups are joined first. Then the two clusters with the highest
//! average score over all pairs of their members (a pair that is no edge
//! counts 0) merge, again and again, while that average reaches
//! `min_link`; a merge that would put two entries of one list, or two
//! entries an editor kept apart, into one cluster is never made. Unlike
//! single-link chaining, a loose pair cannot glue two notions together.
//!
//! The result depends on the edges and the constraints only, not on the
//! order of the items: scores are summed as integers, averages compared as
//! fractions, and ties broken by the entries' keys. So clustering a
//! component of the graph alone (an update) gives what clustering every
//! entry gives (a rebuild).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap as HashMap;

use super::Params;
use super::score::SCALE;

/// What linkage needs of an entry: its key (the tie-break) and its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node {
    pub key: u64,
    pub sub: u64,
}

/// What linkage needs of a scored pair (node indices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub a: u32,
    pub b: u32,
    /// The score in millionths.
    pub q: u32,
    /// The same term (or the same English term): joins as a single link.
    pub same: bool,
}

pub struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        Self { parent: (0..n).collect() }
    }

    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
}

/// Editors' decisions, as item indices.
#[derive(Default)]
pub struct Constraints {
    pub together: Vec<Vec<usize>>,
    pub apart: Vec<(usize, usize)>,
}

/// The result: for each item its cluster's root.
pub struct Linked {
    pub roots: Vec<usize>,
    /// Pairs joined because an editor said so.
    pub editor: Vec<(usize, usize)>,
    /// For each item the root of its cluster after the first phase (editors'
    /// groups and same-term pairs).
    pub first: Vec<usize>,
    /// The second phase's merges, in the order they were made.
    pub merges: Vec<Merged>,
}

/// One merge of average linkage: the two clusters, each by its entry with
/// the smallest key (`a` the smaller) and its size, and their summed score
/// over their pair count (the merge's priority, with the keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merged {
    pub a: usize,
    pub b: usize,
    pub keys: (u64, u64),
    pub sizes: (u32, u32),
    pub sum: u64,
    pub pairs: u64,
}

impl Merged {
    /// Its place among candidates (see `Candidate`'s order).
    pub(super) fn priority(&self) -> Candidate {
        Candidate { sum: self.sum, pairs: self.pairs, keys: self.keys, roots: (0, 0), versions: (0, 0) }
    }
}

/// A live cluster during linkage.
struct Cluster {
    /// How many members, and the first and last of them (the members are
    /// chained through `Clusters::next`).
    size: usize,
    head: usize,
    tail: usize,
    /// The lists (submissions) of the members, sorted.
    lists: Vec<u64>,
    /// The smallest entry key: the cluster's stable name for tie-breaks,
    /// and its item.
    key: u64,
    key_item: usize,
    /// Summed quantized scores to each neighbouring cluster (by root).
    sums: HashMap<usize, u64>,
    version: u32,
}

/// The live clusters, by root (an item index).
struct Clusters {
    live: Vec<Option<Cluster>>,
    /// The member after each item in its cluster's chain (itself: the last).
    next: Vec<usize>,
}

impl Clusters {
    fn get(&self, r: &usize) -> Option<&Cluster> {
        self.live[*r].as_ref()
    }

    fn get_mut(&mut self, r: &usize) -> Option<&mut Cluster> {
        self.live[*r].as_mut()
    }

    fn remove(&mut self, r: &usize) -> Option<Cluster> {
        self.live[*r].take()
    }

    /// The members of a live cluster.
    fn members(&self, c: &Cluster) -> impl Iterator<Item = usize> + '_ {
        let mut at = Some(c.head);
        std::iter::from_fn(move || {
            let m = at?;
            at = (self.next[m] != m).then_some(self.next[m]);
            Some(m)
        })
    }
}

impl std::ops::Index<&usize> for Clusters {
    type Output = Cluster;

    fn index(&self, r: &usize) -> &Cluster {
        self.live[*r].as_ref().expect("a live root")
    }
}

/// A candidate merge in the heap.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Candidate {
    pub(super) sum: u64,
    pub(super) pairs: u64,
    /// The two clusters' keys, smaller first.
    pub(super) keys: (u64, u64),
    pub(super) roots: (usize, usize),
    pub(super) versions: (u32, u32),
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        // Higher average first (a/b vs c/d as a·d vs c·b), then smaller keys.
        (u128::from(self.sum) * u128::from(other.pairs))
            .cmp(&(u128::from(other.sum) * u128::from(self.pairs)))
            .then_with(|| other.keys.cmp(&self.keys))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

pub fn link(items: &[Node], links: &[Edge], constraints: &Constraints, params: &Params) -> Linked {
    let started = std::time::Instant::now();
    let n = items.len();
    let mut uf = UnionFind::new(n);
    let mut clusters = Clusters {
        live: (0..n)
            .map(|i| {
                Some(Cluster {
                    size: 1,
                    head: i,
                    tail: i,
                    lists: vec![items[i].sub],
                    key: items[i].key,
                    key_item: i,
                    sums: HashMap::default(),
                    version: 0,
                })
            })
            .collect(),
        next: (0..n).collect(),
    };
    let mut cannot: HashMap<usize, Vec<usize>> = HashMap::default();
    for &(a, b) in &constraints.apart {
        cannot.entry(a).or_default().push(b);
        cannot.entry(b).or_default().push(a);
    }
    // Editors' groups first, whatever the lists say.
    let mut editor = Vec::new();
    for group in &constraints.together {
        for w in group.windows(2) {
            let (ra, rb) = (uf.find(w[0]), uf.find(w[1]));
            if ra != rb {
                merge(&mut uf, &mut clusters, ra, rb);
                editor.push((w[0], w[1]));
            }
        }
    }
    // Pairs of the same term (or the same English term) whose definitions
    // are related (not false friends) join first, strongest first, as single
    // links: one term's entries gather before a near-copy definition under
    // another term can take one of them away, and two terms of one list stay
    // apart (as the list says they differ). Then average linkage over every
    // pair.
    let threshold = (params.min_link * SCALE).round() as u64;
    let (same, other): (Vec<&Edge>, Vec<&Edge>) = links.iter().partition(|l| l.same);
    let mut same = same;
    // Pairs are distinct, so the order is total (unstable sorting is safe).
    same.sort_unstable_by(|x, y| {
        y.q.cmp(&x.q).then_with(|| {
            let keys = |l: &Edge| {
                let (a, b) = (items[l.a as usize].key, items[l.b as usize].key);
                (a.min(b), a.max(b))
            };
            keys(x).cmp(&keys(y))
        })
    });
    for l in &same {
        let (ra, rb) = (uf.find(l.a as usize), uf.find(l.b as usize));
        if ra != rb && !blocked(&clusters, &cannot, &mut uf, ra, rb) {
            merge(&mut uf, &mut clusters, ra, rb);
        }
    }
    tracing::trace!(elapsed = ?started.elapsed(), "linkage: same-term pairs joined");
    let first = (0..n).map(|i| uf.find(i)).collect();
    add_sums(&mut uf, &mut clusters, &same);
    add_sums(&mut uf, &mut clusters, &other);
    tracing::trace!(elapsed = ?started.elapsed(), "linkage: sums");
    let merges = agglomerate(&mut uf, &mut clusters, &cannot, threshold);
    tracing::trace!(elapsed = ?started.elapsed(), "linkage: agglomerated");
    let roots = (0..n).map(|i| uf.find(i)).collect();
    Linked { roots, editor, first, merges }
}

fn add_sums(uf: &mut UnionFind, clusters: &mut Clusters, links: &[&Edge]) {
    for l in links {
        let (ra, rb) = (uf.find(l.a as usize), uf.find(l.b as usize));
        if ra == rb {
            continue;
        }
        *clusters.get_mut(&ra).expect("a live root").sums.entry(rb).or_default() += u64::from(l.q);
        *clusters.get_mut(&rb).expect("a live root").sums.entry(ra).or_default() += u64::from(l.q);
    }
}

/// Merges the pair of clusters with the highest average while it reaches
/// `threshold` (millionths), skipping blocked pairs.
fn agglomerate(
    uf: &mut UnionFind,
    clusters: &mut Clusters,
    cannot: &HashMap<usize, Vec<usize>>,
    threshold: u64,
) -> Vec<Merged> {
    // Only merges that reach the threshold go into the heap: the average of
    // two clusters changes only when one of them merges, and then their
    // pair is weighed again.
    let reaches = |c: &Candidate| u128::from(c.sum) >= u128::from(threshold) * u128::from(c.pairs);
    let mut heap = BinaryHeap::new();
    for (r, c) in clusters.live.iter().enumerate() {
        let Some(c) = c else { continue };
        for (&o, &sum) in &c.sums {
            if r < o {
                let cand = candidate(clusters, r, o, sum);
                if reaches(&cand) {
                    heap.push(cand);
                }
            }
        }
    }
    tracing::trace!(candidates = heap.len(), "linkage: heap");
    let mut merges = Vec::new();
    let mut pushed = 0usize;
    while let Some(top) = heap.pop() {
        let (ra, rb) = top.roots;
        let live = |r: usize, v: u32| clusters.get(&r).is_some_and(|c| c.version == v);
        if !live(ra, top.versions.0) || !live(rb, top.versions.1) {
            continue;
        }
        // Below the threshold: so is everything after it.
        if u128::from(top.sum) < u128::from(threshold) * u128::from(top.pairs) {
            break;
        }
        if blocked(clusters, cannot, uf, ra, rb) {
            // Clusters only grow: this pair stays blocked. Forget it.
            for (x, y) in [(ra, rb), (rb, ra)] {
                if let Some(c) = clusters.get_mut(&x) {
                    c.sums.remove(&y);
                }
            }
            continue;
        }
        merges.push(merged(clusters, &top));
        let root = merge(uf, clusters, ra, rb);
        // The merged cluster's pairs have new sums and sizes; the others keep theirs.
        let sums: Vec<(usize, u64)> = clusters[&root].sums.iter().map(|(k, v)| (*k, *v)).collect();
        for (o, sum) in sums {
            let cand = candidate(clusters, root.min(o), root.max(o), sum);
            pushed += 1;
            if reaches(&cand) {
                heap.push(cand);
            }
        }
    }
    tracing::trace!(merges = merges.len(), pushed, "linkage: merges");
    merges
}

/// The record of a merge about to be made.
fn merged(clusters: &Clusters, top: &Candidate) -> Merged {
    let (ca, cb) = (&clusters[&top.roots.0], &clusters[&top.roots.1]);
    let (ca, cb) = if ca.key <= cb.key { (ca, cb) } else { (cb, ca) };
    Merged {
        a: ca.key_item,
        b: cb.key_item,
        keys: (ca.key, cb.key),
        sizes: (ca.size as u32, cb.size as u32),
        sum: top.sum,
        pairs: top.pairs,
    }
}

fn candidate(clusters: &Clusters, a: usize, b: usize, sum: u64) -> Candidate {
    let (ca, cb) = (&clusters[&a], &clusters[&b]);
    let pairs = (ca.size * cb.size) as u64;
    Candidate {
        sum,
        pairs,
        keys: (ca.key.min(cb.key), ca.key.max(cb.key)),
        roots: (a, b),
        versions: (ca.version, cb.version),
    }
}

/// Would merging `a` and `b` put two entries of one list, or two entries an
/// editor kept apart, into one cluster?
fn blocked(clusters: &Clusters, cannot: &HashMap<usize, Vec<usize>>, uf: &mut UnionFind, a: usize, b: usize) -> bool {
    let (ca, cb) = (&clusters[&a], &clusters[&b]);
    if ca.lists.iter().any(|s| cb.lists.binary_search(s).is_ok()) {
        return true;
    }
    if cannot.is_empty() {
        return false;
    }
    let (small, other) = if ca.size <= cb.size { (ca, b) } else { (cb, a) };
    let members: Vec<usize> = clusters.members(small).collect();
    members.iter().any(|m| cannot.get(m).is_some_and(|cs| cs.iter().any(|c| uf.find(*c) == other)))
}

/// Merges two live clusters; returns the surviving root.
fn merge(uf: &mut UnionFind, clusters: &mut Clusters, a: usize, b: usize) -> usize {
    let (mut keep, mut gone) = (a, b);
    if clusters[&keep].size < clusters[&gone].size {
        std::mem::swap(&mut keep, &mut gone);
    }
    let g = clusters.remove(&gone).expect("a live root");
    uf.parent[gone] = keep;
    // Every neighbour of the one that goes now neighbours the one that stays.
    for &o in g.sums.keys() {
        if o == keep {
            continue;
        }
        if let Some(c) = clusters.get_mut(&o) {
            let s = c.sums.remove(&gone).unwrap_or(0);
            *c.sums.entry(keep).or_default() += s;
        }
    }
    let k = clusters.get_mut(&keep).expect("a live root");
    k.sums.remove(&gone);
    for (o, sum) in g.sums {
        if o != keep {
            *k.sums.entry(o).or_default() += sum;
        }
    }
    let last = k.tail;
    k.size += g.size;
    k.tail = g.tail;
    k.lists.extend(g.lists);
    k.lists.sort_unstable();
    k.lists.dedup();
    if g.key < k.key {
        k.key = g.key;
        k.key_item = g.key_item;
    }
    k.version += 1;
    clusters.next[last] = g.head;
    keep
}

/// Groups item indices by root, each group sorted.
pub fn groups(roots: &[usize]) -> Vec<Vec<usize>> {
    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::default();
    for (i, r) in roots.iter().enumerate() {
        by_root.entry(*r).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = by_root.into_values().collect();
    for g in &mut out {
        g.sort_unstable();
    }
    out.sort_unstable();
    out
}
