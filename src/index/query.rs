//! From a user's query string to a tantivy query.
//!
//! A query is words and "quoted phrases". Each word may match, in any text
//! field in scope, its stemmed form (per-language analyzers), or a word of a
//! term's normalized key exactly or within an edit distance (fuzzy, on the
//! term-dictionary automaton: never a scan of candidates). Phrases must match
//! as phrases. Beside that, whole-term matches add weight: the query's key
//! equal to a term's key (an exact term match ranks first) and the query's key
//! without spaces ("cyberattack" for "cyber attack"), exactly or fuzzily.

use super::schema::{Analyzers, Fields, OTHER};
use crate::domain::normalize;
use crate::error::{Error, Result};
use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, EmptyQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

pub const MAX_QUERY_CHARS: usize = 500;
pub const MAX_WORDS: usize = 32;
/// Known words one unknown word may stand for.
pub const MAX_EXPANSIONS: usize = 50;
/// At most this many combinations of the words' forms are searched as
/// separate intersections; beyond it, one intersection of unions.
const MAX_BRANCHES: usize = 16;

/// What the index knows about its words: how the query decides whether a word
/// needs fuzzy matching, and what it may stand for.
pub trait Lexicon {
    /// Documents holding `term`, over all segments.
    fn doc_freq(&self, term: &Term) -> Result<u64>;
    /// Words of `field` within `distance` edits of `word` (a transposition is
    /// one edit), with their edit distance and document frequency: at most
    /// `max`, the closest and then the most frequent.
    fn fuzzy(&self, field: Field, word: &str, distance: u8, max: usize) -> Result<Vec<Expansion>>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    pub word: String,
    pub distance: u8,
    pub doc_freq: u64,
}

/// Keeps the `max` best expansions: closest first, then most frequent, then by word.
pub fn best_expansions(mut found: Vec<Expansion>, max: usize) -> Vec<Expansion> {
    found.sort_by(|a, b| a.distance.cmp(&b.distance).then(b.doc_freq.cmp(&a.doc_freq)).then(a.word.cmp(&b.word)));
    found.truncate(max);
    found
}

/// Where to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldScope {
    Term,
    Definition,
    #[default]
    All,
}

/// A search as the API receives it, already checked for bounds.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub q: String,
    pub language: Option<String>,
    pub states: Vec<String>,
    pub year: Option<i32>,
    /// Only entries with this domain (subject field), as the list gave it.
    pub domain: Option<String>,
    /// Maximum edits for a word the index does not know; `None` = by word
    /// length (0 up to 2 letters, 1 up to 5, else 2).
    pub fuzzy: Option<u8>,
    pub field: FieldScope,
    pub all_revisions: bool,
    pub limit: usize,
    pub offset: usize,
    /// The index tokens of the lists the caller may read (one must match);
    /// `None`: every list. The service sets it from the caller.
    pub audience: Option<Vec<String>>,
}

/// The parts of a query string.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    /// Words outside quotes, as typed.
    pub words: Vec<String>,
    /// Quoted phrases, as typed.
    pub phrases: Vec<String>,
}

/// Splits words and "phrases". An unbalanced quote is read leniently: the text
/// after it is taken as plain words.
pub fn parse(q: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let quotes = q.matches('"').count();
    let mut rest = q;
    let mut in_phrase = false;
    let mut remaining_quotes = quotes;
    while !rest.is_empty() {
        let (chunk, tail) = match rest.find('"') {
            Some(i) if in_phrase || remaining_quotes >= 2 => (&rest[..i], Some(&rest[i + 1..])),
            _ => (rest, None),
        };
        if in_phrase {
            if !chunk.trim().is_empty() {
                parsed.phrases.push(chunk.trim().to_owned());
            }
        } else {
            parsed.words.extend(split_words(chunk));
        }
        match tail {
            Some(t) => {
                remaining_quotes -= 1;
                in_phrase = !in_phrase;
                rest = t;
            }
            None => break,
        }
    }
    parsed
}

