//! Clustering near-equivalent national definitions across States.
//!
//! Candidate pairs come from the search index (blocking): each entry's names
//! and the most informative stems of its English definition query the index
//! for its top neighbours, so the work grows with n·k, never n². Each pair is
//! scored (`score`): term similarity on normalized keys, also across English
//! translations, and the cosine of TF-IDF weights of stemmed English
//! definition words. Links above the thresholds are merged (`linkage`),
//! honouring editors' constraints, and every cluster keeps the links that
//! hold it together, with their scores and reasons.
//!
//! A full `rebuild` clusters every current entry; after a new submission,
//! `update` re-clusters only the clusters its entries touch.

pub mod evaluate;
mod features;
mod linkage;
mod score;

use std::collections::{BTreeSet, HashMap, HashSet};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Term};

use crate::error::{Error, Result};
use crate::index::SearchIndex;
use crate::store::clusters::{ClusterRecord, ConstraintKind, LinkRecord};
use crate::store::{EntryRecord, Store, parse_entry_id};
pub use features::{Item, cosine, english_definition};
pub use score::term_similarity;

/// Thresholds and weights of clustering.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Weight of term similarity in the combined score (the rest is the definition's).
    pub term_weight: f32,
    /// Same term: linked unless the definitions' cosine is below this (false friends).
    pub same_term_min_definition: f32,
    /// Different terms: the definitions' cosine must reach this...
    pub min_definition: f32,
    /// ...and the combined score this.
    pub min_score: f32,
    /// Different terms: the two clusters' centroids must agree this much.
    pub min_centroid: f32,
    /// Neighbours asked of the index per entry.
    pub candidates: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            term_weight: 0.35,
            same_term_min_definition: 0.04,
            min_definition: 0.35,
            min_score: 0.35,
            min_centroid: 0.40,
            candidates: 20,
        }
    }
}

/// What a clustering run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stats {
    pub entries: usize,
    pub clusters: usize,
    pub multi_state_clusters: usize,
    pub links: usize,
    pub millis: u128,
}

/// Clusters every current entry from scratch and replaces the stored clusters.
pub fn rebuild(store: &Store, index: &SearchIndex, params: &Params, now: time::OffsetDateTime) -> Result<Stats> {
    let started = std::time::Instant::now();
    let mut vocab = features::Vocabulary::new(index);
    let mut items = Vec::new();
    for s in store.current_submissions()? {
        for e in store.entries_of(s.id) {
            items.push(features::item(&e?, index, &mut vocab)?);
        }
    }
    tracing::debug!(items = items.len(), elapsed = ?started.elapsed(), "clustering: features");
    let position: HashMap<u64, usize> = items.iter().enumerate().map(|(i, it)| (it.key(), i)).collect();
    let all: Vec<usize> = (0..items.len()).collect();
    let links = candidate_links(index, &items, &all, &position, params)?;
    tracing::debug!(links = links.len(), elapsed = ?started.elapsed(), "clustering: candidate links");
    let constraints = resolve_constraints(store, &items)?;
    let records = to_records(&items, &all, links, &constraints, params);
    tracing::debug!(clusters = records.len(), elapsed = ?started.elapsed(), "clustering: clusters");
    let stats = stats(&items, &records, started);
    // The items are not needed for writing: give their memory back first.
    drop((items, position, all));
    store.replace_clusters(&records, now)?;
    store.flush()?;
    tracing::debug!(elapsed = ?started.elapsed(), "clustering: written");
    Ok(Stats { millis: started.elapsed().as_millis(), ..stats })
}

