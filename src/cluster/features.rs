//! What clustering compares: an entry's names (its term's normalized key, its
//! English translation's, its synonyms'), their space-free forms and
//! character trigrams (spelling variants, inflections), the stems of each
//! name with the table of equivalents applied (whole keys, then stem
//! sequences, so plurals meet too), and the weighted stems of its English
//! definition, in which the table's multi-word equivalents are rewritten into
//! their canonical names as well ("personal information" and "personal data"
//! count as one word there).
//!
//! Every feature is a function of the entry alone (and of the analyzers and
//! the built-in tables), never of the rest of the corpus: a pair's score is
//! then the same in a rebuild and in an incremental update, whatever else was
//! submitted in between. (Corpus IDF would move with every submission and
//! make an update disagree with a rebuild.) Words that say little are damped
//! by two fixed lists instead: function words (dropped) and the generic words
//! of ICT definitions (weighted down).

use std::collections::{HashMap, HashSet};

use tantivy::Term;

use crate::domain::equivalents::Equivalents;
use crate::domain::normalize;
use crate::error::Result;
use crate::index::SearchIndex;
use crate::store::EntryRecord;

/// English function words (as the English analyzer leaves them): they say
/// nothing about what a definition means. Sorted for binary search.
const STOP: &[&str] = &[
    "a", "about", "after", "against", "all", "also", "an", "and", "ani", "ar", "are", "as", "at", "be", "been",
    "befor", "between", "both", "but", "by", "can", "could", "did", "do", "doe", "dure", "each", "for", "from", "had",
    "has", "have", "he", "her", "here", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "may", "me",
    "might", "more", "most", "must", "no", "not", "of", "off", "on", "one", "onli", "onto", "or", "other", "our",
    "out", "over", "own", "per", "same", "shall", "she", "should", "so", "some", "such", "than", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "those", "through", "thus", "to", "under", "up", "upon",
    "us", "use", "used", "veri", "via", "was", "we", "were", "what", "when", "where", "whether", "which", "while",
    "who", "whom", "whose", "will", "with", "within", "without", "would", "you", "your",
];

/// Words that nearly every ICT-security or legal definition uses: they count
/// for `Params::generic_weight` of a content word. Written from general knowledge
/// of the register (stemmed when the vocabulary starts).
const GENERIC: &[&str] = &[
    "information",
    "system",
    "systems",
    "data",
    "computer",
    "network",
    "security",
    "technology",
    "service",
    "process",
    "processing",
    "means",
    "person",
    "device",
    "provide",
    "related",
    "relating",
    "include",
    "including",
    "specific",
    "general",
    "purpose",
    "result",
    "activity",
    "part",
    "form",
    "type",
    "set",
    "entity",
    "user",
    "operation",
    "function",
    "manner",
    "case",
    "particular",
    "certain",
    "given",
    "refer",
    "defined",
    "electronic",
    "digital",
    "order",
    "based",
    "example",
    "way",
    "another",
    "other",
    "new",
    "level",
    "make",
    "made",
    // The boilerplate of legal definitions ("within the meaning of this
    // Act", "for the purposes of this Regulation", "shall be understood to
    // mean", "referred to in Article 3").
    "act",
    "law",
    "meaning",
    "mean",
    "article",
    "paragraph",
    "regulation",
    "directive",
    "understood",
    "referred",
    "pursuant",
    "accordance",
];

