//! The index schema and its analyzers.
//!
//! Text is analyzed by the analyzer of its own language (stemming,
//! lower-casing, diacritics folding), English translations by the English
//! one: each value carries its language as a tag (`fr\u{1f}texte`) that
//! the fields' tokenizer reads, so tantivy's indexing threads do the
//! analysis. The tokens of every language share three fields: `term` (terms,
//! synonyms and English term translations), `definition` (definitions and
//! their English translations), and `text` (both, without positions). A query
//! word is then one term, or a few, in one field, whatever language it is in:
//! intersections of single posting lists, not of unions over per-language
//! fields. Beside them: language-neutral keyword fields built from the
//! store's normalized keys (exact and fuzzy term matching), and filters.

use std::collections::HashMap;
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, BoxTokenStream, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, Token, TokenStream, Tokenizer, WhitespaceTokenizer,
};

use tantivy::{Index, TantivyDocument};

use super::spelling::AmericanSpelling;
use crate::store::EntryRecord;

/// Languages with their own stemming analyzer. Everything else is indexed
/// with a simple analyzer (lower-casing, diacritics folding, no stemming).
pub const ANALYZED: [(&str, Language); 6] = [
    ("en", Language::English),
    ("fr", Language::French),
    ("de", Language::German),
    ("it", Language::Italian),
    ("ru", Language::Russian),
    ("es", Language::Spanish),
];
/// The analyzer of languages without their own.
pub const OTHER: &str = "xx";

/// Bumped when the schema or an analyzer changes: an index of another
/// version is rebuilt from the store at start.
/// 2: synonyms are indexed in the term field and the key fields.
/// 3: one `term`, `definition` and `text` field for every language;
///    `own_keys` / `own_compact` (the entry's own terms, not translations).
/// 4: `stem_keys` / `own_stem_keys` (whole terms, stemmed in their language).
/// 5: `domain` (filter) and `domain_facet` (counts by subject field).
/// 6: `audience` (who may read the entry's list: `Distribution::index_tokens`).
/// 7: the English analyzer reads British spellings as American ones.
pub const SCHEMA_VERSION: u32 = 7;

#[derive(Clone)]
pub struct Fields {
    pub id: Field,
    pub sub: Field,
    pub ord: Field,
    pub state: Field,
    /// Who may read the list: its level and its State (`Audience::tokens`).
    pub audience: Field,
    pub language: Field,
    pub year: Field,
    pub current: Field,
    pub state_facet: Field,
    pub language_facet: Field,
    /// The entry's domains (subject fields), each whole: the domain filter.
    pub domain: Field,
    /// The same domains as facets: counted per search.
    pub domain_facet: Field,
    /// Terms, synonyms and English term translations (with positions).
    pub term: Field,
    /// Definitions and their English translations (with positions).
    pub definition: Field,
    /// Everything in `term` and `definition`, without positions: what a
    /// word is matched against when the query does not name a field.
    pub text: Field,
    /// Normalized keys of the term, its synonyms and its English translation, whole.
    pub keys: Field,
    /// The same keys with spaces removed: "cyber attack" meets "cyberattack".
    pub compact: Field,
    /// Like `keys` and `compact`, the entry's own terms only (no
    /// translation): an original ranks above another language's entry that
    /// translates to the same words.
    pub own_keys: Field,
    pub own_compact: Field,
    /// Each whole term (own terms and synonyms in their language, the English
    /// translation in English) as one token: its words stemmed, joined by
    /// spaces ([`stem_key`]). An inflected form of a whole term meets it
    /// ("Sicherheitslücken", "attaques informatiques").
    pub stem_keys: Field,
    /// Like `stem_keys`, the entry's own terms only.
    pub own_stem_keys: Field,
    /// The words of the normalized keys: exact and fuzzy word matching.
    pub key_words: Field,
    pub schema: Schema,
}

fn analyzer_name(lang: &str) -> String {
    format!("cg_{lang}")
}