/// Re-clusters what a new submission touches: its entries, the clusters its
/// entries link to, and the clusters of the revision it replaced.
pub fn update(
    store: &Store,
    index: &SearchIndex,
    submission_id: u64,
    replaces: Option<u64>,
    params: &Params,
) -> Result<Stats> {
    let started = std::time::Instant::now();
    let mut vocab = features::Vocabulary::new(index);
    let mut items: Vec<Item> = Vec::new();
    for e in store.entries_of(submission_id) {
        items.push(features::item(&e?, index, &mut vocab)?);
    }
    let new_count = items.len();
    let mut affected: BTreeSet<String> = BTreeSet::new();
    let mut leaving = Vec::new();
    if let Some(old) = replaces {
        for e in store.entries_of(old) {
            let id = e?.id();
            if let Some(c) = store.cluster_of(&id)? {
                affected.insert(c);
            }
            leaving.push(id);
        }
    }
    // The neighbours of the new entries, as the index sees them.
    let probe = Probe::new(index)?;
    let mut neighbour_links: Vec<(usize, EntryRecord)> = Vec::new();
    for (i, item) in items.iter().enumerate().take(new_count) {
        for (sub, ord) in neighbours(index, &probe, item, params.candidates)? {
            if sub == submission_id {
                continue;
            }
            if let Some(e) = store.entry(sub, ord)?
                && store.current_id(&e.state, e.year)? == Some(e.submission_id)
            {
                neighbour_links.push((i, e));
            }
        }
    }
    let mut position: HashMap<u64, usize> = items.iter().enumerate().map(|(i, it)| (it.key(), i)).collect();
    let mut extra: HashMap<u64, EntryRecord> = HashMap::new();
    for (i, e) in &neighbour_links {
        let key = (e.submission_id << 32) | u64::from(e.ordinal);
        if !position.contains_key(&key) && !extra.contains_key(&key) {
            let candidate = features::item(e, index, &mut vocab)?;
            let probe = [items[*i].clone(), candidate];
            if score::score(&probe, 0, 1, params).is_some() {
                extra.insert(key, e.clone());
            }
        }
    }
    for e in extra.values() {
        if let Some(c) = store.cluster_of(&e.id())? {
            affected.insert(c);
        } else {
            let key = (e.submission_id << 32) | u64::from(e.ordinal);
            position.insert(key, items.len());
            items.push(features::item(e, index, &mut vocab)?);
        }
    }
    // Every current member of every affected cluster takes part, with the
    // links that held its cluster together.
    let leaving_set: HashSet<&String> = leaving.iter().collect();
    let mut kept_links: Vec<LinkRecord> = Vec::new();
    let mut old_clusters = Vec::new();
    for cid in &affected {
        let Some(c) = store.cluster(cid)? else { continue };
        for m in &c.members {
            if leaving_set.contains(m) {
                continue;
            }
            let Some((sub, ord)) = parse_entry_id(m) else { continue };
            let key = (sub << 32) | u64::from(ord);
            if position.contains_key(&key) {
                continue;
            }
            if let Some(e) = store.entry(sub, ord)? {
                position.insert(key, items.len());
                items.push(features::item(&e, index, &mut vocab)?);
            }
        }
        kept_links
            .extend(c.links.iter().filter(|l| !leaving_set.contains(&l.a) && !leaving_set.contains(&l.b)).cloned());
        old_clusters.push(c.id.clone());
    }
    let by_id: HashMap<&str, usize> = items.iter().enumerate().map(|(i, it)| (it.id.as_str(), i)).collect();
    let mut links: Vec<score::Link> = Vec::new();
    for l in &kept_links {
        if let (Some(&a), Some(&b)) = (by_id.get(l.a.as_str()), by_id.get(l.b.as_str())) {
            if l.reason == "editor" {
                continue; // editors' links come back from the constraints
            }
            let kind = if l.reason == "similar definition" {
                score::LinkKind::SimilarDefinition
            } else {
                score::LinkKind::SameTerm
            };
            links.push(score::Link {
                a: a.min(b),
                b: a.max(b),
                term: l.term,
                definition: l.definition,
                score: l.score,
                kind,
            });
        }
    }
    let new_idx: Vec<usize> = (0..new_count).collect();
    links.extend(candidate_links(index, &items, &new_idx, &position, params)?);
    let all: Vec<usize> = (0..items.len()).collect();
    let constraints = resolve_constraints(store, &items)?;
    let records = to_records(&items, &all, links, &constraints, params);
    let removed: Vec<String> =
        old_clusters.iter().filter(|id| !records.iter().any(|r| &r.id == *id)).cloned().collect();
    // One transaction: the replaced revision's entries leave, the touched
    // clusters are rewritten, the ones that merged away go.
    store.update_clusters(&records, &removed, &leaving)?;
    store.flush()?;
    Ok(stats(&items, &records, started))
}

