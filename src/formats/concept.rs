//! The concept entry: the neutral shape every interchange format meets in.
//!
//! TBX is read into [`Concept`]s and written from them; the CSV and JSON
//! exports flatten the same concepts back into list rows with [`to_draft`],
//! the very mapping the TBX import uses. A national entry is one concept (its
//! term, synonyms and English translation in language sections); an agreed
//! glossary entry is one concept too (the consensus term preferred, the
//! national terms it reconciles admitted), so every export of the service goes
//! through [`ConceptDoc`] and the three writers in `formats::export`.

use std::collections::BTreeMap;

use crate::domain::{EntryDraft, LanguageTag, RowError};

/// A document of concepts with what a reader of it needs to know.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConceptDoc {
    /// A title for the TBX header.
    pub title: String,
    /// A sentence about where the document comes from (TBX `sourceDesc`).
    pub description: String,
    /// The document's main language (BCP 47 primary tag): the language of the
    /// terms that `to_draft` takes as the entries' terms.
    pub language: String,
    /// The State a national list belongs to, if the document is one.
    pub state: Option<String>,
    /// The exchange year of a national list.
    pub year: Option<i32>,
    pub concepts: Vec<Concept>,
}

/// One concept entry (TBX `conceptEntry`, v2 `termEntry`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Concept {
    /// Its position in its document, from 1: the row of its errors.
    pub row: u64,
    /// Concept-level data categories, in document order.
    pub data: Vec<Datum>,
    pub langs: Vec<LangSec>,
}

/// A language section (TBX `langSec`, v2 `langSet`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LangSec {
    /// As written in `xml:lang` ("de", "en-GB", ...).
    pub lang: String,
    pub data: Vec<Datum>,
    pub terms: Vec<TermSec>,
}

/// A term section (TBX `termSec`, v2 `tig` / `ntig`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermSec {
    pub term: String,
    pub data: Vec<Datum>,
}

/// One data category: an element such as `descrip`, `admin`, `termNote` or
/// `note`, its `type` if it has one, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datum {
    pub element: String,
    pub kind: Option<String>,
    pub value: String,
    /// `target` of a `ref` (another concept, `c{n}`, or a URI) or an `xref` (a URI).
    pub target: Option<String>,
    /// The language a concept-level datum is in, when the file says
    /// (its own `xml:lang`, else the root's).
    pub lang: Option<String>,
    /// For `transac`, `date` and `transacNote`: the transaction group
    /// (`transacGrp`) it belongs to at its level, from 1.
    pub group: Option<u32>,
}

/// The elements that sit in a transaction group (`transacGrp`).
pub fn in_transaction(element: &str) -> bool {
    matches!(element, "transac" | "date" | "transacNote")
}

impl Datum {
    pub fn new(element: &str, kind: Option<&str>, value: impl Into<String>) -> Self {
        Self {
            element: element.to_owned(),
            kind: kind.map(str::to_owned),
            value: value.into(),
            target: None,
            lang: None,
            group: None,
        }
    }

    /// The data category's name: its type, or the element for untyped ones
    /// (`note`, `date`).
    pub fn category(&self) -> &str {
        self.kind.as_deref().unwrap_or(&self.element)
    }

    /// The key this datum has in an entry's `extra` map, under `scope`,
    /// without its occurrence number.
    fn extra_key(&self, scope: &str) -> String {
        match &self.kind {
            Some(kind) => format!("{scope}/{}/{kind}", self.element),
            None => format!("{scope}/{}", self.element),
        }
    }
}

/// An `extra` key taken apart: `{scope}/{element}[/{type}][#{n}][@target]`.
/// `n` (2 or more) numbers the second and later occurrences of the same data
/// category at the same place (for `transac`, `date` and `transacNote`: the
/// transaction group, so that the n-th transaction's date is `date#n`);
/// `@target` holds the `target` of the `ref` or `xref` of the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraKey<'a> {
    pub scope: &'a str,
    pub element: &'a str,
    pub kind: Option<&'a str>,
    pub n: u32,
    pub target: bool,
}