/// The tokenizer of the shared text fields: reads a value's language tag.
const TAGGED: &str = "cg_tagged";
/// The tokenizer of the stemmed whole-term fields: one token per value.
const TAGGED_WHOLE: &str = "cg_tagged_whole";
/// Separates a value's language tag from its text.
const TAG_END: char = '\u{1f}';

fn text_options(positions: bool) -> TextOptions {
    let record = if positions { IndexRecordOption::WithFreqsAndPositions } else { IndexRecordOption::WithFreqs };
    TextOptions::default()
        .set_indexing_options(TextFieldIndexing::default().set_tokenizer(TAGGED).set_index_option(record))
}

/// `text` tagged with its language, for the shared text fields.
fn tagged(language: &str, text: &str) -> String {
    let mut out = String::with_capacity(language.len() + 1 + text.len());
    out.push_str(language);
    out.push(TAG_END);
    out.push_str(text);
    out
}

/// Analyzes a tagged value with its language's analyzer (an untagged one
/// with the fallback analyzer): the same tokens as [`Analyzers`], with each
/// language's stems remembered, since a list repeats its words (a value is
/// also analyzed twice: for its own field and for `text`).
#[derive(Clone)]
struct TaggedTokenizer {
    /// Splitting, lower-casing and folding: what every language shares.
    base: TextAnalyzer,
    /// Per language of [`ANALYZED`]: a stemmer of one word, and its stems so far.
    stemmers: Vec<(&'static str, TextAnalyzer, HashMap<String, String>)>,
}

/// Stems remembered per language before the memory is cleared.
const STEM_CACHE: usize = 100_000;

impl TaggedTokenizer {
    fn new() -> Self {
        let stemmers = ANALYZED
            .iter()
            .map(|(lang, language)| {
                let stemmer = if *language == Language::English {
                    TextAnalyzer::builder(RawTokenizer::default())
                        .filter(AmericanSpelling)
                        .filter(Stemmer::new(*language))
                        .build()
                } else {
                    TextAnalyzer::builder(RawTokenizer::default()).filter(Stemmer::new(*language)).build()
                };
                (*lang, stemmer, HashMap::new())
            })
            .collect();
        Self { base: simple(), stemmers }
    }
}

impl Tokenizer for TaggedTokenizer {
    type TokenStream<'a> = BoxTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BoxTokenStream<'a> {
        let (language, body) = split_tag(text);
        let inner = self.base.token_stream(body);
        match self.stemmers.iter_mut().find(|(l, _, _)| *l == language) {
            Some((_, stemmer, stems)) => BoxTokenStream::new(StemmedStream { inner, stemmer, stems }),
            None => inner,
        }
    }
}

/// A tagged value's language and text (an untagged value: `OTHER`).
fn split_tag(value: &str) -> (&str, &str) {
    match value.split_once(TAG_END) {
        Some((l, body)) if l.len() <= 16 => (l, body),
        _ => (OTHER, value),
    }
}

/// English words a stem key leaves out: translations say "security of the
/// network" and "security of network" for one term.
const EN_FUNCTION_WORDS: [&str; 4] = ["a", "an", "the", "of"];

/// A whole term's stem key: its analyzed words (as [`Analyzers::tokens`]
/// gives them in `language`) joined by spaces, English function words left
/// out; `None` when nothing is left.
pub fn stem_key(language: &str, words: impl IntoIterator<Item = String>) -> Option<String> {
    let words: Vec<String> =
        words.into_iter().filter(|w| language != "en" || !EN_FUNCTION_WORDS.contains(&w.as_str())).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Analyzes a tagged value as [`TaggedTokenizer`] does and gives its
/// [`stem_key`] as one token: the stemmed whole-term fields.
#[derive(Clone)]
struct WholeTokenizer {
    words: TaggedTokenizer,
    token: Token,
}

impl Tokenizer for WholeTokenizer {
    type TokenStream<'a> = OneToken<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> OneToken<'a> {
        let (language, _) = split_tag(text);
        let mut words = Vec::new();
        {
            let mut stream = self.words.token_stream(text);
            while let Some(t) = stream.next() {
                words.push(t.text.clone());
            }
        }
        let key = stem_key(language, words);
        self.token = Token {
            offset_from: 0,
            offset_to: text.len(),
            position: 0,
            text: key.clone().unwrap_or_default(),
            position_length: 1,
        };
        OneToken { token: &mut self.token, pending: key.is_some() }
    }
}

/// A stream of at most one token.
struct OneToken<'a> {
    token: &'a mut Token,
    pending: bool,
}

impl TokenStream for OneToken<'_> {
    fn advance(&mut self) -> bool {
        std::mem::replace(&mut self.pending, false)
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

struct StemmedStream<'a> {
    inner: BoxTokenStream<'a>,
    stemmer: &'a mut TextAnalyzer,
    stems: &'a mut HashMap<String, String>,
}

impl TokenStream for StemmedStream<'_> {
    fn advance(&mut self) -> bool {
        if !self.inner.advance() {
            return false;
        }
        let token = self.inner.token_mut();
        match self.stems.get(&token.text) {
            Some(stem) => {
                token.text.clear();
                token.text.push_str(stem);
            }
            None => {
                let stem = {
                    let mut one = self.stemmer.token_stream(&token.text);
                    one.next().map(|t| t.text.clone())
                };
                if let Some(stem) = stem {
                    if self.stems.len() >= STEM_CACHE {
                        self.stems.clear();
                    }
                    self.stems.insert(std::mem::replace(&mut token.text, stem.clone()), stem);
                }
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.inner.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.inner.token_mut()
    }
}

impl Fields {
    pub fn build() -> Self {
        let mut b = Schema::builder();
        let id = b.add_text_field("id", STRING | STORED);
        let sub = b.add_u64_field("sub", INDEXED | FAST);
        let ord = b.add_u64_field("ord", FAST);
        let state = b.add_text_field("state", STRING);
        // Who may read the entry's list: `Distribution::index_tokens`.
        let audience = b.add_text_field("audience", STRING);
        let language = b.add_text_field("language", STRING);
        let year = b.add_i64_field("year", INDEXED | FAST);
        let current = b.add_u64_field("current", INDEXED);
        let state_facet = b.add_facet_field("state_facet", FacetOptions::default());
        let language_facet = b.add_facet_field("language_facet", FacetOptions::default());
        let domain = b.add_text_field("domain", STRING);
        let domain_facet = b.add_facet_field("domain_facet", FacetOptions::default());
        let term = b.add_text_field("term", text_options(true));
        let definition = b.add_text_field("definition", text_options(true));
        let text = b.add_text_field("text", text_options(false));
        let keys = b.add_text_field("keys", STRING);
        let compact = b.add_text_field("compact", STRING);
        let own_keys = b.add_text_field("own_keys", STRING);
        let own_compact = b.add_text_field("own_compact", STRING);
        let whole = || {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default().set_tokenizer(TAGGED_WHOLE).set_index_option(IndexRecordOption::Basic),
            )
        };
        let stem_keys = b.add_text_field("stem_keys", whole());
        let own_stem_keys = b.add_text_field("own_stem_keys", whole());
        let key_words = b.add_text_field(
            "key_words",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default().set_tokenizer("cg_words").set_index_option(IndexRecordOption::WithFreqs),
            ),
        );
        let schema = b.build();
        Self {
            id,
            sub,
            ord,
            state,
            audience,
            language,
            year,
            current,
            state_facet,
            language_facet,
            domain,
            domain_facet,
            term,
            definition,
            text,
            keys,
            compact,
            own_keys,
            own_compact,
            stem_keys,
            own_stem_keys,
            key_words,
            schema,
        }
    }