/// Words split on whitespace and dashes, surrounding punctuation trimmed.
fn split_words(text: &str) -> Vec<String> {
    text.split(|c: char| {
        c.is_whitespace() || matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2013}' | '\u{2014}' | '"')
    })
    .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
    .filter(|w| !w.is_empty())
    .map(str::to_owned)
    .collect()
}

/// Edits allowed for a word of `chars` characters, Elasticsearch's AUTO.
pub fn auto_distance(chars: usize) -> u8 {
    match chars {
        0..=2 => 0,
        3..=5 => 1,
        _ => 2,
    }
}

/// A search, planned: the entries it finds are those of any branch or any
/// whole-term clause that pass the filters.
pub struct Built {
    /// Conjunctions over the field in scope.
    pub branches: Vec<Branch>,
    /// The same entries as `branches`, as what each word and phrase may
    /// match (empty for a relaxed query): every entry in one of each.
    pub required: Vec<Vec<Clause>>,
    /// The same over the `term` field (searches of every field only): the
    /// second tier of the ranking, after whole-term matches and before
    /// entries that have the words in their definitions only.
    pub tier: Vec<Branch>,
    /// Whole-term clauses (the query as a term's key, exactly, stemmed or
    /// fuzzily), boosted: the first tier.
    pub whole: Vec<Box<dyn Query>>,
    /// The known terms (without spaces) the query may stand for when it is
    /// no term as typed: the whole-term fuzzy clauses' words.
    pub whole_fuzzy: Vec<Expansion>,
    /// The query stemmed as a whole term in each language (every language,
    /// whatever the filter), where some term is so: `stem_keys` values.
    pub whole_stemmed: Vec<String>,
    /// Entries bridged to the query through the English translation of a
    /// term the query is (set by the search, see `bridge`): the second tier.
    pub bridged: Option<Box<dyn Query>>,
    /// Entries whose terms hold most words of such a translation, when no
    /// entry has it as its term (`bridge::Bridges::related`): the tier after
    /// entries whose terms hold every word.
    pub related: Option<Box<dyn Query>>,
    /// Filters: every hit holds a term of each set of `must` and none of
    /// `must_not`.
    pub must: Vec<Vec<Term>>,
    pub must_not: Vec<Vec<Term>>,
    /// Words outside phrases that make up the query (a relaxed reading
    /// matters only from three of them).
    pub word_count: usize,
    /// The words of the query, as typed (words and the words of phrases), for highlighting.
    pub words: Vec<String>,
}

/// One word of the query: the tokens it stands for in each field.
struct Word {
    /// Analyzed forms (every language in scope) present in the match
    /// field, with the documents holding them.
    matched: Vec<(String, u64)>,
    /// The same forms present in the `term` field.
    in_terms: Vec<(String, u64)>,
    /// Known words of terms within the allowed edits (unknown words only).
    fuzzy: Vec<Expansion>,
    /// Whether the word analyzes to anything at all.
    searchable: bool,
}