impl<'a> ExtraKey<'a> {
    /// Takes a key apart, if it has the shape (names are checked elsewhere).
    pub fn parse(key: &'a str) -> Option<Self> {
        let (key, target) = match key.strip_suffix("@target") {
            Some(k) => (k, true),
            None => (key, false),
        };
        let (key, n) = match key.rsplit_once('#') {
            Some((k, n)) => (k, n.parse::<u32>().ok().filter(|n| *n >= 2)?),
            None => (key, 1),
        };
        let mut parts = key.splitn(3, '/');
        let scope = parts.next()?;
        let element = parts.next()?;
        Some(Self { scope, element, kind: parts.next(), n, target })
    }

    /// The key without its occurrence number and `@target`.
    pub fn base(&self) -> String {
        match self.kind {
            Some(kind) => format!("{}/{}/{kind}", self.scope, self.element),
            None => format!("{}/{}", self.scope, self.element),
        }
    }
}

/// `base`, numbered: `base` itself for the first occurrence, `base#n` after.
fn numbered(base: &str, n: u32) -> String {
    if n <= 1 { base.to_owned() } else { format!("{base}#{n}") }
}

/// TBX-Basic's administrativeStatus values, as written in exports.
pub fn status_value(status: &str) -> String {
    format!("{status}Term-admn-sts")
}

/// What mapping one concept to an entry left aside, for the warnings.
#[derive(Debug, Default)]
pub struct Leftovers {
    /// The `extra` keys the entry got.
    pub extra_keys: Vec<String>,
    /// Language sections of neither the list's language nor English.
    pub other_languages: Vec<String>,
    /// English terms beyond the one taken as `term_en`.
    pub dropped_english_terms: usize,
    /// Data categories of the synonyms, which only keep their text.
    pub dropped_synonym_data: Vec<String>,
    /// An administrativeStatus that is none of the four a list knows.
    pub unknown_status: Option<String>,
}

fn primary(lang: &str) -> Option<String> {
    LanguageTag::parse(lang).ok().map(|l| l.as_str().to_owned())
}

/// Removes and returns the first datum of `category` in `data`.
fn take(data: &mut Vec<Datum>, category: &str) -> Option<String> {
    let i = data.iter().position(|d| d.category() == category)?;
    Some(data.remove(i).value)
}

/// Removes and returns every datum of `category` in `data`.
fn take_all(data: &mut Vec<Datum>, category: &str) -> Vec<String> {
    let mut out = Vec::new();
    data.retain(|d| {
        if d.category() == category {
            out.push(d.value.clone());
            false
        } else {
            true
        }
    });
    out
}

/// Picks the preferred term of `terms` (else the first) and returns it with the others.
fn choose(mut terms: Vec<TermSec>) -> Option<(TermSec, Vec<TermSec>)> {
    if terms.is_empty() {
        return None;
    }
    let preferred = terms.iter().position(|t| {
        t.data.iter().any(|d| {
            d.category() == "administrativeStatus"
                && crate::domain::administrative_status(&d.value) == Some("preferred")
        })
    });
    let chosen = terms.remove(preferred.unwrap_or(0));
    Some((chosen, terms))
}

