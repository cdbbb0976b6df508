//! Running a search: top hits by score, the total, facet counts by State,
//! language, year and domain, and highlighted snippets; entries come from the store.

use std::collections::BTreeMap;

use tantivy::Term;
use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;

use super::bridge::Bridges;
use super::query::{self, Expansion, Lexicon, SearchRequest};
use super::{Analyzers, SearchIndex, exec};
use crate::domain::normalize;
use crate::error::Result;
use crate::store::{EntryRecord, Store};

pub struct Hit {
    pub entry: EntryRecord,
    /// Its tier (4: the query is its term; 3: its term or English term is
    /// the English translation of a term the query is; 2: its terms hold
    /// every word; 1: its terms hold most words of such a translation, when
    /// no entry has it as its term; 0: the rest) plus its score within the
    /// tier, in [0, 1).
    pub score: f32,
    /// Field name → text with matches wrapped in `<b>…</b>` (HTML-escaped).
    pub highlights: BTreeMap<String, String>,
    /// For an entry found through a translation (tiers 3 and 1): the English
    /// translation, as a State wrote it, of a term the query is ("matched
    /// through translation X"), or the table of equivalents' member that
    /// bridged it. Its words are highlighted in the entry's term or English
    /// term.
    pub bridged_by: Option<String>,
}

pub struct SearchResults {
    pub total: usize,
    /// True when no entry matched every word of a query of three or more, so
    /// the results are those matching two in three.
    pub relaxed: bool,
    pub hits: Vec<Hit>,
    /// Facet (`state`, `language`, `year`, `domain`) → value → hits with it,
    /// over every hit, not only this page's.
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
}

impl SearchIndex {
    pub fn search(&self, store: &Store, req: &SearchRequest) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let lexicon = SearcherLexicon(&searcher);
        let mut analyzers = self.analyzers();
        let columns = self.entry_columns(&searcher)?;
        let mut built = query::build(req, &self.fields, &lexicon, false, &mut analyzers)?;
        let bridges = Bridges::find(req, &built, &self.fields, &searcher, &lexicon, &columns, store, &mut analyzers)?;
        built.bridged = bridges.query(&self.fields);
        built.related = bridges.related(&self.fields, &mut analyzers);
        let mut relaxed = false;
        let mut found = exec::matches(&searcher, &built, &self.postings)?;
        if found.total == 0 && built.word_count >= 3 {
            // No entry has every word: show those with most of them.
            built = query::build(req, &self.fields, &lexicon, true, &mut analyzers)?;
            built.bridged = bridges.query(&self.fields);
            built.related = bridges.related(&self.fields, &mut analyzers);
            relaxed = true;
            found = exec::matches(&searcher, &built, &self.postings)?;
        }
        let total = found.total;
        let facets = self.facets.count(&searcher, &found)?;

        let mut hits = Vec::with_capacity(req.limit);
        if req.limit > 0 && total > req.offset {
            let top = exec::rank(&searcher, &built, &found, req.offset + req.limit)?;
            // For the bridged hits' translations (`analyzers` is the snippets').
            let mut own = (!bridges.translations.is_empty()).then(|| self.analyzers());
            let mut snippets = Snippets::new(&built.words, &mut analyzers, &searcher, self.fields.definition);
            for exec::Ranked { score, tier, address } in top.into_iter().skip(req.offset) {
                // The store is the truth: a document it does not hold is never shown.
                let (sub, ord) = columns.address(address)?;
                let Some(entry) = store.entry(sub, ord)? else {
                    tracing::warn!(?address, "the index names an entry the store does not hold; skipped");
                    continue;
                };
                let bridge = match (tier, own.as_mut()) {
                    (exec::Tier::Bridged | exec::Tier::Related, Some(own)) => bridges.which(&entry, own),
                    _ => None,
                };
                // A bridged entry is marked where it meets the translation.
                let mut words = built.words.clone();
                if let Some(t) = bridge {
                    words.extend(query::parse(&t.text).words);
                }
                let mut highlights = BTreeMap::new();
                if let Some(h) = highlight_term(&entry.term, &words) {
                    highlights.insert("term".to_owned(), h);
                }
                if let Some(t) = entry.term_en.as_deref().filter(|_| entry.language != "en")
                    && let Some(h) = highlight_term(t, &words)
                {
                    highlights.insert("term_en".to_owned(), h);
                }
                if let Some(h) = snippets.html(&entry.language, &entry.definition)? {
                    highlights.insert("definition".to_owned(), h);
                }
                if entry.language != "en"
                    && let Some(d) = entry.definition_en.as_deref()
                    && let Some(h) = snippets.html("en", d)?
                {
                    highlights.insert("definition_en".to_owned(), h);
                }
                let bridged_by = bridge.map(|t| t.text.clone());
                hits.push(Hit { entry, score, highlights, bridged_by });
            }
        }
        Ok(SearchResults { total, relaxed, hits, facets })
    }
}