/// Blocking keys (definition stems, term words) are those in at most one
/// document in fifty, and never in more than [`MAX_BLOCK`]: a key shared by
/// more entries than that carries little signal, and its long postings would
/// make each entry's neighbour query cost grow with the corpus.
const BLOCK_SHARE: f32 = 50.0;
pub const MAX_BLOCK: f32 = 5_000.0;
/// Term words and definition stems are blocking keys up to this many
/// documents even in a small corpus, where one in fifty is a handful.
const MIN_BLOCK: f32 = 200.0;
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
    /// Normalized keys of the term, its English translation and its synonyms
    /// (the term's first).
    pub names: Vec<String>,
    /// The names without spaces.
    pub compacts: Vec<String>,
    /// The compared forms of the names: the names, then each without its
    /// parenthesis, then each "Y of X" as "X Y".
    pub forms: Vec<String>,
    /// The content stems of each of `forms` (of its canonical form), sorted.
    pub name_stems: Vec<Vec<String>>,
    /// For each of `name_stems`: the equivalents of the table rewritten into
    /// their canonical names (as found, canonical name).
    pub name_replaced: Vec<Vec<(String, String)>>,
    /// The other members of the equivalence classes the names belong to
    /// whole (blocking: their entries are asked for by key).
    pub equivalent_keys: Vec<String>,
    /// Words of the names that are blocking keys (not too common).
    pub words: Vec<String>,
    /// (stem hash, weight), sorted by hash, L2-normalized.
    pub vector: Vec<(u64, f32)>,
    /// The same for the definition as written, when it is not English
    /// (stemmed and stop-listed in its own language): two entries in one
    /// language are compared on what they wrote as well as on the
    /// translations, which different translators word differently.
    pub native: Vec<(u64, f32)>,
    /// The first content stems of the definition, in order (its genus).
    pub head: Vec<String>,
    /// The stems of the head nouns of the entry's English names ("system"
    /// in "electronic information system", "security" in "security of
    /// network and information systems"); empty when it has no English name
    /// or its name is an acronym.
    pub term_heads: Vec<String>,
    /// The most informative stems of the definition, for blocking queries.
    pub top_stems: Vec<String>,
    /// Character trigrams (hashed, sorted) of each name's space-free form:
    /// spelling variants and inflections of one term meet through them.
    pub trigrams: Vec<Vec<u64>>,
    /// Equivalents of the table rewritten in the definition: (as written,
    /// canonical name, the canonical name's stem ids).
    pub definition_bridges: Vec<(String, String, Vec<u64>)>,
}

impl Item {
    pub fn key(&self) -> u64 {
        (self.sub << 32) | u64::from(self.ord)
    }
}

/// Stems seen in a run (for explaining links) and the index's document
/// frequencies (for choosing blocking keys only: scores never read them).
pub struct Vocabulary {
    stems: HashMap<u64, String>,
    /// The table's equivalents as stem sequences, for rewriting names and
    /// definitions.
    phrases: Phrases,
    /// The table of definition words as stem sequences (definitions only).
    words: Phrases,
    /// Whether definitions are rewritten through `phrases` and `words`.
    rewrite_definitions: bool,
    /// Whether non-English definitions get their own vector.
    native_definitions: bool,
    /// Analyzers of the definitions as written, by language (`None`: a
    /// language without a stemmer and stop list).
    native: HashMap<String, Option<tantivy::tokenizer::TextAnalyzer>>,
    generic: HashSet<String>,
    generic_weight: f32,
    /// Definition stems an entry blocks on (`Params::blocking_stems`).
    blocking_stems: usize,
    /// Document frequency of definition stems and of term words.
    stem_df: HashMap<String, f32>,
    word_df: HashMap<String, f32>,
    docs: f32,
}

impl Vocabulary {
    /// Takes in what another vocabulary learnt (its stems' spellings and
    /// frequencies): items made with it can then be read with this one.
    pub fn absorb(&mut self, other: Vocabulary) {
        self.stems.extend(other.stems);
        self.stem_df.extend(other.stem_df);
        self.word_df.extend(other.word_df);
    }