/// Re-clusters the members of `cluster_ids` (and `extra` entries) after an
/// editor's decision, keeping the links that held them and applying every
/// constraint. Returns the clusters that now hold those entries.
pub fn recluster(
    store: &Store,
    index: &SearchIndex,
    cluster_ids: &[String],
    extra: &[String],
    params: &Params,
) -> Result<Vec<ClusterRecord>> {
    let mut vocab = features::Vocabulary::new(index);
    let mut items: Vec<Item> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut kept: Vec<LinkRecord> = Vec::new();
    let mut old = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for cid in cluster_ids {
        let c = store.cluster(cid)?.ok_or_else(|| Error::not_found("cluster", cid))?;
        ids.extend(c.members.iter().cloned());
        kept.extend(c.links.into_iter().filter(|l| l.reason != "editor"));
        old.push(c.id);
    }
    ids.extend(extra.iter().cloned());
    for id in ids {
        if !seen.insert(id.clone()) {
            continue;
        }
        let Some((sub, ord)) = parse_entry_id(&id) else { continue };
        if let Some(e) = store.entry(sub, ord)? {
            items.push(features::item(&e, index, &mut vocab)?);
        }
    }
    let by_id: HashMap<&str, usize> = items.iter().enumerate().map(|(i, it)| (it.id.as_str(), i)).collect();
    let links: Vec<score::Link> = kept
        .iter()
        .filter_map(|l| {
            let (a, b) = (*by_id.get(l.a.as_str())?, *by_id.get(l.b.as_str())?);
            let kind = if l.reason == "similar definition" {
                score::LinkKind::SimilarDefinition
            } else {
                score::LinkKind::SameTerm
            };
            Some(score::Link { a: a.min(b), b: a.max(b), term: l.term, definition: l.definition, score: l.score, kind })
        })
        .collect();
    let all: Vec<usize> = (0..items.len()).collect();
    let constraints = resolve_constraints(store, &items)?;
    let records = to_records(&items, &all, links, &constraints, params);
    let removed: Vec<String> = old.into_iter().filter(|id| !records.iter().any(|r| &r.id == id)).collect();
    store.put_clusters(&records, &removed)?;
    store.flush()?;
    Ok(records)
}

/// The similarity of two entries, with its parts: what compare shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Similarity {
    pub term: f32,
    pub definition: f32,
    pub score: f32,
    /// The same normalized term (original or English).
    pub same_term: bool,
    /// The most weighty stemmed words both English definitions use.
    pub shared_words: Vec<String>,
}

/// Scores entries pairwise the way clustering does (one vocabulary for all).
pub fn similarities(index: &SearchIndex, entries: &[EntryRecord], params: &Params) -> Result<Vec<Vec<Similarity>>> {
    let mut vocab = features::Vocabulary::new(index);
    let items: Vec<Item> = entries.iter().map(|e| features::item(e, index, &mut vocab)).collect::<Result<_>>()?;
    let mut out = Vec::with_capacity(items.len());
    for a in &items {
        let mut row = Vec::with_capacity(items.len());
        for b in &items {
            let (term, same_term) = score::term_similarity(a, b);
            let definition = cosine(&a.vector, &b.vector);
            let mut shared: Vec<(f32, u32)> = Vec::new();
            let (mut i, mut j) = (0, 0);
            while i < a.vector.len() && j < b.vector.len() {
                match a.vector[i].0.cmp(&b.vector[j].0) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        shared.push((a.vector[i].1 * b.vector[j].1, a.vector[i].0));
                        i += 1;
                        j += 1;
                    }
                }
            }
            shared.sort_by(|x, y| y.0.total_cmp(&x.0));
            row.push(Similarity {
                term: round(term),
                definition: round(definition),
                score: round(params.term_weight * term + (1.0 - params.term_weight) * definition),
                same_term,
                shared_words: shared.iter().take(8).map(|(_, id)| vocab.stem(*id).to_owned()).collect(),
            });
        }
        out.push(row);
    }
    Ok(out)
}

fn stats(items: &[Item], records: &[ClusterRecord], started: std::time::Instant) -> Stats {
    let state_of: HashMap<&str, &str> = items.iter().map(|i| (i.id.as_str(), i.state.as_str())).collect();
    let multi = records
        .iter()
        .filter(|r| r.members.iter().filter_map(|m| state_of.get(m.as_str())).collect::<HashSet<_>>().len() >= 2)
        .count();
    Stats {
        entries: items.len(),
        clusters: records.len(),
        multi_state_clusters: multi,
        links: records.iter().map(|r| r.links.len()).sum(),
        millis: started.elapsed().as_millis(),
    }
}

