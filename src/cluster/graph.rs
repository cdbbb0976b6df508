//! The stored clustering as a graph in memory, so that an update or an
//! editor's decision re-clusters the part of the graph it reaches without
//! reading that part back from the store, computing its entries' features
//! or scoring its pairs again.
//!
//! The graph holds what linkage needs and nothing more: each entry's key,
//! State and cluster, and each scored pair (both directions) with its
//! quantized score and whether it is a same-term pair. Scores are pure (a
//! pair's score depends on its two entries only), so a pair scored once
//! stays right. A rebuild fills the graph from its own run; otherwise the
//! first update or decision reads it from the stored clusters (their pairs,
//! scored again once). Either way linkage then runs once over the whole
//! graph in memory, for its log (see `replay`). The graph is kept only
//! while it matches the store: the store counts its cluster writes, and a
//! graph whose count is behind is read again.
//!
//! An update (see [`apply`]) changes the graph (entries arrive with their
//! pairs from blocking, replaced entries leave with theirs), runs the first
//! phase of linkage again on the units of the entries it touched, replays
//! the last run's merges where nothing changed and merges afresh where
//! something did (`replay`), and writes only the clusters that differ from
//! the stored ones; each written cluster's pair records come from the
//! stored records of its members' former clusters, and from blocking for
//! the new pairs.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::features::{self, Item};
use super::linkage::{self, Edge, Node};
use super::score::{self, Link, SCALE};
use super::{Params, Stats, current_items, editor_record, link_record, resolve_constraints};
use crate::domain::EntryId;
use crate::error::Result;
use crate::index::SearchIndex;
use crate::store::clusters::{ClusterRecord, LinkRecord};
use crate::store::{Store, parse_entry_id};

mod replay;
use replay::Log;

/// The flag of a same-term pair in an adjacency weight.
const SAME: u32 = 1 << 31;
/// No cluster.
const NONE: u32 = u32::MAX;
/// A freed node.
const FREE: u64 = u64::MAX;

/// The clustering graph kept between runs. The service keeps one behind its
/// clustering lock; empty until a rebuild fills it or an update reads it.
#[derive(Default)]
pub struct Cache {
    graph: Option<Graph>,
}

impl Cache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets the graph: the next update reads it from the store.
    pub fn clear(&mut self) {
        self.graph = None;
    }

    /// The graph, read from the store when there is none or it is behind.
    fn graph(&mut self, store: &Store, index: &SearchIndex, params: &Params) -> Result<&mut Graph> {
        let graph = match self.graph.take() {
            Some(g) if g.stamp == store.cluster_writes() => g,
            _ => Graph::load(store, index, params)?,
        };
        Ok(self.graph.insert(graph))
    }

    /// Keeps the graph of a rebuild's run (linked again in memory for its
    /// log: see `replay`).
    pub(super) fn keep(&mut self, mut graph: Graph, store: &Store, params: &Params) -> Result<()> {
        graph.settle(store, params)?;
        self.graph = Some(graph);
        Ok(())
    }
}

struct Slot {
    id: String,
    members: Vec<u32>,
}

pub(super) struct Graph {
    /// `Store::cluster_writes` when the graph last matched the store.
    stamp: u64,
    node_of: HashMap<u64, u32>,
    /// Each node's entry key (`FREE` once it left).
    keys: Vec<u64>,
    /// Each node's State (an index into `states`).
    state: Vec<u16>,
    states: Vec<String>,
    /// Each node's pairs: the other node, the score in millionths (`SAME`
    /// set for a same-term pair).
    adj: Vec<Vec<(u32, u32)>>,
    /// Each node's cluster (a slot), or `NONE`.
    cluster: Vec<u32>,
    slots: Vec<Slot>,
    slot_of: HashMap<String, u32>,
    free_nodes: Vec<u32>,
    free_slots: Vec<u32>,
    /// Members of stored clusters that are no longer current entries, and
    /// their clusters (found when the graph was read): they leave their
    /// clusters at the next write. An empty member: the cluster only has a
    /// pair with such an entry, and is written again without it.
    stale: Vec<(String, String)>,
    /// Nodes whose clusters differ from what linkage gives (found when the
    /// graph was read): clustered again at the next write.
    unsettled: Vec<u32>,
    /// The last linkage run on the graph, for the next to start from.
    log: Option<Log>,
}

fn entry_id(key: u64) -> String {
    EntryId::new(key >> 32, key as u32).to_string()
}

fn key_of(id: &str) -> Option<u64> {
    parse_entry_id(id).map(|(s, o)| (s << 32) | u64::from(o))
}

fn weight(link: &Link) -> u32 {
    let q = link.q.min(u64::from(SAME - 1)) as u32;
    if link.kind.is_same_term() { q | SAME } else { q }
}

impl Graph {
    fn empty(stamp: u64) -> Self {
        Self {
            stamp,
            node_of: HashMap::default(),
            keys: Vec::new(),
            state: Vec::new(),
            states: Vec::new(),
            adj: Vec::new(),
            cluster: Vec::new(),
            slots: Vec::new(),
            slot_of: HashMap::default(),
            free_nodes: Vec::new(),
            free_slots: Vec::new(),
            stale: Vec::new(),
            unsettled: Vec::new(),
            log: None,
        }
    }

