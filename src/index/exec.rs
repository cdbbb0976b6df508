//! Running a planned search ([`Built`]): which entries match (a bit set per
//! segment), their facet counts, and the best page of them.
//!
//! Matching: a conjunction whose rarest clause is rare is left to tantivy's
//! intersection, which seeks the other clauses' skip lists to the rare
//! clause's documents. A conjunction of common words (every clause in more
//! than one document in [`DENSE`]) would seek nearly every block of every
//! list; there, each clause's postings are read straight into a bit set and
//! the sets are ANDed, a machine word at a time. Filters are ANDed last.
//!
//! Facets: each segment's State, language, year and domains of every
//! document, read once from the facet and fast-field columns and kept
//! (segments never change), so counting the facets of 300,000 hits is a
//! few array lookups per hit.
//!
//! Ranking, in tiers: whole-term matches (the query is a term), then
//! entries bridged to it through a translation, then entries whose terms
//! hold every word, then entries related through a translation's words,
//! then the others. Each tier is ranked on its own with
//! block-max WAND, taking only entries of the match set: a page the first
//! tiers fill never scores the rest. A hit's score is its tier plus its
//! score within the tier mapped into [0, 1): the same on every page.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tantivy::fastfield::FacetReader;
use tantivy::index::SegmentId;
use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, Term};

use super::query::{Branch, Built};
use crate::error::{Error, Result};

/// A conjunction is read as bit sets when its rarest clause is in more than
/// one document in `DENSE`.
const DENSE: u64 = 32;
/// Seeking a posting list to a candidate costs about as much as reading
/// this many of its postings.
const SEEK: u64 = 32;

/// Documents of one segment, one bit each.
pub(crate) struct Bits(Vec<u64>);

impl Bits {
    fn empty(max_doc: DocId) -> Self {
        Self(vec![0; (max_doc as usize).div_ceil(64)])
    }

    fn insert(&mut self, doc: DocId) {
        if let Some(w) = self.0.get_mut(doc as usize / 64) {
            *w |= 1 << (doc % 64);
        }
    }

    pub(crate) fn contains(&self, doc: DocId) -> bool {
        self.0.get(doc as usize / 64).is_some_and(|w| w & (1 << (doc % 64)) != 0)
    }

    fn and(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= b);
    }

    fn or(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a |= b);
    }

    fn and_not(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= !b);
    }

    /// Keeps the documents `keep` accepts.
    fn retain(&mut self, keep: impl Fn(DocId) -> bool) {
        for (i, word) in self.0.iter_mut().enumerate() {
            let mut w = *word;
            while w != 0 {
                let bit = w.trailing_zeros();
                if !keep((i * 64) as DocId + bit) {
                    *word &= !(1 << bit);
                }
                w &= w - 1;
            }
        }
    }

    fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    fn for_each(&self, mut f: impl FnMut(DocId)) {
        for (i, &word) in self.0.iter().enumerate() {
            let mut w = word;
            while w != 0 {
                let bit = w.trailing_zeros();
                f((i * 64) as DocId + bit);
                w &= w - 1;
            }
        }
    }
}

/// Adds the documents `weight` matches in `reader` (deleted ones included) to `bits`.
fn fill(weight: &dyn Weight, reader: &SegmentReader, bits: &mut Bits) -> Result<()> {
    weight.for_each_no_score(reader, &mut |docs| {
        for &d in docs {
            bits.insert(d);
        }
    })?;
    Ok(())
}

/// The documents of the commonest terms, per segment: what most queries of
/// common words read again (Lucene keeps such sets in its query cache).
/// A bounded map, emptied when full; segments never change, and deleted
/// documents are removed from a match set after it is built.
#[derive(Default)]
pub(crate) struct PostingsCache(Mutex<TermSets>);

type TermSets = HashMap<(SegmentId, Term), Arc<Bits>>;

/// Terms in more than one document in `COMMON` of a segment are cached.
const COMMON: u32 = 16;
/// Cached sets (each an eighth of a byte per document of its segment).
const CACHED_SETS: usize = 128;

impl PostingsCache {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, TermSets>> {
        self.0.lock().map_err(|_| Error::Poisoned("postings cache"))
    }

    fn get(&self, reader: &SegmentReader, term: &Term) -> Result<Option<Arc<Bits>>> {
        Ok(self.lock()?.get(&(reader.segment_id(), term.clone())).cloned())
    }

