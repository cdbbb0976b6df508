//! Near-equivalent national entries of different States: reading clusters
//! with the links (scores and reasons) that hold them, rebuilding them, and
//! editors' decisions (merge, split, pin), which survive rebuilds.

use std::collections::HashSet;

use serde::Serialize;
use utoipa::ToSchema;

use super::Glossary;
use super::reads::{Readable, require_editor};
use crate::cluster::evaluate::{self, Label, Report};
use crate::cluster::{self, Stats};
use crate::domain::{Actor, EntryId, StateCode};
use crate::error::{Error, Result};
use crate::store::EntryRecord;
use crate::store::clusters::{ClusterRecord, ConstraintKind};

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterMember {
    pub entry_id: String,
    pub state: String,
    pub term: String,
    pub language: String,
    pub term_en: Option<String>,
    pub year: i32,
    pub revision: u32,
}

/// Why two entries are together: the scores, the reason, the shared words
/// and what bridged two different words.
pub use crate::store::clusters::LinkRecord as ClusterLink;

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterView {
    pub id: String,
    pub states: Vec<String>,
    pub members: Vec<ClusterMember>,
    pub links: Vec<ClusterLink>,
}

/// Which clusters to list.
#[derive(Debug, Clone, Default)]
pub struct ClusterFilter {
    /// Only clusters with entries from at least this many States.
    pub min_states: usize,
    /// Only clusters with an entry of this State.
    pub state: Option<StateCode>,
}

/// An editor's pin: the entry belongs in the cluster (`In`) or never does (`Out`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinDecision {
    In,
    Out,
}

impl Glossary {
    /// One page of the clusters that pass `filter`, and how many do.
    pub fn clusters(
        &self,
        reader: &Actor,
        filter: &ClusterFilter,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<ClusterView>)> {
        let mut readable = Readable::new(self, reader)?;
        let mut total = 0;
        let mut page = Vec::new();
        for c in self.store.clusters() {
            let Some(c) = readable.cluster(c?)? else {
                continue;
            };
            if c.states.len() < filter.min_states
                || filter.state.as_ref().is_some_and(|s| !c.states.iter().any(|x| x == s.as_str()))
            {
                continue;
            }
            if total >= offset && page.len() < limit {
                page.push(self.cluster_view(c)?);
            }
            total += 1;
        }
        Ok((total, page))
    }

    /// One cluster: its members, and the links that hold it together.
    pub fn cluster(&self, reader: &Actor, id: &str) -> Result<ClusterView> {
        let c = self.cluster_record(id)?;
        let c = Readable::new(self, reader)?.cluster(c)?.ok_or_else(|| Error::not_found("cluster", id))?;
        self.cluster_view(c)
    }

    fn cluster_record(&self, id: &str) -> Result<ClusterRecord> {
        self.store.cluster(id)?.ok_or_else(|| Error::not_found("cluster", id))
    }

    fn cluster_view(&self, c: ClusterRecord) -> Result<ClusterView> {
        let mut members = Vec::with_capacity(c.members.len());
        for (id, e) in self.member_entries(&c.members)? {
            members.push(ClusterMember {
                entry_id: id.to_string(),
                state: e.state,
                term: e.text.term,
                language: e.language,
                term_en: e.text.term_en,
                year: e.year,
                revision: e.revision,
            });
        }
        Ok(ClusterView { id: c.id, states: c.states, members, links: c.links })
    }

    /// The entries of `members` that still exist, by id.
    pub(super) fn member_entries(&self, members: &[String]) -> Result<Vec<(EntryId, EntryRecord)>> {
        let mut out = Vec::with_capacity(members.len());
        for m in members {
            if let Ok(id) = m.parse::<EntryId>()
                && let Some(e) = self.store_entry(id)?
            {
                out.push((id, e));
            }
        }
        Ok(out)
    }

    /// Clusters every current entry from scratch (editors), keeping editors'
    /// decisions.
    pub fn rebuild_clusters(&self, actor: &Actor) -> Result<Stats> {
        require_editor(actor)?;
        let index = self.search_index()?;
        let mut cache = self.cluster_lock.lock().map_err(|_| Error::Poisoned("clustering"))?;
        let stats = cluster::rebuild(&self.store, index, &mut cache, &self.cluster_params, self.now())?;
        self.count_cluster_run();
        let detail = serde_json::to_value(&stats)?;
        self.store.audit_only(actor, "cluster.rebuild", "clusters".into(), detail, self.now())?;
        self.store.flush()?;
        Ok(stats)
    }

    /// Have the entries ever been clustered?
    pub fn has_clusters(&self) -> bool {
        self.store.has_clusters()
    }

    /// Places a stored submission's entries into the existing clusters (when
    /// there are any), touching only the clusters they reach.
    pub fn place_submission(&self, submission: u64, replaces: Option<u64>) -> Result<Option<Stats>> {
        let Some(index) = &self.index else { return Ok(None) };
        if !self.store.has_clusters() {
            return Ok(None);
        }
        self.count_cluster_run();
        let mut cache = self.cluster_lock.lock().map_err(|_| Error::Poisoned("clustering"))?;
        let stats = cluster::update(&self.store, index, &mut cache, submission, replaces, &self.cluster_params)?;
        tracing::debug!(?stats, "clusters updated");
        Ok(Some(stats))
    }