    /// The document of one entry. Its text is analyzed in its own language,
    /// its English translation in English, so an English query finds every
    /// language's entries.
    pub fn document(&self, e: &EntryRecord, current: bool, audience: &[String]) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        for token in audience {
            doc.add_text(self.audience, token);
        }
        doc.add_text(self.id, e.id());
        doc.add_u64(self.sub, e.submission_id);
        doc.add_u64(self.ord, u64::from(e.ordinal));
        doc.add_text(self.state, &e.state);
        doc.add_text(self.language, &e.language);
        doc.add_i64(self.year, i64::from(e.year));
        doc.add_u64(self.current, u64::from(current));
        doc.add_facet(self.state_facet, Facet::from_path([e.state.as_str()]));
        doc.add_facet(self.language_facet, Facet::from_path([e.language.as_str()]));
        for d in &e.domains {
            doc.add_text(self.domain, d);
            doc.add_facet(self.domain_facet, Facet::from_path([d.as_str()]));
        }
        let translated = e.language != "en";
        // Synonyms are other terms of the same language: found like the term.
        let terms = std::iter::once(&e.term)
            .chain(&e.synonyms)
            .map(|t| (e.language.as_str(), t.as_str()))
            .chain(e.term_en.as_deref().filter(|_| translated).map(|t| ("en", t)));
        for (i, (lang, t)) in terms.enumerate() {
            let value = tagged(lang, t);
            doc.add_text(self.text, &value);
            doc.add_text(self.stem_keys, &value);
            if i <= e.synonyms.len() {
                doc.add_text(self.own_stem_keys, &value);
            }
            doc.add_text(self.term, value);
        }
        let definitions = std::iter::once((e.language.as_str(), e.definition.as_str()))
            .chain(e.definition_en.as_deref().filter(|_| translated).map(|d| ("en", d)));
        for (lang, d) in definitions {
            let value = tagged(lang, d);
            doc.add_text(self.text, &value);
            doc.add_text(self.definition, value);
        }
        let own =
            std::iter::once(&e.term_key).cloned().chain(e.synonyms.iter().map(|s| crate::domain::normalize::key(s)));
        for (i, key) in own.chain(e.term_en_key.clone()).enumerate() {
            let compact = key.replace(' ', "");
            let is_own = i <= e.synonyms.len();
            if is_own {
                doc.add_text(self.own_keys, &key);
                doc.add_text(self.own_compact, &compact);
            }
            doc.add_text(self.compact, compact);
            doc.add_text(self.key_words, &key);
            doc.add_text(self.keys, key);
        }
        doc
    }
}