    /// The graph of a run: its items, their scored pairs, the clusters.
    pub(super) fn of_run(stamp: u64, items: &[Item], links: &[Link], records: &[ClusterRecord]) -> Self {
        let mut g = Self::empty(stamp);
        for it in items {
            g.node(it.key(), &it.state);
        }
        for l in links {
            g.add_pair(l.a as u32, l.b as u32, weight(l));
        }
        let by_id: HashMap<&str, u32> = items.iter().enumerate().map(|(i, it)| (it.id.as_str(), i as u32)).collect();
        for r in records {
            let members: Vec<u32> = r.members.iter().filter_map(|m| by_id.get(m.as_str()).copied()).collect();
            g.set_cluster(&r.id, members);
        }
        g
    }

    /// Reads the graph from the stored clusters: their members that are
    /// current entries, and their pairs, scored again.
    fn load(store: &Store, index: &SearchIndex, params: &Params) -> Result<Self> {
        let started = std::time::Instant::now();
        let stamp = store.cluster_writes();
        let records: Vec<ClusterRecord> = store.clusters().collect::<Result<_>>()?;
        let mut vocab = features::Vocabulary::new(index, params);
        let items = current_items(store, index, &mut vocab)?;
        let by_id: HashMap<&str, usize> = items.iter().enumerate().map(|(i, it)| (it.id.as_str(), i)).collect();
        let mut pairs: HashSet<(usize, usize)> = HashSet::default();
        let mut stale = Vec::new();
        for r in &records {
            let mut gone = false;
            for l in r.links.iter().chain(&r.near) {
                match (by_id.get(l.a.as_str()), by_id.get(l.b.as_str())) {
                    (Some(&i), Some(&j)) if l.reason != "editor" => {
                        pairs.insert((i.min(j), i.max(j)));
                    }
                    (Some(_), Some(_)) => {}
                    _ => gone = true,
                }
            }
            // A pair with an entry that is no longer current: the record
            // is written again without it.
            if gone {
                stale.push((String::new(), r.id.clone()));
            }
            for m in &r.members {
                if !by_id.contains_key(m.as_str()) {
                    stale.push((m.clone(), r.id.clone()));
                }
            }
        }
        let pairs: Vec<(usize, usize)> = pairs.into_iter().collect();
        let scored = crate::parallel::chunks(&pairs, |part| -> Vec<Link> {
            part.iter().filter_map(|&(i, j)| score::score(&items, i, j, params)).collect()
        })?;
        let links: Vec<Link> = scored.into_iter().flatten().collect();
        // Only the clustered entries are nodes (the others come in as an
        // update's neighbours).
        let mut g = Self::of_run(stamp, &items, &links, &records);
        for i in 0..items.len() {
            if g.cluster[i] == NONE && g.adj[i].is_empty() {
                g.remove(i as u32, &mut HashSet::default());
            }
        }
        g.stale = stale;
        g.settle(store, params)?;
        tracing::debug!(entries = items.len(), pairs = links.len(), elapsed = ?started.elapsed(), "clustering graph: read");
        Ok(g)
    }

    /// Links the whole graph: the log for the runs that follow. A cluster
    /// that differs from what linkage gives is clustered again at the next
    /// write (a store written by an earlier version, say).
    pub(super) fn settle(&mut self, store: &Store, params: &Params) -> Result<()> {
        let started = std::time::Instant::now();
        let (constraints, _) = resolve_constraints(store, &|k| self.node_of.get(&k).map(|&n| n as usize))?;
        let (log, roots) = self.relink(&constraints, params);
        let mut by_root: HashMap<u32, Vec<u32>> = HashMap::default();
        for (n, &r) in roots.iter().enumerate() {
            if self.keys[n] != FREE {
                by_root.entry(r).or_default().push(n as u32);
            }
        }
        for members in by_root.into_values() {
            let slot = self.cluster[members[0] as usize];
            let same = slot != NONE
                && self.slots[slot as usize].members.len() == members.len()
                && members.iter().all(|&n| self.cluster[n as usize] == slot);
            if !same {
                self.unsettled.extend(members);
            }
        }
        self.log = Some(log);
        tracing::debug!(merges = self.log.as_ref().map_or(0, |l| l.merges.len()), unsettled = self.unsettled.len(), elapsed = ?started.elapsed(), "clustering graph: linked whole");
        Ok(())
    }

    /// Linkage over the whole graph: its log, and each node's root.
    fn relink(&self, constraints: &linkage::Constraints, params: &Params) -> (Log, Vec<u32>) {
        let nodes: Vec<Node> = self.keys.iter().map(|&k| Node { key: k, sub: k >> 32 }).collect();
        let mut edges = Vec::new();
        for (a, adj) in self.adj.iter().enumerate() {
            for &(b, w) in adj {
                if (a as u32) < b {
                    edges.push(Edge { a: a as u32, b, q: w & !SAME, same: w & SAME != 0 });
                }
            }
        }
        let linked = linkage::link(&nodes, &edges, constraints, params);
        let log = Log {
            threshold: (params.min_link * SCALE).round() as u64,
            first: linked.first.iter().map(|&r| r as u32).collect(),
            merges: linked.merges,
        };
        (log, linked.roots.iter().map(|&r| r as u32).collect())
    }