    /// Measures the current clustering against labelled entries.
    pub fn evaluate_clusters(&self, labels: &[Label]) -> Result<Report> {
        evaluate::evaluate(&self.store, labels)
    }

    /// Moves `entries` out of cluster `id` into one of their own (editors).
    /// The decision is kept: a rebuild will not put them back together.
    pub fn split_cluster(&self, actor: &Actor, id: &str, entries: Vec<String>) -> Result<Vec<ClusterView>> {
        require_editor(actor)?;
        let c = self.cluster_record(id)?;
        let moved: Vec<String> = dedup(entries);
        if moved.is_empty() {
            return Err(Error::bad_param("entry_ids", "name at least one entry to move out"));
        }
        if let Some(stranger) = moved.iter().find(|e| !c.members.contains(e)) {
            return Err(Error::bad_param(
                "entry_ids",
                format!("entry '{}' is not in cluster {id}", crate::domain::codes::clip(stranger)),
            ));
        }
        let rest: Vec<String> = c.members.iter().filter(|m| !moved.contains(m)).cloned().collect();
        if rest.is_empty() {
            return Err(Error::bad_param("entry_ids", "moving every member out changes nothing"));
        }
        let mut kinds = vec![ConstraintKind::Apart { left: moved.clone(), right: rest }];
        if moved.len() >= 2 {
            kinds.push(ConstraintKind::Together { entries: moved });
        }
        self.decide(actor, kinds, "cluster.split", format!("clusters/{id}"), &[id.to_owned()], &[])
    }

    /// Merges two or more clusters into one (editors); kept across rebuilds.
    pub fn merge_clusters(&self, actor: &Actor, ids: Vec<String>) -> Result<Vec<ClusterView>> {
        require_editor(actor)?;
        let ids = dedup(ids);
        if ids.len() < 2 {
            return Err(Error::bad_param("cluster_ids", "name two or more clusters to merge"));
        }
        let mut entries = Vec::new();
        for id in &ids {
            entries.extend(self.cluster_record(id)?.members);
        }
        let kinds = vec![ConstraintKind::Together { entries }];
        self.decide(actor, kinds, "cluster.merge", format!("clusters/{}", ids.join("+")), &ids, &[])
    }

    /// Pins an entry into cluster `id`, or out of it for good (editors).
    pub fn pin_entry(&self, actor: &Actor, id: &str, entry: &str, pin: PinDecision) -> Result<Vec<ClusterView>> {
        require_editor(actor)?;
        let c = self.cluster_record(id)?;
        let unknown = || Error::bad_param("entry_id", format!("no entry '{}'", crate::domain::codes::clip(entry)));
        let entry_id: EntryId = entry.parse().map_err(|_| unknown())?;
        if self.store_entry(entry_id)?.is_none() {
            return Err(unknown());
        }
        let entry = entry_id.to_string();
        let others: Vec<String> = c.members.iter().filter(|m| **m != entry).cloned().collect();
        let (kinds, clusters, action) = match pin {
            PinDecision::In => {
                let mut together = vec![entry.clone()];
                together.extend(others);
                let mut clusters = vec![id.to_owned()];
                if let Some(current) = self.store.cluster_of(&entry)?
                    && current != id
                {
                    clusters.push(current);
                }
                (vec![ConstraintKind::Together { entries: together }], clusters, "cluster.pin_in")
            }
            PinDecision::Out => {
                if !c.members.contains(&entry) {
                    return Err(Error::bad_param("entry_id", format!("entry '{entry}' is not in cluster {id}")));
                }
                let kinds = vec![ConstraintKind::Apart { left: vec![entry.clone()], right: others }];
                (kinds, vec![id.to_owned()], "cluster.pin_out")
            }
        };
        self.decide(actor, kinds, action, format!("clusters/{id}"), &clusters, &[entry])
    }

    /// Records an editor's decision and re-clusters what it touches; the
    /// clusters it left.
    fn decide(
        &self,
        actor: &Actor,
        kinds: Vec<ConstraintKind>,
        action: &str,
        target: String,
        clusters: &[String],
        extra: &[String],
    ) -> Result<Vec<ClusterView>> {
        let index = self.search_index()?;
        let records = {
            let mut cache = self.cluster_lock.lock().map_err(|_| Error::Poisoned("clustering"))?;
            for kind in kinds {
                self.store.add_constraint(kind, action, target.clone(), actor, self.now())?;
            }
            self.store.flush()?;
            cluster::recluster(&self.store, index, &mut cache, clusters, extra, &self.cluster_params)?
        };
        records.into_iter().map(|r| self.cluster_view(r)).collect()
    }
}

fn dedup(mut ids: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    ids.retain(|i| seen.insert(i.clone()));
    ids
}
