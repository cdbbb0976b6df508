//! `/v1/compare` and `/v1/coverage`: what every State means by a notion, side
//! by side, and which States have (not) defined which notions.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Reader;
use super::entries::EntryView;
use super::extract::Params;
use super::problem::{AppResult, Problem};
use super::{AppState, blocking};
use crate::cluster::{self, english_definition};
use crate::domain::{diff, normalize};
use crate::error::Error;
use crate::index::{FieldScope, SearchRequest};
use crate::store::{EntryRecord, Store, parse_entry_id};

#[derive(Debug, Serialize, ToSchema)]
pub struct CompareEntry {
    #[serde(flatten)]
    pub entry: EntryView,
    pub cluster_id: Option<String>,
}

/// One State's current entries for the notion, or none.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompareRow {
    pub state: String,
    pub name: String,
    pub entries: Vec<CompareEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StateWithout {
    pub state: String,
    pub name: String,
    /// Has this State submitted any list at all?
    pub has_submitted: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PairSimilarity {
    pub a: String,
    pub b: String,
    pub term: f32,
    pub definition: f32,
    pub score: f32,
    pub same_term: bool,
    pub shared_words: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Comparison {
    pub term: String,
    /// "cluster" when the rows come from clusters of the term, "search" when
    /// no cluster holds it (fuzzy and translation matches).
    pub basis: String,
    pub clusters: Vec<String>,
    pub rows: Vec<CompareRow>,
    pub states_without_entry: Vec<StateWithout>,
    pub similarities: Vec<PairSimilarity>,
}

/// Rows of at most this many entries are compared pairwise.
const MAX_COMPARED: usize = 60;

/// Every State's current entries for `term` and its near-equivalents, side by
/// side, with their pairwise similarity; States without an entry are listed.
#[utoipa::path(get, path = "/v1/compare", tag = "compare",
    params(("term" = String, Query, description = "A term in any language")),
    responses((status = 200, body = Comparison), (status = 400, body = Problem)))]
pub async fn compare(State(app): State<AppState>, _reader: Reader, params: Params) -> AppResult<Json<Comparison>> {
    let term = params.get("term").ok_or_else(|| Error::bad_param("term", "term is required"))?.to_owned();
    if term.chars().count() > 256 {
        return Err(Error::bad_param("term", "a term has at most 256 characters"));
    }
    let key = normalize::key(&term);
    if key.is_empty() {
        return Err(Error::bad_param("term", "the term has no letters or digits"));
    }
    blocking(move || {
        let g = &app.glossary;
        let store = &g.store;
        let index = g.search_index()?;
        // Entries whose term (or English term) is the term, by the index.
        let exact = index.search(
            store,
            &SearchRequest { q: format!("\"{term}\""), field: FieldScope::Term, limit: 200, ..Default::default() },
        )?;
        let mut seeds: Vec<EntryRecord> = exact
            .hits
            .into_iter()
            .map(|h| h.entry)
            .filter(|e| e.term_key == key || e.term_en_key.as_deref() == Some(key.as_str()))
            .collect();
        let mut clusters = BTreeSet::new();
        for e in &seeds {
            if let Some(c) = store.cluster_of(&e.id())? {
                clusters.insert(c);
            }
        }
        let mut entries: BTreeMap<String, EntryRecord> = BTreeMap::new();
        let basis;
        if clusters.is_empty() {
            basis = "search";
            if seeds.is_empty() {
                let found = index.search(
                    store,
                    &SearchRequest { q: term.clone(), field: FieldScope::Term, limit: 30, ..Default::default() },
                )?;
                seeds = found
                    .hits
                    .into_iter()
                    .filter(|h| {
                        let names = std::iter::once(h.entry.term_key.as_str()).chain(h.entry.term_en_key.as_deref());
                        names
                            .into_iter()
                            .any(|n| strsim::jaro_winkler(n, &key) >= 0.9 || n.replace(' ', "") == key.replace(' ', ""))
                    })
                    .map(|h| h.entry)
                    .collect();
            }
            for e in seeds {
                entries.insert(e.id(), e);
            }
        } else {
            basis = "cluster";
            for cid in &clusters {
                if let Some(c) = store.cluster(cid)? {
                    for m in c.members {
                        if let Some((sub, ord)) = parse_entry_id(&m)
                            && let Some(e) = store.entry(sub, ord)?
                        {
                            entries.insert(m, e);
                        }
                    }
                }
            }
        }
        // Current entries only: a row is what each State says now.
        let mut current = Vec::new();
        for e in entries.into_values() {
            if store.current_id(&e.state, e.year)? == Some(e.submission_id) {
                current.push(e);
            }
        }
        comparison(store, index, &g.cluster_params, term, basis, clusters.into_iter().collect(), current)
    })
    .await
}