    fn put(&self, reader: &SegmentReader, term: &Term, bits: Arc<Bits>) -> Result<()> {
        let mut map = self.lock()?;
        if map.len() >= CACHED_SETS {
            map.clear();
        }
        map.insert((reader.segment_id(), term.clone()), bits);
        Ok(())
    }

    /// Adds the documents holding any of `terms` to `bits`.
    fn fill_any(&self, terms: &[Term], reader: &SegmentReader, bits: &mut Bits) -> Result<()> {
        terms.iter().try_for_each(|t| self.fill(t, reader, bits))
    }

    /// Adds the documents holding `term` to `bits`: from the cache, or read
    /// (and kept when the term is common).
    fn fill(&self, term: &Term, reader: &SegmentReader, bits: &mut Bits) -> Result<()> {
        if let Some(cached) = self.get(reader, term)? {
            bits.or(&cached);
            return Ok(());
        }
        let docs = reader.inverted_index(term.field())?.get_term_info(term)?.map_or(0, |i| i.doc_freq);
        if docs.saturating_mul(COMMON) <= reader.max_doc() {
            return fill_term(term, reader, bits);
        }
        let mut own = Bits::empty(reader.max_doc());
        fill_term(term, reader, &mut own)?;
        bits.or(&own);
        self.put(reader, term, Arc::new(own))
    }
}

/// Adds the documents holding `term` in `reader` (deleted ones included) to
/// `bits`, reading its postings block by block (no frequencies).
fn fill_term(term: &Term, reader: &SegmentReader, bits: &mut Bits) -> Result<()> {
    let inverted = reader.inverted_index(term.field())?;
    if let Some(mut block) = inverted.read_block_postings(term, IndexRecordOption::Basic)? {
        loop {
            let docs = block.docs();
            if docs.is_empty() {
                break;
            }
            for &d in docs {
                bits.insert(d);
            }
            block.advance();
        }
    }
    Ok(())
}

fn unscored(searcher: &Searcher, query: &dyn Query) -> Result<Box<dyn Weight>> {
    Ok(query.weight(EnableScoring::disabled_from_searcher(searcher))?)
}

/// Where a clause's documents come from.
enum Source {
    Weight(Box<dyn Weight>),
    Terms(Vec<Term>),
}

/// Whether to check `candidates` against a group of term postings by seeking
/// rather than by reading every posting (`docs` of them).
fn narrow(candidates: &Bits, docs: u64, group: &[Source]) -> bool {
    group.iter().all(|s| matches!(s, Source::Terms(_))) && (candidates.count() as u64).saturating_mul(SEEK) < docs
}

/// The candidates found in any of the terms of `group`.
fn seek_terms(candidates: &Bits, group: &[Source], reader: &SegmentReader) -> Result<Bits> {
    let mut kept = Bits::empty(reader.max_doc());
    for source in group {
        let Source::Terms(terms) = source else { continue };
        for t in terms {
            let Some(mut postings) = reader.inverted_index(t.field())?.read_postings(t, IndexRecordOption::Basic)?
            else {
                continue;
            };
            candidates.for_each(|d| {
                if postings.doc() <= d && postings.seek(d) == d {
                    kept.insert(d);
                }
            });
        }
    }
    Ok(kept)
}

/// What a search matched: per segment, its live matching documents.
pub(crate) struct Matches {
    pub bits: Vec<Bits>,
    pub total: usize,
}