    /// The node of an entry, made if new.
    fn node(&mut self, key: u64, state: &str) -> u32 {
        if let Some(&n) = self.node_of.get(&key) {
            return n;
        }
        let s = match self.states.iter().position(|x| x == state) {
            Some(s) => s as u16,
            None => {
                self.states.push(state.to_owned());
                (self.states.len() - 1) as u16
            }
        };
        let n = match self.free_nodes.pop() {
            Some(n) => {
                let i = n as usize;
                self.keys[i] = key;
                self.state[i] = s;
                self.cluster[i] = NONE;
                n
            }
            None => {
                self.keys.push(key);
                self.state.push(s);
                self.adj.push(Vec::new());
                self.cluster.push(NONE);
                (self.keys.len() - 1) as u32
            }
        };
        self.node_of.insert(key, n);
        n
    }

    /// Adds a pair (once); whether it is new.
    fn add_pair(&mut self, a: u32, b: u32, w: u32) -> bool {
        if a == b || self.adj[a as usize].iter().any(|(o, _)| *o == b) {
            return false;
        }
        self.adj[a as usize].push((b, w));
        self.adj[b as usize].push((a, w));
        true
    }

    /// Removes a node with its pairs and its place in its cluster; the nodes
    /// it was paired with go into `touched`.
    fn remove(&mut self, n: u32, touched: &mut HashSet<u32>) {
        let i = n as usize;
        for (o, _) in std::mem::take(&mut self.adj[i]) {
            self.adj[o as usize].retain(|(x, _)| *x != n);
            touched.insert(o);
        }
        let c = self.cluster[i];
        if c != NONE {
            self.slots[c as usize].members.retain(|m| *m != n);
        }
        self.cluster[i] = NONE;
        self.node_of.remove(&self.keys[i]);
        self.keys[i] = FREE;
        self.free_nodes.push(n);
    }

    /// Makes `members` the cluster `id` (which need not exist yet).
    fn set_cluster(&mut self, id: &str, members: Vec<u32>) {
        let slot = match self.slot_of.get(id) {
            Some(&s) => s,
            None => {
                let s = match self.free_slots.pop() {
                    Some(s) => {
                        self.slots[s as usize] = Slot { id: id.to_owned(), members: Vec::new() };
                        s
                    }
                    None => {
                        self.slots.push(Slot { id: id.to_owned(), members: Vec::new() });
                        (self.slots.len() - 1) as u32
                    }
                };
                self.slot_of.insert(id.to_owned(), s);
                s
            }
        };
        for &m in &members {
            self.cluster[m as usize] = slot;
        }
        self.slots[slot as usize].members = members;
    }

    fn drop_cluster(&mut self, id: &str) {
        if let Some(s) = self.slot_of.remove(id) {
            for m in std::mem::take(&mut self.slots[s as usize].members) {
                if self.cluster[m as usize] == s {
                    self.cluster[m as usize] = NONE;
                }
            }
            self.slots[s as usize].id.clear();
            self.free_slots.push(s);
        }
    }

    fn cluster_id(&self, n: u32) -> Option<&str> {
        let c = self.cluster[n as usize];
        (c != NONE).then(|| self.slots[c as usize].id.as_str())
    }
}

/// What a run changes: entries that arrive (with the pairs blocking found
/// for them) and entries that leave, and where re-clustering starts.
pub(super) struct Change {
    /// The arriving entries and their neighbours: what `links` index.
    pub items: Vec<Item>,
    /// The new pairs (indices into `items`).
    pub links: Vec<Link>,
    /// Indices into `items` of the entries that become nodes.
    pub arriving: Vec<usize>,
    /// Entry ids that leave every cluster.
    pub leaving: Vec<String>,
    /// Clusters to re-cluster whatever else happens.
    pub seeds: Vec<String>,
    /// Entries whose cluster is re-clustered (and rewritten) in any case.
    pub named: Vec<String>,
}

/// What a run wrote.
pub(super) struct Applied {
    pub written: Vec<ClusterRecord>,
    pub stats: Stats,
}

/// Applies `change` to the stored clustering through the cache's graph (see
/// the module comment). On any error the graph is forgotten, so the next
/// run reads it again from the store.
pub(super) fn apply(
    cache: &mut Cache,
    store: &Store,
    index: &SearchIndex,
    vocab: &mut features::Vocabulary,
    params: &Params,
    change: Change,
) -> Result<Applied> {
    let started = std::time::Instant::now();
    let out = run(cache, store, index, vocab, params, change, started);
    if out.is_err() {
        cache.clear();
    }
    out
}