fn comparison(
    store: &Store,
    index: &crate::index::SearchIndex,
    params: &cluster::Params,
    term: String,
    basis: &str,
    clusters: Vec<String>,
    entries: Vec<EntryRecord>,
) -> Result<Json<Comparison>, Error> {
    let names: BTreeMap<String, String> = store.states()?.into_iter().map(|s| (s.code, s.name)).collect();
    let submitted: BTreeSet<String> = store.current_submissions()?.into_iter().map(|s| s.state).collect();
    let compared: Vec<EntryRecord> = entries.iter().take(MAX_COMPARED).cloned().collect();
    let matrix = cluster::similarities(index, &compared, params)?;
    let mut similarities = Vec::new();
    for (i, row) in matrix.iter().enumerate() {
        for (j, s) in row.iter().enumerate().skip(i + 1) {
            similarities.push(PairSimilarity {
                a: compared[i].id(),
                b: compared[j].id(),
                term: s.term,
                definition: s.definition,
                score: s.score,
                same_term: s.same_term,
                shared_words: s.shared_words.clone(),
            });
        }
    }
    let mut rows: BTreeMap<String, Vec<CompareEntry>> = BTreeMap::new();
    for e in entries {
        let cluster_id = store.cluster_of(&e.id())?;
        rows.entry(e.state.clone()).or_default().push(CompareEntry { entry: e.into(), cluster_id });
    }
    let states_without_entry = names
        .iter()
        .filter(|(code, _)| !rows.contains_key(*code))
        .map(|(code, name)| StateWithout {
            state: code.clone(),
            name: name.clone(),
            has_submitted: submitted.contains(code),
        })
        .collect();
    let rows = rows
        .into_iter()
        .map(|(state, entries)| CompareRow { name: names.get(&state).cloned().unwrap_or_default(), state, entries })
        .collect();
    Ok(Json(Comparison { term, basis: basis.to_owned(), clusters, rows, states_without_entry, similarities }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiffChunk {
    /// equal, delete (only in a) or insert (only in b).
    pub op: String,
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDiff {
    /// "en" (English definitions or translations) or the shared original language.
    pub language: String,
    pub chunks: Vec<DiffChunk>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarityParts {
    pub term: f32,
    pub definition: f32,
    pub score: f32,
    pub same_term: bool,
    pub shared_words: Vec<String>,
    pub same_cluster: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryComparison {
    pub a: EntryView,
    pub b: EntryView,
    /// Word-level diffs of the definitions: in English, and in the original
    /// language when both entries share one other than English.
    pub diffs: Vec<EntryDiff>,
    pub similarity: SimilarityParts,
}

/// Two entries with a word-level diff of their definitions and their similarity.
#[utoipa::path(get, path = "/v1/compare/entries", tag = "compare",
    params(("a" = String, Query, description = "Entry id"), ("b" = String, Query, description = "Entry id")),
    responses((status = 200, body = EntryComparison), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn compare_entries(
    State(app): State<AppState>,
    _reader: Reader,
    params: Params,
) -> AppResult<Json<EntryComparison>> {
    let a = params.get("a").ok_or_else(|| Error::bad_param("a", "a (an entry id) is required"))?.to_owned();
    let b = params.get("b").ok_or_else(|| Error::bad_param("b", "b (an entry id) is required"))?.to_owned();
    blocking(move || {
        let g = &app.glossary;
        let load = |id: &str| -> Result<EntryRecord, Error> {
            let (sub, ord) = parse_entry_id(id).ok_or_else(|| Error::not_found("entry", id))?;
            g.store.entry(sub, ord)?.ok_or_else(|| Error::not_found("entry", id))
        };
        let (ea, eb) = (load(&a)?, load(&b)?);
        let mut diffs =
            vec![EntryDiff { language: "en".into(), chunks: chunks(english_definition(&ea), english_definition(&eb)) }];
        if ea.language == eb.language && ea.language != "en" {
            diffs.push(EntryDiff { language: ea.language.clone(), chunks: chunks(&ea.definition, &eb.definition) });
        }
        let m = cluster::similarities(g.search_index()?, &[ea.clone(), eb.clone()], &g.cluster_params)?;
        let s = &m[0][1];
        let same_cluster = match (g.store.cluster_of(&a)?, g.store.cluster_of(&b)?) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        };
        Ok(Json(EntryComparison {
            a: ea.into(),
            b: eb.into(),
            diffs,
            similarity: SimilarityParts {
                term: s.term,
                definition: s.definition,
                score: s.score,
                same_term: s.same_term,
                shared_words: s.shared_words.clone(),
                same_cluster,
            },
        }))
    })
    .await
}

fn chunks(a: &str, b: &str) -> Vec<DiffChunk> {
    diff::word_diff(a, b).into_iter().map(|c| DiffChunk { op: c.op.as_str().to_owned(), text: c.text }).collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct YearCoverage {
    pub year: i32,
    pub current_revision: u32,
    pub submission_id: String,
    pub entry_count: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StateCoverage {
    pub state: String,
    pub name: String,
    pub years: Vec<YearCoverage>,
    /// Entries in the State's current lists, all years.
    pub entry_count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterCoverage {
    pub cluster_id: String,
    /// A few of the cluster's terms, to recognise it.
    pub terms: Vec<String>,
    pub states: Vec<String>,
    /// States that submitted lists but have no entry in this cluster.
    pub missing: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Coverage {
    pub states: Vec<StateCoverage>,
    /// States with no list at all.
    pub not_submitted: Vec<String>,
    pub total_clusters: usize,
    pub limit: usize,
    pub offset: usize,
    /// Clusters with entries from two or more States, most States first.
    pub clusters: Vec<ClusterCoverage>,
}

/// The CBM 9 picture: who submitted what, and which notions each State lacks.
#[utoipa::path(get, path = "/v1/coverage", tag = "compare",
    params(("limit" = Option<usize>, Query, description = "Clusters per page"), ("offset" = Option<usize>, Query)),
    responses((status = 200, body = Coverage), (status = 400, body = Problem)))]
pub async fn coverage(State(app): State<AppState>, _reader: Reader, params: Params) -> AppResult<Json<Coverage>> {
    let (offset, limit) = params.page()?;
    blocking(move || {
        let store = &app.glossary.store;
        let names: BTreeMap<String, String> = store.states()?.into_iter().map(|s| (s.code, s.name)).collect();
        let mut by_state: BTreeMap<String, Vec<YearCoverage>> = BTreeMap::new();
        for s in store.current_submissions()? {
            by_state.entry(s.state.clone()).or_default().push(YearCoverage {
                year: s.year,
                current_revision: s.revision,
                submission_id: s.id.to_string(),
                entry_count: s.entry_count,
            });
        }
        let submitted: Vec<String> = by_state.keys().cloned().collect();
        let not_submitted = names.keys().filter(|c| !by_state.contains_key(*c)).cloned().collect();
        let states = by_state
            .into_iter()
            .map(|(state, years)| StateCoverage {
                name: names.get(&state).cloned().unwrap_or_default(),
                entry_count: years.iter().map(|y| u64::from(y.entry_count)).sum(),
                state,
                years,
            })
            .collect();
        let mut multi: Vec<_> = store.clusters().filter_map(|c| c.ok()).filter(|c| c.states.len() >= 2).collect();
        multi.sort_by(|x, y| y.states.len().cmp(&x.states.len()).then(x.id.cmp(&y.id)));
        let total_clusters = multi.len();
        let mut clusters = Vec::new();
        for c in multi.into_iter().skip(offset).take(limit) {
            let mut terms = BTreeSet::new();
            for m in c.members.iter().take(6) {
                if let Some((sub, ord)) = parse_entry_id(m)
                    && let Some(e) = store.entry(sub, ord)?
                {
                    terms.insert(e.term);
                }
            }
            let missing = submitted.iter().filter(|s| !c.states.contains(s)).cloned().collect();
            clusters.push(ClusterCoverage {
                cluster_id: c.id,
                terms: terms.into_iter().collect(),
                states: c.states,
                missing,
            });
        }
        Ok(Json(Coverage { states, not_submitted, total_clusters, limit, offset, clusters }))
    })
    .await
}
