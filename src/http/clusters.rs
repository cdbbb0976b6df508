//! `/v1/clusters`: near-equivalent national entries of different States, the
//! links (with scores and reasons) that hold them together, and editors'
//! decisions (merge, split, pin), which survive rebuilds and new submissions.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Authenticated, Reader};
use super::extract::{JsonBody, Params};
use super::problem::{AppResult, Problem};
use super::{AppState, blocking};
use crate::service::{ClusterFilter, PinDecision};
pub use crate::service::{ClusterLink, ClusterMember, ClusterView};

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

/// Recomputes every cluster (editor); keeps editors' decisions.
#[utoipa::path(post, path = "/v1/clusters/rebuild", tag = "clusters",
    responses((status = 200, body = RebuildReport), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn rebuild_clusters(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
) -> AppResult<Json<RebuildReport>> {
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
    Reader(reader): Reader,
    params: Params,
) -> AppResult<Json<ClusterList>> {
    let (offset, limit) = params.page()?;
    let min_states = params.int("min_states", 1, 1000)?.unwrap_or(2) as usize;
    let state = params.state("state")?;
    blocking(move || {
        let filter = ClusterFilter { min_states, state };
        let (total, clusters) = app.glossary.clusters(&reader, &filter, offset, limit)?;
        Ok(Json(ClusterList { total, limit, offset, clusters }))
    })
    .await
}

/// One cluster: members, and the links that hold it together with their scores.
#[utoipa::path(get, path = "/v1/clusters/{id}", tag = "clusters",
    params(("id" = String, Path)),
    responses((status = 200, body = ClusterView), (status = 404, body = Problem)))]
pub async fn get_cluster(
    State(app): State<AppState>,
    Reader(reader): Reader,
    Path(id): Path<String>,
) -> AppResult<Json<ClusterView>> {
    blocking(move || app.glossary.cluster(&reader, &id).map(Json)).await
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
    let clusters = blocking(move || app.glossary.split_cluster(&actor, &id, body.entry_ids)).await?;
    Ok(Json(Decision { clusters }))
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
    let clusters = blocking(move || app.glossary.merge_clusters(&actor, body.cluster_ids)).await?;
    Ok(Json(Decision { clusters }))
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
    let pin = if body.pin_in { PinDecision::In } else { PinDecision::Out };
    let clusters = blocking(move || app.glossary.pin_entry(&actor, &id, &body.entry_id, pin)).await?;
    Ok(Json(Decision { clusters }))
}
