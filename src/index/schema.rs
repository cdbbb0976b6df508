//! The index schema and its analyzers: one text field pair (term, definition)
//! per analyzed language, a language-neutral keyword field built from the
//! store's normalized keys (exact and fuzzy term matching), and filter fields.

use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
    WhitespaceTokenizer,
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
/// The field suffix of languages without their own analyzer.
pub const OTHER: &str = "xx";

/// Bumped when the schema or an analyzer changes: an index of another
/// version is rebuilt from the store at start.
/// 2: synonyms are indexed in the term field and the key fields.
pub const SCHEMA_VERSION: u32 = 2;

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
    /// (language suffix, term field, definition field), English first.
    pub text: Vec<(&'static str, Field, Field)>,
    /// Normalized keys of the term and its English translation, whole.
    pub keys: Field,
    /// The same keys with spaces removed: "cyber attack" meets "cyberattack".
    pub compact: Field,
    /// The words of the normalized keys: exact and fuzzy word matching.
    pub key_words: Field,
    pub schema: Schema,
}

fn analyzer_name(lang: &str) -> String {
    format!("cg_{lang}")
}

fn text_options(lang: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(&analyzer_name(lang))
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
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
        let mut text = Vec::new();
        for lang in ANALYZED.iter().map(|(l, _)| *l).chain([OTHER]) {
            let term = b.add_text_field(&format!("term_{lang}"), text_options(lang));
            let def = b.add_text_field(&format!("def_{lang}"), text_options(lang));
            text.push((lang, term, def));
        }
        let keys = b.add_text_field("keys", STRING);
        let compact = b.add_text_field("compact", STRING);
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
            text,
            keys,
            compact,
            key_words,
            schema,
        }
    }

    /// The (term, definition) fields an entry in `language` is indexed in.
    pub fn text_for(&self, language: &str) -> (Field, Field) {
        let (_, t, d) = self.text.iter().find(|(l, _, _)| *l == language).unwrap_or_else(|| {
            // OTHER is always the last pair.
            &self.text[self.text.len() - 1]
        });
        (*t, *d)
    }

    pub fn english(&self) -> (Field, Field) {
        (self.text[0].1, self.text[0].2)
    }

    /// The document of one entry. English translations go into the English
    /// fields, so an English query finds every language's entries.
    pub fn document(&self, e: &EntryRecord, current: bool) -> TantivyDocument {
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
        let (term_field, def_field) = self.text_for(&e.language);
        doc.add_text(term_field, &e.term);
        // Synonyms are other terms of the same language: found like the term.
        for synonym in &e.synonyms {
            doc.add_text(term_field, synonym);
        }
        doc.add_text(def_field, &e.definition);
        let (term_en, def_en) = self.english();
        if e.language != "en" {
            if let Some(t) = &e.term_en {
                doc.add_text(term_en, t);
            }
            if let Some(d) = &e.definition_en {
                doc.add_text(def_en, d);
            }
        }
        let synonym_keys: Vec<String> = e.synonyms.iter().map(|s| crate::domain::normalize::key(s)).collect();
        for key in std::iter::once(&e.term_key).chain(e.term_en_key.as_ref()).chain(&synonym_keys) {
            doc.add_text(self.keys, key);
            doc.add_text(self.compact, key.replace(' ', ""));
            doc.add_text(self.key_words, key);
        }
        doc
    }
}

/// Registers every analyzer the schema names on `index`.
pub fn register_analyzers(index: &Index) {
    let manager = index.tokenizers();
    for (lang, language) in ANALYZED {
        let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(60))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(language))
            .build();
        manager.register(&analyzer_name(lang), analyzer);
    }
    manager.register(
        &analyzer_name(OTHER),
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(60))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build(),
    );
    // Keys are already normalized (case folded, no diacritics, single spaces).
    manager.register(
        "cg_words",
        TextAnalyzer::builder(WhitespaceTokenizer::default()).filter(RemoveLongFilter::limit(60)).build(),
    );
}
