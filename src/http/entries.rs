//! `/v1/entries`: single national entries, across lists.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Reader;
use super::extract::Params;
use super::problem::{AppResult, Problem};
use super::{AppState, blocking};
use crate::domain::EntryId;
use crate::error::Error;
use crate::service::EntryFilter;
pub use crate::service::EntryView;

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryList {
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
    pub entries: Vec<EntryView>,
}

/// One entry by id.
#[utoipa::path(get, path = "/v1/entries/{id}", tag = "national lists",
    params(("id" = String, Path, description = "Entry id, e.g. 3-12")),
    responses((status = 200, body = EntryView), (status = 404, body = Problem)))]
pub async fn get_entry(
    State(app): State<AppState>,
    Reader(reader): Reader,
    Path(id): Path<String>,
) -> AppResult<Json<EntryView>> {
    let id: EntryId = id.parse().map_err(|_| Error::not_found("entry", &id))?;
    blocking(move || app.glossary.entry(&reader, id).map(|e| Json(e.into()))).await
}

/// Entries of the current revisions, filtered by State, language and year.
#[utoipa::path(get, path = "/v1/entries", tag = "national lists",
    params(
        ("state" = Option<String>, Query, description = "State code"),
        ("language" = Option<String>, Query, description = "Language of the list"),
        ("year" = Option<i32>, Query, description = "Exchange year"),
        ("all_revisions" = Option<bool>, Query, description = "Include revisions that are no longer current"),
        ("limit" = Option<usize>, Query, description = "At most 200; default 20"),
        ("offset" = Option<usize>, Query),
    ),
    responses((status = 200, body = EntryList), (status = 400, body = Problem)))]
pub async fn list_entries(
    State(app): State<AppState>,
    Reader(reader): Reader,
    params: Params,
) -> AppResult<Json<EntryList>> {
    let (offset, limit) = params.page()?;
    let filter = EntryFilter {
        state: params.state("state")?.map(|s| s.to_string()),
        language: params.language("language")?.map(|l| l.to_string()),
        year: params.int("year", 0, 9999)?.map(|y| y as i32),
        all_revisions: params.bool("all_revisions")?,
        audience: None,
    };
    let (total, page) = blocking(move || app.glossary.entries(&reader, &filter, offset, limit)).await?;
    Ok(Json(EntryList { total, limit, offset, entries: page.into_iter().map(EntryView::from).collect() }))
}
