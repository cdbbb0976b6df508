//! Bridges between languages, through what the States themselves wrote.
//!
//! Every entry pairs its term with an English translation, so the stored
//! lists are a dictionary. A query that is an entry's own term (as typed,
//! inflected or misspelt: `own_keys` / `own_compact`, `own_stem_keys`, a
//! fuzzy `own_compact`) stands for that entry's English term too, and the
//! entries whose term or English term is that translation (`keys`,
//! `compact`, `stem_keys`) are the same notion in other languages:
//! `Schwachstelle` → "vulnerability" → `vulnérabilité`, `уязвимость`,
//! `vulnerability`. They form the second tier of the ranking, after the
//! whole-term matches and before word matches.
//!
//! Bounded: the sources are the first [`MAX_SOURCES`] entries of the best
//! level that has any (exact before stemmed before fuzzy, current revisions
//! unless the search asks for history; a search's language, State and year
//! filters apply to what is bridged, not to the sources, so `Schwachstelle`
//! with `language=fr` finds `vulnérabilité`), and at most [`MAX_BRIDGES`]
//! translations, those most sources give. Each is a few term lookups.
//!
//! The project's table of equivalent English terms and acronyms
//! (`data/equivalents.tsv`, which clustering reads too) is the other source:
//! a query that is a member of one of its classes also stands for the
//! class's other members, each as if one source gave it ("DoS" → "denial of
//! service", "malware" → "malicious software"), whether or not an entry has
//! it as its own term. A translation is not expanded through the table in
//! turn: two steps from what was typed drift too far (`Computersystem` →
//! "computer system" → "information system", which a State's law may name
//! a broader notion).

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::query::{self, Built, FieldScope, Lexicon, SearchRequest};
use super::{Analyzers, EntryColumns, Fields};
use crate::domain::equivalents::Equivalents;
use crate::domain::normalize;
use crate::error::Result;
use crate::store::{EntryRecord, Store};

/// Entries whose own term the query is, read for their translations.
pub const MAX_SOURCES: usize = 8;
/// Translations one query is bridged through.
pub const MAX_BRIDGES: usize = 4;

/// An English term that a term of the query stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    /// As a State wrote it (the first source's English term).
    pub text: String,
    /// Its normalized key, spaces removed, and English stem key.
    pub key: String,
    compact: String,
    stems: Option<String>,
    /// Sources that give it: the more, the higher its entries rank.
    sources: usize,
}

impl Translation {
    /// `text` as a translation that `sources` entries give.
    pub fn new(text: &str, sources: usize, analyzers: &mut Analyzers) -> Option<Self> {
        let key = normalize::key(text);
        (!key.is_empty()).then(|| Self {
            text: text.to_owned(),
            compact: key.replace(' ', ""),
            stems: analyzers.stem_key("en", text),
            key,
            sources: sources.max(1),
        })
    }
}

/// The translations a query is bridged through (none for most queries).
#[derive(Debug, Default)]
pub struct Bridges {
    pub translations: Vec<Translation>,
    /// No entry but the sources has a translation as its term: the
    /// translations are read as words instead ([`Bridges::related`]).
    pub loose: bool,
}

/// English words a translation read as words leaves out.
const FUNCTION_WORDS: [&str; 12] = ["a", "an", "the", "of", "and", "or", "for", "in", "on", "to", "by", "with"];

