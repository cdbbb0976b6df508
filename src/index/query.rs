//! From a user's query string to a tantivy query.
//!
//! A query is words and "quoted phrases". Each word may match, in any text
//! field in scope, its stemmed form (per-language analyzers), or a word of a
//! term's normalized key exactly or within an edit distance (fuzzy, on the
//! term-dictionary automaton: never a scan of candidates). Phrases must match
//! as phrases. Beside that, whole-term matches add weight: the query's key
//! equal to a term's key (an exact term match ranks first) and the query's key
//! without spaces ("cyberattack" for "cyber attack"), exactly or fuzzily.

use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::schema::Fields;
use crate::domain::normalize;
use crate::error::{Error, Result};

pub const MAX_QUERY_CHARS: usize = 500;
pub const MAX_WORDS: usize = 32;
/// Known words one unknown word may stand for.
pub const MAX_EXPANSIONS: usize = 50;

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
    /// Maximum edits for a word the index does not know; `None` = by word
    /// length (0 up to 2 letters, 1 up to 5, else 2).
    pub fuzzy: Option<u8>,
    pub field: FieldScope,
    pub all_revisions: bool,
    pub limit: usize,
    pub offset: usize,
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

pub struct Built {
    pub query: Box<dyn Query>,
    /// Words outside phrases that make up the query (a relaxed reading
    /// matters only from three of them).
    pub word_count: usize,
    /// The text part alone (no filters), for highlighting.
    pub words: Vec<String>,
}