/// Every entry `built` finds, per segment.
pub(crate) fn matches(searcher: &Searcher, built: &Built, cache: &PostingsCache) -> Result<Matches> {
    let docs = searcher.num_docs().max(1);
    // Common words only: each word's postings straight into a bit set
    // (its forms ORed), the words ANDed. Otherwise tantivy's intersections.
    let fewest = built.required.iter().map(|alternatives| alternatives.iter().map(|c| c.docs).sum::<u64>()).min();
    let dense = fewest.is_some_and(|n| n.saturating_mul(DENSE) > docs);
    let source = |c: &super::query::Clause| -> Result<Source> {
        Ok(if c.terms.is_empty() {
            Source::Weight(unscored(searcher, &*c.query)?)
        } else {
            Source::Terms(c.terms.clone())
        })
    };
    let groups: Vec<(u64, Vec<Source>)> = if dense {
        // The rarest word first: the match set narrows soonest.
        let mut groups = built
            .required
            .iter()
            .map(|alternatives| {
                let docs = alternatives.iter().map(|c| c.docs).sum::<u64>();
                Ok((docs, alternatives.iter().map(source).collect::<Result<Vec<_>>>()?))
            })
            .collect::<Result<Vec<_>>>()?;
        groups.sort_by_key(|(docs, _)| *docs);
        groups
    } else {
        vec![(
            0,
            built
                .branches
                .iter()
                .map(|b| Ok(Source::Weight(unscored(searcher, &*b.query())?)))
                .collect::<Result<_>>()?,
        )]
    };
    let whole = built.whole_query().map(|q| unscored(searcher, &*q)).transpose()?;
    let bridged = [&built.bridged, &built.related]
        .into_iter()
        .flatten()
        .map(|q| unscored(searcher, &**q))
        .collect::<Result<Vec<_>>>()?;

    let mut out = Vec::with_capacity(searcher.segment_readers().len());
    let mut total = 0;
    for reader in searcher.segment_readers() {
        let mut found = Bits::empty(reader.max_doc());
        // Dense: AND over words of (OR over forms); sparse: one group, OR over branches.
        for (i, (docs, group)) in groups.iter().enumerate() {
            if i > 0 && narrow(&found, *docs, group) {
                // Few candidates left for a long list: seek it to each candidate
                // (skip lists) rather than read all of it.
                found = seek_terms(&found, group, reader)?;
                if found.is_empty() {
                    break;
                }
                continue;
            }
            let mut any = Bits::empty(reader.max_doc());
            for source in group {
                match source {
                    Source::Weight(w) => fill(&**w, reader, &mut any)?,
                    Source::Terms(terms) => cache.fill_any(terms, reader, &mut any)?,
                }
            }
            if i == 0 {
                found = any;
            } else {
                found.and(&any);
            }
            if found.is_empty() {
                break;
            }
        }
        for w in whole.iter().chain(&bridged) {
            fill(&**w, reader, &mut found)?;
        }
        // Filters: a language, a State, the current revisions are common terms, kept.
        let any_of = |terms: &[Term]| -> Result<Bits> {
            let mut bits = Bits::empty(reader.max_doc());
            cache.fill_any(terms, reader, &mut bits)?;
            Ok(bits)
        };
        for terms in &built.must {
            if found.is_empty() {
                break;
            }
            found.and(&any_of(terms)?);
        }
        for terms in &built.must_not {
            if found.is_empty() {
                break;
            }
            found.and_not(&any_of(terms)?);
        }
        if let Some(alive) = reader.alive_bitset() {
            found.retain(|d| alive.is_alive(d));
        }
        total += found.count();
        out.push(found);
    }
    Ok(Matches { bits: out, total })
}

/// The facets of every document of a segment. State and language as one
/// small code (`state × languages + language`): one lookup and one
/// increment per hit, in an array a quarter of the size of two `u32`
/// columns; the year as an index into the segment's years; the domains
/// (any number per document) as a run of ordinals.
struct SegmentFacets {
    codes: Vec<u16>,
    state_names: Vec<String>,
    language_names: Vec<String>,
    /// Each document's year, an index into `years` (`NONE`: no year).
    year_codes: Vec<u16>,
    years: Vec<i64>,
    /// Document `d`'s domains are `domain_ords[domain_starts[d]..domain_starts[d + 1]]`.
    domain_starts: Vec<u32>,
    domain_ords: Vec<u32>,
    domain_names: Vec<String>,
}

/// What a search's hits hold, by facet: facet name (`state`, `language`,
/// `year`, `domain`) → value → number of hits.
pub(crate) type FacetCounts = BTreeMap<String, BTreeMap<String, u64>>;

/// Facet codes by segment, read on first use.
#[derive(Default)]
pub(crate) struct FacetCache(Mutex<HashMap<SegmentId, Arc<SegmentFacets>>>);

const NONE: u16 = u16::MAX;