/// The entry a concept stands for in a list in `language`: its preferred
/// (else first) term in that language, the language's other terms as
/// synonyms, the definition from the language section (else the term, else
/// the concept), the English section as `term_en` / `definition_en`, source,
/// note and subject fields from every level, the term's administrativeStatus;
/// every other data category goes to `extra` under its scope.
pub fn to_draft(concept: &Concept, language: &str) -> Result<(EntryDraft, Leftovers), RowError> {
    let row = concept.row;
    let english = language == "en";
    let mut left = Leftovers::default();
    let mut concept_data = concept.data.clone();
    let (mut national, mut en) = (LangSec::default(), LangSec::default());
    for sec in &concept.langs {
        let tag = primary(&sec.lang);
        let into = match tag.as_deref() {
            Some(t) if t == language => &mut national,
            Some("en") if !english => &mut en,
            _ => {
                if !left.other_languages.contains(&sec.lang) {
                    left.other_languages.push(sec.lang.clone());
                }
                continue;
            }
        };
        into.data.extend(sec.data.iter().cloned());
        into.terms.extend(sec.terms.iter().cloned());
    }
    if national.terms.iter().chain(en.terms.iter()).any(|t| t.term.is_empty()) {
        return Err(RowError::new(
            Some(row),
            "term",
            format!("concept entry {row} has a term section without a term in '{language}' or English"),
        ));
    }
    let Some((mut term, others)) = choose(national.terms) else {
        let present: Vec<&str> = concept.langs.iter().map(|l| l.lang.as_str()).collect();
        let has = if present.is_empty() {
            "no language section".to_owned()
        } else {
            format!("it has {}", present.join(", "))
        };
        return Err(RowError::new(
            Some(row),
            "term",
            format!(
                "concept entry {row} has no term in '{language}' ({has}); name the list's language with ?language= (or --language)"
            ),
        ));
    };
    let mut synonyms = Vec::new();
    for other in others {
        for d in &other.data {
            let admitted = d.category() == "administrativeStatus"
                && matches!(crate::domain::administrative_status(&d.value), Some("admitted" | "preferred"));
            if !admitted && !left.dropped_synonym_data.contains(&d.category().to_owned()) {
                left.dropped_synonym_data.push(d.category().to_owned());
            }
        }
        synonyms.push(other.term);
    }
    // A concept-level definition in a known language belongs to that
    // language: the list's, English, or one that is not imported.
    let mut concept_en_definition = None;
    let mut concept_definition = None;
    concept_data.retain(|d| {
        if d.category() != "definition" {
            return true;
        }
        match d.lang.as_deref().map(|l| primary(l).unwrap_or_default()) {
            None => {
                concept_definition.get_or_insert_with(|| d.value.clone());
            }
            Some(l) if l == language => {
                concept_definition.get_or_insert_with(|| d.value.clone());
            }
            Some(l) if l == "en" => {
                concept_en_definition.get_or_insert_with(|| d.value.clone());
            }
            Some(_) => {
                let lang = d.lang.clone().unwrap_or_default();
                if !left.other_languages.contains(&lang) {
                    left.other_languages.push(lang);
                }
            }
        }
        false
    });
    let definition = take(&mut national.data, "definition")
        .or_else(|| take(&mut term.data, "definition"))
        .or_else(|| concept_definition.clone());
    let mut sources = take_all(&mut concept_data, "source");
    sources.extend(take_all(&mut national.data, "source"));
    sources.extend(take_all(&mut term.data, "source"));
    let mut notes = take_all(&mut concept_data, "note");
    notes.extend(take_all(&mut national.data, "note"));
    notes.extend(take_all(&mut term.data, "note"));
    let mut domains = Vec::new();
    for field in
        take_all(&mut concept_data, "subjectField").into_iter().chain(take_all(&mut national.data, "subjectField"))
    {
        domains.extend(super::split_domains(&field));
    }
    let mut administrative_status = take(&mut term.data, "administrativeStatus");
    if let Some(raw) = administrative_status.take_if(|s| crate::domain::administrative_status(s).is_none()) {
        // Not one of the four a list knows: kept as a data category, with a warning.
        left.unknown_status = Some(raw.clone());
        term.data.insert(0, Datum::new("termNote", Some("administrativeStatus"), raw));
    }

    let (mut term_en, mut definition_en) = (None, None);
    let mut en_term_data = Vec::new();
    if !english {
        if let Some((mut chosen, others)) = choose(en.terms) {
            left.dropped_english_terms += others.len();
            definition_en = take(&mut en.data, "definition").or_else(|| take(&mut chosen.data, "definition"));
            term_en = Some(chosen.term);
            en_term_data = chosen.data;
        } else {
            definition_en = take(&mut en.data, "definition");
        }
        if definition_en.is_none() {
            definition_en = concept_en_definition.clone().or_else(|| concept_definition.clone());
        }
    }

    let mut extra: BTreeMap<String, String> = BTreeMap::new();
    for (scope, data) in [
        ("concept", concept_data),
        ("lang", national.data),
        ("term", term.data),
        ("lang_en", en.data),
        ("term_en", en_term_data),
    ] {
        // Each occurrence its own key: `key`, `key#2`, ... (a transaction's
        // members numbered by their group), never joined into one text.
        let mut seen: BTreeMap<String, u32> = BTreeMap::new();
        for d in data {
            if d.value.trim().is_empty() {
                continue;
            }
            let base = d.extra_key(scope);
            let count = seen.entry(base.clone()).or_default();
            *count += 1;
            let mut n = match d.group {
                Some(g) if in_transaction(&d.element) => g,
                _ => *count,
            };
            while extra.contains_key(&numbered(&base, n)) {
                n += 1;
            }
            let key = numbered(&base, n);
            if let Some(target) = &d.target {
                extra.insert(format!("{key}@target"), target.clone());
            }
            extra.insert(key, d.value);
            if !left.extra_keys.contains(&base) {
                left.extra_keys.push(base);
            }
        }
    }
    let join = |parts: Vec<String>, sep: &str| -> Option<String> {
        let mut distinct: Vec<String> = Vec::new();
        for p in parts {
            if !p.trim().is_empty() && !distinct.contains(&p) {
                distinct.push(p);
            }
        }
        (!distinct.is_empty()).then(|| distinct.join(sep))
    };
    let draft = EntryDraft {
        row,
        term: Some(term.term),
        definition,
        term_en,
        definition_en,
        source: join(sources, "; "),
        note: join(notes, "\n"),
        domains,
        synonyms,
        administrative_status,
        extra,
    };
    Ok((draft, left))
}

