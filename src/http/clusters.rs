//! `/v1/clusters`: near-equivalent national entries of different States, the
//! links (with scores and reasons) that hold them together, and editors'
//! decisions (merge, split, pin), which survive rebuilds and new submissions.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Authenticated, Reader, require_editor};
use super::extract::{JsonBody, Params};
use super::problem::{AppResult, Problem};
use super::{AppState, blocking};
use crate::error::Error;
use crate::store::clusters::{ClusterRecord, ConstraintKind, LinkRecord};
use crate::store::{Store, parse_entry_id};

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

/// Why two entries are together.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterLink {
    pub a: String,
    pub b: String,
    /// Term similarity (normalized keys, also through English), 0..1.
    pub term: f32,
    /// Cosine of the English definitions' stemmed word weights, 0..1.
    pub definition: f32,
    pub score: f32,
    /// "same term", "same English term", "similar definition" or "editor".
    pub reason: String,
}

impl From<LinkRecord> for ClusterLink {
    fn from(l: LinkRecord) -> Self {
        Self { a: l.a, b: l.b, term: l.term, definition: l.definition, score: l.score, reason: l.reason }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterView {
    pub id: String,
    pub states: Vec<String>,
    pub members: Vec<ClusterMember>,
    pub links: Vec<ClusterLink>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterList {
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
    pub clusters: Vec<ClusterView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RebuildReport {
    pub entries: usize,
    pub clusters: usize,
    pub multi_state_clusters: usize,
    pub links: usize,
    pub millis: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitBody {
    /// The entries to move out into a cluster of their own.
    pub entry_ids: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    pub cluster_ids: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinBody {
    pub entry_id: String,
    /// true: the entry belongs in this cluster; false: it never does.
    #[serde(rename = "in")]
    pub pin_in: bool,
}

/// The clusters an editor's decision left, after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Decision {
    pub clusters: Vec<ClusterView>,
}

pub fn view(store: &Store, c: ClusterRecord) -> Result<ClusterView, Error> {
    let mut members = Vec::with_capacity(c.members.len());
    for id in &c.members {
        let Some((sub, ord)) = parse_entry_id(id) else { continue };
        if let Some(e) = store.entry(sub, ord)? {
            members.push(ClusterMember {
                entry_id: id.clone(),
                state: e.state,
                term: e.term,
                language: e.language,
                term_en: e.term_en,
                year: e.year,
                revision: e.revision,
            });
        }
    }
    Ok(ClusterView { id: c.id, states: c.states, members, links: c.links.into_iter().map(ClusterLink::from).collect() })
}

/// Recomputes every cluster (editor); keeps editors' decisions.
#[utoipa::path(post, path = "/v1/clusters/rebuild", tag = "clusters",
    responses((status = 200, body = RebuildReport), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn rebuild_clusters(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
) -> AppResult<Json<RebuildReport>> {
    require_editor(&actor)?;
    let stats = blocking(move || app.glossary.rebuild_clusters(&actor)).await?;
    Ok(Json(RebuildReport {
        entries: stats.entries,
        clusters: stats.clusters,
        multi_state_clusters: stats.multi_state_clusters,
        links: stats.links,
        millis: stats.millis as u64,
    }))
}

/// Clusters with entries from at least `min_states` States (default 2).
#[utoipa::path(get, path = "/v1/clusters", tag = "clusters",
    params(("min_states" = Option<usize>, Query, description = "Default 2; 1 lists single-State clusters too"),
        ("state" = Option<String>, Query, description = "Only clusters with an entry of this State"),
        ("limit" = Option<usize>, Query), ("offset" = Option<usize>, Query)),
    responses((status = 200, body = ClusterList), (status = 400, body = Problem)))]
pub async fn list_clusters(
    State(app): State<AppState>,
    _reader: Reader,
    params: Params,
) -> AppResult<Json<ClusterList>> {
    let (offset, limit) = params.page()?;
    let min_states = params.int("min_states", 1, 1000)?.unwrap_or(2) as usize;
    let state = params.get("state").map(|s| s.to_ascii_uppercase());
    blocking(move || {
        let store = &app.glossary.store;
        let mut total = 0;
        let mut page = Vec::new();
        for c in store.clusters() {
            let c = c?;
            if c.states.len() < min_states || state.as_ref().is_some_and(|s| !c.states.contains(s)) {
                continue;
            }
            if total >= offset && page.len() < limit {
                page.push(view(store, c)?);
            }
            total += 1;
        }
        Ok(Json(ClusterList { total, limit, offset, clusters: page }))
    })
    .await
}

/// One cluster: members, and the links that hold it together with their scores.
#[utoipa::path(get, path = "/v1/clusters/{id}", tag = "clusters",
    params(("id" = String, Path)),
    responses((status = 200, body = ClusterView), (status = 404, body = Problem)))]
pub async fn get_cluster(
    State(app): State<AppState>,
    _reader: Reader,
    Path(id): Path<String>,
) -> AppResult<Json<ClusterView>> {
    let store = &app.glossary.store;
    let c = store.cluster(&id)?.ok_or_else(|| Error::not_found("cluster", &id))?;
    Ok(Json(view(store, c)?))
}

/// Moves `entry_ids` out of the cluster into one of their own (editor). The
/// decision is kept: a rebuild will not put them back together.
#[utoipa::path(post, path = "/v1/clusters/{id}/split", tag = "clusters", request_body = SplitBody,
    params(("id" = String, Path)),
    responses((status = 200, body = Decision), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn split_cluster(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SplitBody>,
) -> AppResult<Json<Decision>> {
    require_editor(&actor)?;
    blocking(move || {
        let g = &app.glossary;
        let c = g.store.cluster(&id)?.ok_or_else(|| Error::not_found("cluster", &id))?;
        let moved: Vec<String> = dedup(body.entry_ids);
        if moved.is_empty() {
            return Err(Error::bad_param("entry_ids", "name at least one entry to move out"));
        }
        if let Some(stranger) = moved.iter().find(|e| !c.members.contains(e)) {
            return Err(Error::bad_param("entry_ids", format!("entry '{stranger}' is not in cluster {id}")));
        }
        let rest: Vec<String> = c.members.iter().filter(|m| !moved.contains(m)).cloned().collect();
        if rest.is_empty() {
            return Err(Error::bad_param("entry_ids", "moving every member out changes nothing"));
        }
        let mut kinds = vec![ConstraintKind::Apart { left: moved.clone(), right: rest }];
        if moved.len() >= 2 {
            kinds.push(ConstraintKind::Together { entries: moved });
        }
        let records = g.decide_clusters(
            &actor,
            kinds,
            "cluster.split",
            format!("clusters/{id}"),
            std::slice::from_ref(&id),
            &[],
        )?;
        decision(&g.store, records)
    })
    .await
}

/// Merges clusters into one (editor); kept across rebuilds.
#[utoipa::path(post, path = "/v1/clusters/merge", tag = "clusters", request_body = MergeBody,
    responses((status = 200, body = Decision), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn merge_clusters(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(body): JsonBody<MergeBody>,
) -> AppResult<Json<Decision>> {
    require_editor(&actor)?;
    blocking(move || {
        let g = &app.glossary;
        let ids = dedup(body.cluster_ids);
        if ids.len() < 2 {
            return Err(Error::bad_param("cluster_ids", "name two or more clusters to merge"));
        }
        let mut entries = Vec::new();
        for id in &ids {
            let c = g.store.cluster(id)?.ok_or_else(|| Error::not_found("cluster", id))?;
            entries.extend(c.members);
        }
        let kinds = vec![ConstraintKind::Together { entries }];
        let records =
            g.decide_clusters(&actor, kinds, "cluster.merge", format!("clusters/{}", ids.join("+")), &ids, &[])?;
        decision(&g.store, records)
    })
    .await
}

/// Pins an entry into this cluster (`in: true`) or out of it for good (`in: false`) (editor).
#[utoipa::path(post, path = "/v1/clusters/{id}/pin", tag = "clusters", request_body = PinBody,
    params(("id" = String, Path)),
    responses((status = 200, body = Decision), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn pin_entry(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PinBody>,
) -> AppResult<Json<Decision>> {
    require_editor(&actor)?;
    blocking(move || {
        let g = &app.glossary;
        let c = g.store.cluster(&id)?.ok_or_else(|| Error::not_found("cluster", &id))?;
        let entry = body.entry_id;
        let (sub, ord) =
            parse_entry_id(&entry).ok_or_else(|| Error::bad_param("entry_id", format!("no entry '{entry}'")))?;
        if g.store.entry(sub, ord)?.is_none() {
            return Err(Error::bad_param("entry_id", format!("no entry '{entry}'")));
        }
        let others: Vec<String> = c.members.iter().filter(|m| **m != entry).cloned().collect();
        let (kinds, clusters) = if body.pin_in {
            let mut together = vec![entry.clone()];
            together.extend(others);
            let mut clusters = vec![id.clone()];
            if let Some(current) = g.store.cluster_of(&entry)?
                && current != id
            {
                clusters.push(current);
            }
            (vec![ConstraintKind::Together { entries: together }], clusters)
        } else {
            if !c.members.contains(&entry) {
                return Err(Error::bad_param("entry_id", format!("entry '{entry}' is not in cluster {id}")));
            }
            (vec![ConstraintKind::Apart { left: vec![entry.clone()], right: others }], vec![id.clone()])
        };
        let action = if body.pin_in { "cluster.pin_in" } else { "cluster.pin_out" };
        let records = g.decide_clusters(&actor, kinds, action, format!("clusters/{id}"), &clusters, &[entry])?;
        decision(&g.store, records)
    })
    .await
}

fn decision(store: &Store, records: Vec<ClusterRecord>) -> Result<Json<Decision>, Error> {
    let clusters = records.into_iter().map(|r| view(store, r)).collect::<Result<Vec<_>, _>>()?;
    Ok(Json(Decision { clusters }))
}

fn dedup(mut ids: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.retain(|i| seen.insert(i.clone()));
    ids
}