fn run(
    cache: &mut Cache,
    store: &Store,
    index: &SearchIndex,
    vocab: &mut features::Vocabulary,
    params: &Params,
    change: Change,
    started: std::time::Instant,
) -> Result<Applied> {
    let g = cache.graph(store, index, params)?;
    tracing::debug!(elapsed = ?started.elapsed(), "clustering graph: ready");
    let threshold = (params.min_link * SCALE).round() as u32;
    let mut seeds: BTreeSet<String> = change.seeds.iter().cloned().collect();
    // Seeds whose members are all clustered again (a leaving entry's cluster
    // is not among them: the merges that made it no longer replay, and
    // linkage weighs its other members afresh from there).
    let mut whole: BTreeSet<String> = seeds.clone();
    // Clusters whose records must be written again whatever linkage gives.
    let mut dirty: HashSet<String> = HashSet::default();
    // Nodes whose clusters' records change (their pairs did).
    let mut touched: HashSet<u32> = HashSet::default();
    // Where linkage may differ: these entries' units run their first phase again.
    let mut starts: Vec<u32> = Vec::new();
    // Leaving: replaced entries, and members left behind (not current).
    let mut unassigned: Vec<String> = change.leaving.clone();
    for (m, c) in std::mem::take(&mut g.stale) {
        seeds.insert(c.clone());
        whole.insert(c.clone());
        dirty.insert(c);
        if !m.is_empty() {
            unassigned.push(m);
        }
    }
    // The first-phase clusters of leaving entries: their units may split.
    let mut gone_first: HashSet<u32> = HashSet::default();
    for id in &unassigned {
        if let Some(&n) = key_of(id).and_then(|k| g.node_of.get(&k)) {
            if let Some(f) = g.log.as_ref().and_then(|l| l.first.get(n as usize)) {
                gone_first.insert(*f);
            }
            if let Some(c) = g.cluster_id(n) {
                seeds.insert(c.to_owned());
                dirty.insert(c.to_owned());
            }
            // Its same-term partners' units may split; a record holds a pair
            // with its newer entry, so only newer partners' records change
            // (its own cluster's is written again in any case).
            let key = g.keys[n as usize];
            for &(o, w) in &g.adj[n as usize] {
                if w & SAME != 0 {
                    starts.push(o);
                }
                if g.keys[o as usize] > key {
                    touched.insert(o);
                }
            }
            g.remove(n, &mut HashSet::default());
        }
    }
    if let Some(log) = g.log.as_ref().filter(|_| !gone_first.is_empty()) {
        for (m, f) in log.first.iter().enumerate() {
            if gone_first.contains(f) && g.keys[m] != FREE {
                starts.push(m as u32);
            }
        }
    }
    // Arriving, with their pairs. Linkage may differ where the units of
    // `starts` are: their first phase is run again.
    let mut item_node: Vec<Option<u32>> = change.items.iter().map(|it| g.node_of.get(&it.key()).copied()).collect();
    let mut arriving: HashSet<u32> = HashSet::default();
    for &i in &change.arriving {
        let it = &change.items[i];
        let placed = item_node[i].is_some_and(|n| g.cluster[n as usize] != NONE);
        let n = g.node(it.key(), &it.state);
        item_node[i] = Some(n);
        arriving.insert(n);
        if !placed {
            starts.push(n);
            touched.insert(n);
        }
    }
    let mut fresh_pairs: HashMap<(u64, u64), usize> = HashMap::default();
    for (k, l) in change.links.iter().enumerate() {
        let mut end = |i: usize, g: &mut Graph| -> u32 {
            *item_node[i].get_or_insert_with(|| g.node(change.items[i].key(), &change.items[i].state))
        };
        let (a, b) = (end(l.a, g), end(l.b, g));
        let w = weight(l);
        let (ka, kb) = (change.items[l.a].key(), change.items[l.b].key());
        // The newer entry's cluster keeps the pair (see `to_records`); a
        // pair the graph has (the same update again) changes nothing.
        if g.add_pair(a, b, w) {
            touched.insert(if ka > kb { a } else { b });
            // It changes its arriving end (a pair between two entries
            // already there: both).
            let ends: Vec<u32> = [a, b].into_iter().filter(|n| arriving.contains(n)).collect();
            starts.extend(if ends.is_empty() { vec![a, b] } else { ends });
        }
        for n in [a, b] {
            if g.cluster[n as usize] == NONE {
                starts.push(n);
            }
        }
        fresh_pairs.insert((ka.min(kb), ka.max(kb)), k);
    }
    for id in &change.named {
        if let Some(&n) = key_of(id).and_then(|k| g.node_of.get(&k)) {
            starts.push(n);
            touched.insert(n);
        }
    }
    starts.append(&mut g.unsettled);

    // Nothing changed (the same update again): the stored clusters stand.
    if touched.is_empty() && dirty.is_empty() && unassigned.is_empty() && seeds.is_empty() && starts.is_empty() {
        g.stamp = store.cluster_writes();
        return Ok(Applied {
            written: Vec::new(),
            stats: Stats { millis: started.elapsed().as_millis(), ..Stats::default() },
        });
    }
    // Editors' decisions, as nodes (read once).
    let (node_constraints, node_named) = resolve_constraints(store, &|k| g.node_of.get(&k).map(|&n| n as usize))?;
    let mut visited: Vec<u32> = Vec::new();
    for s in &seeds {
        if let Some(&slot) = g.slot_of.get(s) {
            if whole.contains(s) {
                starts.extend(g.slots[slot as usize].members.iter().copied());
            }
            visited.push(slot);
        }
    }
    // Linkage again: the changed entries' units' first phase, then the
    // second phase from the log (see `replay`).
    let log = match g.log.take() {
        Some(log) if log.threshold == u64::from(threshold) => log,
        _ => g.relink(&node_constraints, params).0,
    };
    let mut first = log.first.clone();
    first.extend(first.len() as u32..g.keys.len() as u32);
    for (n, f) in first.iter_mut().enumerate() {
        if g.keys[n] == FREE {
            *f = n as u32;
        }
    }
    let mut units = Units::new(&node_constraints, params);
    let mut first_dirty: Vec<u32> = Vec::new();
    for n in starts {
        if g.keys[n as usize] != FREE {
            units.first_phase(g, n, &mut first, &mut first_dirty);
        }
    }
    let mut cannot: HashMap<u32, Vec<u32>> = HashMap::default();
    for &(a, b) in &node_constraints.apart {
        cannot.entry(a as u32).or_default().push(b as u32);
        cannot.entry(b as u32).or_default().push(a as u32);
    }
    let replayed = replay::replay(g, &log, &first, &first_dirty, &cannot);
    g.log = Some(Log { threshold: log.threshold, first, merges: replayed.merges });
    let root = replayed.root;
    // The region: the clusters linkage made anew.
    let mut in_region = vec![false; g.keys.len()];
    let mut region: Vec<u32> = Vec::new();
    for (n, &r) in root.iter().enumerate() {
        if replayed.active[r as usize] && g.keys[n] != FREE {
            in_region[n] = true;
            region.push(n as u32);
            let c = g.cluster[n];
            if c != NONE {
                visited.push(c);
            }
        }
    }
    visited.sort_unstable();
    visited.dedup();
    region.sort_unstable_by_key(|&n| g.keys[n as usize]);
    let edges = region.iter().map(|&n| g.adj[n as usize].len()).sum::<usize>() / 2;
    tracing::debug!(entries = region.len(), pairs = edges, elapsed = ?started.elapsed(), "clustering graph: linked");
    let editor_pairs = editor_pairs(&node_constraints);

    // The clusters that differ from the stored ones.
    let mut by_root: HashMap<u32, Vec<u32>> = HashMap::default();
    for &n in &region {
        // `region` is in key order, so each group is too.
        by_root.entry(root[n as usize]).or_default().push(n);
    }
    let mut groups: Vec<Vec<u32>> = by_root.into_values().collect();
    groups.sort_unstable_by_key(|m| g.keys[m[0] as usize]);
    let constrained: HashSet<u32> = node_named.iter().map(|&n| n as u32).collect();
    let mut new_ids: HashSet<String> = HashSet::default();
    let mut kept: HashSet<u32> = HashSet::default();
    let mut changed: Vec<(String, Vec<u32>)> = Vec::new();
    for members in groups {
        // The same members as a stored cluster (whose id, its first
        // member's, is then the same too)?
        let slot = g.cluster[members[0] as usize];
        let same = slot != NONE
            && g.slots[slot as usize].members.len() == members.len()
            && members.iter().all(|&n| g.cluster[n as usize] == slot);
        let quiet = members.iter().all(|&n| !touched.contains(&n) && !constrained.contains(&n));
        if same && quiet && !dirty.contains(&g.slots[slot as usize].id) {
            kept.insert(slot);
            continue;
        }
        let id = format!("c{}", entry_id(g.keys[members[0] as usize]));
        new_ids.insert(id.clone());
        changed.push((id, members));
    }
    // Clusters outside the region whose pairs changed: the same members,
    // new records.
    let mut outside: BTreeSet<u32> = BTreeSet::new();
    for &n in &touched {
        let c = g.cluster[n as usize];
        if !in_region[n as usize] && c != NONE {
            outside.insert(c);
        }
    }
    for c in outside {
        let mut members = g.slots[c as usize].members.clone();
        members.sort_unstable_by_key(|&n| g.keys[n as usize]);
        changed.push((g.slots[c as usize].id.clone(), members));
    }
    let removed: Vec<String> = visited
        .iter()
        .filter(|s| !kept.contains(*s))
        .map(|&s| g.slots[s as usize].id.clone())
        .filter(|id| !id.is_empty() && !new_ids.contains(id))
        .collect();

    // Their records: the stored pair records of the members' former
    // clusters, the new pairs' records, and editors' pairs.
    let mut former: BTreeSet<String> = BTreeSet::new();
    for (_, members) in &changed {
        for &m in members {
            if let Some(c) = g.cluster_id(m) {
                former.insert(c.to_owned());
            }
        }
    }
    // Kept as their JSON text, written back as read (only the pair is parsed).
    let mut stored: HashMap<(u64, u64), RawLink> = HashMap::default();
    let mut stored_editor: HashMap<(u64, u64), RawLink> = HashMap::default();
    let former: Vec<String> = former.into_iter().collect();
    // Dealt out by size (a record holds its members' pairs: about the
    // square of their number), so the threads finish together.
    let size =
        |id: &String| -> u64 { g.slot_of.get(id).map_or(1, |&s| g.slots[s as usize].members.len() as u64).pow(2) };
    let read = crate::parallel::dealt(&former, size, |part| -> Result<Vec<(bool, RawLink)>> {
        let mut out = Vec::new();
        for id in part {
            if let Some(bytes) = store.cluster_bytes(id)? {
                raw_links(&bytes, &mut out)?;
            }
        }
        Ok(out)
    })?;
    for part in read {
        for (editor, l) in part? {
            let (a, b) = l.ends;
            let into = if editor { &mut stored_editor } else { &mut stored };
            into.insert((a.min(b), a.max(b)), l);
        }
    }
    tracing::debug!(records = former.len(), elapsed = ?started.elapsed(), "clustering graph: former records read");
    let mut on_demand: HashMap<u64, Item> = HashMap::default();
    let mut editor: HashMap<u32, Vec<(u32, u32)>> = HashMap::default();
    for &(a, b) in &editor_pairs {
        editor.entry(a).or_default().push((a, b));
    }
    let mut records = Vec::with_capacity(changed.len());
    for (id, members) in &changed {
        let in_group: HashSet<u32> = members.iter().copied().collect();
        let mut links = Vec::new();
        let mut near = Vec::new();
        let mut joined: HashSet<(u64, u64)> = HashSet::default();
        for &m in members {
            for &(o, _) in &g.adj[m as usize] {
                let (ka, kb) = (g.keys[m as usize], g.keys[o as usize]);
                let pair = (ka.min(kb), ka.max(kb));
                let inner = in_group.contains(&o);
                if inner {
                    joined.insert(pair);
                }
                // An inner pair once; a pair to another cluster with its
                // newer entry.
                if (inner && ka > kb) || (!inner && ka < kb) {
                    continue;
                }
                let record = match fresh_pairs.get(&pair) {
                    Some(&k) => OutLink::New(link_record(&change.items, &change.links[k], vocab)),
                    // Each record is used once (a pair belongs to one cluster).
                    None => match stored.remove(&pair) {
                        Some(r) => OutLink::Raw(r),
                        None => OutLink::New(scored_record(
                            store,
                            index,
                            vocab,
                            params,
                            &change.items,
                            &mut on_demand,
                            pair,
                        )?),
                    },
                };
                if inner { links.push(record) } else { near.push(record) }
            }
        }
        // Editors' pairs (in the order linkage joins them).
        let joins: Vec<(u32, u32)> =
            members.iter().flat_map(|m| editor.get(m).into_iter().flatten().copied()).collect();
        for (a, b) in joins {
            let (ka, kb) = (g.keys[a as usize], g.keys[b as usize]);
            let pair = (ka.min(kb), ka.max(kb));
            if joined.contains(&pair) || !in_group.contains(&b) {
                continue;
            }
            if let Some(r) = stored_editor.remove(&pair) {
                links.push(OutLink::Raw(r));
                continue;
            }
            let (x, y) = (
                item_on_demand(store, index, vocab, &change.items, &mut on_demand, pair.0)?,
                item_on_demand(store, index, vocab, &change.items, &mut on_demand, pair.1)?,
            );
            if let (Some(x), Some(y)) = (x, y) {
                links.push(OutLink::New(editor_record(&x, &y, params, vocab)));
            }
        }
        // In `order_links`'s order (an entry id's order is its key's).
        links.sort_by_cached_key(OutLink::ends);
        near.sort_by_cached_key(OutLink::ends);
        let states: BTreeSet<String> =
            members.iter().map(|&m| g.states[g.state[m as usize] as usize].clone()).collect();
        records.push(Built {
            id: id.clone(),
            members: members.iter().map(|&m| entry_id(g.keys[m as usize])).collect(),
            states: states.into_iter().collect(),
            links,
            near,
        });
    }
    tracing::debug!(written = records.len(), removed = removed.len(), elapsed = ?started.elapsed(), "clustering graph: records");

    // Only the entries whose cluster changes are mapped anew.
    let mut moved: Vec<(&str, &str)> = Vec::new();
    for (r, (_, members)) in records.iter().zip(&changed) {
        for (id, &m) in r.members.iter().zip(members) {
            if g.cluster_id(m) != Some(r.id.as_str()) {
                moved.push((id.as_str(), r.id.as_str()));
            }
        }
    }
    let all: Vec<&Built> = records.iter().collect();
    let encoded: Vec<(&str, Vec<u8>)> = crate::parallel::dealt(
        &all,
        |r| (r.links.len() + r.near.len()) as u64,
        |part| part.iter().map(|r| Ok((r.id.as_str(), r.encode()?))).collect::<Result<Vec<_>>>(),
    )?
    .into_iter()
    .collect::<Result<Vec<_>>>()?
    .into_iter()
    .flatten()
    .collect();
    store.rewrite_encoded_clusters(&encoded, &moved, &removed, &unassigned)?;
    tracing::debug!(moved = moved.len(), elapsed = ?started.elapsed(), "clustering graph: written");
    store.flush()?;
    for id in &removed {
        g.drop_cluster(id);
    }
    for (id, members) in changed {
        g.set_cluster(&id, members);
    }
    g.stamp = store.cluster_writes();
    let multi = records.iter().filter(|r| r.states.len() >= 2).count();
    let stats = Stats {
        entries: region.len(),
        clusters: records.len(),
        multi_state_clusters: multi,
        links: records.iter().map(|r| r.links.len()).sum(),
        millis: started.elapsed().as_millis(),
    };
    // The clusters that hold a named entry, as stored, for the caller.
    let named: HashSet<&str> = change.named.iter().map(String::as_str).collect();
    let mut written = Vec::new();
    if !named.is_empty() {
        for (id, bytes) in &encoded {
            if records.iter().any(|r| r.id == *id && r.members.iter().any(|m| named.contains(m.as_str()))) {
                written.push(crate::store::decode::<ClusterRecord>(bytes)?);
            }
        }
    }
    Ok(Applied { written, stats })
}