/// The analyzers of every language, for building documents and queries.
#[derive(Clone)]
pub struct Analyzers {
    /// (language, analyzer); the last one is the fallback (`OTHER`).
    by_language: Vec<(&'static str, TextAnalyzer)>,
}

impl Default for Analyzers {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzers {
    pub fn new() -> Self {
        let mut by_language: Vec<(&'static str, TextAnalyzer)> =
            ANALYZED.iter().map(|(lang, language)| (*lang, stemming(*language))).collect();
        by_language.push((OTHER, simple()));
        Self { by_language }
    }

    /// The languages with an analyzer, English first, `OTHER` last.
    pub fn languages(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_language.iter().map(|(l, _)| *l)
    }

    /// Where the analyzer of `language` is (the fallback's place for a language without one).
    fn index_of(&self, language: &str) -> usize {
        self.by_language.iter().position(|(l, _)| *l == language).unwrap_or(self.by_language.len() - 1)
    }

    /// The analyzer of `language` (the fallback for a language without one).
    pub fn get(&mut self, language: &str) -> &mut TextAnalyzer {
        let i = self.index_of(language);
        &mut self.by_language[i].1
    }

    /// A copy of the analyzer of `language`.
    pub fn cloned(&self, language: &str) -> TextAnalyzer {
        let i = self.index_of(language);
        self.by_language[i].1.clone()
    }

    /// The [`stem_key`] of a whole term `text` in `language`: what the
    /// stemmed whole-term fields hold for it.
    pub fn stem_key(&mut self, language: &str, text: &str) -> Option<String> {
        stem_key(language, self.tokens(language, text))
    }

    /// The tokens of `text` in `language`.
    pub fn tokens(&mut self, language: &str, text: &str) -> Vec<String> {
        let mut stream = self.get(language).token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push(t.text.clone());
        }
        out
    }
}

/// The analyzer of a language with a stemmer; English also reads British
/// spellings as American ones ([`AmericanSpelling`]).
fn stemming(language: Language) -> TextAnalyzer {
    let folded = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    if language == Language::English {
        folded.filter(AmericanSpelling).filter(Stemmer::new(language)).build()
    } else {
        folded.filter(Stemmer::new(language)).build()
    }
}

fn simple() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers every analyzer the schema names on `index`.
pub fn register_analyzers(index: &Index) {
    let manager = index.tokenizers();
    for (lang, language) in ANALYZED {
        manager.register(&analyzer_name(lang), stemming(language));
    }
    manager.register(&analyzer_name(OTHER), simple());
    manager.register(TAGGED, TextAnalyzer::from(TaggedTokenizer::new()));
    manager.register(
        TAGGED_WHOLE,
        TextAnalyzer::from(WholeTokenizer { words: TaggedTokenizer::new(), token: Token::default() }),
    );
    // Keys are already normalized (case folded, no diacritics, single spaces).
    manager.register(
        "cg_words",
        TextAnalyzer::builder(WhitespaceTokenizer::default()).filter(RemoveLongFilter::limit(60)).build(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(stream: &mut dyn FnMut() -> Option<String>) -> Vec<String> {
        std::iter::from_fn(stream).collect()
    }

    #[test]
    fn tagged_values_analyze_as_their_language_does_at_query_time() {
        let mut tagged_tokenizer = TaggedTokenizer::new();
        let mut analyzers = Analyzers::new();
        let samples = [
            ("en", "Attacks on the networks of critical infrastructures; attacking"),
            ("fr", "Attaques informatiques contre la sécurité des systèmes"),
            ("de", "Cyberangriffe auf kritische Infrastrukturen"),
            ("ru", "Кибератаки на критическую инфраструктуру"),
            ("es", "Ataques contra la seguridad de la información"),
            ("it", "Attacchi informatici alle infrastrutture"),
            ("uk", "Кібератаки на критичну інфраструктуру"),
        ];
        // Twice: the second pass reads remembered stems.
        for _ in 0..2 {
            for (lang, text) in samples {
                let value = tagged(lang, text);
                let mut stream = tagged_tokenizer.token_stream(&value);
                let got = all(&mut || stream.next().map(|t| t.text.clone()));
                assert_eq!(got, analyzers.tokens(lang, text), "{lang}");
                assert!(!got.is_empty());
            }
        }
        let mut untagged = tagged_tokenizer.token_stream("Plain Text");
        assert_eq!(all(&mut || untagged.next().map(|t| t.text.clone())), vec!["plain", "text"]);
    }

    #[test]
    fn a_whole_term_is_one_stemmed_token_as_queries_make_it() {
        let mut whole = WholeTokenizer { words: TaggedTokenizer::new(), token: Token::default() };
        let mut analyzers = Analyzers::new();
        for (lang, text) in [
            ("de", "Sicherheitslücke"),
            ("fr", "attaques informatiques"),
            ("en", "Security of the Networks and Information Systems"),
            ("ru", "программа для ЭВМ"),
            ("nl", "verwerking van persoonsgegevens"),
        ] {
            let value = tagged(lang, text);
            let mut stream = whole.token_stream(&value);
            let got = all(&mut || stream.next().map(|t| t.text.clone()));
            assert_eq!(got, vec![analyzers.stem_key(lang, text).unwrap()], "{lang}");
        }
        assert_eq!(analyzers.stem_key("de", "Sicherheitslücken"), analyzers.stem_key("de", "Sicherheitslücke"));
        assert_eq!(
            analyzers.stem_key("en", "security of the network and information systems"),
            analyzers.stem_key("en", "security of networks and information system")
        );
        let value = tagged("en", "--");
        let mut nothing = whole.token_stream(&value);
        assert!(nothing.next().is_none());
    }
}