/// Builds the query for `req`, analyzing words with the analyzer of every
/// language in scope. Every word must match, or with `relaxed` (for a query
/// of three words or more that found nothing so) two in three of them.
pub fn build(
    req: &SearchRequest,
    fields: &Fields,
    lexicon: &dyn Lexicon,
    relaxed: bool,
    analyzers: &mut Analyzers,
) -> Result<Built> {
    let parsed = parse(&req.q);
    if parsed.words.is_empty() && parsed.phrases.is_empty() {
        return Err(Error::bad_param("q", "the query has no words to search for"));
    }
    if parsed.words.len() + parsed.phrases.len() > MAX_WORDS {
        return Err(Error::bad_param("q", format!("at most {MAX_WORDS} words and phrases")));
    }
    // Which analyzers: an entry in language L is analyzed in L and (its
    // translation) in English; with a language filter only those two.
    let languages: Vec<&'static str> = analyzers
        .languages()
        .filter(|lang| match &req.language {
            Some(l) => *lang == "en" || *lang == l.as_str() || (*lang == OTHER && !is_analyzed(l)),
            None => true,
        })
        .collect();
    let match_field = match req.field {
        FieldScope::Term => fields.term,
        FieldScope::Definition => fields.definition,
        FieldScope::All => fields.text,
    };
    let use_keys = req.field != FieldScope::Definition;
    let tiered = req.field == FieldScope::All;

    // Phrases: as phrases in terms or definitions, or a whole term's key.
    let phrase_fields: Vec<Field> = match req.field {
        FieldScope::Term => vec![fields.term],
        FieldScope::Definition => vec![fields.definition],
        FieldScope::All => vec![fields.term, fields.definition],
    };
    let mut phrases: Vec<Clause> = Vec::new();
    let mut tier_phrases: Vec<Clause> = Vec::new();
    for phrase in &parsed.phrases {
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut in_terms: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let (mut docs, mut term_docs) = (0u64, 0u64);
        let mut searchable = false;
        let mut seen: Vec<Vec<String>> = Vec::new();
        // For ranking: the phrase's words as terms (no positions to read twice).
        let mut rank_words: Vec<Box<dyn Query>> = Vec::new();
        let mut rank_terms: Vec<Box<dyn Query>> = Vec::new();
        for lang in &languages {
            let tokens = analyzers.tokens(lang, phrase);
            searchable |= !tokens.is_empty();
            if tokens.is_empty() || seen.contains(&tokens) {
                continue;
            }
            rank_words.extend(all_terms(lexicon, match_field, &tokens)?);
            if tiered {
                rank_terms.extend(all_terms(lexicon, fields.term, &tokens)?);
            }
            for field in &phrase_fields {
                // A field lacking one of the phrase's words cannot hold the phrase.
                let mut rarest = u64::MAX;
                for t in &tokens {
                    rarest = rarest.min(lexicon.doc_freq(&term(*field, t))?);
                }
                if rarest > 0
                    && let Some(q) = phrase_query(*field, &tokens)
                {
                    if *field == fields.term {
                        in_terms.push((Occur::Should, q.box_clone()));
                        term_docs += rarest;
                    }
                    alternatives.push((Occur::Should, q));
                    docs += rarest;
                }
            }
            seen.push(tokens);
        }
        if use_keys {
            let key = normalize::key(phrase);
            if !key.is_empty() {
                searchable = true;
                let whole = || boosted(TermQuery::new(term(fields.keys, &key), rec()), 20.0);
                alternatives.push((Occur::Should, whole()));
                in_terms.push((Occur::Should, whole()));
                rank_words.push(whole());
                rank_terms.push(whole());
                let n = lexicon.doc_freq(&term(fields.keys, &key))?;
                docs += n;
                term_docs += n;
            }
        }
        let one = |alternatives: Vec<(Occur, Box<dyn Query>)>, docs: u64, rank: Vec<Box<dyn Query>>| -> Clause {
            if alternatives.is_empty() {
                Clause::nothing()
            } else {
                let mut clause = Clause::of(Box::new(BooleanQuery::new(alternatives)), docs);
                clause.rank = one_of(rank);
                clause
            }
        };
        if !alternatives.is_empty() || searchable {
            phrases.push(one(alternatives, docs, rank_words));
            tier_phrases.push(one(in_terms, term_docs, rank_terms));
        }
    }

    let mut words: Vec<Word> = Vec::new();
    for typed in &parsed.words {
        let as_typed = normalize::key(typed);
        let mut forms: Vec<String> = Vec::new();
        for lang in &languages {
            for token in analyzers.tokens(lang, typed) {
                if !forms.contains(&token) {
                    forms.push(token);
                }
            }
        }
        let mut word =
            Word { matched: Vec::new(), in_terms: Vec::new(), fuzzy: Vec::new(), searchable: !forms.is_empty() };
        // Known: found as typed. A stem alone does not count: a misspelling
        // can stem to a real word of another language ("electroni" → "electron").
        let mut known = false;
        for form in forms {
            let docs = lexicon.doc_freq(&term(match_field, &form))?;
            if docs > 0 {
                known |= form == as_typed;
                if tiered {
                    let in_terms = lexicon.doc_freq(&term(fields.term, &form))?;
                    if in_terms > 0 {
                        word.in_terms.push((form.clone(), in_terms));
                    }
                }
                word.matched.push((form, docs));
            }
        }
        if use_keys && !known {
            for w in as_typed.split(' ').filter(|w| !w.is_empty()) {
                word.searchable = true;
                let docs = lexicon.doc_freq(&term(fields.key_words, w))?;
                if docs > 0 {
                    // A word of a term as typed: known. Its analyzed forms
                    // find it, unless the analyzers made nothing of it.
                    if word.matched.is_empty() {
                        word.fuzzy.push(Expansion { word: w.to_owned(), distance: 0, doc_freq: docs });
                    }
                    continue;
                }
                let distance = req.fuzzy.unwrap_or_else(|| auto_distance(w.chars().count()));
                if distance > 0 {
                    word.fuzzy.extend(lexicon.fuzzy(fields.key_words, w, distance.min(2), MAX_EXPANSIONS)?);
                }
            }
        }
        words.push(word);
    }
    let n = words.len();

    let (must, must_not) = filters(req, fields, lexicon)?;
    // The entries holding every word (or most) in `field`, as alternative
    // conjunctions: one per choice of each word's forms. (A ∪ a) ∩ (B ∪ b)
    // is searched as AB ∪ Ab ∪ aB ∪ ab: an intersection of single posting
    // lists seeks through skip lists (and ranks with block-max WAND), while
    // seeking a union of long lists decodes every document near the target.
    let conjunctions =
        |field: Field, forms: fn(&Word) -> &Vec<(String, u64)>| -> Option<(Vec<Branch>, Vec<Vec<Clause>>)> {
            let mut per_word: Vec<Vec<Clause>> = Vec::new();
            for w in &words {
                let mut alternatives: Vec<Clause> = forms(w)
                    .iter()
                    .map(|(f, docs)| {
                        let mut clause = Clause::of(Box::new(TermQuery::new(term(field, f), freqs())), *docs);
                        clause.terms = vec![term(field, f)];
                        clause
                    })
                    .collect();
                // The most common form first: the first combination is the main one.
                alternatives.sort_by_key(|c| std::cmp::Reverse(c.docs));
                // An unknown word's stand-ins are words of terms: short lists, one union.
                if let Some(query) = one_of(fuzzy_clauses(fields.key_words, &w.fuzzy, 2.0)) {
                    let mut clause = Clause::of(query, w.fuzzy.iter().map(|e| e.doc_freq).sum());
                    clause.terms = w.fuzzy.iter().map(|e| term(fields.key_words, &e.word)).collect();
                    alternatives.push(clause);
                }
                if alternatives.is_empty() {
                    if !w.searchable {
                        continue;
                    }
                    // A word nothing matches, not even fuzzily, still counts as a word.
                    alternatives.push(Clause::nothing());
                }
                per_word.push(alternatives);
            }
            let phrases = if field == fields.term { &tier_phrases } else { &phrases };
            if per_word.is_empty() && phrases.is_empty() {
                return None;
            }
            let k = per_word.len();
            let combinations: usize = per_word.iter().map(Vec::len).product();
            // Every word and phrase, for reading the matches as bit sets.
            let mut required = per_word.clone();
            required.extend(phrases.iter().map(|p| vec![p.clone()]));
            if relaxed && k > 2 {
                required.clear();
            }
            if (relaxed && k > 2) || combinations > MAX_BRANCHES {
                let docs = per_word.iter().map(|a| a.iter().map(|c| c.docs).sum::<u64>());
                let (fewest, most) = (docs.clone().min().unwrap_or(0), docs.max().unwrap_or(0));
                let clauses: Vec<Box<dyn Query>> =
                    per_word.into_iter().filter_map(|a| one_of(a.into_iter().map(|c| c.query).collect())).collect();
                let mut branch = Branch { clauses: phrases.to_vec() };
                if relaxed && k > 2 {
                    // Most words (when no entry has them all).
                    let min = k - k / 3;
                    let query = Box::new(BooleanQuery::union_with_minimum_required_clauses(clauses, min));
                    branch.clauses.push(Clause::of(query, most));
                } else {
                    // Too many combinations: one intersection of unions (the same entries, slower).
                    branch.clauses.extend(clauses.into_iter().map(|query| Clause::of(query, fewest)));
                }
                return Some((vec![branch], required));
            }
            let mut out: Vec<Branch> = Vec::with_capacity(combinations);
            for i in 0..combinations {
                let mut choice = i;
                let mut branch = Branch { clauses: Vec::with_capacity(k + phrases.len()) };
                for alternatives in &per_word {
                    branch.clauses.push(alternatives[choice % alternatives.len()].clone());
                    choice /= alternatives.len();
                }
                branch.clauses.extend(phrases.iter().cloned());
                out.push(branch);
            }
            Some((out, required))
        };
    let Some((branches, required)) = conjunctions(match_field, |w| &w.matched) else {
        return Err(Error::bad_param("q", "the query has no searchable words"));
    };
    let tier = if tiered {
        conjunctions(fields.term, |w| &w.in_terms).map(|(b, _)| b).unwrap_or_default()
    } else {
        Vec::new()
    };

    // Whole-term matches: alternatives to the word-by-word match (so that
    // "cyberattack" finds "cyber attack"), and the first tier of the
    // ranking; an entry's own term weighs a little more than a translation.
    let mut whole: Vec<Box<dyn Query>> = Vec::new();
    let mut whole_fuzzy: Vec<Expansion> = Vec::new();
    let mut whole_stemmed: Vec<String> = Vec::new();
    if use_keys && parsed.phrases.is_empty() {
        let key = normalize::key(&req.q.replace('"', " "));
        if !key.is_empty() {
            let compact: String = key.chars().filter(|c| *c != ' ').collect();
            whole.push(boosted(TermQuery::new(term(fields.keys, &key), rec()), 20.0));
            whole.push(boosted(TermQuery::new(term(fields.own_keys, &key), rec()), 2.0));
            whole.push(boosted(TermQuery::new(term(fields.compact, &compact), rec()), 12.0));
            whole.push(boosted(TermQuery::new(term(fields.own_compact, &compact), rec()), 1.0));
            // An inflected form of a whole term: the same words stemmed (in
            // every language: the bridges look for the query's own terms
            // whatever the filters; the whole-term clauses in those in scope).
            for (lang, stems) in whole_stems(&req.q, analyzers) {
                if !whole_stemmed.contains(&stems) && lexicon.doc_freq(&term(fields.stem_keys, &stems))? > 0 {
                    if languages.contains(&lang) {
                        whole.push(boosted(TermQuery::new(term(fields.stem_keys, &stems), rec()), 8.0));
                        whole.push(boosted(TermQuery::new(term(fields.own_stem_keys, &stems), rec()), 1.0));
                    }
                    whole_stemmed.push(stems);
                }
            }
            let distance = req.fuzzy.unwrap_or_else(|| auto_distance(compact.chars().count()));
            let whole_known = lexicon.doc_freq(&term(fields.compact, &compact))? > 0;
            if !whole_known && distance > 0 && compact.chars().count() <= 60 {
                whole_fuzzy = lexicon.fuzzy(fields.compact, &compact, distance.min(2), MAX_EXPANSIONS)?;
                // The closest of an entry's terms counts, not their sum: a
                // translation near the typo must not add to its own term.
                for (field, weight) in [(fields.compact, 4.0), (fields.own_compact, 0.5)] {
                    let close = fuzzy_clauses(field, &whole_fuzzy, weight);
                    if !close.is_empty() {
                        whole.push(Box::new(DisjunctionMaxQuery::new(close)));
                    }
                }
            }
        }
    }
    let mut typed = parsed.words;
    typed.extend(parsed.phrases.iter().flat_map(|p| split_words(p)));
    Ok(Built {
        branches,
        required,
        tier,
        whole,
        whole_fuzzy,
        whole_stemmed,
        bridged: None,
        related: None,
        must,
        must_not,
        word_count: n,
        words: typed,
    })
}