    pub fn new(index: &SearchIndex, params: &super::Params) -> Self {
        let docs = index.searcher().num_docs().max(1) as f32;
        let mut analyzer = index.analyzer("en");
        let phrases = Phrases::new(&mut analyzer, Equivalents::builtin());
        let words = Phrases::new(&mut analyzer, Equivalents::definition_words());
        let mut generic = HashSet::new();
        for w in GENERIC {
            let mut stream = analyzer.token_stream(w);
            while let Some(t) = stream.next() {
                generic.insert(t.text.clone());
            }
        }
        Self {
            stems: HashMap::new(),
            phrases,
            words,
            rewrite_definitions: params.canonical_definitions,
            native_definitions: params.native_definitions,
            native: HashMap::new(),
            generic,
            generic_weight: params.generic_weight,
            blocking_stems: params.blocking_stems,
            stem_df: HashMap::new(),
            word_df: HashMap::new(),
            docs,
        }
    }

    fn block_limit(&self) -> f32 {
        (self.docs / BLOCK_SHARE).clamp(MIN_BLOCK, MAX_BLOCK)
    }

    fn df(index: &SearchIndex, cache: &mut HashMap<String, f32>, field: tantivy::schema::Field, word: &str) -> f32 {
        if let Some(df) = cache.get(word) {
            return *df;
        }
        let df = index.searcher().doc_freq(&Term::from_field_text(field, word)).unwrap_or(0) as f32;
        cache.insert(word.to_owned(), df);
        df
    }

    /// Whether a term word is rare enough to block on.
    fn blocking_word(&mut self, index: &SearchIndex, word: &str) -> bool {
        Self::df(index, &mut self.word_df, index.fields().key_words, word) <= self.block_limit()
    }

    /// Whether a definition stem is rare enough to block on.
    fn blocking_stem(&mut self, index: &SearchIndex, stem: &str) -> bool {
        Self::df(index, &mut self.stem_df, index.fields().definition, stem) <= self.block_limit()
    }

    /// The weighted stems of a non-English definition as written.
    fn native_vector(&mut self, language: &str, text: &str) -> Vec<(u64, f32)> {
        if !self.native_definitions || language == "en" {
            return Vec::new();
        }
        let analyzer = self.native.entry(language.to_owned()).or_insert_with(|| native_analyzer(language));
        let Some(analyzer) = analyzer else { return Vec::new() };
        let mut tf: HashMap<String, f32> = HashMap::new();
        let mut stream = analyzer.token_stream(text);
        while let Some(t) = stream.next() {
            if t.text.chars().count() >= 2 {
                *tf.entry(t.text.clone()).or_default() += 1.0;
            }
        }
        let mut vector: Vec<(u64, f32)> =
            tf.iter().map(|(s, n)| (stem_hash(&format!("{language}:{s}")), 1.0 + n.ln())).collect();
        normalized(&mut vector);
        vector
    }

    /// The stem a hash stands for (in this run).
    pub fn stem(&self, hash: u64) -> &str {
        self.stems.get(&hash).map_or("", String::as_str)
    }
}

/// The analyzer of definitions as written in `language`: words, lower
/// case, the language's stop list, accents folded, its stemmer; `None` for
/// languages without both.
fn native_analyzer(language: &str) -> Option<tantivy::tokenizer::TextAnalyzer> {
    use tantivy::tokenizer::{
        AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter,
        TextAnalyzer,
    };
    let l = match language {
        "da" => Language::Danish,
        "de" => Language::German,
        "es" => Language::Spanish,
        "fi" => Language::Finnish,
        "fr" => Language::French,
        "hu" => Language::Hungarian,
        "it" => Language::Italian,
        "nl" => Language::Dutch,
        "no" | "nb" | "nn" => Language::Norwegian,
        "pt" => Language::Portuguese,
        "ru" => Language::Russian,
        "sv" => Language::Swedish,
        _ => return None,
    };
    let stop = StopWordFilter::new(l)?;
    Some(
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(60))
            .filter(LowerCaser)
            .filter(stop)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(l))
            .build(),
    )
}

