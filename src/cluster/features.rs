//! What clustering compares: an entry's names (its term's normalized key and
//! its English translation's), their space-free forms and words, and the
//! TF-IDF weights of the stemmed words of its English definition.

use std::collections::HashMap;

use tantivy::Term;

use crate::error::Result;
use crate::index::SearchIndex;
use crate::store::EntryRecord;

/// English function words (as the English analyzer leaves them): they say
/// nothing about what a definition means. Sorted for binary search.
const STOP: &[&str] = &[
    "a", "about", "all", "also", "an", "and", "ani", "ar", "are", "as", "at", "be", "been", "between", "both", "but",
    "by", "can", "each", "for", "from", "had", "has", "have", "into", "is", "it", "its", "may", "more", "most", "must",
    "no", "not", "of", "on", "one", "onli", "or", "other", "over", "same", "shall", "should", "so", "some", "such",
    "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "through", "thus", "to",
    "under", "use", "used", "was", "were", "when", "where", "whether", "which", "while", "who", "whose", "will",
    "with", "within", "without", "would",
];

/// Blocking keys (definition stems, term words) are those in at most one
/// document in fifty, and never in more than [`MAX_BLOCK`]: a key shared by
/// more entries than that carries little signal, and its long postings would
/// make each entry's neighbour query cost grow with the corpus.
const BLOCK_SHARE: f32 = 50.0;
pub const MAX_BLOCK: f32 = 5_000.0;
/// Term words are blocking keys up to this many documents even in a small
/// corpus, where one in fifty is a handful.
const MIN_WORD_BLOCK: f32 = 200.0;

/// One entry, ready to compare.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub sub: u64,
    pub ord: u32,
    pub state: String,
    pub year: i32,
    pub language: String,
    pub term: String,
    /// Normalized keys of the term and of its English translation.
    pub names: Vec<String>,
    /// The names without spaces.
    pub compacts: Vec<String>,
    /// Words of the names that are blocking keys (not too common).
    pub words: Vec<String>,
    /// (word id, weight), sorted by id, L2-normalized.
    pub vector: Vec<(u32, f32)>,
    /// The most informative stems of the definition, for blocking queries.
    pub top_stems: Vec<String>,
}

impl Item {
    pub fn key(&self) -> u64 {
        (self.sub << 32) | u64::from(self.ord)
    }
}

/// Word ids and inverse document frequencies, shared by all items of a run.
pub struct Vocabulary {
    ids: HashMap<String, u32>,
    stems: Vec<String>,
    idf: Vec<f32>,
    /// Document frequency of each stem.
    df: Vec<f32>,
    /// Document frequency of term words (the index's `key_words`).
    word_df: HashMap<String, f32>,
    docs: f32,
}

impl Vocabulary {
    pub fn new(index: &SearchIndex) -> Self {
        let docs = index.searcher().num_docs().max(1) as f32;
        Self { ids: HashMap::new(), stems: Vec::new(), idf: Vec::new(), df: Vec::new(), word_df: HashMap::new(), docs }
    }

    fn stem_block_limit(&self) -> f32 {
        (self.docs / BLOCK_SHARE).min(MAX_BLOCK)
    }

    fn word_block_limit(&self) -> f32 {
        (self.docs / BLOCK_SHARE).clamp(MIN_WORD_BLOCK, MAX_BLOCK)
    }

    /// Whether a term word is rare enough to block on.
    fn blocking_word(&mut self, index: &SearchIndex, word: &str) -> Result<bool> {
        let df = match self.word_df.get(word) {
            Some(df) => *df,
            None => {
                let df = index.searcher().doc_freq(&Term::from_field_text(index.fields().key_words, word))? as f32;
                self.word_df.insert(word.to_owned(), df);
                df
            }
        };
        Ok(df <= self.word_block_limit())
    }

    pub fn stem(&self, id: u32) -> &str {
        self.stems.get(id as usize).map_or("", String::as_str)
    }

    fn id(&mut self, index: &SearchIndex, stem: &str) -> Result<u32> {
        if let Some(id) = self.ids.get(stem) {
            return Ok(*id);
        }
        let field = index.fields().definition;
        let df = index.searcher().doc_freq(&Term::from_field_text(field, stem))?.max(1) as f32;
        let id = self.stems.len() as u32;
        self.ids.insert(stem.to_owned(), id);
        self.stems.push(stem.to_owned());
        self.idf.push((1.0 + self.docs / df).ln());
        self.df.push(df);
        Ok(id)
    }
}

/// The English text of an entry: its definition if the list is English, else
/// its English translation.
pub fn english_definition(e: &EntryRecord) -> &str {
    if e.language == "en" { &e.definition } else { e.definition_en.as_deref().unwrap_or(&e.definition) }
}

pub fn item(e: &EntryRecord, index: &SearchIndex, vocab: &mut Vocabulary) -> Result<Item> {
    let mut names = vec![e.term_key.clone()];
    if let Some(k) = &e.term_en_key
        && !names.contains(k)
    {
        names.push(k.clone());
    }
    let compacts: Vec<String> = names.iter().map(|n| n.replace(' ', "")).collect();
    let mut words: Vec<String> = names.iter().flat_map(|n| n.split(' ')).map(str::to_owned).collect();
    words.sort();
    words.dedup();
    let mut blocking = Vec::with_capacity(words.len());
    for w in words {
        if vocab.blocking_word(index, &w)? {
            blocking.push(w);
        }
    }
    let words = blocking;
    let mut analyzer = index.analyzer("en");
    let mut tf: HashMap<u32, f32> = HashMap::new();
    let mut stream = analyzer.token_stream(english_definition(e));
    let mut tokens = Vec::new();
    while let Some(t) = stream.next() {
        tokens.push(t.text.clone());
    }
    for t in tokens {
        if t.chars().count() < 2 || STOP.binary_search(&t.as_str()).is_ok() {
            continue;
        }
        let id = vocab.id(index, &t)?;
        *tf.entry(id).or_default() += 1.0;
    }
    let mut vector: Vec<(u32, f32)> =
        tf.into_iter().map(|(id, n)| (id, (1.0 + n.ln()) * vocab.idf[id as usize])).collect();
    let norm = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, w) in &mut vector {
            *w /= norm;
        }
    }
    let mut by_weight = vector.clone();
    by_weight.sort_by(|a, b| b.1.total_cmp(&a.1));
    // Blocking uses rare stems only: a common stem carries no blocking signal
    // and its long postings dominate the cost of the neighbour query.
    let limit = vocab.stem_block_limit();
    let top_stems = by_weight
        .iter()
        .filter(|(id, _)| vocab.df[*id as usize] <= limit)
        .take(5)
        .map(|(id, _)| vocab.stems[*id as usize].clone())
        .collect();
    vector.sort_by_key(|(id, _)| *id);
    Ok(Item {
        id: e.id(),
        sub: e.submission_id,
        ord: e.ordinal,
        state: e.state.clone(),
        year: e.year,
        language: e.language.clone(),
        term: e.term.clone(),
        names,
        compacts,
        words,
        vector,
        top_stems,
    })
}

/// Cosine of two L2-normalized sparse vectors sorted by id.
pub fn cosine(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    dot.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::{STOP, cosine};

    #[test]
    fn stop_words_are_sorted() {
        assert!(STOP.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn cosine_of_sparse_vectors() {
        let a = [(1, 0.6), (2, 0.8)];
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&a, &[(3, 1.0)]), 0.0);
        assert!((cosine(&a, &[(2, 1.0)]) - 0.8).abs() < 1e-6);
    }
}