/// A stored pair record as its JSON text, with its entries' keys in the
/// record's order.
struct RawLink {
    ends: (u64, u64),
    text: Box<serde_json::value::RawValue>,
}

/// A pair record to write: as it was stored, or made in this run.
enum OutLink {
    Raw(RawLink),
    New(LinkRecord),
}

impl OutLink {
    fn ends(&self) -> (u64, u64) {
        match self {
            OutLink::Raw(r) => r.ends,
            OutLink::New(l) => (key_of(&l.a).unwrap_or(0), key_of(&l.b).unwrap_or(0)),
        }
    }
}

/// A cluster record to write (a `ClusterRecord` once encoded).
struct Built {
    id: String,
    members: Vec<String>,
    states: Vec<String>,
    links: Vec<OutLink>,
    near: Vec<OutLink>,
}

impl Built {
    /// The JSON of the `ClusterRecord` it stands for.
    fn encode(&self) -> Result<Vec<u8>> {
        fn list(out: &mut Vec<u8>, name: &str, links: &[OutLink]) -> Result<()> {
            out.extend_from_slice(format!(",\"{name}\":[").as_bytes());
            for (i, l) in links.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                match l {
                    OutLink::Raw(r) => out.extend_from_slice(r.text.get().as_bytes()),
                    OutLink::New(l) => serde_json::to_writer(&mut *out, l)?,
                }
            }
            out.push(b']');
            Ok(())
        }
        let mut out = Vec::with_capacity(64 + 200 * (self.links.len() + self.near.len()));
        out.extend_from_slice(b"{\"v\":1,\"id\":");
        serde_json::to_writer(&mut out, &self.id)?;
        out.extend_from_slice(b",\"members\":");
        serde_json::to_writer(&mut out, &self.members)?;
        out.extend_from_slice(b",\"states\":");
        serde_json::to_writer(&mut out, &self.states)?;
        list(&mut out, "links", &self.links)?;
        if !self.near.is_empty() {
            list(&mut out, "near", &self.near)?;
        }
        out.push(b'}');
        Ok(out)
    }
}