/// Sorts a sparse vector by id, merges repeated ids and L2-normalizes it.
fn normalized(vector: &mut Vec<(u64, f32)>) {
    vector.sort_by_key(|(h, _)| *h);
    vector.dedup_by_key(|(h, _)| *h);
    let norm = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, w) in vector.iter_mut() {
            *w /= norm;
        }
    }
}

/// FNV-1a: a stem's id, the same in every run (vectors sorted by it sum in
/// the same order everywhere, so scores are bit-for-bit the same).
pub fn stem_hash(stem: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in stem.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The English text of an entry: its definition if the list is English, else
/// its English translation.
pub fn english_definition(e: &EntryRecord) -> &str {
    if e.language == "en" { &e.definition } else { e.definition_en.as_deref().unwrap_or(&e.definition) }
}

/// The stems of an English text (the index's English analyzer also reads
/// British spellings as American ones), stop words dropped.
fn stems(analyzer: &mut tantivy::tokenizer::TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        if !t.text.is_empty() && STOP.binary_search(&t.text.as_str()).is_err() {
            out.push(t.text.clone());
        }
    }
    out
}

pub fn item(e: &EntryRecord, index: &SearchIndex, vocab: &mut Vocabulary) -> Result<Item> {
    let table = Equivalents::builtin();
    let mut names = vec![e.term_key.clone()];
    let others = e.term_en_key.iter().cloned().chain(e.synonyms.iter().map(|s| normalize::key(s)));
    for k in others {
        if !k.is_empty() && !names.contains(&k) {
            names.push(k);
        }
    }
    // "network and information system security (NIS)": compared by its words
    // without the parenthesis too (not as the same term: an acronym alone is
    // often ambiguous).
    let bare: Vec<String> = names.iter().filter_map(|n| parenthesis(n)).map(|[outside, _]| outside).collect();
    // "network of bots" is also compared as "bots network", so the table's
    // "bot network" (and through it "botnet") applies to it.
    let reordered: Vec<String> =
        names.iter().chain(&bare).filter_map(|n| of_reordered(n)).filter(|r| !names.contains(r)).collect();
    let forms: Vec<String> = names.iter().chain(&bare).chain(&reordered).cloned().collect();
    let compacts: Vec<String> = names.iter().map(|n| n.replace(' ', "")).collect();
    let mut equivalent_keys = Vec::new();
    let mut analyzer = index.analyzer("en");
    let mut name_stems = Vec::with_capacity(names.len());
    let mut name_replaced = Vec::with_capacity(names.len());
    for n in &forms {
        // Whole keys first (acronyms: "dos attack"), then stems (plurals:
        // "information systems").
        let c = table.canonical(n);
        let (mut s, more) = vocab.phrases.rewrite(stems(&mut analyzer, &c.key));
        s.sort();
        s.dedup();
        name_stems.push(s);
        let mut replaced = c.replaced;
        replaced.extend(more);
        name_replaced.push(replaced);
        if let Some(class) = table.class_of(n) {
            for m in table.members(class) {
                if !names.contains(m) && !equivalent_keys.contains(m) {
                    equivalent_keys.push(m.clone());
                }
            }
        }
    }
    let mut words: Vec<String> = names.iter().flat_map(|n| n.split(' ')).map(str::to_owned).collect();
    words.sort();
    words.dedup();
    words.retain(|w| vocab.blocking_word(index, w));

    let definition = stems(&mut analyzer, english_definition(e));
    // Blocking: the weightiest rare stems as written (longer first among
    // equals: rarer). As written, not as the tables rewrite them: the index
    // holds the text as written, and a pair must be proposed from either
    // side alike, or an update (which asks from the new entries only) would
    // miss a pair that a rebuild finds from the older entry.
    let mut top_stems = Vec::new();
    for (s, _) in weighted(&definition, vocab) {
        if top_stems.len() >= vocab.blocking_stems {
            break;
        }
        if vocab.blocking_stem(index, s) {
            top_stems.push(s.to_owned());
        }
    }
    // The table's terms, then the words that mean the same ("apparatus" /
    // "device"): what one definition's translator wrote as the other's.
    let (tokens, replaced) = if vocab.rewrite_definitions {
        let (tokens, mut replaced) = vocab.phrases.rewrite(definition);
        let (tokens, words) = vocab.words.rewrite(tokens);
        replaced.extend(words);
        (tokens, replaced)
    } else {
        (definition, Vec::new())
    };
    let mut definition_bridges = Vec::new();
    for (found, canonical) in replaced {
        if !definition_bridges.iter().any(|(f, c, _): &(String, String, Vec<u64>)| *f == found && *c == canonical) {
            // Rewritten by one of the two tables, which knows the canonical name's stems.
            let of = vocab.phrases.canonical_stems(&canonical).or_else(|| vocab.words.canonical_stems(&canonical));
            let ids = of.unwrap_or_default().iter().map(|s| stem_hash(s)).collect();
            definition_bridges.push((found, canonical, ids));
        }
    }
    let trigrams = compacts.iter().map(|c| trigrams(c)).collect();
    let mut term_heads = Vec::new();
    let english_names: Vec<&str> = if e.language == "en" {
        std::iter::once(e.term.as_str()).chain(e.synonyms.iter().map(String::as_str)).collect()
    } else {
        e.term_en.as_deref().into_iter().collect()
    };
    for n in english_names {
        if let Some(h) = term_head(n).and_then(|h| stems(&mut analyzer, &h).pop())
            && !term_heads.contains(&h)
        {
            term_heads.push(h);
        }
    }
    let head: Vec<String> = tokens.iter().take(6).cloned().collect();
    let weighted = weighted(&tokens, vocab);
    let mut vector: Vec<(u64, f32)> = Vec::with_capacity(weighted.len());
    for (s, w) in &weighted {
        let h = stem_hash(s);
        vocab.stems.entry(h).or_insert_with(|| (*s).to_owned());
        vector.push((h, *w));
    }
    normalized(&mut vector);
    let native = vocab.native_vector(&e.language, &e.definition);
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
        forms,
        name_stems,
        name_replaced,
        equivalent_keys,
        words,
        vector,
        native,
        head,
        term_heads,
        top_stems,
        trigrams,
        definition_bridges,
    })
}

