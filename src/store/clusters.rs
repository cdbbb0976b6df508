//! Stored clusters and editors' constraints.
//!
//! Clusters are derived data (recomputable from entries and constraints), so a
//! rebuild replaces them wholesale; constraints are editors' decisions, the
//! source of truth, written in audited transactions and never lost.
//!
//! The `clusters` (cluster id → record) and `entry_cluster` (entry id →
//! cluster id) trees hold generations: every key begins with its generation
//! (u64, big-endian), and `meta`'s `cluster_gen` names the current one, which
//! every reader reads. A rebuild writes a new generation in batches and
//! switches the pointer in one transaction; an incremental change is one
//! transaction on the current generation. Every cluster write holds the
//! store's write gate shared. Other generations are leftovers, removed after
//! a switch and on open.

use std::ops::Bound;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{AuditNote, CLUSTERS, CONSTRAINTS, ENTRY_CLUSTER, META, Store, abort, decode, encode, keys};
use crate::domain::Actor;
use crate::error::{Error, Result};

const NEXT_CONSTRAINT: &[u8] = b"next_constraint";
const CLUSTERED_AT: &[u8] = b"clustered_at";
/// The current cluster generation (u64, big-endian); absent = 0.
const CLUSTER_GEN: &[u8] = b"cluster_gen";
/// Generations stay below this, so every generation's keys begin with a 0
/// byte and sort before those of the layout before generations (ids).
const GENERATION_LIMIT: u64 = 1 << 56;
/// Where keys of the layout before generations begin (cluster ids start
/// with 'c', entry ids with a digit).
const LEGACY_START: &[u8] = &[1];
/// Keys per sled batch when writing many clusters.
const CLUSTER_BATCH: usize = 5_000;
/// Bytes of cluster records written between two flushes of a large write.
const FLUSH_EVERY_BYTES: usize = 32 * 1024 * 1024;

/// Why two entries are linked, with the scores that decided it: stored with
/// the cluster, and shown as it is (`ClusterLink` in the API).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[schema(as = ClusterLink)]
pub struct LinkRecord {
    pub a: String,
    pub b: String,
    /// Similarity of the terms (normalized keys, also across English translations), 0..1.
    pub term: f32,
    /// Cosine similarity of the English definitions' stemmed word weights, 0..1.
    pub definition: f32,
    /// The combined score the threshold was applied to.
    pub score: f32,
    /// "same term", "same English term", "equivalent terms", "similar
    /// definition", "editor".
    pub reason: String,
    /// The weightiest stemmed words both English definitions use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared: Vec<String>,
    /// What bridged two different words: an English translation, a synonym,
    /// an equivalence of `data/equivalents.tsv`, the same words in another
    /// number or order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClusterRecord {
    pub v: u8,
    pub id: String,
    pub members: Vec<String>,
    /// The distinct States of the members, sorted.
    #[serde(default)]
    pub states: Vec<String>,
    /// The links that hold the members together: every scored pair of
    /// members (and editors' pairs).
    pub links: Vec<LinkRecord>,
    /// Scored pairs from a member to an older entry (a smaller id) of
    /// another cluster, too weak to merge the two: each such pair is kept
    /// once, in the cluster of its newer entry. (Records written before
    /// kept it in both clusters.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub near: Vec<LinkRecord>,
}

/// An editor's decision, kept as a constraint on clustering.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConstraintRecord {
    pub v: u8,
    pub id: u64,
    #[serde(with = "crate::clock::rfc3339")]
    pub at: OffsetDateTime,
    pub by: String,
    pub kind: ConstraintKind,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConstraintKind {
    /// These entries belong together.
    Together { entries: Vec<String> },
    /// No entry of `left` may share a cluster with an entry of `right`.
    Apart { left: Vec<String>, right: Vec<String> },
}