/// The pair records of a stored cluster record, each as its JSON text with
/// its pair (and whether an editor made it); the rest is not parsed.
fn raw_links(bytes: &[u8], out: &mut Vec<(bool, RawLink)>) -> Result<()> {
    use serde_json::value::RawValue;
    use std::borrow::Cow;
    #[derive(serde::Deserialize)]
    struct Record<'a> {
        #[serde(borrow)]
        links: Vec<&'a RawValue>,
        #[serde(borrow, default)]
        near: Vec<&'a RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct Ends<'a> {
        #[serde(borrow)]
        a: Cow<'a, str>,
        #[serde(borrow)]
        b: Cow<'a, str>,
        #[serde(borrow)]
        reason: Cow<'a, str>,
    }
    let corrupt = |e: serde_json::Error| crate::error::Error::Corrupt(e.to_string());
    let record: Record = serde_json::from_slice(bytes).map_err(corrupt)?;
    for raw in record.links.into_iter().chain(record.near) {
        let ends: Ends = serde_json::from_str(raw.get()).map_err(corrupt)?;
        if let (Some(a), Some(b)) = (key_of(&ends.a), key_of(&ends.b)) {
            out.push((ends.reason == "editor", RawLink { ends: (a, b), text: raw.to_owned() }));
        }
    }
    Ok(())
}