/// The query as a whole term stemmed in each language that has an
/// analyzer (see `schema::stem_key`): (language, stem key), each key once.
fn whole_stems(q: &str, analyzers: &mut Analyzers) -> Vec<(&'static str, String)> {
    let text = q.replace('"', " ");
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let languages: Vec<&'static str> = analyzers.languages().collect();
    for lang in languages {
        if let Some(stems) = analyzers.stem_key(lang, &text)
            && !out.iter().any(|(_, s)| *s == stems)
        {
            out.push((lang, stems));
        }
    }
    out
}

impl Built {
    /// The whole-term clauses as one query (`None` when there are none).
    pub fn whole_query(&self) -> Option<Box<dyn Query>> {
        (!self.whole.is_empty()).then(|| {
            Box::new(BooleanQuery::union(self.whole.iter().map(|q| q.box_clone()).collect())) as Box<dyn Query>
        })
    }
}

/// One clause of a conjunction, with an estimate of the documents it
/// matches (an upper bound: how a conjunction decides how to run).
pub struct Clause {
    pub query: Box<dyn Query>,
    pub docs: u64,
    /// When the clause is a term or a union of terms: the terms (whose
    /// postings can then be read directly).
    pub terms: Vec<Term>,
    /// What ranks the clause's documents, when not `query` itself: a
    /// phrase ranks by its words, so its positions are read only once.
    /// It matches every document `query` matches.
    pub rank: Option<Box<dyn Query>>,
}

