//! `/v1/entries`: single national entries, across lists.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::auth::Reader;
use super::extract::Params;
use super::problem::{AppResult, Problem};
use crate::domain::{LanguageTag, StateCode};
use crate::error::Error;
use crate::store::{EntryFilter, EntryRecord, parse_entry_id};

/// One national entry, as its State submitted it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntryView {
    /// "{submission id}-{position in the list}".
    #[schema(example = "3-12")]
    pub id: String,
    pub submission_id: String,
    #[schema(example = "DE")]
    pub state: String,
    pub year: i32,
    pub revision: u32,
    #[schema(example = "de")]
    pub language: String,
    #[schema(example = "Cyberangriff")]
    pub term: String,
    pub definition: String,
    #[schema(example = "cyber attack")]
    pub term_en: Option<String>,
    pub definition_en: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub domains: Vec<String>,
    /// Other terms of the entry's language for the same concept; searchable.
    pub synonyms: Vec<String>,
    /// TBX administrativeStatus of the term: preferred, admitted, deprecated or superseded.
    pub administrative_status: Option<String>,
    /// Data categories without a field of their own, kept as submitted:
    /// `"{scope}/{element}[/{type}]"` → text, e.g. `"term/termNote/partOfSpeech": "noun"`.
    pub extra: BTreeMap<String, String>,
    /// The row of the list this entry came from.
    pub row: u64,
}

impl From<EntryRecord> for EntryView {
    fn from(r: EntryRecord) -> Self {
        Self {
            id: r.id(),
            submission_id: r.submission_id.to_string(),
            state: r.state,
            year: r.year,
            revision: r.revision,
            language: r.language,
            term: r.term,
            definition: r.definition,
            term_en: r.term_en,
            definition_en: r.definition_en,
            source: r.source,
            note: r.note,
            domains: r.domains,
            synonyms: r.synonyms,
            administrative_status: r.administrative_status,
            extra: r.extra,
            row: r.row,
        }
    }
}

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
    _reader: Reader,
    Path(id): Path<String>,
) -> AppResult<Json<EntryView>> {
    let (sub, ord) = parse_entry_id(&id).ok_or_else(|| Error::not_found("entry", &id))?;
    let entry = app.glossary.store.entry(sub, ord)?.ok_or_else(|| Error::not_found("entry", &id))?;
    Ok(Json(entry.into()))
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
pub async fn list_entries(State(app): State<AppState>, _reader: Reader, params: Params) -> AppResult<Json<EntryList>> {
    let (offset, limit) = params.page()?;
    let filter = EntryFilter {
        state: params
            .get("state")
            .map(StateCode::parse)
            .transpose()
            .map_err(|e| Error::bad_param("state", e))?
            .map(|s| s.to_string()),
        language: params
            .get("language")
            .map(LanguageTag::parse)
            .transpose()
            .map_err(|e| Error::bad_param("language", e))?
            .map(|l| l.to_string()),
        year: params.int("year", 0, 9999)?.map(|y| y as i32),
        all_revisions: params.bool("all_revisions")?,
    };
    let (total, page) = app.glossary.store.entries(&filter, offset, limit)?;
    Ok(Json(EntryList { total, limit, offset, entries: page.into_iter().map(EntryView::from).collect() }))
}