/// The concept a national entry stands for in a list in `language`: the
/// inverse of [`to_draft`], so that reading what this writes gives the entry
/// back. Subject fields and concept-scoped extras sit on the concept; the
/// definition on the language section; the term carries its status, source,
/// note and extras; synonyms follow as admitted terms; for a list not in
/// English, an English section holds `term_en` and `definition_en`.
pub fn from_draft(entry: &EntryDraft, language: &str, row: u64) -> Concept {
    let mut scoped: BTreeMap<String, Vec<(String, u32, Datum)>> = BTreeMap::new();
    for (key, value) in &entry.extra {
        let Some(k) = ExtraKey::parse(key) else { continue };
        if k.target {
            continue;
        }
        let mut datum = Datum::new(k.element, k.kind, value.as_str());
        datum.target = entry.extra.get(&format!("{key}@target")).cloned();
        if in_transaction(k.element) {
            datum.group = Some(k.n);
        }
        scoped.entry(k.scope.to_owned()).or_default().push((k.base(), k.n, datum));
    }
    // In the order they were read: by category, then occurrence (numerically).
    let mut scope = |name: &str| -> Vec<Datum> {
        let mut data = scoped.remove(name).unwrap_or_default();
        data.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        data.into_iter().map(|(_, _, d)| d).collect()
    };

    let mut concept_data: Vec<Datum> =
        entry.domains.iter().map(|d| Datum::new("descrip", Some("subjectField"), d.as_str())).collect();
    concept_data.extend(scope("concept"));

    let mut lang_data = Vec::new();
    if let Some(d) = &entry.definition {
        lang_data.push(Datum::new("descrip", Some("definition"), d.as_str()));
    }
    lang_data.extend(scope("lang"));

    let mut term_data = Vec::new();
    if let Some(s) = &entry.administrative_status {
        term_data.push(Datum::new("termNote", Some("administrativeStatus"), status_value(s)));
    }
    term_data.extend(scope("term"));
    if let Some(s) = &entry.source {
        term_data.push(Datum::new("admin", Some("source"), s.as_str()));
    }
    if let Some(n) = &entry.note {
        term_data.push(Datum::new("note", None, n.as_str()));
    }
    let mut terms = vec![TermSec { term: entry.term.clone().unwrap_or_default(), data: term_data }];
    for s in &entry.synonyms {
        terms.push(TermSec {
            term: s.clone(),
            data: vec![Datum::new("termNote", Some("administrativeStatus"), status_value("admitted"))],
        });
    }
    let mut langs = vec![LangSec { lang: language.to_owned(), data: lang_data, terms }];
    if language != "en"
        && let Some(term_en) = &entry.term_en
    {
        let mut data = Vec::new();
        if let Some(d) = &entry.definition_en {
            data.push(Datum::new("descrip", Some("definition"), d.as_str()));
        }
        data.extend(scope("lang_en"));
        langs.push(LangSec {
            lang: "en".to_owned(),
            data,
            terms: vec![TermSec { term: term_en.clone(), data: scope("term_en") }],
        });
    }
    Concept { row, data: concept_data, langs }
}