/// Editors' pairs as linkage joins them: each group's neighbours in turn,
/// where not joined already.
fn editor_pairs(constraints: &linkage::Constraints) -> Vec<(u32, u32)> {
    let mut parent: HashMap<usize, usize> = HashMap::default();
    fn find(parent: &mut HashMap<usize, usize>, mut x: usize) -> usize {
        while let Some(&p) = parent.get(&x) {
            if p == x {
                break;
            }
            x = p;
        }
        x
    }
    let mut out = Vec::new();
    for group in &constraints.together {
        for w in group.windows(2) {
            let (ra, rb) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
            if ra != rb {
                parent.insert(ra, ra);
                parent.insert(rb, ra);
                out.push((w[0] as u32, w[1] as u32));
            }
        }
    }
    out
}

/// Units: entries joined by same-term pairs or an editor's group. Linkage's
/// first phase joins within units and never across, so a unit's first phase
/// can be run alone.
struct Units<'c> {
    done: HashSet<u32>,
    /// Editors' groups, as nodes.
    together: HashMap<u32, Vec<u32>>,
    constraints: &'c linkage::Constraints,
    first_params: Params,
}

impl<'c> Units<'c> {
    fn new(constraints: &'c linkage::Constraints, params: &Params) -> Self {
        let mut together: HashMap<u32, Vec<u32>> = HashMap::default();
        for group in &constraints.together {
            for w in group.windows(2) {
                let (a, b) = (w[0] as u32, w[1] as u32);
                together.entry(a).or_default().push(b);
                together.entry(b).or_default().push(a);
            }
        }
        Self {
            done: HashSet::default(),
            together,
            constraints,
            // The first phase only: no average reaches this.
            first_params: Params { min_link: 2.0, ..*params },
        }
    }