impl FacetCache {
    fn segment(&self, reader: &SegmentReader) -> Result<Arc<SegmentFacets>> {
        let id = reader.segment_id();
        if let Some(f) = self.lock()?.get(&id) {
            return Ok(f.clone());
        }
        let (state, state_names) = codes(reader, "state_facet")?;
        let (language, language_names) = codes(reader, "language_facet")?;
        let width = language_names.len() as u32;
        if (state_names.len() as u64 + 1) * (u64::from(width) + 1) >= u64::from(NONE) {
            return Err(Error::Internal("too many States and languages for the facet codes".into()));
        }
        // A document without a State or language facet counts in neither.
        let codes = state
            .iter()
            .zip(&language)
            .map(|(&s, &l)| if s == u32::MAX || l == u32::MAX { NONE } else { (s * width + l) as u16 })
            .collect();
        let (year_codes, years) = years(reader)?;
        let (domain_starts, domain_ords, domain_names) = multi_codes(reader, "domain_facet")?;
        let facets = Arc::new(SegmentFacets {
            codes,
            state_names,
            language_names,
            year_codes,
            years,
            domain_starts,
            domain_ords,
            domain_names,
        });
        self.lock()?.insert(id, facets.clone());
        Ok(facets)
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<SegmentFacets>>>> {
        self.0.lock().map_err(|_| Error::Poisoned("facet cache"))
    }

    /// Reads the codes of every segment of `searcher` now, not on the first search.
    pub(crate) fn warm(&self, searcher: &Searcher) -> Result<()> {
        self.retain(searcher)?;
        for reader in searcher.segment_readers() {
            self.segment(reader)?;
        }
        Ok(())
    }

    /// Forgets segments the searcher no longer has (merged away).
    fn retain(&self, searcher: &Searcher) -> Result<()> {
        let live: HashSet<SegmentId> = searcher.segment_readers().iter().map(|r| r.segment_id()).collect();
        let mut map = self.lock()?;
        if map.len() > live.len() {
            map.retain(|id, _| live.contains(id));
        }
        Ok(())
    }

    /// Hits by State, language, year and domain (an entry with two domains
    /// counts in both; one without counts in none).
    pub(crate) fn count(&self, searcher: &Searcher, matches: &Matches) -> Result<FacetCounts> {
        self.retain(searcher)?;
        let mut states = BTreeMap::new();
        let mut languages = BTreeMap::new();
        let mut years = BTreeMap::new();
        let mut domains = BTreeMap::new();
        for (reader, bits) in searcher.segment_readers().iter().zip(&matches.bits) {
            if bits.is_empty() {
                continue;
            }
            let f = self.segment(reader)?;
            let width = f.language_names.len();
            let mut by_code = vec![0u64; f.state_names.len() * width + 1];
            let none = by_code.len() - 1;
            let mut by_year = vec![0u64; f.years.len() + 1];
            let mut by_domain = vec![0u64; f.domain_names.len()];
            bits.for_each(|d| {
                let d = d as usize;
                let c = f.codes.get(d).map_or(none, |&c| if c == NONE { none } else { c as usize });
                if let Some(n) = by_code.get_mut(c) {
                    *n += 1;
                }
                let y = f.year_codes.get(d).map_or(f.years.len(), |&y| usize::from(y).min(f.years.len()));
                if let Some(n) = by_year.get_mut(y) {
                    *n += 1;
                }
                if let (Some(&from), Some(&to)) = (f.domain_starts.get(d), f.domain_starts.get(d + 1)) {
                    for &o in f.domain_ords.get(from as usize..to as usize).unwrap_or_default() {
                        if let Some(n) = by_domain.get_mut(o as usize) {
                            *n += 1;
                        }
                    }
                }
            });
            let mut by_state = vec![0u64; f.state_names.len()];
            let mut by_language = vec![0u64; width];
            for (c, n) in by_code[..none].iter().enumerate().filter(|(_, n)| **n > 0) {
                by_state[c / width] += n;
                by_language[c % width] += n;
            }
            add(&mut states, f.state_names.iter().cloned().zip(by_state));
            add(&mut languages, f.language_names.iter().cloned().zip(by_language));
            add(&mut years, f.years.iter().map(i64::to_string).zip(by_year));
            add(&mut domains, f.domain_names.iter().cloned().zip(by_domain));
        }
        Ok(BTreeMap::from([
            ("state".to_owned(), states),
            ("language".to_owned(), languages),
            ("year".to_owned(), years),
            ("domain".to_owned(), domains),
        ]))
    }
}

/// Adds the non-zero counts of one segment to the totals.
fn add(totals: &mut BTreeMap<String, u64>, counts: impl Iterator<Item = (String, u64)>) {
    for (name, n) in counts.filter(|(_, n)| *n > 0) {
        *totals.entry(name).or_default() += n;
    }
}

/// Each document's facet (its ordinal in the segment's facet dictionary),
/// and the name of each ordinal.
fn codes(reader: &SegmentReader, field: &str) -> Result<(Vec<u32>, Vec<String>)> {
    let facets = reader.facet_reader(field)?;
    let names = facet_names(&facets)?;
    let mut codes = Vec::with_capacity(reader.max_doc() as usize);
    for doc in 0..reader.max_doc() {
        codes.push(facets.facet_ords(doc).next().and_then(|o| u32::try_from(o).ok()).unwrap_or(u32::MAX));
    }
    Ok((codes, names))
}

/// The name (last path segment) of every ordinal of a facet field.
fn facet_names(facets: &FacetReader) -> Result<Vec<String>> {
    let mut names = Vec::with_capacity(facets.num_facets());
    let mut facet = Facet::root();
    for ord in 0..facets.num_facets() as u64 {
        facets.facet_from_ord(ord, &mut facet)?;
        names.push(facet.to_path().last().map(|s| (*s).to_owned()).unwrap_or_default());
    }
    Ok(names)
}

/// Every facet of each document of a multi-valued facet field, as runs of
/// ordinals (`starts` has one more element than the segment has documents),
/// and the name of each ordinal.
fn multi_codes(reader: &SegmentReader, field: &str) -> Result<(Vec<u32>, Vec<u32>, Vec<String>)> {
    let facets = reader.facet_reader(field)?;
    let names = facet_names(&facets)?;
    let mut starts = Vec::with_capacity(reader.max_doc() as usize + 1);
    let mut ords = Vec::new();
    starts.push(0);
    for doc in 0..reader.max_doc() {
        ords.extend(facets.facet_ords(doc).filter_map(|o| u32::try_from(o).ok()));
        let end = u32::try_from(ords.len()).map_err(|_| Error::Internal("too many domains in one segment".into()))?;
        starts.push(end);
    }
    Ok((starts, ords, names))
}

/// Each document's year (an index into the segment's distinct years, in
/// ascending order; `NONE` for a document without one) and those years.
fn years(reader: &SegmentReader) -> Result<(Vec<u16>, Vec<i64>)> {
    let column = reader.fast_fields().i64("year")?;
    let raw: Vec<Option<i64>> = (0..reader.max_doc()).map(|doc| column.first(doc)).collect();
    let distinct: BTreeSet<i64> = raw.iter().flatten().copied().collect();
    if distinct.len() >= usize::from(NONE) {
        return Err(Error::Internal("too many years for the facet codes".into()));
    }
    let years: Vec<i64> = distinct.into_iter().collect();
    let codes =
        raw.into_iter().map(|y| y.and_then(|y| years.binary_search(&y).ok()).map_or(NONE, |i| i as u16)).collect();
    Ok((codes, years))
}

/// The tiers of the ranking, best first: every hit of a tier ranks above
/// every hit of the next, whatever their scores within their tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Tier {
    /// Everything else: the words in definitions.
    Other = 0,
    /// The entry's terms hold most words of the English translation of a
    /// term the query is, when no entry has that translation as its term
    /// (`Built::related`).
    Related = 1,
    /// The entry's terms hold every word (searches of every field).
    Terms = 2,
    /// The entry's term or English term is the English translation of a
    /// term the query is (`Built::bridged`): another language's word for it.
    Bridged = 3,
    /// The query is the entry's term (or its English term), as typed,
    /// inflected or misspelt.
    Whole = 4,
}