/// Builds the query for `req` over the fields of `fields`, analyzing words
/// with each field's own analyzer (`analyzer_of`). Every word must match,
/// or with `relaxed` (for a query of three words or more that found nothing
/// so) two in three of them.
pub fn build(
    req: &SearchRequest,
    fields: &Fields,
    lexicon: &dyn Lexicon,
    relaxed: bool,
    mut analyzer_of: impl FnMut(Field) -> Result<TextAnalyzer>,
) -> Result<Built> {
    let parsed = parse(&req.q);
    if parsed.words.is_empty() && parsed.phrases.is_empty() {
        return Err(Error::bad_param("q", "the query has no words to search for"));
    }
    if parsed.words.len() + parsed.phrases.len() > MAX_WORDS {
        return Err(Error::bad_param("q", format!("at most {MAX_WORDS} words and phrases")));
    }
    // Which text fields: an entry in language L is in L's fields and (through
    // its translation) the English ones; with a language filter only those.
    let text: Vec<(Field, f32)> = fields
        .text
        .iter()
        .filter(|(lang, _, _)| match &req.language {
            Some(l) => *lang == "en" || *lang == l.as_str() || (*lang == super::schema::OTHER && !is_analyzed(l)),
            None => true,
        })
        .flat_map(|(_, term, def)| {
            let mut v = Vec::new();
            if req.field != FieldScope::Definition {
                v.push((*term, 4.0));
            }
            if req.field != FieldScope::Term {
                v.push((*def, 1.0));
            }
            v
        })
        .collect();
    let use_keys = req.field != FieldScope::Definition;

    let mut required: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for phrase in &parsed.phrases {
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut searchable = false;
        for (field, boost) in &text {
            let tokens = analyze(&mut analyzer_of, *field, phrase)?;
            searchable |= !tokens.is_empty();
            // A field lacking one of the phrase's words cannot hold the phrase.
            let mut present = true;
            for t in &tokens {
                present &= lexicon.doc_freq(&term(*field, t))? > 0;
            }
            if present && let Some(q) = phrase_query(*field, &tokens) {
                alternatives.push((Occur::Should, Box::new(BoostQuery::new(q, *boost))));
            }
        }
        if use_keys {
            let key = normalize::key(phrase);
            if !key.is_empty() {
                searchable = true;
                alternatives.push((Occur::Should, boosted(TermQuery::new(term(fields.keys, &key), rec()), 20.0)));
            }
        }
        if !alternatives.is_empty() {
            required.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        } else if searchable {
            required.push((Occur::Must, Box::new(EmptyQuery)));
        }
    }

    let mut word_clauses: Vec<Box<dyn Query>> = Vec::new();
    for word in &parsed.words {
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Known: found as typed. A stem alone does not count: a misspelling
        // can stem to a real word of another language ("electroni" → "electron").
        let mut known = false;
        let mut searchable = false;
        let as_typed = normalize::key(word);
        for (field, boost) in &text {
            for token in analyze(&mut analyzer_of, *field, word)? {
                searchable = true;
                let t = term(*field, &token);
                if lexicon.doc_freq(&t)? > 0 {
                    known |= token == as_typed;
                    alternatives.push((Occur::Should, boosted(TermQuery::new(t, freqs()), *boost)));
                }
            }
        }
        if use_keys {
            let key_words: Vec<&str> = as_typed.split(' ').filter(|w| !w.is_empty()).collect();
            searchable |= !key_words.is_empty();
            let mut unknown = Vec::new();
            for w in &key_words {
                let t = term(fields.key_words, w);
                if lexicon.doc_freq(&t)? > 0 {
                    alternatives.push((Occur::Should, boosted(TermQuery::new(t, rec()), 3.0)));
                } else {
                    unknown.push(*w);
                }
            }
            if !known {
                for w in unknown {
                    let distance = req.fuzzy.unwrap_or_else(|| auto_distance(w.chars().count()));
                    alternatives.extend(fuzzy_clauses(lexicon, fields.key_words, w, distance, 2.0)?);
                }
            }
        }
        if !alternatives.is_empty() {
            word_clauses.push(Box::new(BooleanQuery::new(alternatives)));
        } else if searchable {
            // A word nothing matches, not even fuzzily, still counts as a word.
            word_clauses.push(Box::new(EmptyQuery));
        }
    }
    let n = word_clauses.len();
    if !relaxed || n <= 2 {
        // Every word: an intersection, which seeks through the rarest word's
        // postings instead of visiting every document of any word.
        required.extend(word_clauses.into_iter().map(|q| (Occur::Must, q)));
    } else {
        // Most words (when no entry has them all).
        let min = n - n / 3;
        required.push((Occur::Must, Box::new(BooleanQuery::union_with_minimum_required_clauses(word_clauses, min))));
    }
    if required.is_empty() {
        return Err(Error::bad_param("q", "the query has no searchable words"));
    }
    let content: Box<dyn Query> = Box::new(BooleanQuery::new(required));

    // Whole-term matches: alternatives to the word-by-word match (so that
    // "cyberattack" finds "cyber attack"), and extra weight when both match.
    let mut top: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, content)];
    if use_keys && parsed.phrases.is_empty() {
        let key = normalize::key(&req.q.replace('"', " "));
        if !key.is_empty() {
            top.push((Occur::Should, boosted(TermQuery::new(term(fields.keys, &key), rec()), 20.0)));
            let compact: String = key.chars().filter(|c| *c != ' ').collect();
            top.push((Occur::Should, boosted(TermQuery::new(term(fields.compact, &compact), rec()), 12.0)));
            let distance = req.fuzzy.unwrap_or_else(|| auto_distance(compact.chars().count()));
            let whole_known = lexicon.doc_freq(&term(fields.compact, &compact))? > 0;
            if !whole_known && compact.chars().count() <= 60 {
                top.extend(fuzzy_clauses(lexicon, fields.compact, &compact, distance, 4.0)?);
            }
        }
    }
    let matching: Box<dyn Query> = Box::new(BooleanQuery::new(top));

    let mut all: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, matching)];
    if !req.all_revisions {
        // Current revisions only: skip the filter when the index holds no
        // earlier revisions, and exclude the earlier ones when they are the
        // fewer (a short list to skip through instead of a long one).
        let current = Term::from_field_u64(fields.current, 1);
        let earlier = Term::from_field_u64(fields.current, 0);
        let old = lexicon.doc_freq(&earlier)?;
        if old > 0 && old < lexicon.doc_freq(&current)? {
            all.push((Occur::MustNot, Box::new(TermQuery::new(earlier, rec()))));
        } else if old > 0 {
            all.push((Occur::Must, Box::new(TermQuery::new(current, rec()))));
        }
    }
    if let Some(l) = &req.language {
        all.push((Occur::Must, Box::new(TermQuery::new(term(fields.language, l), rec()))));
    }
    if !req.states.is_empty() {
        let states: Vec<Box<dyn Query>> = req
            .states
            .iter()
            .map(|s| Box::new(TermQuery::new(term(fields.state, s), rec())) as Box<dyn Query>)
            .collect();
        all.push((Occur::Must, Box::new(BooleanQuery::union(states))));
    }
    if let Some(y) = req.year {
        all.push((Occur::Must, Box::new(TermQuery::new(Term::from_field_i64(fields.year, i64::from(y)), rec()))));
    }
    let mut words = parsed.words;
    words.extend(parsed.phrases.iter().flat_map(|p| split_words(p)));
    Ok(Built { query: Box::new(BooleanQuery::new(all)), word_count: n, words })
}

/// The known words within `distance` edits of `word`, each a clause worth
/// `weight` at one edit and less at two.
fn fuzzy_clauses(
    lexicon: &dyn Lexicon,
    field: Field,
    word: &str,
    distance: u8,
    weight: f32,
) -> Result<Vec<(Occur, Box<dyn Query>)>> {
    if distance == 0 {
        return Ok(Vec::new());
    }
    Ok(lexicon
        .fuzzy(field, word, distance.min(2), MAX_EXPANSIONS)?
        .into_iter()
        .map(|e| {
            let score = if e.distance <= 1 { weight } else { weight * 0.6 };
            let q = TermQuery::new(term(field, &e.word), rec());
            (Occur::Should, Box::new(ConstScoreQuery::new(Box::new(q), score)) as Box<dyn Query>)
        })
        .collect())
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

fn analyze(
    analyzer_of: &mut impl FnMut(Field) -> Result<TextAnalyzer>,
    field: Field,
    text: &str,
) -> Result<Vec<String>> {
    let mut analyzer = analyzer_of(field)?;
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    Ok(out)
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