    /// Runs the first phase of `n`'s unit (once), setting its members'
    /// roots in `first` and adding the roots to `roots`.
    fn first_phase(&mut self, g: &Graph, n: u32, first: &mut [u32], roots: &mut Vec<u32>) {
        if !self.done.insert(n) {
            return;
        }
        let mut members = vec![n];
        let mut at = 0;
        while at < members.len() {
            let m = members[at];
            at += 1;
            let same = g.adj[m as usize].iter().filter(|(_, w)| w & SAME != 0).map(|(o, _)| *o);
            let editor = self.together.get(&m).into_iter().flatten().copied();
            let next: Vec<u32> = same.chain(editor).collect();
            for o in next {
                if self.done.insert(o) {
                    members.push(o);
                }
            }
        }
        members.sort_unstable_by_key(|&m| g.keys[m as usize]);
        if members.len() == 1 {
            first[n as usize] = n;
            roots.push(n);
            return;
        }
        let local: HashMap<u32, usize> = members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
        let nodes: Vec<Node> =
            members.iter().map(|&m| Node { key: g.keys[m as usize], sub: g.keys[m as usize] >> 32 }).collect();
        let mut edges = Vec::new();
        for (i, &m) in members.iter().enumerate() {
            for &(o, w) in &g.adj[m as usize] {
                if w & SAME != 0
                    && let Some(&j) = local.get(&o)
                    && i < j
                {
                    edges.push(Edge { a: i as u32, b: j as u32, q: w & !SAME, same: true });
                }
            }
        }
        let inside = |x: usize| local.get(&(x as u32)).copied();
        let constraints = linkage::Constraints {
            together: self
                .constraints
                .together
                .iter()
                .map(|grp| grp.iter().filter_map(|&x| inside(x)).collect::<Vec<_>>())
                .filter(|grp| grp.len() >= 2)
                .collect(),
            apart: self.constraints.apart.iter().filter_map(|&(a, b)| Some((inside(a)?, inside(b)?))).collect(),
        };
        let linked = linkage::link(&nodes, &edges, &constraints, &self.first_params);
        for (i, &m) in members.iter().enumerate() {
            let root = members[linked.first[i]];
            first[m as usize] = root;
            if root == m {
                roots.push(m);
            }
        }
    }
}

/// An entry's features, from the run's items or read from the store.
fn item_on_demand(
    store: &Store,
    index: &SearchIndex,
    vocab: &mut features::Vocabulary,
    items: &[Item],
    memo: &mut HashMap<u64, Item>,
    key: u64,
) -> Result<Option<Item>> {
    if let Some(it) = items.iter().find(|it| it.key() == key) {
        return Ok(Some(it.clone()));
    }
    if let Some(it) = memo.get(&key) {
        return Ok(Some(it.clone()));
    }
    let Some(e) = store.entry(key >> 32, key as u32)? else { return Ok(None) };
    let it = features::item(&e, index, vocab)?;
    memo.insert(key, it.clone());
    Ok(Some(it))
}

/// The record of a pair no stored record holds (scored again).
fn scored_record(
    store: &Store,
    index: &SearchIndex,
    vocab: &mut features::Vocabulary,
    params: &Params,
    items: &[Item],
    memo: &mut HashMap<u64, Item>,
    pair: (u64, u64),
) -> Result<LinkRecord> {
    let x = item_on_demand(store, index, vocab, items, memo, pair.0)?;
    let y = item_on_demand(store, index, vocab, items, memo, pair.1)?;
    let missing = || crate::error::Error::Internal(format!("clustering: no edge for the pair {pair:?}"));
    let (Some(x), Some(y)) = (x, y) else { return Err(missing()) };
    let two = [x, y];
    let link = score::score(&two, 0, 1, params).ok_or_else(missing)?;
    Ok(link_record(&two, &link, vocab))
}