/// A ranked hit: its score is its tier plus its score within the tier
/// mapped into [0, 1), so scores fall down the ranking and a hit's score is
/// the same on whichever page it is shown.
pub(crate) struct Ranked {
    pub score: Score,
    pub tier: Tier,
    pub address: DocAddress,
}

/// Scores within a tier are compared in steps of `QUANTUM`: the same
/// clauses' scores summed in another order (block-max WAND adds them in the
/// order their posting lists happen to be in) differ in their last bits,
/// which must not let near-ties swap places from one page size to another.
const QUANTUM: Score = 1.0 / 1024.0;

fn quantize(score: Score) -> Score {
    (score.max(0.0) / QUANTUM).round() * QUANTUM
}

/// A score within a tier → the hit's score: `tier + s / (1 + s)`.
fn tier_score(tier: Tier, within: Score) -> Score {
    let s = f64::from(within.max(0.0));
    (f64::from(tier as u8) + (s / (1.0 + s)).min(0.999_999)) as Score
}

/// A hit in ranking order: the higher score first, then the earlier document.
#[derive(PartialEq, Clone, Copy)]
struct Key(Score, DocAddress);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then_with(|| self.1.cmp(&other.1))
    }
}

/// The first `k` of the matches not already `taken`, ranked by their best
/// score over `queries` (then by document): exactly the first `k` of the
/// whole ranking, whatever `k`. Every query is pruned below the `k`-th best
/// score so far, less one step (a tie with an earlier document must still
/// be seen); a document's score is raised when a later query scores it
/// higher, so what leaves the `k` kept is never better than what stays.
fn top(
    searcher: &Searcher,
    queries: &[Box<dyn Query>],
    matches: &Matches,
    taken: &HashSet<DocAddress>,
    k: usize,
) -> Result<Vec<Key>> {
    let mut kept: BTreeSet<Key> = BTreeSet::new();
    let mut best: HashMap<DocAddress, Score> = HashMap::new();
    if k == 0 {
        return Ok(Vec::new());
    }
    let floor = |kept: &BTreeSet<Key>| match kept.last() {
        Some(worst) if kept.len() >= k => worst.0 - QUANTUM,
        _ => Score::MIN,
    };
    for query in queries {
        let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let Some(bits) = matches.bits.get(ord) else { continue };
            if bits.is_empty() {
                continue;
            }
            let ord = ord as u32;
            weight.for_each_pruning(floor(&kept), reader, &mut |doc, score| {
                let address = DocAddress::new(ord, doc);
                if bits.contains(doc) && !taken.contains(&address) {
                    let score = quantize(score);
                    let before = best.get(&address).copied();
                    if before.is_none_or(|b| score > b) {
                        if let Some(b) = before {
                            kept.remove(&Key(b, address));
                        }
                        best.insert(address, score);
                        kept.insert(Key(score, address));
                        if kept.len() > k
                            && let Some(Key(_, out)) = kept.pop_last()
                        {
                            best.remove(&out);
                        }
                    }
                }
                floor(&kept)
            })?;
        }
    }
    Ok(kept.into_iter().collect())
}