impl Clone for Clause {
    fn clone(&self) -> Self {
        Self {
            query: self.query.box_clone(),
            docs: self.docs,
            terms: self.terms.clone(),
            rank: self.rank.as_ref().map(|q| q.box_clone()),
        }
    }
}

impl Clause {
    fn of(query: Box<dyn Query>, docs: u64) -> Self {
        Self { query, docs, terms: Vec::new(), rank: None }
    }

    fn nothing() -> Self {
        Self::of(Box::new(EmptyQuery), 0)
    }
}

/// Entries matching every clause.
#[derive(Clone)]
pub struct Branch {
    pub clauses: Vec<Clause>,
}

impl Branch {
    /// The clauses as one query (an intersection of term queries when they
    /// are all terms, which tantivy ranks with block-max WAND).
    pub fn query(&self) -> Box<dyn Query> {
        all_of(self.clauses.iter().map(|c| c.query.box_clone()).collect())
    }

    /// The clauses as one ranking query (phrases by their words).
    pub fn rank_query(&self) -> Box<dyn Query> {
        all_of(self.clauses.iter().map(|c| c.rank.as_ref().unwrap_or(&c.query).box_clone()).collect())
    }
}

/// Filters, each a set of terms of which a document must hold one.
type Filters = (Vec<Vec<Term>>, Vec<Vec<Term>>);

