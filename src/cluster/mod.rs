//! Clustering near-equivalent national definitions across States.
//!
//! Candidate pairs come from the search index (blocking): each entry's names,
//! the equivalents of its names, and the most informative stems of its
//! English definition query the index for its top neighbours, so the work
//! grows with n·k, never n². Each pair is scored (`score`) on its terms (the
//! same key, through a translation, a synonym or the table of equivalents,
//! or their word overlap) and on the cosine of the weighted stems of the
//! English definitions; the pairs that reach `min_edge` are the edges of a
//! graph. Average linkage (`linkage`) merges clusters while the average score
//! over all their pairs reaches `min_link`, honouring editors' constraints.
//! Every cluster keeps its scored pairs (with their reasons, shared words and
//! bridges), and the pairs to other clusters that were too weak to merge.
//!
//! A pair's score depends on the two entries only, and the linkage on the
//! edges only, so the clusters of a connected part of the graph are the same
//! whether that part is clustered alone or with everything else. `update`
//! and `recluster` rely on it: they re-cluster the part of the graph their
//! entries reach through edges that can merge clusters, on a copy of the
//! graph kept in memory (`graph`), which gives what `rebuild` gives as long
//! as blocking proposes every pair that is an edge (blocking recall,
//! measured by `examples/cluster_eval`).

pub mod evaluate;
mod features;
mod graph;
mod linkage;
mod score;
#[cfg(test)]
mod tests;

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
pub use graph::Cache;
pub use score::{TermMatch, term_match};

/// Thresholds and weights of clustering.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Different terms: weight of the terms' word overlap (Jaccard of stems)
    /// added to the definitions' cosine.
    pub term_weight: f32,
    /// The same term (or bridged to one): the score starts here, and the
    /// definitions' cosine fills the rest.
    pub same_term_floor: f32,
    /// The same for terms the table of equivalents (or stemming and word
    /// order) makes the same.
    pub equivalent_floor: f32,
    /// The same term is no edge when the definitions' cosine is below this
    /// (false friends).
    pub same_term_min_definition: f32,
    /// A pair scoring below this is no edge (it counts 0 in averages).
    pub min_edge: f32,
    /// Two clusters merge while the average score over all their pairs
    /// reaches this.
    pub min_link: f32,
    /// Neighbours asked of the index per entry and query.
    pub candidates: usize,
    /// Definition stems (the weightiest rare ones, as written) an entry asks
    /// the index for its neighbours by.
    pub blocking_stems: usize,
    /// Terms whose spellings are this close (Dice of character trigrams of
    /// their space-free forms) are morphological variants: equivalent terms.
    pub variant_min: f32,
    /// Rewrite the table's equivalents in definitions too, so "malware" and
    /// "malicious software" count as one word there as well.
    pub canonical_definitions: bool,
    /// The weight of a generic word of ICT definitions ("information",
    /// "system", "data", ...) in a definition's vector, against 1 for the others.
    pub generic_weight: f32,
    /// Compare two non-English entries of one language on their
    /// definitions as written too (the higher cosine counts).
    pub native_definitions: bool,
    /// Different terms whose English head nouns differ: the definitions'
    /// cosine times this is the score (no term overlap is added).
    pub head_mismatch: f32,
}

impl Params {
    /// Sets one parameter by name (evaluation tools sweep them).
    pub fn set(&mut self, name: &str, value: &str) -> std::result::Result<(), String> {
        let f = || value.parse::<f32>().map_err(|e| format!("{name}: {e}"));
        let b = || value.parse::<bool>().map_err(|e| format!("{name}: {e}"));
        match name {
            "term_weight" => self.term_weight = f()?,
            "same_term_floor" => self.same_term_floor = f()?,
            "equivalent_floor" => self.equivalent_floor = f()?,
            "same_term_min_definition" => self.same_term_min_definition = f()?,
            "min_edge" => self.min_edge = f()?,
            "min_link" => self.min_link = f()?,
            "candidates" => self.candidates = value.parse().map_err(|e| format!("{name}: {e}"))?,
            "blocking_stems" => self.blocking_stems = value.parse().map_err(|e| format!("{name}: {e}"))?,
            "variant_min" => self.variant_min = f()?,
            "canonical_definitions" => self.canonical_definitions = b()?,
            "generic_weight" => self.generic_weight = f()?,
            "native_definitions" => self.native_definitions = b()?,
            "head_mismatch" => self.head_mismatch = f()?,
            _ => return Err(format!("no clustering parameter '{name}'")),
        }
        Ok(())
    }
}

