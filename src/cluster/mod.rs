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
//! entries reach (the clusters they link to, and the clusters those clusters'
//! stored pairs reach), which gives what `rebuild` gives as long as blocking
//! proposes every pair that is an edge (blocking recall, measured by
//! `examples/cluster_eval`).

pub mod evaluate;
mod features;
mod linkage;
mod score;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Term};

use crate::error::{Error, Result};
use crate::index::SearchIndex;
use crate::store::clusters::{ClusterRecord, ConstraintKind, LinkRecord};
use crate::store::{EntryRecord, Store, parse_entry_id};
pub use features::{Item, cosine, english_definition};
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

/// Clusters every current entry from scratch and replaces the stored clusters.
pub fn rebuild(store: &Store, index: &SearchIndex, params: &Params, now: time::OffsetDateTime) -> Result<Stats> {
    let started = std::time::Instant::now();
    let (records, stats) = plan(store, index, params)?;
    store.replace_clusters(&records, now)?;
    store.flush()?;
    tracing::debug!(elapsed = ?started.elapsed(), "clustering: written");
    Ok(Stats { millis: started.elapsed().as_millis(), ..stats })
}

/// What a rebuild would store, without storing it.
pub fn plan(store: &Store, index: &SearchIndex, params: &Params) -> Result<(Vec<ClusterRecord>, Stats)> {
    let started = std::time::Instant::now();
    let mut vocab = features::Vocabulary::new(index, params);
    let items = current_items(store, index, &mut vocab)?;
    tracing::debug!(items = items.len(), elapsed = ?started.elapsed(), "clustering: features");
    let position: HashMap<u64, usize> = items.iter().enumerate().map(|(i, it)| (it.key(), i)).collect();
    let all: Vec<usize> = (0..items.len()).collect();
    let links = candidate_links(index, &items, &all, &position, params)?;
    tracing::debug!(links = links.len(), elapsed = ?started.elapsed(), "clustering: candidate links");
    let constraints = resolve_constraints(store, &items)?;
    let records = to_records(&items, &links, &constraints, params, &vocab);
    tracing::debug!(clusters = records.len(), elapsed = ?started.elapsed(), "clustering: clusters");
    let stats = stats(&items, &records, started);
    Ok((records, stats))
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

/// Re-clusters what a new submission touches: its entries, the clusters its
/// entries link to, the clusters of the revision it replaced, and every
/// cluster those reach through their stored pairs. Running it again on the
/// same submission changes nothing.
pub fn update(
    store: &Store,
    index: &SearchIndex,
    submission_id: u64,
    replaces: Option<u64>,
    params: &Params,
) -> Result<Stats> {
    let started = std::time::Instant::now();
    let mut vocab = features::Vocabulary::new(index, params);
    let mut fresh: Vec<Item> = Vec::new();
    for e in store.entries_of(submission_id) {
        fresh.push(features::item(&e?, index, &mut vocab)?);
    }
    let mut seeds: BTreeSet<String> = BTreeSet::new();
    let mut leaving = Vec::new();
    if let Some(old) = replaces {
        for e in store.entries_of(old) {
            let id = e?.id();
            if let Some(c) = store.cluster_of(&id)? {
                seeds.insert(c);
            }
            leaving.push(id);
        }
    }
    // Placed already (the same update run twice): start from where they are.
    for it in &fresh {
        if let Some(c) = store.cluster_of(&it.id)? {
            seeds.insert(c);
        }
    }
    // The new entries' neighbours, as the index sees them, that they link to.
    let probe = Probe::new(index)?;
    let mut neighbours_of_fresh: Vec<Item> = Vec::new();
    let mut seen: HashSet<u64> = fresh.iter().map(Item::key).collect();
    for it in &fresh {
        for (sub, ord) in neighbours(index, &probe, it, params.candidates)? {
            let key = (sub << 32) | u64::from(ord);
            if !seen.insert(key) {
                continue;
            }
            if let Some(e) = store.entry(sub, ord)?
                && store.current_id(&e.state, e.year)? == Some(e.submission_id)
            {
                neighbours_of_fresh.push(features::item(&e, index, &mut vocab)?);
            }
        }
    }
    let mut probe_items = fresh.clone();
    probe_items.extend(neighbours_of_fresh);
    // A clustered neighbour's cluster is re-clustered only if a new entry
    // links to it strongly enough to join it (see `Region`); a neighbour in
    // no cluster yet comes along on any edge.
    let mut loose: Vec<Item> = Vec::new();
    for j in fresh.len()..probe_items.len() {
        let links: Vec<score::Link> =
            (0..fresh.len()).filter_map(|i| score::score(&probe_items, i, j, params)).collect();
        if links.is_empty() {
            continue;
        }
        match store.cluster_of(&probe_items[j].id)? {
            Some(c) if links.iter().any(|l| can_join(l, params)) => {
                seeds.insert(c);
            }
            Some(_) => {}
            None => loose.push(probe_items[j].clone()),
        }
    }
    let leaving_set: HashSet<String> = leaving.iter().cloned().collect();
    let region = Region::gather(store, index, &mut vocab, &seeds, fresh, loose, &leaving_set, params)?;
    let records = region.cluster(index, store, params, &vocab)?;
    let removed: Vec<String> = region.old.iter().filter(|id| !records.iter().any(|r| &r.id == *id)).cloned().collect();
    // One transaction: the replaced revision's entries leave, the touched
    // clusters are rewritten, the ones that merged away go.
    leaving.extend(region.dropped.iter().cloned());
    store.update_clusters(&records, &removed, &leaving)?;
    store.flush()?;
    Ok(stats(&region.items, &records, started))
}

/// Re-clusters the members of `cluster_ids` (and `extra` entries) after an
/// editor's decision, with every cluster they reach through their stored
/// pairs, applying every constraint. Returns the clusters that now hold
/// those entries.
pub fn recluster(
    store: &Store,
    index: &SearchIndex,
    cluster_ids: &[String],
    extra: &[String],
    params: &Params,
) -> Result<Vec<ClusterRecord>> {
    let mut vocab = features::Vocabulary::new(index, params);
    let mut seeds: BTreeSet<String> = BTreeSet::new();
    let mut named: HashSet<String> = HashSet::new();
    for cid in cluster_ids {
        let c = store.cluster(cid)?.ok_or_else(|| Error::not_found("cluster", cid))?;
        named.extend(c.members);
        seeds.insert(c.id);
    }
    let mut loose = Vec::new();
    for id in extra {
        named.insert(id.clone());
        match store.cluster_of(id)? {
            Some(c) => {
                seeds.insert(c);
            }
            None => {
                let Some((sub, ord)) = parse_entry_id(id) else { continue };
                if let Some(e) = store.entry(sub, ord)? {
                    loose.push(features::item(&e, index, &mut vocab)?);
                }
            }
        }
    }
    let region = Region::gather(store, index, &mut vocab, &seeds, Vec::new(), loose, &HashSet::new(), params)?;
    let records = region.cluster(index, store, params, &vocab)?;
    let removed: Vec<String> = region.old.iter().filter(|id| !records.iter().any(|r| &r.id == *id)).cloned().collect();
    store.update_clusters(&records, &removed, &region.dropped)?;
    store.flush()?;
    Ok(records.into_iter().filter(|r| r.members.iter().any(|m| named.contains(m))).collect())
}

/// Can a pair with this score take part in a merge? Two clusters merge only
/// while the average score over all their pairs reaches `min_link`, so at
/// least one of their pairs must reach it (the rounding of stored scores
/// is allowed for).
fn joins(score: f32, params: &Params) -> bool {
    score >= params.min_link - 0.002
}

/// Can this pair take part in a merge: one that reaches `min_link`, or a
/// same-term pair (those join as single links, whatever their score)?
fn can_join(link: &score::Link, params: &Params) -> bool {
    link.kind.is_same_term() || joins(link.score, params)
}

/// [`can_join`] for a stored pair.
fn stored_can_join(link: &LinkRecord, params: &Params) -> bool {
    [score::LinkKind::SameTerm, score::LinkKind::SameEnglishTerm].iter().any(|k| k.reason() == link.reason)
        || joins(link.score, params)
}

/// The part of the graph an update or a decision reaches: the entries of
/// the seed clusters and of every cluster their stored pairs that can join
/// clusters reach, new entries, and the pairs stored among them.
///
/// Only pairs that reach `min_link` are followed ([`joins`]): average
/// linkage merges two clusters only if one of their pairs reaches it, so
/// the final clusters never cross a weaker pair, and clustering each part
/// connected by stronger pairs alone gives what clustering everything gives
/// (the property test in `tests.rs`). Following every edge instead made an
/// update re-cluster nearly the whole store when definitions share many
/// words (31 s instead of under 1 s at 100,000 entries).
struct Region {
    items: Vec<Item>,
    /// Pairs stored in the region's clusters (entry ids).
    stored: Vec<(String, String)>,
    /// The region's clusters as they were.
    old: Vec<String>,
    /// How many leading items are new (their pairs come from blocking).
    fresh: usize,
    /// Members of the region's clusters that are no longer current (left
    /// behind by an update that did not finish): they leave every cluster.
    dropped: Vec<String>,
}

impl Region {
    #[allow(clippy::too_many_arguments)]
    fn gather(
        store: &Store,
        index: &SearchIndex,
        vocab: &mut features::Vocabulary,
        seeds: &BTreeSet<String>,
        fresh: Vec<Item>,
        loose: Vec<Item>,
        leaving: &HashSet<String>,
        params: &Params,
    ) -> Result<Self> {
        let fresh_count = fresh.len();
        let mut items = fresh;
        let mut present: HashSet<String> = items.iter().map(|i| i.id.clone()).collect();
        for it in loose {
            if present.insert(it.id.clone()) {
                items.push(it);
            }
        }
        let mut visited: BTreeSet<String> = BTreeSet::new();
        let mut queue: VecDeque<String> = seeds.iter().cloned().collect();
        let mut stored = Vec::new();
        let mut old = Vec::new();
        let mut current: HashMap<(String, i32), Option<u64>> = HashMap::new();
        let mut dropped = Vec::new();
        while let Some(cid) = queue.pop_front() {
            if !visited.insert(cid.clone()) {
                continue;
            }
            let Some(c) = store.cluster(&cid)? else { continue };
            old.push(c.id.clone());
            for l in c.near.iter().filter(|l| stored_can_join(l, params)) {
                for end in [&l.a, &l.b] {
                    if !c.members.contains(end)
                        && let Some(other) = store.cluster_of(end)?
                        && !visited.contains(&other)
                    {
                        queue.push_back(other);
                    }
                }
            }
            for l in c.links.iter().chain(&c.near) {
                stored.push((l.a.clone(), l.b.clone()));
            }
            for m in &c.members {
                if leaving.contains(m) || present.contains(m) {
                    continue;
                }
                let Some((sub, ord)) = parse_entry_id(m) else { continue };
                let Some(e) = store.entry(sub, ord)? else {
                    dropped.push(m.clone());
                    continue;
                };
                // Current entries only, as a rebuild sees them.
                let cur = match current.get(&(e.state.clone(), e.year)) {
                    Some(c) => *c,
                    None => {
                        let c = store.current_id(&e.state, e.year)?;
                        current.insert((e.state.clone(), e.year), c);
                        c
                    }
                };
                if cur != Some(e.submission_id) {
                    dropped.push(m.clone());
                    continue;
                }
                present.insert(m.clone());
                items.push(features::item(&e, index, vocab)?);
            }
        }
        Ok(Self { items, stored, old, fresh: fresh_count, dropped })
    }

    /// Scores the stored pairs again (scores are pure), adds the new
    /// entries' pairs from blocking, and clusters the region.
    fn cluster(
        &self,
        index: &SearchIndex,
        store: &Store,
        params: &Params,
        vocab: &features::Vocabulary,
    ) -> Result<Vec<ClusterRecord>> {
        let items = &self.items;
        let by_id: HashMap<&str, usize> = items.iter().enumerate().map(|(i, it)| (it.id.as_str(), i)).collect();
        let mut seen: HashSet<(usize, usize)> = HashSet::new();
        let mut links = Vec::new();
        for (a, b) in &self.stored {
            if let (Some(&i), Some(&j)) = (by_id.get(a.as_str()), by_id.get(b.as_str()))
                && seen.insert((i.min(j), i.max(j)))
                && let Some(l) = score::score(items, i, j, params)
            {
                links.push(l);
            }
        }
        let position: HashMap<u64, usize> = items.iter().enumerate().map(|(i, it)| (it.key(), i)).collect();
        let fresh: Vec<usize> = (0..self.fresh).collect();
        for l in candidate_links(index, items, &fresh, &position, params)? {
            if seen.insert((l.a.min(l.b), l.a.max(l.b))) {
                links.push(l);
            }
        }
        let constraints = resolve_constraints(store, items)?;
        Ok(to_records(items, &links, &constraints, params, vocab))
    }
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

/// The clusters of `items` under `links` and `constraints`, each with its
/// scored pairs, and its pairs to other clusters (`near`).
fn to_records(
    items: &[Item],
    links: &[score::Link],
    constraints: &linkage::Constraints,
    params: &Params,
    vocab: &features::Vocabulary,
) -> Vec<ClusterRecord> {
    let linked = linkage::link(items, links, constraints, params);
    let record = |l: &score::Link| LinkRecord {
        a: items[l.a].id.clone(),
        b: items[l.b].id.clone(),
        term: round(l.term),
        definition: round(l.definition),
        score: round(l.score),
        reason: l.kind.reason().to_owned(),
        shared: shared_words(&items[l.a], &items[l.b], vocab, 5),
        bridge: l.bridge.clone(),
    };
    let mut inner: HashMap<usize, Vec<LinkRecord>> = HashMap::new();
    let mut near: HashMap<usize, Vec<LinkRecord>> = HashMap::new();
    let mut joined: HashSet<(usize, usize)> = HashSet::new();
    for l in links {
        let (ra, rb) = (linked.roots[l.a], linked.roots[l.b]);
        joined.insert((l.a.min(l.b), l.a.max(l.b)));
        if ra == rb {
            inner.entry(ra).or_default().push(record(l));
        } else {
            near.entry(ra).or_default().push(record(l));
            near.entry(rb).or_default().push(record(l));
        }
    }
    for &(a, b) in &linked.editor {
        if joined.contains(&(a.min(b), a.max(b))) {
            continue;
        }
        let s = score::pair(&items[a], &items[b], params);
        let (a, b) = if items[a].key() < items[b].key() { (a, b) } else { (b, a) };
        inner.entry(linked.roots[a]).or_default().push(LinkRecord {
            a: items[a].id.clone(),
            b: items[b].id.clone(),
            term: round(s.term.similarity),
            definition: round(s.definition),
            score: round(s.score),
            reason: "editor".to_owned(),
            shared: shared_words(&items[a], &items[b], vocab, 5),
            bridge: s.term.bridge,
        });
    }
    let order = |v: &mut Vec<LinkRecord>| {
        v.sort_by(|x, y| {
            let key = |l: &LinkRecord| (parse_entry_id(&l.a), parse_entry_id(&l.b));
            key(x).cmp(&key(y))
        })
    };
    linkage::groups(&linked.roots)
        .into_iter()
        .map(|mut g| {
            g.sort_by_key(|&i| (items[i].sub, items[i].ord));
            let root = linked.roots[g[0]];
            let states: BTreeSet<String> = g.iter().map(|&i| items[i].state.clone()).collect();
            let mut links = inner.remove(&root).unwrap_or_default();
            let mut near = near.remove(&root).unwrap_or_default();
            order(&mut links);
            order(&mut near);
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

fn round(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}