impl Store {
    /// Replaces every cluster (after a full rebuild), whole: the clusters are
    /// written into a new generation, in key order and in batches, which
    /// becomes current in one small transaction once it is durable; the
    /// generation it replaced is removed afterwards. A crash before the switch
    /// leaves the previous clustering (the staged generation is removed on
    /// open), after it the new one. The write gate is held shared throughout,
    /// so a snapshot (`freeze`) holds either clustering whole.
    pub fn replace_clusters(&self, clusters: &[ClusterRecord], now: OffsetDateTime) -> Result<()> {
        self.count_cluster_write();
        let _one = self.staging.lock().map_err(|_| Error::Poisoned("cluster staging"))?;
        let _writing = self.write_gate()?;
        let current = self.cluster_gen()?;
        let next = current + 1;
        if next >= GENERATION_LIMIT {
            return Err(Error::Internal("no cluster generation is left".into()));
        }
        // What an abandoned attempt left (an error while staging).
        self.remove_other_generations(current)?;
        if let Err(e) = self.stage(next, clusters) {
            // Best effort: whatever remains is removed before the next
            // staging, and on open.
            let _ = self.remove_other_generations(current);
            return Err(e);
        }
        // The staged generation is durable before anything points at it.
        self.db.flush()?;
        self.transact(
            now,
            |tx| {
                tx.tree(META).insert(CLUSTER_GEN, &next.to_be_bytes())?;
                tx.tree(META).insert(CLUSTERED_AT, crate::clock::format(tx.at).as_bytes())?;
                Ok(())
            },
            None,
        )?;
        // The switch is durable before the generation it replaced goes.
        self.db.flush()?;
        // The new clustering is in place: a failure to remove the old one
        // leaves leftovers that the next rebuild, or open, removes.
        match self.remove_other_generations(next) {
            Ok(true) => {
                self.db.flush()?;
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "the replaced cluster generation could not be removed yet"),
        }
        Ok(())
    }

    /// Writes the clusters into generation `g` (not read by anyone yet), in
    /// key order, in batches of [`CLUSTER_BATCH`] keys with a flush every
    /// [`FLUSH_EVERY_BYTES`]: sled rewrites a page for every batch that
    /// touches it and holds dirty pages in memory until they are written out,
    /// so one batch for a million entries, or batches in random key order,
    /// cost several times the data in memory.
    fn stage(&self, g: u64, clusters: &[ClusterRecord]) -> Result<()> {
        let mut records: Vec<&ClusterRecord> = clusters.iter().collect();
        records.sort_by(|a, b| a.id.cmp(&b.id));
        let mut unflushed = 0;
        for chunk in records.chunks(CLUSTER_BATCH) {
            let mut cb = sled::Batch::default();
            for c in chunk {
                let value = encode(c)?;
                unflushed += value.len();
                cb.insert(generation_key(g, &c.id), value);
            }
            self.trees[CLUSTERS].apply_batch(cb)?;
            self.flush_if(&mut unflushed)?;
        }
        let mut members: Vec<(&str, &str)> =
            clusters.iter().flat_map(|c| c.members.iter().map(|m| (m.as_str(), c.id.as_str()))).collect();
        members.sort_unstable();
        for chunk in members.chunks(CLUSTER_BATCH) {
            let mut eb = sled::Batch::default();
            for (member, cluster) in chunk {
                unflushed += member.len() + cluster.len();
                eb.insert(generation_key(g, member), cluster.as_bytes());
            }
            self.trees[ENTRY_CLUSTER].apply_batch(eb)?;
            self.flush_if(&mut unflushed)?;
        }
        Ok(())
    }

    /// Writes `clusters` and removes the clusters named in `removed`; entries
    /// map to their new clusters. Used by editors' decisions. One transaction
    /// (see [`Store::update_clusters`]).
    pub fn put_clusters(&self, clusters: &[ClusterRecord], removed: &[String]) -> Result<()> {
        self.update_clusters(clusters, removed, &[])
    }

    /// Forgets the cluster of entries that left every cluster (replaced
    /// revisions). One transaction.
    pub fn unassign_entries(&self, entries: &[String]) -> Result<()> {
        self.update_clusters(&[], &[], entries)
    }