impl Default for Params {
    fn default() -> Self {
        Self {
            term_weight: 0.3,
            same_term_floor: 0.5,
            equivalent_floor: 0.35,
            same_term_min_definition: 0.04,
            min_edge: 0.15,
            min_link: 0.30,
            candidates: 20,
            blocking_stems: 8,
            variant_min: 0.8,
            canonical_definitions: true,
            generic_weight: 0.5,
            native_definitions: false,
            head_mismatch: 0.7,
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

/// The current entries, as items.
fn current_items(store: &Store, index: &SearchIndex, vocab: &mut features::Vocabulary) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    for s in store.current_submissions()? {
        for e in store.entries_of(s.id) {
            items.push(features::item(&e?, index, vocab)?);
        }
    }
    Ok(items)
}

/// Clusters every current entry from scratch and replaces the stored
/// clusters; `cache` keeps the run's graph for the updates that follow.
pub fn rebuild(
    store: &Store,
    index: &SearchIndex,
    cache: &mut Cache,
    params: &Params,
    now: time::OffsetDateTime,
) -> Result<Stats> {
    let started = std::time::Instant::now();
    cache.clear();
    let (run, stats) = whole_run(store, index, params)?;
    store.replace_clusters(&run.records, now)?;
    store.flush()?;
    cache.keep(graph::Graph::of_run(store.cluster_writes(), &run.items, &run.links, &run.records), store, params)?;
    tracing::debug!(elapsed = ?started.elapsed(), "clustering: written");
    Ok(Stats { millis: started.elapsed().as_millis(), ..stats })
}

/// What a rebuild would store, without storing it.
pub fn plan(store: &Store, index: &SearchIndex, params: &Params) -> Result<(Vec<ClusterRecord>, Stats)> {
    let (run, stats) = whole_run(store, index, params)?;
    Ok((run.records, stats))
}

/// A clustering of every current entry.
struct WholeRun {
    items: Vec<Item>,
    links: Vec<score::Link>,
    records: Vec<ClusterRecord>,
}

fn whole_run(store: &Store, index: &SearchIndex, params: &Params) -> Result<(WholeRun, Stats)> {
    let started = std::time::Instant::now();
    let mut vocab = features::Vocabulary::new(index, params);
    let items = current_items(store, index, &mut vocab)?;
    tracing::debug!(items = items.len(), elapsed = ?started.elapsed(), "clustering: features");
    let position: HashMap<u64, usize> = items.iter().enumerate().map(|(i, it)| (it.key(), i)).collect();
    let all: Vec<usize> = (0..items.len()).collect();
    let links = candidate_links(index, &items, &all, &position, params)?;
    tracing::debug!(links = links.len(), elapsed = ?started.elapsed(), "clustering: candidate links");
    let (constraints, _) = resolve_constraints(store, &|k| position.get(&k).copied())?;
    let records = to_records(&items, &links, &constraints, params, &vocab);
    tracing::debug!(clusters = records.len(), elapsed = ?started.elapsed(), "clustering: clusters");
    let stats = stats(&items, &records, started);
    Ok((WholeRun { items, links, records }, stats))
}

/// Every pair blocking proposes among the current entries (entry ids, the
/// smaller first), before any scoring: what blocking recall is measured on.
pub fn candidate_pairs(store: &Store, index: &SearchIndex, params: &Params) -> Result<HashSet<(String, String)>> {
    let mut vocab = features::Vocabulary::new(index, params);
    let items = current_items(store, index, &mut vocab)?;
    let position: HashMap<u64, usize> = items.iter().enumerate().map(|(i, it)| (it.key(), i)).collect();
    let all: Vec<usize> = (0..items.len()).collect();
    let mut out = HashSet::new();
    for (i, j) in candidates(index, &items, &all, &position, params)? {
        let (a, b) = (&items[i].id, &items[j].id);
        out.insert(if a < b { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) });
    }
    Ok(out)
}

/// Places a new submission's entries (and takes the entries of the
/// revision it replaced out): blocking finds the new entries' pairs, and
/// the part of the graph they reach is clustered again (see `graph`).
/// Running it again on the same submission changes nothing.
pub fn update(
    store: &Store,
    index: &SearchIndex,
    cache: &mut Cache,
    submission_id: u64,
    replaces: Option<u64>,
    params: &Params,
) -> Result<Stats> {
    let started = std::time::Instant::now();
    let mut vocab = features::Vocabulary::new(index, params);
    let mut items: Vec<Item> = Vec::new();
    for e in store.entries_of(submission_id) {
        items.push(features::item(&e?, index, &mut vocab)?);
    }
    let fresh = items.len();
    let mut leaving = Vec::new();
    if let Some(old) = replaces {
        for e in store.entries_of(old) {
            leaving.push(e?.id());
        }
    }
    // The new entries' neighbours among the current entries, as the index
    // sees them: the candidate pairs.
    let found = crate::parallel::chunks(&items, |part| -> Result<Vec<Vec<(u64, u32)>>> {
        let probe = Probe::new(index)?;
        part.iter().map(|it| neighbours(index, &probe, it, params.candidates)).collect()
    })?;
    let mut found_all = Vec::with_capacity(fresh);
    for f in found {
        found_all.extend(f?);
    }
    // The neighbours that are current entries, with their features (on
    // every core, each with its own vocabulary, taken in afterwards).
    let mut position: HashMap<u64, usize> = items.iter().enumerate().map(|(i, it)| (it.key(), i)).collect();
    let mut wanted: Vec<u64> = Vec::new();
    let mut asked: HashSet<u64> = HashSet::new();
    for found in &found_all {
        for &(sub, ord) in found {
            let key = (sub << 32) | u64::from(ord);
            if !position.contains_key(&key) && asked.insert(key) {
                wanted.push(key);
            }
        }
    }
    let made = crate::parallel::chunks(&wanted, |part| -> Result<(Vec<Item>, features::Vocabulary)> {
        let mut vocab = features::Vocabulary::new(index, params);
        let mut current: HashMap<(String, i32), Option<u64>> = HashMap::new();
        let mut out = Vec::new();
        for &key in part {
            let Some(e) = store.entry(key >> 32, key as u32)? else { continue };
            let cur = match current.get(&(e.state.clone(), e.year)) {
                Some(c) => *c,
                None => {
                    let c = store.current_id(&e.state, e.year)?;
                    current.insert((e.state.clone(), e.year), c);
                    c
                }
            };
            if cur == Some(e.submission_id) {
                out.push(features::item(&e, index, &mut vocab)?);
            }
        }
        Ok((out, vocab))
    })?;
    for part in made {
        let (made, learnt) = part?;
        vocab.absorb(learnt);
        for it in made {
            position.insert(it.key(), items.len());
            items.push(it);
        }
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    for (i, found) in found_all.into_iter().enumerate() {
        for (sub, ord) in found {
            let Some(&j) = position.get(&((sub << 32) | u64::from(ord))) else { continue };
            if i != j && seen.insert((i.min(j), i.max(j))) {
                pairs.push((i.min(j), i.max(j)));
            }
        }
    }
    let scored = crate::parallel::chunks(&pairs, |part| -> Vec<score::Link> {
        part.iter().filter_map(|&(i, j)| score::score(&items, i, j, params)).collect()
    })?;
    let links: Vec<score::Link> = scored.into_iter().flatten().collect();
    tracing::debug!(entries = fresh, neighbours = items.len() - fresh, pairs = links.len(), elapsed = ?started.elapsed(), "update: blocked");
    let change =
        graph::Change { items, links, arriving: (0..fresh).collect(), leaving, seeds: Vec::new(), named: Vec::new() };
    let applied = graph::apply(cache, store, index, &mut vocab, params, change)?;
    Ok(Stats { millis: started.elapsed().as_millis(), ..applied.stats })
}

/// Re-clusters the members of `cluster_ids` (and `extra` entries) after an
/// editor's decision, with every cluster they reach through pairs that can
/// merge clusters, applying every constraint. Returns the clusters that now
/// hold those entries.
pub fn recluster(
    store: &Store,
    index: &SearchIndex,
    cache: &mut Cache,
    cluster_ids: &[String],
    extra: &[String],
    params: &Params,
) -> Result<Vec<ClusterRecord>> {
    let mut vocab = features::Vocabulary::new(index, params);
    let mut seeds = Vec::new();
    let mut named: Vec<String> = Vec::new();
    for cid in cluster_ids {
        let c = store.cluster(cid)?.ok_or_else(|| Error::not_found("cluster", cid))?;
        named.extend(c.members);
        seeds.push(c.id);
    }
    let mut items = Vec::new();
    for id in extra {
        named.push(id.clone());
        if store.cluster_of(id)?.is_some() {
            continue;
        }
        // An entry in no cluster yet: placed if it is current.
        let Some((sub, ord)) = parse_entry_id(id) else { continue };
        if let Some(e) = store.entry(sub, ord)?
            && store.current_id(&e.state, e.year)? == Some(e.submission_id)
        {
            items.push(features::item(&e, index, &mut vocab)?);
        }
    }
    let arriving = (0..items.len()).collect();
    let change = graph::Change { items, links: Vec::new(), arriving, leaving: Vec::new(), seeds, named: named.clone() };
    let applied = graph::apply(cache, store, index, &mut vocab, params, change)?;
    let named: HashSet<&str> = named.iter().map(String::as_str).collect();
    // The written clusters that hold a named entry, then the others' clusters.
    let mut out: Vec<ClusterRecord> = applied.written;
    for m in &named {
        if out.iter().any(|r| r.members.iter().any(|x| x == m)) {
            continue;
        }
        if let Some(cid) = store.cluster_of(m)?
            && let Some(c) = store.cluster(&cid)?
        {
            out.push(c);
        }
    }
    Ok(out)
}

/// The similarity of two entries, with its parts: what compare shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Similarity {
    pub term: f32,
    pub definition: f32,
    pub score: f32,
    /// The same term: normalized, through a translation or synonym, or
    /// through the table of equivalents.
    pub same_term: bool,
    /// The most weighty stemmed words both English definitions use.
    pub shared_words: Vec<String>,
    /// What bridged two different words, if anything did.
    pub bridge: Option<String>,
    /// Why the pair is kept apart (a false friend, a narrower notion).
    pub apart: Option<String>,
}

/// Scores entries pairwise the way clustering does.
pub fn similarities(index: &SearchIndex, entries: &[EntryRecord], params: &Params) -> Result<Vec<Vec<Similarity>>> {
    let mut vocab = features::Vocabulary::new(index, params);
    let items: Vec<Item> = entries.iter().map(|e| features::item(e, index, &mut vocab)).collect::<Result<_>>()?;
    let mut out = Vec::with_capacity(items.len());
    for a in &items {
        let mut row = Vec::with_capacity(items.len());
        for b in &items {
            let s = score::pair(a, b, params);
            row.push(Similarity {
                term: round(s.term.similarity),
                definition: round(s.definition),
                score: round(s.score),
                same_term: s.term.same.is_some(),
                shared_words: shared_words(a, b, &vocab, 8),
                bridge: s.term.bridge,
                apart: s.apart.map(str::to_owned),
            });
        }
        out.push(row);
    }
    Ok(out)
}

fn shared_words(a: &Item, b: &Item, vocab: &features::Vocabulary, n: usize) -> Vec<String> {
    features::shared(&a.vector, &b.vector).iter().take(n).map(|(_, h)| vocab.stem(*h).to_owned()).collect()
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
/// entries whose whole term (or English term, or an equivalent from the
/// table) is the item's, and the best
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
    // The other members of the item's classes of equivalent terms.
    for e in &item.equivalent_keys {
        whole.push((Occur::Should, boost(TermQuery::new(Term::from_field_text(f.keys, e), basic), 8.0)));
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

/// Candidate pairs (item indices, each once) from each item of `from` to its
/// neighbours that are in the run.
fn candidates(
    index: &SearchIndex,
    items: &[Item],
    from: &[usize],
    position: &HashMap<u64, usize>,
    params: &Params,
) -> Result<Vec<(usize, usize)>> {
    let results = crate::parallel::chunks(from, |part| -> Result<Vec<(usize, usize)>> {
        let probe = Probe::new(index)?;
        let mut out = Vec::new();
        for &i in part {
            for (sub, ord) in neighbours(index, &probe, &items[i], params.candidates)? {
                let Some(&j) = position.get(&((sub << 32) | u64::from(ord))) else { continue };
                if i != j {
                    out.push((i.min(j), i.max(j)));
                }
            }
        }
        Ok(out)
    })?;
    let mut pairs = Vec::new();
    let mut seen = HashSet::new();
    for r in results {
        for p in r? {
            if seen.insert(p) {
                pairs.push(p);
            }
        }
    }
    Ok(pairs)
}

/// The candidate pairs of `from` that are edges, scored.
fn candidate_links(
    index: &SearchIndex,
    items: &[Item],
    from: &[usize],
    position: &HashMap<u64, usize>,
    params: &Params,
) -> Result<Vec<score::Link>> {
    let pairs = candidates(index, items, from, position, params)?;
    let scored = crate::parallel::chunks(&pairs, |part| -> Result<Vec<score::Link>> {
        Ok(part.iter().filter_map(|&(i, j)| score::score(items, i, j, params)).collect())
    })?;
    let mut links = Vec::new();
    for r in scored {
        links.extend(r?);
    }
    Ok(links)
}

/// Editors' constraints in terms of a run's nodes (`lookup` maps an entry
/// key to its index in the run), and the indices they name. An entry of a
/// replaced revision stands for its successor: the current entry of the
/// same State and year with the same term, so decisions survive new
/// submissions.
fn resolve_constraints(
    store: &Store,
    lookup: &dyn Fn(u64) -> Option<usize>,
) -> Result<(linkage::Constraints, HashSet<usize>)> {
    // Per current submission: its entries' keys by term.
    let mut successors: HashMap<u64, HashMap<String, u64>> = HashMap::new();
    let mut resolve = |id: &str| -> Result<Option<usize>> {
        let Some((sub, ord)) = parse_entry_id(id) else { return Ok(None) };
        if let Some(i) = lookup((sub << 32) | u64::from(ord)) {
            return Ok(Some(i));
        }
        let Some(e) = store.entry(sub, ord)? else { return Ok(None) };
        let Some(cur) = store.current_id(&e.state, e.year)? else { return Ok(None) };
        if cur == sub {
            return Ok(None);
        }
        let by_term = match successors.entry(cur) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let mut by_term = HashMap::new();
                for x in store.entries_of(cur) {
                    let x = x?;
                    by_term.entry(x.term_key.clone()).or_insert((x.submission_id << 32) | u64::from(x.ordinal));
                }
                v.insert(by_term)
            }
        };
        Ok(by_term.get(&e.term_key).and_then(|k| lookup(*k)))
    };
    let mut resolve_all = |ids: &[String]| -> Result<Vec<usize>> {
        let mut out = Vec::new();
        for id in ids {
            if let Some(i) = resolve(id)? {
                out.push(i);
            }
        }
        Ok(out)
    };
    let mut out = linkage::Constraints::default();
    let mut named = HashSet::new();
    let records = store.constraints()?;
    // A later decision overrides an earlier one about the same pair.
    let mut apart: HashSet<(usize, usize)> = HashSet::new();
    let mut together: Vec<Vec<usize>> = Vec::new();
    for r in records {
        match r.kind {
            ConstraintKind::Together { entries } => {
                let group = resolve_all(&entries)?;
                named.extend(group.iter().copied());
                for (x, y) in pairs(&group) {
                    apart.remove(&(x.min(y), x.max(y)));
                }
                together.push(group);
            }
            ConstraintKind::Apart { left, right } => {
                let l = resolve_all(&left)?;
                let r = resolve_all(&right)?;
                named.extend(l.iter().chain(&r).copied());
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
    Ok((out, named))
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

/// The clusters of `items` under `links` and `constraints`, each with its
/// scored pairs, and its pairs to other clusters (`near`).
fn to_records(
    items: &[Item],
    links: &[score::Link],
    constraints: &linkage::Constraints,
    params: &Params,
    vocab: &features::Vocabulary,
) -> Vec<ClusterRecord> {
    let nodes: Vec<linkage::Node> = items.iter().map(|it| linkage::Node { key: it.key(), sub: it.sub }).collect();
    let edges: Vec<linkage::Edge> = links
        .iter()
        .map(|l| linkage::Edge { a: l.a as u32, b: l.b as u32, q: l.q as u32, same: l.kind.is_same_term() })
        .collect();
    let linked = linkage::link(&nodes, &edges, constraints, params);
    let record = |l: &score::Link| link_record(items, l, vocab);
    let mut inner: HashMap<usize, Vec<LinkRecord>> = HashMap::new();
    let mut near: HashMap<usize, Vec<LinkRecord>> = HashMap::new();
    let mut joined: HashSet<(usize, usize)> = HashSet::new();
    for l in links {
        let (ra, rb) = (linked.roots[l.a], linked.roots[l.b]);
        joined.insert((l.a.min(l.b), l.a.max(l.b)));
        if ra == rb {
            inner.entry(ra).or_default().push(record(l));
        } else {
            // Kept once, with the newer entry (`l.b`: pairs are in key
            // order), so a new entry's pairs to older clusters change only
            // its own cluster's record.
            near.entry(rb).or_default().push(record(l));
        }
    }
    for &(a, b) in &linked.editor {
        if joined.contains(&(a.min(b), a.max(b))) {
            continue;
        }
        inner.entry(linked.roots[a]).or_default().push(editor_record(&items[a], &items[b], params, vocab));
    }
    linkage::groups(&linked.roots)
        .into_iter()
        .map(|mut g| {
            g.sort_by_key(|&i| (items[i].sub, items[i].ord));
            let root = linked.roots[g[0]];
            let states: BTreeSet<String> = g.iter().map(|&i| items[i].state.clone()).collect();
            let mut links = inner.remove(&root).unwrap_or_default();
            let mut near = near.remove(&root).unwrap_or_default();
            order_links(&mut links);
            order_links(&mut near);
            ClusterRecord {
                v: 1,
                id: format!("c{}", items[g[0]].id),
                members: g.iter().map(|&i| items[i].id.clone()).collect(),
                states: states.into_iter().collect(),
                links,
                near,
            }
        })
        .collect()
}

/// The record of a pair an editor joined (scored, but no edge), the entry
/// with the smaller key first whatever the order given.
fn editor_record(x: &Item, y: &Item, params: &Params, vocab: &features::Vocabulary) -> LinkRecord {
    let (x, y) = if x.key() < y.key() { (x, y) } else { (y, x) };
    let s = score::pair(x, y, params);
    LinkRecord {
        a: x.id.clone(),
        b: y.id.clone(),
        term: round(s.term.similarity),
        definition: round(s.definition),
        score: round(s.score),
        reason: "editor".to_owned(),
        shared: shared_words(x, y, vocab, 5),
        bridge: s.term.bridge,
    }
}

/// A cluster's pair records in the order they are stored: by entry ids.
fn order_links(v: &mut [LinkRecord]) {
    v.sort_by_cached_key(|l| (parse_entry_id(&l.a), parse_entry_id(&l.b)));
}

/// The stored record of a scored pair.
fn link_record(items: &[Item], l: &score::Link, vocab: &features::Vocabulary) -> LinkRecord {
    LinkRecord {
        a: items[l.a].id.clone(),
        b: items[l.b].id.clone(),
        term: round(l.term),
        definition: round(l.definition),
        score: round(l.score),
        reason: l.kind.reason().to_owned(),
        shared: shared_words(&items[l.a], &items[l.b], vocab, 5),
        bridge: l.bridge.clone(),
    }
}

fn round(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}