/// The index's nearest neighbours of `item` among current entries: the
/// entries whose whole term (or English term) is the item's, and the best
/// `k` by shared term words and rare definition stems.
///
/// Two queries, so that the second is a plain union of term clauses that
/// read frequencies: tantivy then runs it with block-max WAND, skipping the
/// blocks of common words that cannot reach the top `k`, instead of visiting
/// every document of every word.
fn neighbours(index: &SearchIndex, probe: &Probe, item: &Item, k: usize) -> Result<Vec<(u64, u32)>> {
    let searcher = &probe.searcher;
    let f = index.fields();
    let boost = |q: TermQuery, b: f32| -> Box<dyn Query> { Box::new(BoostQuery::new(Box::new(q), b)) };
    let basic = IndexRecordOption::Basic;
    let freqs = IndexRecordOption::WithFreqs;
    let mut whole: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for n in &item.names {
        whole.push((Occur::Should, boost(TermQuery::new(Term::from_field_text(f.keys, n), basic), 10.0)));
    }
    for c in &item.compacts {
        whole.push((Occur::Should, boost(TermQuery::new(Term::from_field_text(f.compact, c), basic), 5.0)));
    }
    let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for w in item.words.iter().filter(|w| w.chars().count() >= 3) {
        words.push((Occur::Should, boost(TermQuery::new(Term::from_field_text(f.key_words, w), freqs), 2.0)));
    }
    let def_en = f.definition;
    for s in &item.top_stems {
        words.push((Occur::Should, Box::new(TermQuery::new(Term::from_field_text(def_en, s), freqs))));
    }
    // No `current` filter in the queries: intersecting with it costs more than
    // the queries themselves. Callers keep current entries only; a few spare
    // neighbours make up for the old revisions among the hits.
    let mut top: Vec<(f32, DocAddress)> = Vec::new();
    for clauses in [whole, words] {
        if clauses.is_empty() {
            continue;
        }
        let query = BooleanQuery::new(clauses);
        top.extend(searcher.search(&query, &TopDocs::with_limit(k + 5).order_by_score())?);
    }
    let mut out = Vec::with_capacity(top.len());
    for (_, addr) in top {
        let found = probe.columns.address(addr)?;
        if !out.contains(&found) {
            out.push(found);
        }
    }
    Ok(out)
}

/// A searcher with each segment's entry-address columns opened once.
struct Probe {
    searcher: tantivy::Searcher,
    columns: crate::index::EntryColumns,
}

impl Probe {
    fn new(index: &SearchIndex) -> Result<Self> {
        let searcher = index.searcher();
        let columns = index.entry_columns(&searcher)?;
        Ok(Self { searcher, columns })
    }
}

/// Scored links from each item of `from` to its neighbours that are in the run.
fn candidate_links(
    index: &SearchIndex,
    items: &[Item],
    from: &[usize],
    position: &HashMap<u64, usize>,
    params: &Params,
) -> Result<Vec<score::Link>> {
    let results = crate::parallel::chunks(from, |part| -> Result<Vec<score::Link>> {
        let probe = Probe::new(index)?;
        let mut out = Vec::new();
        for &i in part {
            for (sub, ord) in neighbours(index, &probe, &items[i], params.candidates)? {
                let Some(&j) = position.get(&((sub << 32) | u64::from(ord))) else { continue };
                if let Some(l) = score::score(items, i, j, params) {
                    out.push(l);
                }
            }
        }
        Ok(out)
    })?;
    let mut links = Vec::new();
    let mut seen = HashSet::new();
    for r in results {
        for l in r? {
            if seen.insert((l.a, l.b)) {
                links.push(l);
            }
        }
    }
    Ok(links)
}