impl Bridges {
    /// The translations of the entries whose own term the query is.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn find(
        req: &SearchRequest,
        built: &Built,
        fields: &Fields,
        searcher: &Searcher,
        lexicon: &dyn Lexicon,
        columns: &EntryColumns,
        store: &Store,
        analyzers: &mut Analyzers,
    ) -> Result<Self> {
        let parsed = query::parse(&req.q);
        if req.field == FieldScope::Definition || !parsed.phrases.is_empty() || parsed.words.is_empty() {
            return Ok(Self::default());
        }
        let key = normalize::key(&req.q);
        if key.is_empty() {
            return Ok(Self::default());
        }
        let compact = key.replace(' ', "");
        let own = |field: Field, text: &str| Term::from_field_text(field, text);
        let mut levels: Vec<Vec<Term>> = vec![
            vec![own(fields.own_keys, &key), own(fields.own_compact, &compact)],
            built.whole_stemmed.iter().map(|s| own(fields.own_stem_keys, s)).collect(),
        ];
        // A misspelt term: the nearest own terms among the whole-term fuzzy words.
        let mut close: Vec<(u8, Term)> = Vec::new();
        for e in &built.whole_fuzzy {
            let t = own(fields.own_compact, &e.word);
            if lexicon.doc_freq(&t)? > 0 {
                close.push((e.distance, t));
            }
        }
        let nearest = close.iter().map(|(d, _)| *d).min();
        levels.push(close.into_iter().filter(|(d, _)| Some(*d) == nearest).map(|(_, t)| t).collect());
        let earlier = Term::from_field_u64(fields.current, 0);
        for terms in levels {
            let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for t in terms {
                if lexicon.doc_freq(&t)? > 0 {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(t, IndexRecordOption::Basic));
                    any.push((Occur::Should, Box::new(ConstScoreQuery::new(q, 1.0))));
                }
            }
            if any.is_empty() {
                continue;
            }
            // An English term is no source: its translation would be itself.
            let english: Box<dyn Query> =
                Box::new(TermQuery::new(Term::from_field_text(fields.language, "en"), IndexRecordOption::Basic));
            let mut clauses: Vec<(Occur, Box<dyn Query>)> =
                vec![(Occur::Must, Box::new(BooleanQuery::new(any))), (Occur::MustNot, english)];
            if !req.all_revisions && lexicon.doc_freq(&earlier)? > 0 {
                let old: Box<dyn Query> = Box::new(TermQuery::new(earlier.clone(), IndexRecordOption::Basic));
                clauses.push((Occur::MustNot, old));
            }
            // Only lists the caller may read bridge: a translation is text of its list.
            if let Some(tokens) = &req.audience {
                let readable: Vec<(Occur, Box<dyn Query>)> = tokens
                    .iter()
                    .map(|t| {
                        let q: Box<dyn Query> = Box::new(TermQuery::new(
                            Term::from_field_text(fields.audience, t),
                            IndexRecordOption::Basic,
                        ));
                        (Occur::Should, q)
                    })
                    .collect();
                clauses.push((Occur::Must, Box::new(BooleanQuery::new(readable))));
            }
            let found =
                searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(MAX_SOURCES).order_by_score())?;
            if found.is_empty() {
                continue;
            }
            let mut sources = Vec::with_capacity(found.len());
            let mut addresses = Vec::with_capacity(found.len());
            for (_, address) in found {
                let (sub, ord) = columns.address(address)?;
                sources.extend(store.entry(sub, ord)?);
                addresses.push(address);
            }
            // The query is these entries' term: their translations, or none
            // (an English term needs no bridge: `term_en` is indexed).
            let mut bridges = Self::from_sources(&sources, &key, analyzers);
            bridges.add_equivalents(&key, analyzers);
            if let Some(exact) = bridges.query(fields) {
                // Does a translation reach anything but the sources?
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, exact)];
                if !req.all_revisions && lexicon.doc_freq(&earlier)? > 0 {
                    clauses.push((Occur::MustNot, Box::new(TermQuery::new(earlier, IndexRecordOption::Basic))));
                }
                let limit = addresses.len() + 1;
                let reached =
                    searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit).order_by_score())?;
                bridges.loose = reached.iter().all(|(_, a)| addresses.contains(a));
            }
            return Ok(bridges);
        }
        // Without an entry to bridge from, the table's equivalents of the query alone.
        let mut bridges = Self::default();
        bridges.add_equivalents(&key, analyzers);
        Ok(bridges)
    }

    /// Adds the table's equivalents of the query's `key`, each as if one
    /// source gave it (after the translations that more sources give).
    fn add_equivalents(&mut self, key: &str, analyzers: &mut Analyzers) {
        let table = Equivalents::builtin();
        let Some(class) = table.class_of(key) else { return };
        for member in table.members(class) {
            if member != key && !self.translations.iter().any(|t| t.key == *member) {
                self.translations.extend(Translation::new(member, 1, analyzers));
            }
        }
    }

    /// The English terms of `sources` (other than the query's own `key`),
    /// those most sources give first.
    fn from_sources(sources: &[EntryRecord], key: &str, analyzers: &mut Analyzers) -> Self {
        let mut counted: Vec<(String, &str, usize)> = Vec::new();
        for e in sources {
            let (Some(text), Some(k)) = (e.term_en.as_deref(), e.term_en_key.as_deref()) else { continue };
            if k == key || k.is_empty() {
                continue;
            }
            match counted.iter_mut().find(|(seen, _, _)| seen == k) {
                Some((_, _, n)) => *n += 1,
                None => counted.push((k.to_owned(), text, 1)),
            }
        }
        counted.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        counted.truncate(MAX_BRIDGES);
        let translations =
            counted.into_iter().filter_map(|(_, text, n)| Translation::new(text, n, analyzers)).collect();
        Self { translations, loose: false }
    }

    /// When no entry but the sources has a translation as its term (a
    /// translation made word by word: "data security breach" where others
    /// wrote "personal data breach"): the entries whose terms hold most of
    /// a translation's words (two of two, two of three, three of four...;
    /// function words left out; translations of two words or more), ranked
    /// by those words: the tier after word matches of the query itself.
    pub fn related(&self, fields: &Fields, analyzers: &mut Analyzers) -> Option<Box<dyn Query>> {
        if !self.loose {
            return None;
        }
        let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
        for t in &self.translations {
            let words = content_words(&t.text, analyzers);
            if words.len() < 2 {
                continue;
            }
            let min = words.len() - words.len() / 3;
            let clauses: Vec<Box<dyn Query>> = words
                .iter()
                .map(|w| {
                    let term = Term::from_field_text(fields.term, w);
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)) as Box<dyn Query>
                })
                .collect();
            alternatives.push(Box::new(BooleanQuery::union_with_minimum_required_clauses(clauses, min)));
        }
        match alternatives.len() {
            0 => None,
            1 => alternatives.pop(),
            _ => Some(Box::new(BooleanQuery::union(alternatives))),
        }
    }

    /// The entries whose term or English term is one of the translations
    /// (whole, without spaces, or stemmed), scored by how many sources give
    /// the translation; `None` without translations.
    pub fn query(&self, fields: &Fields) -> Option<Box<dyn Query>> {
        let most = self.translations.iter().map(|t| t.sources).max()? as f32;
        let mut clauses: Vec<Box<dyn Query>> = Vec::new();
        for t in &self.translations {
            let weight = t.sources as f32 / most;
            let mut add = |field: Field, text: &str, w: f32| {
                let q = TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::Basic);
                clauses.push(Box::new(ConstScoreQuery::new(Box::new(q), weight * w)));
            };
            add(fields.keys, &t.key, 1.0);
            add(fields.compact, &t.compact, 0.9);
            if let Some(stems) = &t.stems {
                add(fields.stem_keys, stems, 0.8);
            }
        }
        Some(Box::new(DisjunctionMaxQuery::new(clauses)))
    }

    /// The translation that bridged to `entry`: the first that is one of
    /// its terms, else (a related entry) the one sharing most words with them.
    pub fn which(&self, entry: &EntryRecord, analyzers: &mut Analyzers) -> Option<&Translation> {
        let own = std::iter::once(entry.term.as_str()).chain(entry.synonyms.iter().map(String::as_str));
        let mut names: Vec<(&str, &str)> = own.map(|t| (entry.language.as_str(), t)).collect();
        if let Some(t) = &entry.term_en {
            names.push(("en", t.as_str()));
        }
        let whole = self.translations.iter().find(|t| {
            names.iter().any(|(language, name)| {
                let key = normalize::key(name);
                key == t.key
                    || key.replace(' ', "") == t.compact
                    || (t.stems.is_some() && analyzers.stem_key(language, name) == t.stems)
            })
        });
        if whole.is_some() || !self.loose {
            return whole;
        }
        let mut words: Vec<String> = Vec::new();
        for (language, name) in &names {
            words.extend(analyzers.tokens(language, name));
        }
        self.translations
            .iter()
            .map(|t| (content_words(&t.text, analyzers).iter().filter(|w| words.contains(w)).count(), t))
            .filter(|(shared, _)| *shared > 0)
            .max_by_key(|(shared, t)| (*shared, std::cmp::Reverse(t.key.clone())))
            .map(|(_, t)| t)
    }
}