/// The elements that carry their data category in a `type` attribute (and
/// must have one); `note` and `date` have none.
pub fn typed(element: &str) -> bool {
    !matches!(element, "note" | "date")
}

/// Is `s` an ISO 8601 date or date-time as TBX's `date` takes it
/// (`2010-04-17`, `2010-04-17T10:00:00`, with a zone or fraction)?
pub fn iso_date(s: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    time::Date::parse(s, format_description!("[year]-[month]-[day]")).is_ok()
        || time::OffsetDateTime::parse(s, &Rfc3339).is_ok()
        || time::PrimitiveDateTime::parse(s, format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"))
            .is_ok()
        || time::PrimitiveDateTime::parse(
            s,
            format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]"),
        )
        .is_ok()
}

/// A date as TBX wants it, from what a file holds: ISO dates as they are,
/// `2010-04-17 10:00:00` as `2010-04-17T10:00:00`; `None` for anything else.
pub fn normalise_date(raw: &str) -> Option<String> {
    let s = raw.trim();
    if iso_date(s) {
        return Some(s.to_owned());
    }
    // ISO 8601's basic format, 20010423T13:08:13Z: the same date with its dashes.
    if s.len() >= 8
        && s.as_bytes()[..8].iter().all(u8::is_ascii_digit)
        && s.get(8..).is_some_and(|r| r.is_empty() || r.starts_with('T'))
    {
        let extended = format!("{}-{}-{}{}", &s[..4], &s[4..6], &s[6..8], &s[8..]);
        if extended != s {
            return normalise_date(&extended);
        }
    }
    let (day, rest) = (s.get(..10)?, s.get(10..)?);
    if !iso_date(day) {
        return None;
    }
    let joined = format!("{day}T{}", rest.trim_start_matches([' ', 'T']));
    Some(if iso_date(&joined) { joined } else { day.to_owned() })
}