/// A definition's stems weighted (sublinear term frequency, generic words
/// weighted down), weightiest first, longer first among equals, then by stem.
fn weighted<'a>(tokens: &'a [String], vocab: &Vocabulary) -> Vec<(&'a str, f32)> {
    let mut tf: HashMap<&str, f32> = HashMap::new();
    for t in tokens {
        if t.chars().count() >= 2 {
            *tf.entry(t.as_str()).or_default() += 1.0;
        }
    }
    let mut out: Vec<(&str, f32)> = tf
        .into_iter()
        .map(|(s, n)| (s, (1.0 + n.ln()) * if vocab.generic.contains(s) { vocab.generic_weight } else { 1.0 }))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.len().cmp(&a.0.len())).then(a.0.cmp(b.0)));
    out
}

/// One member of a class of equivalents: its stems, its class's canonical
/// stems, the member as written and the canonical name as written.
type Phrase = (Vec<String>, Vec<String>, String, String);

/// A table of equivalents as stem sequences: each member's stems → its
/// class's canonical stems. Members that are one word of three letters or
/// fewer (acronyms such as "IT", which is also a pronoun) are left out:
/// in running text they are too often something else; so are members one
/// of whose words is a function word ("IT system").
#[derive(Default)]
struct Phrases {
    by_first: HashMap<String, Vec<Phrase>>,
    /// Each canonical name as written → its stems.
    canonical: HashMap<String, Vec<String>>,
}