/// The English words of a translation, stemmed, without function words.
fn content_words(text: &str, analyzers: &mut Analyzers) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in analyzers.tokens("en", text) {
        if !FUNCTION_WORDS.contains(&w.as_str()) && !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(language: &str, term: &str, term_en: Option<&str>) -> EntryRecord {
        serde_json::from_value(serde_json::json!({
            "v": 2, "submission_id": 1, "ordinal": 1, "row": 1, "state": "XX", "year": 2020, "revision": 1,
            "language": language, "term_key": normalize::key(term), "term_en_key": term_en.map(normalize::key),
            "text": {"term": term, "definition": "d", "term_en": term_en, "definition_en": null,
                     "source": null, "note": null, "domains": []}
        }))
        .unwrap()
    }

    #[test]
    fn the_table_adds_the_querys_equivalents_after_the_translations() {
        let mut analyzers = Analyzers::new();
        // A German list that calls it "Malware" too: its translation, then the table's members.
        let sources =
            [entry("de", "Malware", Some("malicious software")), entry("de", "Malware", Some("malicious software"))];
        let mut bridges = Bridges::from_sources(&sources, "malware", &mut analyzers);
        bridges.add_equivalents("malware", &mut analyzers);
        let keys: Vec<&str> = bridges.translations.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys[0], "malicious software");
        assert_eq!(bridges.translations[0].sources, 2);
        assert!(keys.contains(&"malicious code"), "{keys:?}");
        assert!(!keys.contains(&"malware"), "{keys:?}");
        assert!(bridges.translations[1..].iter().all(|t| t.sources == 1));
        // A translation is not expanded in turn.
        let sources = [entry("de", "Schadsoftware", Some("malware"))];
        let mut bridges = Bridges::from_sources(&sources, "schadsoftware", &mut analyzers);
        bridges.add_equivalents("schadsoftware", &mut analyzers);
        let keys: Vec<&str> = bridges.translations.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["malware"]);
        // A query that is itself a member: the other members, not itself.
        let mut alone = Bridges::default();
        alone.add_equivalents("dos", &mut analyzers);
        let keys: Vec<&str> = alone.translations.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["denial of service"]);
        // A query outside the table: nothing.
        let mut none = Bridges::default();
        none.add_equivalents("phishing", &mut analyzers);
        assert!(none.translations.is_empty());
    }

    #[test]
    fn translations_most_given_first_without_the_query_itself() {
        let mut analyzers = Analyzers::new();
        let sources = [
            entry("de", "Schwachstelle", Some("weakness")),
            entry("de", "Schwachstelle", Some("Vulnerability")),
            entry("de", "Schwachstelle", Some("vulnerability")),
            entry("de", "Schwachstelle", Some("Schwachstelle")),
            entry("de", "Schwachstelle", None),
        ];
        let bridges = Bridges::from_sources(&sources, "schwachstelle", &mut analyzers);
        let keys: Vec<&str> = bridges.translations.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, vec!["vulnerability", "weakness"]);
        assert_eq!(bridges.translations[0].text, "Vulnerability");
        let many: Vec<EntryRecord> = (0..10).map(|i| entry("fr", "terme", Some(&format!("term number {i}")))).collect();
        assert_eq!(Bridges::from_sources(&many, "terme", &mut analyzers).translations.len(), MAX_BRIDGES);
    }

    #[test]
    fn a_hit_names_the_translation_it_meets() {
        let mut analyzers = Analyzers::new();
        let t = |text: &str| Translation::new(text, 1, &mut Analyzers::new()).unwrap();
        let exact = Bridges {
            translations: vec![t("malware"), t("security of network and information systems")],
            loose: false,
        };
        let which =
            |b: &Bridges, e: &EntryRecord, analyzers: &mut Analyzers| b.which(e, analyzers).map(|t| t.text.clone());
        // Its English term, its own term, or the same words stemmed.
        assert_eq!(
            which(&exact, &entry("fr", "logiciel malveillant", Some("Malware")), &mut analyzers).unwrap(),
            "malware"
        );
        assert_eq!(which(&exact, &entry("en", "malware", None), &mut analyzers).unwrap(), "malware");
        let stemmed = entry("es", "seguridad", Some("security of the networks and information system"));
        assert_eq!(which(&exact, &stemmed, &mut analyzers).unwrap(), "security of network and information systems");
        assert!(which(&exact, &entry("en", "information system", None), &mut analyzers).is_none());
        // Read as words (no entry has it as its term): the most words shared.
        let loose = Bridges { translations: vec![t("data security breach"), t("security gap")], loose: true };
        let e = entry("en", "personal data breach", None);
        assert_eq!(which(&loose, &e, &mut analyzers).unwrap(), "data security breach");
        assert!(loose.related(&Fields::build(), &mut analyzers).is_some());
        assert!(exact.related(&Fields::build(), &mut analyzers).is_none());
        assert_eq!(
            content_words("the security of a network and systems", &mut analyzers),
            vec!["secur", "network", "system"]
        );
    }
}