/// Is `s` an absolute http(s) URI (what an `xref` points to)?
pub fn is_uri(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > 8
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A `ref` target inside the document: `c{n}`, the n-th concept (1 ≤ n ≤ `concepts`).
pub fn concept_ref(s: &str, concepts: usize) -> bool {
    s.strip_prefix('c').and_then(|n| n.parse::<usize>().ok()).is_some_and(|n| (1..=concepts).contains(&n))
}

/// Checks one entry's `extra` against the rules of TBX, so that every list,
/// whatever format it came in, can be written as valid TBX: a `type` on the
/// elements that need one and none on `note` and `date`; `termNote` only at
/// a term; a `date` that is an ISO date; a `date` or `transacNote` only with
/// the `transac` of its transaction (same scope and number); an `xref` with a
/// URI (its value or its `@target`); a `ref` target that is a URI or `c{n}`,
/// one of the list's `concepts` entries; `@target` only beside its `ref` or `xref`.
pub fn check_extra(row: u64, extra: &BTreeMap<String, String>, concepts: usize) -> Vec<RowError> {
    let mut errors = Vec::new();
    let clip = crate::domain::codes::clip;
    let mut err = |key: &str, reason: String| {
        errors.push(RowError::new(Some(row), "extra", format!("extra '{}': {reason}", clip(key))));
    };
    for (key, value) in extra {
        let Some(k) = ExtraKey::parse(key) else {
            err(key, "not a key of the form scope/element[/type][#n][@target]".into());
            continue;
        };
        if k.target {
            let base = key.strip_suffix("@target").unwrap_or(key);
            if !matches!(k.element, "ref" | "xref") {
                err(key, "only a ref or an xref has a target".into());
            } else if !extra.contains_key(base) {
                err(key, format!("a target without its '{}'", clip(base)));
            } else if !(is_uri(value) || (k.element == "ref" && concept_ref(value, concepts))) {
                err(key, "a target is an http(s) URI, or for a ref c1, c2, ... (an entry of this list)".into());
            }
            continue;
        }
        match (typed(k.element), k.kind) {
            (true, None) => {
                err(key, format!("a {} names its data category: {}/{}/TYPE", k.element, k.scope, k.element))
            }
            (false, Some(_)) => err(key, format!("a {} has no type: {}/{}", k.element, k.scope, k.element)),
            _ => {}
        }
        if k.element == "termNote" && !matches!(k.scope, "term" | "term_en") {
            err(key, "a termNote belongs to a term: use the scope term or term_en".into());
        }
        match k.element {
            "date" if !iso_date(value) => {
                err(key, format!("'{}' is not an ISO date (YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss)", clip(value)));
            }
            "xref" if !extra.contains_key(&format!("{key}@target")) && !is_uri(value) => {
                err(key, format!("an xref points somewhere: give its URI as the value or in '{key}@target'"));
            }
            _ => {}
        }
        if matches!(k.element, "date" | "transacNote") {
            let has_transaction = extra.keys().any(|other| {
                ExtraKey::parse(other)
                    .is_some_and(|o| !o.target && o.element == "transac" && o.scope == k.scope && o.n == k.n)
            });
            if !has_transaction {
                err(
                    key,
                    format!(
                        "a {} belongs to a transaction: add its {}/transac/transactionType{}",
                        k.element,
                        k.scope,
                        if k.n > 1 { format!("#{}", k.n) } else { String::new() }
                    ),
                );
            }
        }
    }
    errors
}

impl ConceptDoc {
    /// The document's concepts as list rows in its language, through the
    /// same mapping the TBX import uses: what the CSV and JSON writers write.
    pub fn rows(&self) -> Vec<EntryDraft> {
        self.concepts.iter().filter_map(|c| to_draft(c, &self.language).ok().map(|(d, _)| d)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> EntryDraft {
        let mut extra = BTreeMap::new();
        extra.insert("term/termNote/partOfSpeech".to_owned(), "noun".to_owned());
        extra.insert("concept/xref/externalCrossReference".to_owned(), "https://example.org/c/1".to_owned());
        extra.insert("term_en/termNote/termType".to_owned(), "fullForm".to_owned());
        EntryDraft {
            row: 1,
            term: Some("Schadsoftware".into()),
            definition: Some("Software, die Schaden anrichten soll.".into()),
            term_en: Some("malware".into()),
            definition_en: Some("Software intended to cause harm.".into()),
            source: Some("BSI-Glossar".into()),
            note: Some("Oberbegriff".into()),
            domains: vec!["threats".into(), "software".into()],
            synonyms: vec!["Malware".into(), "Schadprogramm".into()],
            administrative_status: Some("preferred".into()),
            extra,
        }
    }

    #[test]
    fn an_entry_survives_the_concept_and_back() {
        let e = entry();
        let concept = from_draft(&e, "de", 1);
        let (back, left) = to_draft(&concept, "de").unwrap();
        assert_eq!(back.term, e.term);
        assert_eq!(back.definition, e.definition);
        assert_eq!(back.term_en, e.term_en);
        assert_eq!(back.definition_en, e.definition_en);
        assert_eq!(back.source, e.source);
        assert_eq!(back.note, e.note);
        assert_eq!(back.domains, e.domains);
        assert_eq!(back.synonyms, e.synonyms);
        assert_eq!(back.administrative_status.as_deref(), Some("preferredTerm-admn-sts"));
        assert_eq!(back.extra, e.extra);
        assert_eq!(left.extra_keys.len(), 3);
        assert!(left.dropped_synonym_data.is_empty());
    }

    #[test]
    fn the_preferred_term_wins_and_definitions_fall_back_to_the_concept() {
        let concept = Concept {
            row: 4,
            data: vec![Datum::new("descrip", Some("definition"), "Concept-level definition.")],
            langs: vec![LangSec {
                lang: "en-GB".into(),
                data: vec![],
                terms: vec![
                    TermSec { term: "worm".into(), data: vec![] },
                    TermSec {
                        term: "computer worm".into(),
                        data: vec![Datum::new("termNote", Some("administrativeStatus"), "preferredTerm-admn-sts")],
                    },
                ],
            }],
        };
        let (d, _) = to_draft(&concept, "en").unwrap();
        assert_eq!(d.term.as_deref(), Some("computer worm"));
        assert_eq!(d.synonyms, vec!["worm".to_owned()]);
        assert_eq!(d.definition.as_deref(), Some("Concept-level definition."));
        let e = to_draft(&concept, "fr").unwrap_err();
        assert_eq!((e.row, e.field.as_str()), (Some(4), "term"));
    }
}