/// The first `k` matches, tier by tier (see [`Tier`]); each tier ranked by
/// its own queries with block-max WAND, among the matches no earlier tier
/// holds: a page the first tiers fill never scores the rest. A tier is
/// ranked only when the tiers above it hold fewer than `k` matches, so all
/// of them are known then, and its hits are the same on every page.
pub(crate) fn rank(searcher: &Searcher, built: &Built, matches: &Matches, k: usize) -> Result<Vec<Ranked>> {
    let mut out: Vec<Ranked> = Vec::new();
    let mut taken: HashSet<DocAddress> = HashSet::new();
    let branch_queries = |branches: &[Branch]| branches.iter().map(Branch::rank_query).collect::<Vec<_>>();
    // The whole-term tier is ranked by the whole-term clauses' weights alone:
    // the exact term above a stemmed or fuzzy one, an entry's own term above
    // a translation.
    let tiers: [(Tier, Vec<Box<dyn Query>>); 5] = [
        (Tier::Whole, built.whole_query().into_iter().collect()),
        (Tier::Bridged, built.bridged.iter().map(|q| q.box_clone()).collect()),
        (Tier::Terms, branch_queries(&built.tier)),
        (Tier::Related, built.related.iter().map(|q| q.box_clone()).collect()),
        (Tier::Other, branch_queries(&built.branches)),
    ];
    for (tier, queries) in tiers {
        if out.len() >= k {
            break;
        }
        if queries.is_empty() {
            continue;
        }
        for Key(score, address) in top(searcher, &queries, matches, &taken, k - out.len())? {
            taken.insert(address);
            out.push(Ranked { score: tier_score(tier, score), tier, address });
        }
    }
    // Whatever the ranking queries missed (none should), in index order.
    if out.len() < k && out.len() < matches.total {
        for (ord, bits) in matches.bits.iter().enumerate() {
            bits.for_each(|d| {
                let address = DocAddress::new(ord as u32, d);
                if out.len() < k && !taken.contains(&address) {
                    out.push(Ranked { score: tier_score(Tier::Other, 0.0), tier: Tier::Other, address });
                }
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::Bits;

    #[test]
    fn bit_sets_combine_and_count() {
        let mut a = Bits::empty(200);
        let mut b = Bits::empty(200);
        for d in [0, 63, 64, 130, 199] {
            a.insert(d);
        }
        for d in [63, 130, 150] {
            b.insert(d);
        }
        let mut both = Bits(a.0.clone());
        both.and(&b);
        let mut seen = Vec::new();
        both.for_each(|d| seen.push(d));
        assert_eq!(seen, vec![63, 130]);
        a.and_not(&b);
        assert_eq!(a.count(), 3);
        assert!(a.contains(199) && !a.contains(63));
        assert!(!a.is_empty());
    }
}
