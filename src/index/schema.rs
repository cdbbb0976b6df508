//! The index schema and its analyzers.
//!
//! Text is analyzed by the analyzer of its own language (stemming,
//! lower-casing, diacritics folding), English translations by the English
//! one, and the tokens of every language share three fields: `term` (terms,
//! synonyms and English term translations), `definition` (definitions and
//! their English translations), and `text` (both, without positions). A query
//! word is then one term, or a few, in one field, whatever language it is in:
//! intersections of single posting lists, not of unions over per-language
//! fields. Beside them: language-neutral keyword fields built from the
//! store's normalized keys (exact and fuzzy term matching), and filters.

use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, PreTokenizedString, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, Token, WhitespaceTokenizer,
};
use tantivy::{Index, TantivyDocument};

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
pub const SCHEMA_VERSION: u32 = 3;

#[derive(Clone)]
pub struct Fields {
    pub id: Field,
    pub sub: Field,
    pub ord: Field,
    pub state: Field,
    pub language: Field,
    pub year: Field,
    pub current: Field,
    pub state_facet: Field,
    pub language_facet: Field,
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
    /// The words of the normalized keys: exact and fuzzy word matching.
    pub key_words: Field,
    pub schema: Schema,
}

fn analyzer_name(lang: &str) -> String {
    format!("cg_{lang}")
}

fn text_options(positions: bool) -> TextOptions {
    let record = if positions { IndexRecordOption::WithFreqsAndPositions } else { IndexRecordOption::WithFreqs };
    // Documents carry pre-tokenized text; the tokenizer named here only
    // serves tantivy's own tools.
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(&analyzer_name(OTHER)).set_index_option(record),
    )
}

impl Fields {
    pub fn build() -> Self {
        let mut b = Schema::builder();
        let id = b.add_text_field("id", STRING | STORED);
        let sub = b.add_u64_field("sub", INDEXED | FAST);
        let ord = b.add_u64_field("ord", FAST);
        let state = b.add_text_field("state", STRING);
        let language = b.add_text_field("language", STRING);
        let year = b.add_i64_field("year", INDEXED | FAST);
        let current = b.add_u64_field("current", INDEXED);
        let state_facet = b.add_facet_field("state_facet", FacetOptions::default());
        let language_facet = b.add_facet_field("language_facet", FacetOptions::default());
        let term = b.add_text_field("term", text_options(true));
        let definition = b.add_text_field("definition", text_options(true));
        let text = b.add_text_field("text", text_options(false));
        let keys = b.add_text_field("keys", STRING);
        let compact = b.add_text_field("compact", STRING);
        let own_keys = b.add_text_field("own_keys", STRING);
        let own_compact = b.add_text_field("own_compact", STRING);
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
            language,
            year,
            current,
            state_facet,
            language_facet,
            term,
            definition,
            text,
            keys,
            compact,
            own_keys,
            own_compact,
            key_words,
            schema,
        }
    }

    /// The document of one entry. Its text is analyzed in its own language,
    /// its English translation in English, so an English query finds every
    /// language's entries.
    pub fn document(&self, e: &EntryRecord, current: bool, analyzers: &mut Analyzers) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.id, e.id());
        doc.add_u64(self.sub, e.submission_id);
        doc.add_u64(self.ord, u64::from(e.ordinal));
        doc.add_text(self.state, &e.state);
        doc.add_text(self.language, &e.language);
        doc.add_i64(self.year, i64::from(e.year));
        doc.add_u64(self.current, u64::from(current));
        doc.add_facet(self.state_facet, Facet::from_path([e.state.as_str()]));
        doc.add_facet(self.language_facet, Facet::from_path([e.language.as_str()]));
        let translated = e.language != "en";
        // Synonyms are other terms of the same language: found like the term.
        let terms = std::iter::once(&e.term)
            .chain(&e.synonyms)
            .map(|t| (e.language.as_str(), t.as_str()))
            .chain(e.term_en.as_deref().filter(|_| translated).map(|t| ("en", t)));
        for (lang, t) in terms {
            let tokens = analyzers.pre_tokenize(lang, t);
            doc.add_pre_tokenized_text(self.text, tokens.clone());
            doc.add_pre_tokenized_text(self.term, tokens);
        }
        let definitions = std::iter::once((e.language.as_str(), e.definition.as_str()))
            .chain(e.definition_en.as_deref().filter(|_| translated).map(|d| ("en", d)));
        for (lang, d) in definitions {
            let tokens = analyzers.pre_tokenize(lang, d);
            doc.add_pre_tokenized_text(self.text, tokens.clone());
            doc.add_pre_tokenized_text(self.definition, tokens);
        }
        let own = std::iter::once(&e.term_key).cloned().chain(e.synonyms.iter().map(|s| crate::domain::normalize::key(s)));
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

    /// The analyzer of `language` (the fallback for a language without one).
    pub fn get(&mut self, language: &str) -> &mut TextAnalyzer {
        let i = self.by_language.iter().position(|(l, _)| *l == language).unwrap_or(self.by_language.len() - 1);
        &mut self.by_language[i].1
    }

    /// A copy of the analyzer of `language`.
    pub fn cloned(&self, language: &str) -> TextAnalyzer {
        let i = self.by_language.iter().position(|(l, _)| *l == language).unwrap_or(self.by_language.len() - 1);
        self.by_language[i].1.clone()
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

    fn pre_tokenize(&mut self, language: &str, text: &str) -> PreTokenizedString {
        let mut stream = self.get(language).token_stream(text);
        let mut tokens: Vec<Token> = Vec::new();
        while let Some(t) = stream.next() {
            tokens.push(t.clone());
        }
        // The text is not stored: only the tokens matter.
        PreTokenizedString { text: String::new(), tokens }
    }
}

fn stemming(language: Language) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(language))
        .build()
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
    // Keys are already normalized (case folded, no diacritics, single spaces).
    manager.register(
        "cg_words",
        TextAnalyzer::builder(WhitespaceTokenizer::default()).filter(RemoveLongFilter::limit(60)).build(),
    );
}