    /// An incremental change of the current clustering, as one transaction
    /// through the write gate (no change-log or audit record: clusters are
    /// derived data): `unassigned` entries lose their cluster, the clusters
    /// named in `removed` go, `clusters` are written and their members map to
    /// them. Meant for the few clusters an update or a decision touches; a
    /// whole clustering goes through [`Store::replace_clusters`].
    pub fn update_clusters(&self, clusters: &[ClusterRecord], removed: &[String], unassigned: &[String]) -> Result<()> {
        let moved: Vec<(&str, &str)> =
            clusters.iter().flat_map(|c| c.members.iter().map(|m| (m.as_str(), c.id.as_str()))).collect();
        self.rewrite_clusters(clusters, &moved, removed, unassigned)
    }

    /// [`Store::update_clusters`] for a writer that knows which entries
    /// change cluster: only `moved` (entry, its new cluster) are mapped anew;
    /// the other members of `clusters` stay where they are.
    pub fn rewrite_clusters(
        &self,
        clusters: &[ClusterRecord],
        moved: &[(&str, &str)],
        removed: &[String],
        unassigned: &[String],
    ) -> Result<()> {
        // Encoded outside the transaction: a conflict retry should not pay twice.
        let encoded: Vec<(&str, Vec<u8>)> =
            clusters.iter().map(|c| Ok((c.id.as_str(), encode(c)?))).collect::<Result<_>>()?;
        self.rewrite_encoded_clusters(&encoded, moved, removed, unassigned)
    }

    /// [`Store::rewrite_clusters`] with each cluster already encoded (its id,
    /// and a `ClusterRecord` as JSON).
    pub fn rewrite_encoded_clusters(
        &self,
        encoded: &[(&str, Vec<u8>)],
        moved: &[(&str, &str)],
        removed: &[String],
        unassigned: &[String],
    ) -> Result<()> {
        self.count_cluster_write();
        self.write(
            OffsetDateTime::now_utc(),
            |tx| {
                // Read inside the transaction: the generation current when it commits.
                let g = match tx.tree(META).get(CLUSTER_GEN)? {
                    Some(b) => generation(&b).map_err(abort)?,
                    None => 0,
                };
                for e in unassigned {
                    tx.tree(ENTRY_CLUSTER).remove(generation_key(g, e))?;
                }
                for id in removed {
                    tx.tree(CLUSTERS).remove(generation_key(g, id))?;
                }
                for (id, value) in encoded {
                    tx.tree(CLUSTERS).insert(generation_key(g, id), value.as_slice())?;
                }
                for (m, c) in moved {
                    tx.tree(ENTRY_CLUSTER).insert(generation_key(g, m), c.as_bytes())?;
                }
                Ok(())
            },
            None,
        )
    }