/// The filters of a request (current revisions, language, States, year, domain):
/// what every hit must match, and what none may.
fn filters(req: &SearchRequest, fields: &Fields, lexicon: &dyn Lexicon) -> Result<Filters> {
    let mut must: Vec<Vec<Term>> = Vec::new();
    let mut must_not: Vec<Vec<Term>> = Vec::new();
    if !req.all_revisions {
        // Current revisions only: skip the filter when the index holds no
        // earlier revisions, and exclude the earlier ones when they are the
        // fewer (a short list instead of a long one).
        let current = Term::from_field_u64(fields.current, 1);
        let earlier = Term::from_field_u64(fields.current, 0);
        let old = lexicon.doc_freq(&earlier)?;
        if old > 0 && old < lexicon.doc_freq(&current)? {
            must_not.push(vec![earlier]);
        } else if old > 0 {
            must.push(vec![current]);
        }
    }
    if let Some(l) = &req.language {
        must.push(vec![term(fields.language, l)]);
    }
    if !req.states.is_empty() {
        must.push(req.states.iter().map(|s| term(fields.state, s)).collect());
    }
    if let Some(y) = req.year {
        must.push(vec![Term::from_field_i64(fields.year, i64::from(y))]);
    }
    if let Some(d) = &req.domain {
        must.push(vec![term(fields.domain, d)]);
    }
    if let Some(tokens) = &req.audience {
        must.push(tokens.iter().map(|t| term(fields.audience, t)).collect());
    }
    Ok((must, must_not))
}