/// Editors' constraints in terms of this run's items. An entry of a replaced
/// revision stands for its successor: the current entry of the same State and
/// year with the same term, so decisions survive new submissions.
fn resolve_constraints(store: &Store, items: &[Item]) -> Result<linkage::Constraints> {
    let by_id: HashMap<&str, usize> = items.iter().enumerate().map(|(i, it)| (it.id.as_str(), i)).collect();
    let by_term: HashMap<(&str, i32, &str), usize> =
        items.iter().enumerate().map(|(i, it)| ((it.state.as_str(), it.year, it.names[0].as_str()), i)).collect();
    let resolve = |id: &str| -> Result<Option<usize>> {
        if let Some(i) = by_id.get(id) {
            return Ok(Some(*i));
        }
        let Some((sub, ord)) = parse_entry_id(id) else { return Ok(None) };
        Ok(store.entry(sub, ord)?.and_then(|e| by_term.get(&(e.state.as_str(), e.year, e.term_key.as_str())).copied()))
    };
    let mut out = linkage::Constraints::default();
    let records = store.constraints()?;
    // A later decision overrides an earlier one about the same pair.
    let mut apart: HashSet<(usize, usize)> = HashSet::new();
    let mut together: Vec<Vec<usize>> = Vec::new();
    for r in records {
        match r.kind {
            ConstraintKind::Together { entries } => {
                let group: Vec<usize> =
                    entries.iter().map(|e| resolve(e)).collect::<Result<Vec<_>>>()?.into_iter().flatten().collect();
                for (x, y) in pairs(&group) {
                    apart.remove(&(x.min(y), x.max(y)));
                }
                together.push(group);
            }
            ConstraintKind::Apart { left, right } => {
                let l: Vec<usize> =
                    left.iter().map(|e| resolve(e)).collect::<Result<Vec<_>>>()?.into_iter().flatten().collect();
                let r: Vec<usize> =
                    right.iter().map(|e| resolve(e)).collect::<Result<Vec<_>>>()?.into_iter().flatten().collect();
                for &a in &l {
                    for &b in &r {
                        if a != b {
                            apart.insert((a.min(b), a.max(b)));
                            for g in &mut together {
                                if g.contains(&a) && g.contains(&b) {
                                    g.retain(|x| *x != a);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    out.together = together.into_iter().filter(|g| g.len() >= 2).collect();
    out.apart = apart.into_iter().collect();
    Ok(out)
}

fn pairs(group: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, &a) in group.iter().enumerate() {
        for &b in &group[i + 1..] {
            out.push((a, b));
        }
    }
    out
}

fn to_records(
    items: &[Item],
    subset: &[usize],
    links: Vec<score::Link>,
    constraints: &linkage::Constraints,
    params: &Params,
) -> Vec<ClusterRecord> {
    let linked = linkage::link(items, links, constraints, params);
    let mut used_by_root: HashMap<usize, Vec<LinkRecord>> = HashMap::new();
    for l in &linked.used {
        used_by_root.entry(linked.roots[l.a]).or_default().push(LinkRecord {
            a: items[l.a].id.clone(),
            b: items[l.b].id.clone(),
            term: round(l.term),
            definition: round(l.definition),
            score: round(l.score),
            reason: l.kind.reason(&items[l.a], &items[l.b]).to_owned(),
        });
    }
    for &(a, b) in &linked.editor {
        let (term, _) = score::term_similarity(&items[a], &items[b]);
        let definition = cosine(&items[a].vector, &items[b].vector);
        used_by_root.entry(linked.roots[a]).or_default().push(LinkRecord {
            a: items[a].id.clone(),
            b: items[b].id.clone(),
            term: round(term),
            definition: round(definition),
            score: round(params.term_weight * term + (1.0 - params.term_weight) * definition),
            reason: "editor".to_owned(),
        });
    }
    let wanted: HashSet<usize> = subset.iter().copied().collect();
    linkage::groups(&linked.roots)
        .into_iter()
        .filter(|g| g.iter().any(|i| wanted.contains(i)))
        .map(|mut g| {
            g.sort_by_key(|&i| (items[i].sub, items[i].ord));
            let root = linked.roots[g[0]];
            let states: BTreeSet<String> = g.iter().map(|&i| items[i].state.clone()).collect();
            ClusterRecord {
                v: 1,
                id: format!("c{}", items[g[0]].id),
                members: g.iter().map(|&i| items[i].id.clone()).collect(),
                states: states.into_iter().collect(),
                links: used_by_root.remove(&root).unwrap_or_default(),
            }
        })
        .collect()
}

fn round(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}
