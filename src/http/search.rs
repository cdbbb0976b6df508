//! `/v1/search`: multilingual full-text and fuzzy search over every State's
//! current national entries (or their whole history).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Reader;
use super::entries::EntryView;
use super::extract::Params;
use super::problem::{AppResult, Problem};
use super::{AppState, blocking};
use crate::error::Error;
use crate::service::{FieldScope, MAX_QUERY_CHARS, SearchRequest};

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    pub entry: EntryView,
    /// The rank group (the integer part: 4 the query is the entry's term, 3
    /// found through a translation, 2 every word in its terms, 1 related
    /// through a translation's words, 0 the rest) plus the score within the
    /// group in [0, 1). The same whatever `limit` and `offset`.
    pub score: f32,
    /// Field (term, definition, term_en, definition_en) → text with the
    /// matches wrapped in `<b>…</b>`, HTML-escaped. Only fields that matched.
    pub highlights: BTreeMap<String, String>,
    /// For an entry found through a translation: the English translation, as a
    /// State wrote it, of a term the query is ("matched through translation X"),
    /// or an equivalent English term from the project's table of equivalents
    /// (data/equivalents.tsv: "DoS" → "denial of service"); its words are
    /// highlighted in the entry's term or term_en.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bridged_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchFacets {
    /// State code → number of matching entries.
    pub state: BTreeMap<String, u64>,
    /// Language → number of matching entries.
    pub language: BTreeMap<String, u64>,
    /// Exchange year → number of matching entries.
    pub year: BTreeMap<String, u64>,
    /// Domain (subject field) → number of matching entries (an entry with
    /// two domains counts in both).
    pub domain: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// Matching entries in all (not just this page).
    pub total: usize,
    /// True when no entry had every word of a query of three or more words,
    /// so these are the entries with two in three of them.
    pub relaxed: bool,
    pub limit: usize,
    pub offset: usize,
    pub hits: Vec<SearchHit>,
    pub facets: SearchFacets,
}

/// Searches terms and definitions, in their original language and in their
/// English translation. Typos are forgiven (edit distance by word length, or
/// `fuzzy`), inflected forms are found through per-language stemming,
/// diacritics and hyphens do not matter, and "quoted phrases" match as phrases.
/// An exact term match ranks first.
#[utoipa::path(get, path = "/v1/search", tag = "search",
    params(
        ("q" = String, Query, description = "Words and \"quoted phrases\"; at most 500 characters"),
        ("language" = Option<String>, Query, description = "Only entries of lists in this language"),
        ("state" = Option<Vec<String>>, Query, description = "Only these States (repeatable)", explode = true),
        ("year" = Option<i32>, Query, description = "Only this exchange year"),
        ("domain" = Option<String>, Query, description = "Only entries with this domain (subject field), as the lists give it"),
        ("fuzzy" = Option<u8>, Query, description = "Edits allowed per word: 0, 1 or 2 (default: by word length)"),
        ("field" = Option<String>, Query, description = "term, definition or all (default)"),
        ("all_revisions" = Option<bool>, Query, description = "Search earlier revisions too"),
        ("limit" = Option<usize>, Query, description = "0 to 200, default 20"),
        ("offset" = Option<usize>, Query, description = "At most 10 000"),
    ),
    responses((status = 200, body = SearchResponse), (status = 400, body = Problem, description = "`param` names the bad parameter")))]
pub async fn search(State(app): State<AppState>, Reader(reader): Reader, params: Params) -> AppResult<Response> {
    let req = request(&params)?;
    // Who asks decides what they may read: the cache keeps answers apart by
    // everything the service's audience is made of.
    let key = format!("{req:?}|{:?}|{:?}|{}", reader.role, reader.state, reader.is_anonymous());
    // The commit the answer is computed against (or a later one): read first.
    let seq = app.glossary.index_generation()?;
    if let Some(body) = app.search_cache.get(seq, &key) {
        return Ok(json_body(body));
    }
    let (limit, offset) = (req.limit, req.offset);
    let glossary = app.glossary.clone();
    let metrics = app.metrics.clone();
    let results = blocking(move || {
        let started = std::time::Instant::now();
        let results = glossary.search(&reader, &req);
        metrics.observe_search(started);
        results
    })
    .await?;
    let mut facets = results.facets;
    let response = SearchResponse {
        total: results.total,
        relaxed: results.relaxed,
        limit,
        offset,
        hits: results
            .hits
            .into_iter()
            .map(|h| SearchHit {
                entry: h.entry.into(),
                score: h.score,
                highlights: h.highlights,
                bridged_by: h.bridged_by,
            })
            .collect(),
        facets: SearchFacets {
            state: facets.remove("state").unwrap_or_default(),
            language: facets.remove("language").unwrap_or_default(),
            year: facets.remove("year").unwrap_or_default(),
            domain: facets.remove("domain").unwrap_or_default(),
        },
    };
    let body = Bytes::from(serde_json::to_vec(&response)?);
    app.search_cache.put(seq, key, body.clone());
    Ok(json_body(body))
}

fn json_body(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn request(params: &Params) -> Result<SearchRequest, Error> {
    let q = params.get("q").ok_or_else(|| Error::bad_param("q", "q (the words to search for) is required"))?;
    let chars = q.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(Error::bad_param(
            "q",
            format!("q has {chars} characters; at most {} are allowed", MAX_QUERY_CHARS),
        ));
    }
    let language = params.language("language")?;
    let states = params.all("state");
    if states.len() > 100 {
        return Err(Error::bad_param("state", "at most 100 states"));
    }
    let states = states
        .into_iter()
        .map(|s| super::extract::state_code("state", s).map(|c| c.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let field = match params.get("field") {
        None | Some("all") => FieldScope::All,
        Some("term") => FieldScope::Term,
        Some("definition") => FieldScope::Definition,
        Some(other) => {
            return Err(Error::bad_param(
                "field",
                format!("field must be term, definition or all, not '{}'", crate::domain::codes::clip(other)),
            ));
        }
    };
    let limit =
        params.int("limit", 0, super::extract::MAX_LIMIT as i64)?.map_or(super::extract::DEFAULT_LIMIT, |n| n as usize);
    Ok(SearchRequest {
        q: q.to_owned(),
        language: language.map(|l| l.to_string()),
        states,
        year: params.int("year", 1900, 2200)?.map(|y| y as i32),
        domain: crate::domain::domain_filter(params.get("domain").unwrap_or_default())
            .map_err(|reason| Error::bad_param("domain", reason))?,
        fuzzy: params.int("fuzzy", 0, 2)?.map(|f| f as u8),
        field,
        all_revisions: params.bool("all_revisions")?,
        limit,
        offset: params.int("offset", 0, 10_000)?.unwrap_or(0) as usize,
        // The service sets it from the caller.
        audience: None,
    })
}