/// Every token of `tokens` as a term of `field`, all required (nothing
/// when `field` lacks one of them).
fn all_terms(lexicon: &dyn Lexicon, field: Field, tokens: &[String]) -> Result<Option<Box<dyn Query>>> {
    let mut clauses: Vec<Box<dyn Query>> = Vec::new();
    for t in tokens {
        let t = term(field, t);
        if lexicon.doc_freq(&t)? == 0 {
            return Ok(None);
        }
        clauses.push(Box::new(TermQuery::new(t, freqs())));
    }
    Ok((!clauses.is_empty()).then(|| all_of(clauses)))
}

/// One query for required parts: the one, or their intersection.
fn all_of(mut parts: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match parts.len() {
        1 => parts.pop().unwrap_or_else(|| Box::new(EmptyQuery)),
        _ => Box::new(BooleanQuery::new(parts.into_iter().map(|q| (Occur::Must, q)).collect())),
    }
}

/// One query for alternatives: none, the one, or their union.
fn one_of(mut alternatives: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
    match alternatives.len() {
        0 => None,
        1 => alternatives.pop(),
        _ => Some(Box::new(BooleanQuery::union(alternatives))),
    }
}

/// One clause per known word standing for an unknown one, worth `weight`
/// at one edit (or none), less at two.
fn fuzzy_clauses(field: Field, expansions: &[Expansion], weight: f32) -> Vec<Box<dyn Query>> {
    expansions
        .iter()
        .map(|e| {
            let score = if e.distance <= 1 { weight } else { weight * 0.6 };
            let q = TermQuery::new(term(field, &e.word), rec());
            Box::new(ConstScoreQuery::new(Box::new(q), score)) as Box<dyn Query>
        })
        .collect()
}

fn is_analyzed(language: &str) -> bool {
    super::schema::ANALYZED.iter().any(|(l, _)| *l == language)
}

fn term(field: Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

fn rec() -> IndexRecordOption {
    IndexRecordOption::Basic
}

fn freqs() -> IndexRecordOption {
    IndexRecordOption::WithFreqs
}

fn boosted(q: impl Query + 'static, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(q), boost))
}

fn phrase_query(field: Field, tokens: &[String]) -> Option<Box<dyn Query>> {
    match tokens {
        [] => None,
        [one] => Some(Box::new(TermQuery::new(term(field, one), freqs()))),
        _ => Some(Box::new(PhraseQuery::new(tokens.iter().map(|t| term(field, t)).collect()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_phrases() {
        let p = parse(r#"cyber-attack "critical infrastructure" state"#);
        assert_eq!(p.words, vec!["cyber", "attack", "state"]);
        assert_eq!(p.phrases, vec!["critical infrastructure"]);
    }

    #[test]
    fn an_unbalanced_quote_is_read_leniently() {
        let p = parse(r#""critical infrastructure" "open"#);
        assert_eq!(p.phrases, vec!["critical infrastructure"]);
        assert_eq!(p.words, vec!["open"]);
        let p = parse(r#"malware "trojan"#);
        assert_eq!(p.words, vec!["malware", "trojan"]);
        assert!(p.phrases.is_empty());
    }

    #[test]
    fn expansions_keep_the_closest_then_the_most_frequent() {
        let e = |w: &str, d, f| Expansion { word: w.into(), distance: d, doc_freq: f };
        let kept = best_expansions(vec![e("b", 2, 900), e("a", 1, 3), e("c", 1, 50), e("d", 2, 901)], 3);
        assert_eq!(kept, vec![e("c", 1, 50), e("a", 1, 3), e("d", 2, 901)]);
    }

    #[test]
    fn distances_follow_word_length() {
        assert_eq!(auto_distance(2), 0);
        assert_eq!(auto_distance(5), 1);
        assert_eq!(auto_distance(7), 2);
    }
}
