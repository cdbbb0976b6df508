//! `/v1/compare` and `/v1/coverage`: what every State means by a notion, side
//! by side, and which States have (not) defined which notions.

use axum::Json;
use axum::extract::State;

use super::auth::Reader;
use super::extract::Params;
use super::problem::{AppResult, Problem};
use super::{AppState, blocking};
use crate::error::Error;
pub use crate::service::{
    ClusterCoverage, CompareEntry, CompareRow, Comparison, Coverage, DiffChunk, EntryComparison, EntryDiff,
    PairSimilarity, SimilarityParts, StateCoverage, StateWithout, YearCoverage,
};

/// Every State's current entries for `term` and its near-equivalents, side by
/// side, with their pairwise similarity; States without an entry are listed.
#[utoipa::path(get, path = "/v1/compare", tag = "compare",
    params(("term" = String, Query, description = "A term in any language")),
    responses((status = 200, body = Comparison), (status = 400, body = Problem)))]
pub async fn compare(
    State(app): State<AppState>,
    Reader(reader): Reader,
    params: Params,
) -> AppResult<Json<Comparison>> {
    let term = params.get("term").ok_or_else(|| Error::bad_param("term", "term is required"))?.to_owned();
    blocking(move || app.glossary.compare(&reader, &term).map(Json)).await
}

/// Two entries with a word-level diff of their definitions and their similarity.
#[utoipa::path(get, path = "/v1/compare/entries", tag = "compare",
    params(("a" = String, Query, description = "Entry id"), ("b" = String, Query, description = "Entry id")),
    responses((status = 200, body = EntryComparison), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn compare_entries(
    State(app): State<AppState>,
    Reader(reader): Reader,
    params: Params,
) -> AppResult<Json<EntryComparison>> {
    let a = params.entry_id("a")?;
    let b = params.entry_id("b")?;
    blocking(move || app.glossary.compare_entries(&reader, a, b).map(Json)).await
}

/// The CBM 9 picture: who submitted what, and which notions each State lacks.
#[utoipa::path(get, path = "/v1/coverage", tag = "compare",
    params(("limit" = Option<usize>, Query, description = "Clusters per page"), ("offset" = Option<usize>, Query)),
    responses((status = 200, body = Coverage), (status = 400, body = Problem)))]
pub async fn coverage(
    State(app): State<AppState>,
    Reader(reader): Reader,
    params: Params,
) -> AppResult<Json<Coverage>> {
    let (offset, limit) = params.page()?;
    blocking(move || app.glossary.coverage(&reader, offset, limit).map(Json)).await
}