impl Phrases {
    fn new(analyzer: &mut tantivy::tokenizer::TextAnalyzer, table: &Equivalents) -> Self {
        let mut by_first: HashMap<String, Vec<Phrase>> = HashMap::new();
        let mut by_canonical = HashMap::new();
        for class in 0..table.len() {
            let members = table.members(class);
            let Some(canonical) = members.first() else { continue };
            let canonical_stems = stems(analyzer, canonical);
            by_canonical.insert(canonical.clone(), canonical_stems.clone());
            for m in &members[1..] {
                if !m.contains(' ') && m.chars().count() <= 3 {
                    continue;
                }
                let ms = stems(analyzer, m);
                // A member that loses a word to the stop list ("IT system":
                // "it" is a pronoun too) would match that word's neighbour
                // alone: every "system" would read "computer system".
                if ms.is_empty() || ms == canonical_stems || ms.len() < m.split(' ').count() {
                    continue;
                }
                by_first.entry(ms[0].clone()).or_default().push((
                    ms,
                    canonical_stems.clone(),
                    m.clone(),
                    canonical.clone(),
                ));
            }
        }
        for v in by_first.values_mut() {
            // Longest first; then by the member, so the order is fixed.
            v.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.2.cmp(&b.2)));
        }
        Self { by_first, canonical: by_canonical }
    }

    /// The stems of one of the table's canonical names (as `rewrite` names it).
    fn canonical_stems(&self, canonical: &str) -> Option<&[String]> {
        self.canonical.get(canonical).map(Vec::as_slice)
    }

    /// Rewrites members into canonical stems, longest match first, left to
    /// right; returns the stems and what was rewritten (member, canonical
    /// name, both as written).
    fn rewrite(&self, tokens: Vec<String>) -> (Vec<String>, Vec<(String, String)>) {
        if self.by_first.is_empty() {
            return (tokens, Vec::new());
        }
        let mut out = Vec::with_capacity(tokens.len());
        let mut replaced = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let hit = self.by_first.get(&tokens[i]).and_then(|cands| {
                cands.iter().find(|(ms, ..)| tokens.len() - i >= ms.len() && tokens[i..i + ms.len()] == ms[..])
            });
            match hit {
                Some((ms, cs, member, canonical)) => {
                    out.extend(cs.iter().cloned());
                    replaced.push((member.clone(), canonical.clone()));
                    i += ms.len();
                }
                None => {
                    out.push(tokens[i].clone());
                    i += 1;
                }
            }
        }
        (out, replaced)
    }
}

/// "Y of X" as "X Y" ("security of information": "information security"),
/// for one "of" only.
fn of_reordered(name: &str) -> Option<String> {
    let (y, x) = name.split_once(" of ")?;
    (!x.contains(" of ") && !x.trim().is_empty() && !y.trim().is_empty()).then(|| format!("{} {}", x.trim(), y.trim()))
}

/// The head noun of an English term: the last word before "of" (or of the
/// whole term), without a parenthesis; `None` for an acronym ("CERT",
/// "NIS"), whose head cannot be read off.
fn term_head(term: &str) -> Option<String> {
    let bare = match parenthesis(&normalize::key(term)) {
        Some([outside, _]) => outside,
        None => normalize::key(term),
    };
    let words: Vec<&str> = term.split_whitespace().collect();
    if words.len() == 1 && term.chars().filter(|c| c.is_uppercase()).count() >= 2 {
        return None;
    }
    let phrase = bare.split(" of ").next().unwrap_or(&bare);
    phrase.split(' ').rfind(|w| !w.is_empty()).map(str::to_owned)
}