/// Highlighted definitions: the query's words analyzed in each entry's
/// language, looked for in its text.
struct Snippets<'a> {
    words: &'a [String],
    analyzers: &'a mut Analyzers,
    searcher: &'a tantivy::Searcher,
    field: Field,
    by_language: BTreeMap<String, SnippetGenerator>,
}

impl<'a> Snippets<'a> {
    fn new(words: &'a [String], analyzers: &'a mut Analyzers, searcher: &'a tantivy::Searcher, field: Field) -> Self {
        Self { words, analyzers, searcher, field, by_language: BTreeMap::new() }
    }

    fn html(&mut self, language: &str, text: &str) -> Result<Option<String>> {
        if !self.by_language.contains_key(language) {
            let mut terms = BTreeMap::new();
            for w in self.words {
                for t in self.analyzers.tokens(language, w) {
                    let df = self.searcher.doc_freq(&Term::from_field_text(self.field, &t))?;
                    if df > 0 {
                        terms.insert(t, 1.0 / (1.0 + df as f32));
                    }
                }
            }
            let analyzer = self.analyzers.cloned(language);
            self.by_language.insert(language.to_owned(), SnippetGenerator::new(terms, analyzer, self.field, 200));
        }
        let Some(generator) = self.by_language.get(language) else { return Ok(None) };
        let snippet = generator.snippet(text);
        Ok((!snippet.highlighted().is_empty()).then(|| snippet.to_html()))
    }
}

/// The words of an open searcher's segments.
pub(crate) struct SearcherLexicon<'a>(pub &'a tantivy::Searcher);

impl Lexicon for SearcherLexicon<'_> {
    fn doc_freq(&self, term: &Term) -> Result<u64> {
        Ok(self.0.doc_freq(term)?)
    }

    fn fuzzy(&self, field: Field, word: &str, distance: u8, max: usize) -> Result<Vec<Expansion>> {
        let automaton = FuzzyTermQuery::new(Term::from_field_text(field, word), distance, true).automaton()?;
        let mut found: BTreeMap<String, u64> = BTreeMap::new();
        for segment in self.0.segment_readers() {
            let inverted = segment.inverted_index(field)?;
            let mut stream = inverted.terms().search(&automaton).into_stream()?;
            while stream.advance() {
                if let Ok(w) = std::str::from_utf8(stream.key()) {
                    *found.entry(w.to_owned()).or_default() += u64::from(stream.value().doc_freq);
                }
            }
        }
        let found = found
            .into_iter()
            .map(|(w, doc_freq)| {
                let distance = u8::try_from(strsim::osa_distance(word, &w)).unwrap_or(u8::MAX);
                Expansion { word: w, distance, doc_freq }
            })
            .collect();
        Ok(query::best_expansions(found, max))
    }
}

/// Marks the words of a (short) term that match a query word: same key, same
/// stem-ish prefix, or within the query's edit distance.
fn highlight_term(term: &str, words: &[String]) -> Option<String> {
    let keys: Vec<String> = words.iter().map(|w| normalize::key(w)).filter(|k| !k.is_empty()).collect();
    let mut out = String::with_capacity(term.len() + 16);
    let mut any = false;
    let mut last = 0;
    for (start, word) in word_spans(term) {
        let k = normalize::key(word);
        let hit = keys.iter().any(|q| {
            let close = strsim::damerau_levenshtein(q, &k) <= usize::from(query::auto_distance(q.chars().count()));
            let common = common_prefix(q, &k);
            close || (common >= 4 && common * 4 >= q.chars().count().max(k.chars().count()) * 3)
        });
        out.push_str(&escape(&term[last..start]));
        if hit {
            any = true;
            out.push_str("<b>");
            out.push_str(&escape(word));
            out.push_str("</b>");
        } else {
            out.push_str(&escape(word));
        }
        last = start + word.len();
    }
    out.push_str(&escape(&term[last..]));
    any.then_some(out)
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

fn word_spans(text: &str) -> Vec<(usize, &str)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, &text[s..]));
    }
    spans
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_highlights_mark_typo_and_inflected_matches() {
        let w = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(highlight_term("Cyber attack", &w("cyber atack")).unwrap(), "<b>Cyber</b> <b>attack</b>");
        assert_eq!(highlight_term("Cyberangriff", &w("Cyberangriffe")).unwrap(), "<b>Cyberangriff</b>");
        assert_eq!(
            highlight_term("sécurité <x>", &w("securite")).unwrap(),
            "<b>sécurité</b> &lt;<b>x</b>&gt;".replace("<b>x</b>", "x")
        );
        assert!(highlight_term("firewall", &w("malware")).is_none());
    }
}