    /// How many times clusters were written (or a write was tried) since
    /// the store was opened.
    pub fn cluster_writes(&self) -> u64 {
        self.cluster_writes.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn count_cluster_write(&self) {
        self.cluster_writes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    fn flush_if(&self, unflushed: &mut usize) -> Result<()> {
        if *unflushed > FLUSH_EVERY_BYTES {
            self.db.flush()?;
            *unflushed = 0;
        }
        Ok(())
    }

    /// The generation readers read: the pointer in `meta`; 0 in a store that
    /// was never rebuilt.
    fn cluster_gen(&self) -> Result<u64> {
        match self.trees[META].get(CLUSTER_GEN)? {
            Some(b) => generation(&b),
            None => Ok(0),
        }
    }

    /// Removes the keys of every generation but `g` (and of the layout
    /// before generations) from both cluster trees; says whether there were any.
    fn remove_other_generations(&self, g: u64) -> Result<bool> {
        debug_assert!(g < GENERATION_LIMIT);
        let mut removed = false;
        for tree in [CLUSTERS, ENTRY_CLUSTER] {
            removed |= self.remove_range(tree, Bound::Unbounded, Bound::Excluded(g.to_be_bytes().to_vec()))?;
            // Keys of the layout before generations sort after every generation.
            let after = (g + 1).to_be_bytes().to_vec();
            removed |= self.remove_range(tree, Bound::Included(after), Bound::Unbounded)?;
        }
        Ok(removed)
    }

    /// Removes a range of keys in key order, in batches, with the flush
    /// cadence of [`Store::stage`]; says whether there were any.
    fn remove_range(&self, tree: usize, from: Bound<Vec<u8>>, to: Bound<Vec<u8>>) -> Result<bool> {
        let t = &self.trees[tree];
        let mut from = from;
        let mut unflushed = 0;
        let mut any = false;
        loop {
            let mut batch = sled::Batch::default();
            let mut last = None;
            for kv in t.range::<Vec<u8>, _>((from.clone(), to.clone())).take(CLUSTER_BATCH) {
                let (k, v) = kv?;
                unflushed += k.len() + v.len();
                batch.remove(k.clone());
                last = Some(k);
            }
            let Some(last) = last else { break };
            t.apply_batch(batch)?;
            self.flush_if(&mut unflushed)?;
            from = Bound::Excluded(last.to_vec());
            any = true;
        }
        Ok(any)
    }

    /// On open: moves clusters of the layout before generations (keys without
    /// a generation) into generation 1, and removes what a crash left of any
    /// generation but the current one (one being staged, or one being removed
    /// after its replacement).
    pub(super) fn recover_clusters(&self, now: OffsetDateTime) -> Result<()> {
        let _one = self.staging.lock().map_err(|_| Error::Poisoned("cluster staging"))?;
        let _writing = self.write_gate()?;
        let legacy =
            |tree: usize| -> Result<bool> { Ok(self.trees[tree].range(LEGACY_START..).next().transpose()?.is_some()) };
        if self.trees[META].get(CLUSTER_GEN)?.is_none() && (legacy(CLUSTERS)? || legacy(ENTRY_CLUSTER)?) {
            tracing::info!("moving the stored clusters into cluster generation 1");
            for tree in [CLUSTERS, ENTRY_CLUSTER] {
                // What an interrupted move left.
                self.remove_range(tree, Bound::Unbounded, Bound::Excluded(LEGACY_START.to_vec()))?;
                self.copy_legacy(tree, 1)?;
            }
            self.db.flush()?;
            self.transact(
                now,
                |tx| {
                    tx.tree(META).insert(CLUSTER_GEN, &1u64.to_be_bytes())?;
                    Ok(())
                },
                None,
            )?;
            self.db.flush()?;
        }
        if self.remove_other_generations(self.cluster_gen()?)? {
            tracing::info!("removed the leftovers of an unfinished cluster write");
            self.db.flush()?;
        }
        Ok(())
    }

    /// Copies the keys of the layout before generations into generation `g`.
    fn copy_legacy(&self, tree: usize, g: u64) -> Result<()> {
        let t = &self.trees[tree];
        let mut from = Bound::Included(LEGACY_START.to_vec());
        let mut unflushed = 0;
        loop {
            let mut batch = sled::Batch::default();
            let mut last = None;
            for kv in t.range::<Vec<u8>, _>((from.clone(), Bound::Unbounded)).take(CLUSTER_BATCH) {
                let (k, v) = kv?;
                unflushed += k.len() + v.len();
                let mut key = g.to_be_bytes().to_vec();
                key.extend_from_slice(&k);
                batch.insert(key, v);
                last = Some(k);
            }
            let Some(last) = last else { break };
            t.apply_batch(batch)?;
            self.flush_if(&mut unflushed)?;
            from = Bound::Excluded(last.to_vec());
        }
        Ok(())
    }

    pub fn has_clusters(&self) -> bool {
        self.trees[META].get(CLUSTERED_AT).ok().flatten().is_some()
    }

    /// `key` in the current generation of `tree`. A rebuild may switch
    /// generations (and remove the one read) between reading the pointer and
    /// the key: then the key is read again in the new one.
    fn current(&self, tree: usize, key: &str) -> Result<Option<sled::IVec>> {
        let mut g = self.cluster_gen()?;
        loop {
            let found = self.trees[tree].get(generation_key(g, key))?;
            if found.is_some() {
                return Ok(found);
            }
            let now = self.cluster_gen()?;
            if now == g {
                return Ok(None);
            }
            g = now;
        }
    }

    pub fn cluster(&self, id: &str) -> Result<Option<ClusterRecord>> {
        self.current(CLUSTERS, id)?.map(|v| decode(&v)).transpose()
    }

    /// A cluster's record as stored (a `ClusterRecord` as JSON).
    pub fn cluster_bytes(&self, id: &str) -> Result<Option<sled::IVec>> {
        self.current(CLUSTERS, id)
    }

    pub fn cluster_of(&self, entry_id: &str) -> Result<Option<String>> {
        Ok(self.current(ENTRY_CLUSTER, entry_id)?.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Every cluster of the current generation, in id order.
    pub fn clusters(&self) -> impl Iterator<Item = Result<ClusterRecord>> + '_ {
        let (failed, scan) = match self.cluster_gen() {
            Ok(g) => (None, Some(self.trees[CLUSTERS].scan_prefix(g.to_be_bytes()).values())),
            Err(e) => (Some(Err(e)), None),
        };
        failed.into_iter().chain(scan.into_iter().flatten().map(|v| decode(&v?)))
    }

    pub fn cluster_count(&self) -> usize {
        self.cluster_gen().map_or(0, |g| self.trees[CLUSTERS].scan_prefix(g.to_be_bytes()).count())
    }

    // ---- Constraints ----

    /// Records an editor's decision (audited, durable once flushed).
    pub fn add_constraint(
        &self,
        kind: ConstraintKind,
        action: &str,
        target: String,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<ConstraintRecord> {
        let detail = serde_json::to_value(&kind)?;
        self.write(
            now,
            |tx| {
                let id = tx.next(NEXT_CONSTRAINT)?;
                let record = ConstraintRecord { v: 1, id, at: tx.at, by: actor.name.clone(), kind: kind.clone() };
                tx.put(CONSTRAINTS, &id.to_be_bytes(), &record)?;
                Ok(record)
            },
            Some(AuditNote { actor, action, target, detail }),
        )
    }

    /// Writes an audit record alone (for actions whose effect is derived data).
    pub fn audit_only(
        &self,
        actor: &Actor,
        action: &str,
        target: String,
        detail: serde_json::Value,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.write(now, |_| Ok(()), Some(AuditNote { actor, action, target, detail }))
    }

    /// Every constraint, oldest first.
    pub fn constraints(&self) -> Result<Vec<ConstraintRecord>> {
        self.trees[CONSTRAINTS].iter().values().map(|v| decode(&v?)).collect()
    }
}

/// `id` in generation `g`.
fn generation_key(g: u64, id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(8 + id.len());
    k.extend_from_slice(&g.to_be_bytes());
    k.extend_from_slice(id.as_bytes());
    k
}

/// A stored generation number.
fn generation(bytes: &[u8]) -> Result<u64> {
    keys::u64_from(bytes)
        .filter(|g| *g < GENERATION_LIMIT)
        .ok_or_else(|| Error::Corrupt("the cluster generation in meta".into()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::path::Path;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    const NOW: OffsetDateTime = time::macros::datetime!(2024-01-01 00:00 UTC);

    /// `n` entries in clusters of `size`; `tag` makes two clusterings of the
    /// same entries differ in every record.
    fn clustering(n: usize, size: usize, tag: &str) -> Vec<ClusterRecord> {
        let entries: Vec<String> = (0..n).map(|i| format!("{}-{}", 1 + i / 1000, 1 + i % 1000)).collect();
        let mut out: Vec<ClusterRecord> = entries
            .chunks(size)
            .map(|g| ClusterRecord {
                v: 1,
                id: format!("c{}{tag}", g[0]),
                members: g.to_vec(),
                states: vec![tag.to_owned()],
                links: Vec::new(),
                near: Vec::new(),
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// The clustering the readers see, after checking that it hangs together:
    /// every member in one cluster, and `cluster_of` naming that cluster.
    fn read(store: &Store) -> Vec<ClusterRecord> {
        let clusters: Vec<ClusterRecord> = store.clusters().collect::<Result<_>>().expect("clusters");
        let mut seen = HashSet::new();
        for c in &clusters {
            for m in &c.members {
                assert!(seen.insert(m.clone()), "{m} is in two clusters");
                assert_eq!(store.cluster_of(m).expect("cluster_of").as_deref(), Some(c.id.as_str()), "{m}");
            }
        }
        assert_eq!(store.cluster_count(), clusters.len());
        clusters
    }

    fn open(dir: &Path) -> Store {
        Store::open(dir, NOW).expect("store opens")
    }

    /// Every key of both cluster trees, whatever its generation.
    fn stored_keys(store: &Store) -> usize {
        store.trees[CLUSTERS].len() + store.trees[ENTRY_CLUSTER].len()
    }

    fn keys_of(clusters: &[ClusterRecord]) -> usize {
        clusters.iter().map(|c| 1 + c.members.len()).sum()
    }

    #[test]
    fn a_snapshot_during_large_cluster_writes_holds_one_whole_clustering() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir.path().join("store"));
        // Several batches of keys per write (CLUSTER_BATCH), in both trees.
        let a = Arc::new(clustering(16_000, 2, "a"));
        let b = Arc::new(clustering(16_000, 3, "b"));
        store.replace_clusters(&a, NOW).unwrap();
        assert_eq!(read(&store), *a);

        let done = Arc::new(AtomicBool::new(false));
        let writer = {
            let (store, a, b, done) = (store.clone(), a.clone(), b.clone(), done.clone());
            std::thread::spawn(move || {
                for round in 0..6 {
                    let next = if round % 2 == 0 { &b } else { &a };
                    store.replace_clusters(next, NOW).expect("replace_clusters");
                }
                done.store(true, Ordering::SeqCst);
            })
        };
        let (mut snapshots, mut backups) = (0, 0);
        while !done.load(Ordering::SeqCst) {
            {
                // Writes held off: what the readers see now is what a backup holds.
                let _frozen = store.freeze().unwrap();
                let seen = read(&store);
                assert!(seen == *a || seen == *b, "a snapshot holds a mix of {} clusters", seen.len());
                snapshots += 1;
            }
            if snapshots % 2 == 0 && backups < 2 {
                // A real backup, restored and opened.
                let mut file = Vec::new();
                crate::backup::write(&store, NOW, &mut file).unwrap();
                let path = dir.path().join(format!("backup-{backups}"));
                std::fs::write(&path, file).unwrap();
                let restored_dir = dir.path().join(format!("restored-{backups}"));
                crate::backup::restore(&path, &restored_dir).unwrap();
                let restored = open(&restored_dir);
                let seen = read(&restored);
                assert!(seen == *a || seen == *b, "a restored backup holds a mix of {} clusters", seen.len());
                assert_eq!(stored_keys(&restored), keys_of(&seen), "the restored store keeps one generation");
                backups += 1;
            }
        }
        writer.join().unwrap();
        eprintln!("{snapshots} snapshots and {backups} backups during the writes");
        assert_eq!(read(&store), *a);
        assert_eq!(stored_keys(&store), keys_of(&a), "the replaced generations are gone");
    }

    #[test]
    fn records_written_before_shared_words_bridges_and_near_edges_still_decode() {
        let old = br#"{"v":1,"id":"c1-1","members":["1-1","2-1"],"states":["DE","FR"],
            "links":[{"a":"1-1","b":"2-1","term":1.0,"definition":0.5,"score":0.7,"reason":"same term"}]}"#;
        let c: ClusterRecord = decode(old).expect("an old record decodes");
        assert!(c.near.is_empty());
        assert_eq!((c.links[0].shared.len(), c.links[0].bridge.as_deref()), (0, None));
        // And the new fields round-trip.
        let mut c2 = c.clone();
        c2.links[0].bridge = Some("equivalents".into());
        c2.near = c2.links.clone();
        assert_eq!(decode::<ClusterRecord>(&encode(&c2).unwrap()).unwrap(), c2);
    }

    #[test]
    fn incremental_changes_apply_to_the_current_generation() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let a = clustering(10, 2, "a");
        store.replace_clusters(&a, NOW).unwrap();
        store.replace_clusters(&a, NOW).unwrap();
        assert!(store.has_clusters());
        // Merge the first two clusters; the first entry leaves every cluster.
        let (first, second) = (&a[0], &a[1]);
        let merged = ClusterRecord {
            id: second.id.clone(),
            members: first.members[1..].iter().chain(&second.members).cloned().collect(),
            ..second.clone()
        };
        store
            .update_clusters(std::slice::from_ref(&merged), std::slice::from_ref(&first.id), &first.members[..1])
            .unwrap();
        let seen = read(&store);
        assert_eq!(seen.len(), a.len() - 1);
        assert_eq!(store.cluster(&second.id).unwrap(), Some(merged));
        assert_eq!(store.cluster(&first.id).unwrap(), None);
        assert_eq!(store.cluster_of(&first.members[0]).unwrap(), None);
        assert_eq!(store.cluster_of(&first.members[1]).unwrap(), Some(second.id.clone()));
        store.unassign_entries(&second.members).unwrap();
        assert_eq!(store.cluster_of(&second.members[0]).unwrap(), None);
        store.put_clusters(&[], std::slice::from_ref(&second.id)).unwrap();
        assert_eq!(read(&store).len(), a.len() - 2);
    }

    #[test]
    fn open_removes_what_an_interrupted_rebuild_left() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (clustering(12_000, 2, "a"), clustering(12_000, 3, "b"));
        {
            let store = open(dir.path());
            store.replace_clusters(&a, NOW).unwrap();
            let current = store.cluster_gen().unwrap();
            // Killed while staging the next generation: part of it is there.
            store.stage(current + 1, &b[..b.len() / 2]).unwrap();
            store.flush().unwrap();
            assert_eq!(read(&store), a, "a staged generation is not read");
        }
        {
            let store = open(dir.path());
            assert_eq!(read(&store), a);
            assert_eq!(stored_keys(&store), keys_of(&a));
            let current = store.cluster_gen().unwrap();
            // Killed after the switch, while the replaced generation was removed.
            store.stage(current + 1, &b).unwrap();
            store
                .write(
                    NOW,
                    |tx| {
                        tx.tree(META).insert(CLUSTER_GEN, &(current + 1).to_be_bytes())?;
                        Ok(())
                    },
                    None,
                )
                .unwrap();
            store
                .remove_range(CLUSTERS, Bound::Unbounded, Bound::Excluded(generation_key(current, &a[10].id)))
                .unwrap();
            store.flush().unwrap();
        }
        let store = open(dir.path());
        assert_eq!(read(&store), b);
        assert_eq!(stored_keys(&store), keys_of(&b));
        // And a later rebuild starts from a clean slate.
        store.replace_clusters(&a, NOW).unwrap();
        assert_eq!(read(&store), a);
        assert_eq!(stored_keys(&store), keys_of(&a));
    }

    #[test]
    fn clusters_of_the_layout_before_generations_are_moved_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let a = clustering(12_000, 2, "a");
        {
            let store = open(dir.path());
            // What the store wrote before generations: bare ids.
            for c in &a {
                store.trees[CLUSTERS].insert(c.id.as_bytes(), encode(c).unwrap()).unwrap();
                for m in &c.members {
                    store.trees[ENTRY_CLUSTER].insert(m.as_bytes(), c.id.as_bytes()).unwrap();
                }
            }
            store.trees[META].insert(CLUSTERED_AT, crate::clock::format(NOW).as_bytes()).unwrap();
            // A move interrupted before: a partial generation 1.
            store.stage(1, &a[..100]).unwrap();
            store.flush().unwrap();
        }
        let store = open(dir.path());
        assert!(store.has_clusters());
        assert_eq!(store.cluster_gen().unwrap(), 1);
        assert_eq!(read(&store), a);
        assert_eq!(stored_keys(&store), keys_of(&a), "no key of the old layout is left");
        let b = clustering(12_000, 3, "b");
        store.replace_clusters(&b, NOW).unwrap();
        assert_eq!(read(&store), b);
    }
}