/// Hashed character trigrams of a word (with its ends marked), sorted.
fn trigrams(word: &str) -> Vec<u64> {
    let chars: Vec<char> = std::iter::once('^').chain(word.chars()).chain(std::iter::once('$')).collect();
    let mut out: Vec<u64> = chars.windows(3).map(|w| stem_hash(&w.iter().collect::<String>())).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Dice coefficient of two sorted sets.
pub fn dice(a: &[u64], b: &[u64]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f32 / (a.len() + b.len()) as f32
}

/// A name with a parenthesis: (the name without it, its content).
fn parenthesis(name: &str) -> Option<[String; 2]> {
    let open = name.find('(')?;
    let close = open + name[open..].find(')')?;
    let tidy = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let outside = tidy(&format!("{} {}", &name[..open], &name[close + 1..]));
    let inside = tidy(&name[open + 1..close]);
    (!outside.is_empty() && inside.chars().count() >= 2).then_some([outside, inside])
}

/// Cosine of two L2-normalized sparse vectors sorted by id.
pub fn cosine(a: &[(u64, f32)], b: &[(u64, f32)]) -> f32 {
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

/// The weightiest stems two vectors share, heaviest first.
pub fn shared(a: &[(u64, f32)], b: &[(u64, f32)]) -> Vec<(f32, u64)> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push((a[i].1 * b[j].1, a[i].0));
                i += 1;
                j += 1;
            }
        }
    }
    out.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    out
}

#[cfg(test)]
mod tests {
    use super::{Equivalents, Phrases, STOP, cosine, of_reordered, parenthesis, stem_hash, stems, term_head};

    /// The index's English analyzer.
    fn english() -> tantivy::tokenizer::TextAnalyzer {
        crate::index::Analyzers::new().cloned("en")
    }

    #[test]
    fn a_member_with_a_function_word_does_not_rewrite_its_neighbour() {
        let mut en = english();
        let phrases = Phrases::new(&mut en, Equivalents::builtin());
        // "IT system" is "system" once "it" is dropped: no rewriting on it.
        let (out, replaced) = phrases.rewrite(stems(&mut en, "a system that transmits data"));
        assert!(replaced.is_empty(), "{replaced:?}");
        assert_eq!(out, ["system", "transmit", "data"]);
        let (out, _) = phrases.rewrite(stems(&mut en, "an information system"));
        assert_eq!(out, ["comput", "system"]);
    }

    #[test]
    fn definition_words_meet_in_definitions() {
        let mut en = english();
        let words = Phrases::new(&mut en, Equivalents::definition_words());
        let (a, replaced) = words.rewrite(stems(&mut en, "any apparatus that performs processing"));
        let (b, _) = words.rewrite(stems(&mut en, "any device that performs processing"));
        assert_eq!(a, b);
        assert_eq!(replaced, [("apparatus".to_owned(), "device".to_owned())]);
        // A word outside the table stays as it is.
        let (c, none) = words.rewrite(stems(&mut en, "a system"));
        assert_eq!(c, ["system"]);
        assert!(none.is_empty());
        // British and American spellings are one stem already (the analyzer's doing).
        assert_eq!(stems(&mut en, "unauthorised organisation"), stems(&mut en, "unauthorized organization"));
    }

    #[test]
    fn a_parenthesis_gives_two_more_names() {
        assert_eq!(parenthesis("network security (nis)"), Some(["network security".to_owned(), "nis".to_owned()]));
        assert_eq!(parenthesis("malware"), None);
    }

    #[test]
    fn a_term_head_is_its_last_noun_before_of() {
        assert_eq!(term_head("electronic information system").as_deref(), Some("system"));
        assert_eq!(term_head("security of network and information systems").as_deref(), Some("security"));
        assert_eq!(term_head("network and information system security (NIS)").as_deref(), Some("security"));
        assert_eq!(term_head("CERT"), None);
    }

    #[test]
    fn y_of_x_reads_as_x_y() {
        assert_eq!(of_reordered("network of bots").as_deref(), Some("bots network"));
        assert_eq!(of_reordered("botnet"), None);
        assert_eq!(of_reordered("security of networks of things"), None);
    }

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

    #[test]
    fn stem_ids_are_stable() {
        assert_eq!(stem_hash("vulner"), stem_hash("vulner"));
        assert_ne!(stem_hash("vulner"), stem_hash("malwar"));
    }
}
