//! Stored clusters and editors' constraints.
//!
//! Clusters are derived data (recomputable from entries and constraints), so a
//! rebuild replaces them wholesale; constraints are editors' decisions, the
//! source of truth, written in audited transactions and never lost.

use serde::{Deserialize, Serialize};

use super::{AuditNote, CLUSTERS, CONSTRAINTS, ENTRY_CLUSTER, META, Store, decode, encode};
use crate::domain::Actor;
use crate::error::Result;

const NEXT_CONSTRAINT: &[u8] = b"next_constraint";
const CLUSTERED_AT: &[u8] = b"clustered_at";
/// Keys per sled batch when writing many clusters.
const CLUSTER_BATCH: usize = 5_000;
/// Bytes of cluster records written between two flushes of a large write.
const FLUSH_EVERY_BYTES: usize = 32 * 1024 * 1024;

/// Why two entries are linked, with the scores that decided it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LinkRecord {
    pub a: String,
    pub b: String,
    /// Similarity of the terms (normalized keys, also across English translations), 0..1.
    pub term: f32,
    /// Cosine similarity of the English definitions' stemmed word weights, 0..1.
    pub definition: f32,
    /// The combined score the threshold was applied to.
    pub score: f32,
    /// "same term", "same English term", "similar definition", "editor".
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClusterRecord {
    pub v: u8,
    pub id: String,
    pub members: Vec<String>,
    /// The distinct States of the members, sorted.
    #[serde(default)]
    pub states: Vec<String>,
    /// The links that hold the members together (a spanning set).
    pub links: Vec<LinkRecord>,
}

/// An editor's decision, kept as a constraint on clustering.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConstraintRecord {
    pub v: u8,
    pub id: u64,
    pub at: String,
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
    /// Replaces every cluster (after a full rebuild).
    pub fn replace_clusters(&self, clusters: &[ClusterRecord], now: &str) -> Result<()> {
        let (ct, ec) = (&self.trees[CLUSTERS], &self.trees[ENTRY_CLUSTER]);
        ct.clear()?;
        ec.clear()?;
        self.put_clusters(clusters, &[])?;
        self.trees[META].insert(CLUSTERED_AT, now.as_bytes())?;
        Ok(())
    }

    /// Writes `clusters` and removes the clusters named in `removed`; entries
    /// map to their new clusters. Used by incremental updates and editors.
    /// Written in key order, in batches of [`CLUSTER_BATCH`] keys with a flush
    /// every [`FLUSH_EVERY_BYTES`]: sled rewrites a page for every batch that
    /// touches it and holds dirty pages in memory until they are written out,
    /// so one batch for a million entries, or batches in random key order,
    /// cost several times the data in memory.
    pub fn put_clusters(&self, clusters: &[ClusterRecord], removed: &[String]) -> Result<()> {
        let mut cb = sled::Batch::default();
        for id in removed {
            cb.remove(id.as_bytes());
        }
        self.trees[CLUSTERS].apply_batch(cb)?;
        let mut records: Vec<&ClusterRecord> = clusters.iter().collect();
        records.sort_by(|a, b| a.id.cmp(&b.id));
        let mut unflushed = 0;
        for chunk in records.chunks(CLUSTER_BATCH) {
            let mut cb = sled::Batch::default();
            for c in chunk {
                let value = encode(c)?;
                unflushed += value.len();
                cb.insert(c.id.as_bytes(), value);
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
                eb.insert(member.as_bytes(), cluster.as_bytes());
            }
            self.trees[ENTRY_CLUSTER].apply_batch(eb)?;
            self.flush_if(&mut unflushed)?;
        }
        Ok(())
    }

    fn flush_if(&self, unflushed: &mut usize) -> Result<()> {
        if *unflushed > FLUSH_EVERY_BYTES {
            self.db.flush()?;
            *unflushed = 0;
        }
        Ok(())
    }

    /// Forgets the cluster of entries that left every cluster (replaced revisions).
    pub fn unassign_entries(&self, entries: &[String]) -> Result<()> {
        let mut eb = sled::Batch::default();
        for e in entries {
            eb.remove(e.as_bytes());
        }
        self.trees[ENTRY_CLUSTER].apply_batch(eb)?;
        Ok(())
    }

    pub fn has_clusters(&self) -> bool {
        self.trees[META].get(CLUSTERED_AT).ok().flatten().is_some()
    }

    pub fn cluster(&self, id: &str) -> Result<Option<ClusterRecord>> {
        self.get(CLUSTERS, id.as_bytes())
    }

    pub fn cluster_of(&self, entry_id: &str) -> Result<Option<String>> {
        Ok(self.trees[ENTRY_CLUSTER].get(entry_id.as_bytes())?.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    pub fn clusters(&self) -> impl Iterator<Item = Result<ClusterRecord>> + '_ {
        self.trees[CLUSTERS].iter().values().map(|v| decode(&v?))
    }

    pub fn cluster_count(&self) -> usize {
        self.trees[CLUSTERS].len()
    }

    // ---- Constraints ----

    /// Records an editor's decision (audited, durable once flushed).
    pub fn add_constraint(
        &self,
        kind: ConstraintKind,
        action: &str,
        target: String,
        actor: &Actor,
        now: &str,
    ) -> Result<ConstraintRecord> {
        let detail = serde_json::to_value(&kind)?;
        self.write(
            now,
            |tx| {
                let id = tx.next(NEXT_CONSTRAINT)?;
                let record =
                    ConstraintRecord { v: 1, id, at: tx.at.to_owned(), by: actor.name.clone(), kind: kind.clone() };
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
        now: &str,
    ) -> Result<()> {
        self.write(now, |_| Ok(()), Some(AuditNote { actor, action, target, detail }))
    }

    /// Every constraint, oldest first.
    pub fn constraints(&self) -> Result<Vec<ConstraintRecord>> {
        self.trees[CONSTRAINTS].iter().values().map(|v| decode(&v?)).collect()
    }
}
