//! What every State means by a notion, side by side; two entries word by
//! word; and the CBM 9 picture of who defined which notions.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use utoipa::ToSchema;

use super::Glossary;
use super::reads::Readable;
use super::views::EntryView;
use crate::cluster::{self, english_definition};
use crate::domain::{Actor, EntryId, diff, normalize};
use crate::error::{Error, Result};
use crate::index::{FieldScope, SearchRequest};
use crate::store::EntryRecord;

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

/// Rows of at most this many entries are compared pairwise.
const MAX_COMPARED: usize = 60;

/// Search seeds whose term is this close (Jaro-Winkler on matching keys) to
/// the asked term count as the same term when no cluster holds it.
const SAME_TERM_SIMILARITY: f64 = 0.9;

impl Glossary {
    /// Every State's current entries for `term` and its near-equivalents,
    /// side by side, with their pairwise similarity; States without an entry
    /// are listed. `term` is 1 to 256 characters with a letter or digit (400
    /// naming `term` otherwise).
    pub fn compare(&self, reader: &Actor, term: &str) -> Result<Comparison> {
        let mut readable = Readable::new(self, reader)?;
        let audience = readable.audience.tokens();
        if term.chars().count() > 256 {
            return Err(Error::bad_param("term", "a term has at most 256 characters"));
        }
        let key = normalize::key(term);
        if key.is_empty() {
            return Err(Error::bad_param("term", "the term has no letters or digits"));
        }
        let index = self.search_index()?;
        // Entries whose term (or English term) is the term, by the index.
        let exact = index.search(
            &self.store,
            &SearchRequest {
                q: format!("\"{term}\""),
                field: FieldScope::Term,
                limit: 200,
                audience: audience.clone(),
                ..Default::default()
            },
        )?;
        let mut seeds: Vec<EntryRecord> = exact
            .hits
            .into_iter()
            .map(|h| h.entry)
            .filter(|e| e.term_key == key || e.term_en_key.as_deref() == Some(key.as_str()))
            .collect();
        let mut clusters = BTreeSet::new();
        for e in &seeds {
            if let Some(c) = self.store.cluster_of(&e.id())? {
                clusters.insert(c);
            }
        }
        let mut entries: BTreeMap<EntryId, EntryRecord> = BTreeMap::new();
        let basis;
        if clusters.is_empty() {
            basis = "search";
            if seeds.is_empty() {
                let found = index.search(
                    &self.store,
                    &SearchRequest {
                        q: term.to_owned(),
                        field: FieldScope::Term,
                        limit: 30,
                        audience: audience.clone(),
                        ..Default::default()
                    },
                )?;
                let compact = key.replace(' ', "");
                seeds = found
                    .hits
                    .into_iter()
                    .filter(|h| {
                        let names = std::iter::once(h.entry.term_key.as_str()).chain(h.entry.term_en_key.as_deref());
                        names.into_iter().any(|n| {
                            strsim::jaro_winkler(n, &key) >= SAME_TERM_SIMILARITY || n.replace(' ', "") == compact
                        })
                    })
                    .map(|h| h.entry)
                    .collect();
            }
            for e in seeds {
                entries.insert(e.entry_id(), e);
            }
        } else {
            basis = "cluster";
            for cid in &clusters {
                if let Some(c) = self.store.cluster(cid)? {
                    entries.extend(self.member_entries(&c.members)?);
                }
            }
        }
        // Current entries only: a row is what each State says now.
        let mut current = Vec::new();
        for e in entries.into_values() {
            if readable.list(e.submission_id)? && self.store.current_id(&e.state, e.year)? == Some(e.submission_id) {
                current.push(e);
            }
        }
        self.comparison(&mut readable, term.to_owned(), basis, clusters.into_iter().collect(), current)
    }

    fn comparison(
        &self,
        readable: &mut Readable<'_>,
        term: String,
        basis: &str,
        clusters: Vec<String>,
        entries: Vec<EntryRecord>,
    ) -> Result<Comparison> {
        let names = self.state_names()?;
        let mut submitted = BTreeSet::new();
        for s in self.store.current_submissions()? {
            if readable.list(s.id)? {
                submitted.insert(s.state);
            }
        }
        let compared: Vec<EntryRecord> = entries.iter().take(MAX_COMPARED).cloned().collect();
        let matrix = cluster::similarities(self.search_index()?, &compared, &self.cluster_params)?;
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
            let cluster_id = self.store.cluster_of(&e.id())?;
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
        Ok(Comparison { term, basis: basis.to_owned(), clusters, rows, states_without_entry, similarities })
    }

    fn state_names(&self) -> Result<BTreeMap<String, String>> {
        Ok(self.store.states()?.into_iter().map(|s| (s.code, s.name)).collect())
    }

    /// Two entries with a word-level diff of their definitions and their similarity.
    pub fn compare_entries(&self, reader: &Actor, a: EntryId, b: EntryId) -> Result<EntryComparison> {
        let (ea, eb) = (self.entry(reader, a)?, self.entry(reader, b)?);
        let mut diffs =
            vec![EntryDiff { language: "en".into(), chunks: chunks(english_definition(&ea), english_definition(&eb)) }];
        if ea.language == eb.language && ea.language != "en" {
            diffs.push(EntryDiff { language: ea.language.clone(), chunks: chunks(&ea.definition, &eb.definition) });
        }
        let m = cluster::similarities(self.search_index()?, &[ea.clone(), eb.clone()], &self.cluster_params)?;
        let s = m
            .first()
            .and_then(|row| row.get(1))
            .ok_or_else(|| Error::Internal("no similarity for a pair of entries".into()))?;
        let same_cluster = match (self.store.cluster_of(&a.to_string())?, self.store.cluster_of(&b.to_string())?) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        };
        let similarity = SimilarityParts {
            term: s.term,
            definition: s.definition,
            score: s.score,
            same_term: s.same_term,
            shared_words: s.shared_words.clone(),
            same_cluster,
        };
        Ok(EntryComparison { a: ea.into(), b: eb.into(), diffs, similarity })
    }

    /// The CBM 9 picture: who submitted what, and which notions (clusters of
    /// two or more States, most States first; one page of them) each State lacks.
    pub fn coverage(&self, reader: &Actor, offset: usize, limit: usize) -> Result<Coverage> {
        let mut readable = Readable::new(self, reader)?;
        let names = self.state_names()?;
        let mut by_state: BTreeMap<String, Vec<YearCoverage>> = BTreeMap::new();
        for s in self.store.current_submissions()? {
            if !readable.list(s.id)? {
                continue;
            }
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
        let mut multi = Vec::new();
        for c in self.store.clusters() {
            let Some(c) = readable.cluster(c?)? else {
                continue;
            };
            if c.states.len() >= 2 {
                multi.push(c);
            }
        }
        multi.sort_by(|x, y| y.states.len().cmp(&x.states.len()).then(x.id.cmp(&y.id)));
        let total_clusters = multi.len();
        let mut clusters = Vec::new();
        for c in multi.into_iter().skip(offset).take(limit) {
            let mut terms = BTreeSet::new();
            for m in c.members.iter().take(6) {
                if let Ok(id) = m.parse::<EntryId>()
                    && let Some(e) = self.store_entry(id)?
                {
                    terms.insert(e.text.term);
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
        Ok(Coverage { states, not_submitted, total_clusters, limit, offset, clusters })
    }
}

fn chunks(a: &str, b: &str) -> Vec<DiffChunk> {
    diff::word_diff(a, b).into_iter().map(|c| DiffChunk { op: c.op.as_str().to_owned(), text: c.text }).collect()
}
