//! National entries and lists: the rules a national list must meet before a
//! single byte of it is stored.

use std::collections::{BTreeMap, HashMap};

use super::codes::{LanguageTag, Year, clip};
use super::normalize::{self, has_control_chars, mixed_script_words};

pub const MAX_TERM_CHARS: usize = 256;
pub const MAX_DEFINITION_CHARS: usize = 8_000;
pub const MAX_SOURCE_CHARS: usize = 1_000;
pub const MAX_NOTE_CHARS: usize = 4_000;
pub const MAX_DOMAIN_CHARS: usize = 100;
pub const MAX_DOMAINS: usize = 20;
pub const MAX_SYNONYMS: usize = 50;
pub const MAX_EXTRA: usize = 50;
pub const MAX_EXTRA_CHARS: usize = 4_000;
/// A list larger than this is refused: split it or raise the limit knowingly.
pub const MAX_ENTRIES: usize = 200_000;

/// One row of a national list as it arrived, before any rule is checked. It
/// serializes as a row of the JSON list body (empty fields left out), which
/// is what the JSON export writes.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct EntryDraft {
    /// The row number as the submitter sees it (CSV line, JSON index + 1).
    #[serde(skip)]
    pub row: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term_en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition_en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
    /// Other terms of the list's language for the same concept (TBX: the
    /// concept's other terms); searchable like the term.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
    /// TBX administrativeStatus of the term: preferred, admitted, deprecated
    /// or superseded (the long TBX forms are accepted too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub administrative_status: Option<String>,
    /// Data categories the service has no field for, kept as given:
    /// `"{scope}/{element}[/{type}]"` → text (see [`extra_key_problem`]).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

impl EntryDraft {
    /// An entry's text as a list row again (what the exports write).
    pub fn from_text(row: u64, t: EntryText) -> Self {
        Self {
            row,
            term: Some(t.term),
            definition: Some(t.definition),
            term_en: t.term_en,
            definition_en: t.definition_en,
            source: t.source,
            note: t.note,
            domains: t.domains,
            synonyms: t.synonyms,
            administrative_status: t.administrative_status,
            extra: t.extra,
        }
    }
}

/// A list as it arrived: language and year still raw.
#[derive(Debug, Clone, Default)]
pub struct ListDraft {
    pub language: Option<String>,
    pub year: Option<i64>,
    pub entries: Vec<EntryDraft>,
}

/// A problem found in one row (or, with `row == None`, in the list as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: Option<u64>,
    pub field: String,
    pub reason: String,
}

impl RowError {
    pub fn new(row: Option<u64>, field: &str, reason: impl std::fmt::Display) -> Self {
        Self { row, field: field.to_owned(), reason: reason.to_string() }
    }
}

/// Something worth telling the submitter that does not stop the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub row: Option<u64>,
    pub field: String,
    pub message: String,
}

/// What a national entry says, as its State wrote it (NFC): the one list of
/// an entry's fields, shared by the validated entry, the stored record and
/// every view of it.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct EntryText {
    #[schema(example = "Cyberangriff")]
    pub term: String,
    pub definition: String,
    #[schema(example = "cyber attack")]
    pub term_en: Option<String>,
    pub definition_en: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub domains: Vec<String>,
    /// Other terms of the entry's language for the same concept; searchable.
    #[serde(default)]
    #[schema(required = true)]
    pub synonyms: Vec<String>,
    /// TBX administrativeStatus of the term: preferred, admitted, deprecated or superseded.
    #[serde(default)]
    pub administrative_status: Option<String>,
    /// Data categories without a field of their own, kept as submitted:
    /// `"{scope}/{element}[/{type}]"` → text, e.g. `"term/termNote/partOfSpeech": "noun"`.
    #[serde(default)]
    #[schema(required = true)]
    pub extra: BTreeMap<String, String>,
}

/// One validated national entry: its text in NFC, its matching keys computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub row: u64,
    pub text: EntryText,
    pub term_key: String,
    pub term_en_key: Option<String>,
}

/// A national list that met every rule.
#[derive(Debug, Clone)]
pub struct ValidList {
    pub language: LanguageTag,
    pub year: Year,
    pub entries: Vec<Entry>,
    pub warnings: Vec<Warning>,
    /// Who may read it; the service sets it from the list, the request or
    /// the server's default.
    pub distribution: super::Distribution,
}

/// Checks every rule on every row and reports all failures at once, so a
/// submitter fixes a list in one round trip. Nothing partial comes out: either
/// the whole list is valid or the errors are.
pub fn validate_list(draft: ListDraft, current_year: i32) -> Result<ValidList, Vec<RowError>> {
    let mut errors = Vec::new();
    let language = match draft.language.as_deref() {
        None => {
            errors.push(RowError::new(None, "language", "the list's language is missing"));
            None
        }
        Some(raw) => LanguageTag::parse(raw).map_err(|e| errors.push(RowError::new(None, "language", e))).ok(),
    };
    let year = match draft.year {
        None => {
            errors.push(RowError::new(None, "year", "the exchange year is missing"));
            None
        }
        Some(raw) => Year::parse(raw, current_year).map_err(|e| errors.push(RowError::new(None, "year", e))).ok(),
    };
    if draft.entries.is_empty() {
        errors.push(RowError::new(None, "entries", "the list holds no entries"));
    }
    if draft.entries.len() > MAX_ENTRIES {
        errors.push(RowError::new(
            None,
            "entries",
            format!(
                "the list holds {} entries; at most {MAX_ENTRIES} are accepted in one submission",
                draft.entries.len()
            ),
        ));
        return Err(errors);
    }
    // Without a language we cannot tell whether English translations are due;
    // check as if they were not, so the other errors are still reported.
    let needs_english = language.as_ref().is_some_and(|l| !l.is_english());

    let mut warnings = Vec::new();
    let mut entries = Vec::with_capacity(draft.entries.len());
    let mut first_row_of_key: HashMap<String, u64> = HashMap::new();
    for mut d in draft.entries {
        let row = d.row;
        warnings.extend(strip_harmless_invisibles(&mut d));
        let mut bad = false;
        let mut err = |field: &str, reason: String| {
            errors.push(RowError::new(Some(row), field, reason));
        };
        let term = required_text(d.term.as_deref(), "term", MAX_TERM_CHARS, false, &mut err);
        let definition = required_text(d.definition.as_deref(), "definition", MAX_DEFINITION_CHARS, true, &mut err);
        let (term_en, definition_en) = if needs_english {
            let lang = language.as_ref().map(|l| l.to_string()).unwrap_or_default();
            let mut err_en = |field: &str, reason: String| {
                err(
                    field,
                    format!("{reason}: a list in '{lang}' needs an English translation of every term and definition"),
                );
            };
            (
                required_text(d.term_en.as_deref(), "term_en", MAX_TERM_CHARS, false, &mut err_en),
                required_text(d.definition_en.as_deref(), "definition_en", MAX_DEFINITION_CHARS, true, &mut err_en),
            )
        } else {
            (
                optional_text(d.term_en.as_deref(), "term_en", MAX_TERM_CHARS, false, &mut err),
                optional_text(d.definition_en.as_deref(), "definition_en", MAX_DEFINITION_CHARS, true, &mut err),
            )
        };
        let source = optional_text(d.source.as_deref(), "source", MAX_SOURCE_CHARS, false, &mut err);
        let note = optional_text(d.note.as_deref(), "note", MAX_NOTE_CHARS, true, &mut err);
        if d.domains.len() > MAX_DOMAINS {
            err("domains", format!("{} domains; at most {MAX_DOMAINS}", d.domains.len()));
        }
        let mut domains = Vec::new();
        for raw in &d.domains {
            if raw.contains([';', '|']) {
                err("domains", format!("the domain '{}' contains ';' or '|', which separate domains", clip(raw)));
                continue;
            }
            if let Some(domain) = optional_text(Some(raw), "domains", MAX_DOMAIN_CHARS, false, &mut err)
                && !domains.contains(&domain)
            {
                domains.push(domain);
            }
        }
        if d.synonyms.len() > MAX_SYNONYMS {
            err("synonyms", format!("{} synonyms; at most {MAX_SYNONYMS}", d.synonyms.len()));
        }
        let mut synonyms: Vec<(String, String)> = Vec::new();
        for raw in &d.synonyms {
            if raw.contains(';') {
                err("synonyms", format!("the synonym '{}' contains ';', which separates synonyms", clip(raw)));
                continue;
            }
            if let Some(synonym) = optional_text(Some(raw), "synonyms", MAX_TERM_CHARS, false, &mut err) {
                let key = normalize::key(&synonym);
                if !key.is_empty() && !synonyms.iter().any(|(k, _)| *k == key) {
                    synonyms.push((key, synonym));
                }
            }
        }
        let administrative_status = match d.administrative_status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => match administrative_status(raw) {
                Some(s) => Some(s.to_owned()),
                None => {
                    err(
                        "administrative_status",
                        format!(
                            "'{}' is not an administrative status: preferred, admitted, deprecated or superseded",
                            clip(raw)
                        ),
                    );
                    None
                }
            },
        };
        if d.extra.len() > MAX_EXTRA {
            err("extra", format!("{} extra data categories; at most {MAX_EXTRA}", d.extra.len()));
        }
        let mut extra = BTreeMap::new();
        for (key, value) in &d.extra {
            if let Some(problem) = extra_key_problem(key) {
                err("extra", format!("extra key '{}': {problem}", clip(key)));
                continue;
            }
            if let Some(text) = optional_text(Some(value), "extra", MAX_EXTRA_CHARS, true, &mut err) {
                extra.insert(key.clone(), text);
            }
        }
        let (Some(term), Some(definition)) = (term, definition) else {
            continue;
        };
        if needs_english && (term_en.is_none() || definition_en.is_none()) {
            bad = true;
        }
        let term_key = normalize::key(&term);
        if term_key.is_empty() {
            err("term", "the term has no letters or digits".to_owned());
            continue;
        }
        if let Some(first) = first_row_of_key.get(&term_key) {
            err(
                "term",
                format!(
                    "duplicate term: '{term}' is the same term as row {first} (compared ignoring case, accents, hyphens and spaces)"
                ),
            );
            continue;
        }
        first_row_of_key.insert(term_key.clone(), row);
        for (field, text) in [("term", Some(&term)), ("term_en", term_en.as_ref())] {
            let Some(text) = text else { continue };
            let words = mixed_script_words(text);
            if !words.is_empty() {
                warnings.push(Warning {
                    row: Some(row),
                    field: field.to_owned(),
                    message: format!(
                        "'{}' mixes Latin and Cyrillic (or Greek) letters in one word; it is kept as given and will not match the same-looking word in one script",
                        words.join("', '")
                    ),
                });
            }
        }
        if bad {
            continue;
        }
        let term_en_key = term_en.as_deref().map(normalize::key);
        let synonyms = synonyms.into_iter().filter(|(k, _)| *k != term_key).map(|(_, s)| s).collect();
        let text = EntryText {
            term,
            definition,
            term_en,
            definition_en,
            source,
            note,
            domains,
            synonyms,
            administrative_status,
            extra,
        };
        entries.push(Entry { row, text, term_key, term_en_key });
    }
    match (language, year) {
        (Some(language), Some(year)) if errors.is_empty() => {
            Ok(ValidList { language, year, entries, warnings, distribution: super::Distribution::default() })
        }
        _ => Err(errors),
    }
}

/// The stored form of a TBX administrativeStatus value, if `raw` is one:
/// "preferred", "preferredTerm" and "preferredTerm-admn-sts" are all "preferred".
pub fn administrative_status(raw: &str) -> Option<&'static str> {
    let lower = raw.trim().to_ascii_lowercase();
    let stem = lower.strip_suffix("-admn-sts").unwrap_or(&lower);
    let stem = stem.strip_suffix("term").unwrap_or(stem);
    ["preferred", "admitted", "deprecated", "superseded"].into_iter().find(|s| *s == stem)
}

/// Where an extra data category sat in its TBX concept entry: the concept,
/// the list language's section or its chosen term, or (for a list not in
/// English) the English section or English term.
pub const EXTRA_SCOPES: [&str; 5] = ["concept", "lang", "term", "lang_en", "term_en"];

/// The TBX elements an extra data category may be written back as.
pub const EXTRA_ELEMENTS: [&str; 9] =
    ["descrip", "admin", "termNote", "note", "ref", "xref", "transac", "transacNote", "date"];

/// Why `key` is not an extra key, if it is not one. An extra key is
/// `"{scope}/{element}[/{type}][#{n}][@target]"`: a scope of
/// [`EXTRA_SCOPES`], an element of [`EXTRA_ELEMENTS`], a type of 1 to 64
/// printable characters without '/', '#' or '@' and without spaces at either
/// end (TBX types such as "Usage note" have spaces), `#n` (n ≥ 2) for the
/// n-th occurrence of the same data category, and `@target` for the target
/// of a `ref` or `xref`. For example `term/termNote/partOfSpeech`,
/// `term/date#2`, `concept/xref/externalCrossReference@target`.
pub fn extra_key_problem(key: &str) -> Option<String> {
    let key = key.strip_suffix("@target").unwrap_or(key);
    let key = match key.rsplit_once('#') {
        Some((k, n)) => {
            if !n.parse::<u32>().is_ok_and(|n| n >= 2) || n.starts_with(['0', '+']) {
                return Some("a repeated data category is numbered #2, #3, ...".into());
            }
            k
        }
        None => key,
    };
    let mut parts = key.splitn(3, '/');
    let (scope, element, kind) = (parts.next(), parts.next(), parts.next());
    if element.is_none() {
        return Some("use scope/element or scope/element/type, e.g. term/termNote/partOfSpeech".into());
    }
    if !scope.is_some_and(|s| EXTRA_SCOPES.contains(&s)) {
        return Some(format!("the scope must be one of {}", EXTRA_SCOPES.join(", ")));
    }
    if !element.is_some_and(|e| EXTRA_ELEMENTS.contains(&e)) {
        return Some(format!("the element must be one of {}", EXTRA_ELEMENTS.join(", ")));
    }
    if let Some(kind) = kind {
        let ok = (1..=64).contains(&kind.chars().count())
            && kind.trim() == kind
            && !kind.chars().any(|c| c.is_control() || matches!(c, '/' | '#' | '@'));
        if !ok {
            return Some(
                "the type is 1 to 64 printable characters without '/', '#' or '@', and no space at either end".into(),
            );
        }
    }
    None
}

/// Removes the invisible characters that have an innocent source and whose
/// removal changes nothing a reader sees, and says so (one warning per
/// field): the soft hyphen (U+00AD, a hyphenation hint that word processors
/// and PDFs leave in text) everywhere; in texts that are not terms (the
/// definitions, source, note, extra values) also the zero-width space
/// (U+200B), word joiner (U+2060) and byte order mark (U+FEFF) that copying
/// from web pages and PDFs leaves behind. In a term, synonym or domain those
/// three can make a term look like another, so they stay refused, as do the
/// bidirectional controls everywhere (they change the order text is shown
/// in) and every other invisible format character.
fn strip_harmless_invisibles(d: &mut EntryDraft) -> Vec<Warning> {
    const SOFT_HYPHEN: char = '\u{00AD}';
    const IN_PROSE: [char; 4] = ['\u{00AD}', '\u{200B}', '\u{2060}', '\u{FEFF}'];
    let row = d.row;
    let mut warnings = Vec::new();
    let mut strip = |field: &str, text: &mut String, chars: &[char]| {
        let removed = text.chars().filter(|c| chars.contains(c)).count();
        if removed == 0 {
            return;
        }
        let names: Vec<String> = chars
            .iter()
            .filter(|c| text.contains(**c))
            .map(|&c| format!("U+{:04X} {}", c as u32, normalize::invisible_name(c)))
            .collect();
        text.retain(|c| !chars.contains(&c));
        warnings.push(Warning {
            row: Some(row),
            field: field.to_owned(),
            message: format!(
                "{removed} invisible character(s) removed ({}): they change nothing a reader sees",
                names.join(", ")
            ),
        });
    };
    for (field, text) in [("term", &mut d.term), ("term_en", &mut d.term_en)] {
        if let Some(text) = text {
            strip(field, text, &[SOFT_HYPHEN]);
        }
    }
    for synonym in &mut d.synonyms {
        strip("synonyms", synonym, &[SOFT_HYPHEN]);
    }
    for domain in &mut d.domains {
        strip("domains", domain, &[SOFT_HYPHEN]);
    }
    for (field, text) in [
        ("definition", &mut d.definition),
        ("definition_en", &mut d.definition_en),
        ("source", &mut d.source),
        ("note", &mut d.note),
    ] {
        if let Some(text) = text {
            strip(field, text, &IN_PROSE);
        }
    }
    for value in d.extra.values_mut() {
        strip("extra", value, &IN_PROSE);
    }
    warnings
}

pub(crate) fn required_text(
    raw: Option<&str>,
    field: &str,
    max_chars: usize,
    multiline: bool,
    err: &mut impl FnMut(&str, String),
) -> Option<String> {
    match raw {
        None => {
            err(field, format!("{field} is missing"));
            None
        }
        Some(raw) if raw.trim().is_empty() => {
            err(field, format!("{field} is empty"));
            None
        }
        Some(raw) => checked_text(raw, field, max_chars, multiline, err),
    }
}

/// A domain as a search names it (`?domain=`): trimmed and in NFC, as lists'
/// domains are stored; `None` when blank. Refused (with the reason) when it
/// is longer than a domain may be or holds control characters.
pub fn domain_filter(raw: &str) -> Result<Option<String>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if has_control_chars(raw, false) {
        return Err("domain contains control characters".into());
    }
    let chars = raw.chars().count();
    if chars > MAX_DOMAIN_CHARS {
        return Err(format!("domain has {chars} characters; a domain has at most {MAX_DOMAIN_CHARS}"));
    }
    Ok(Some(normalize::nfc(raw)))
}

pub(crate) fn optional_text(
    raw: Option<&str>,
    field: &str,
    max_chars: usize,
    multiline: bool,
    err: &mut impl FnMut(&str, String),
) -> Option<String> {
    match raw {
        None => None,
        Some(raw) if raw.trim().is_empty() => None,
        Some(raw) => checked_text(raw, field, max_chars, multiline, err),
    }
}

fn checked_text(
    raw: &str,
    field: &str,
    max_chars: usize,
    multiline: bool,
    err: &mut impl FnMut(&str, String),
) -> Option<String> {
    if has_control_chars(raw, multiline) {
        err(field, format!("{field} contains control characters"));
        return None;
    }
    if let Some(found) = normalize::misplaced_invisible(raw) {
        err(
            field,
            format!(
                "{field} contains the invisible character {found}; remove it (it can make a text look like another)"
            ),
        );
        return None;
    }
    let text = normalize::nfc(raw);
    let n = text.chars().count();
    if n > max_chars {
        err(field, format!("{field} has {n} characters; at most {max_chars} are allowed"));
        return None;
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(row: u64, term: &str, definition: &str) -> EntryDraft {
        EntryDraft { row, term: Some(term.to_owned()), definition: Some(definition.to_owned()), ..Default::default() }
    }

    fn list(language: &str, entries: Vec<EntryDraft>) -> ListDraft {
        ListDraft { language: Some(language.to_owned()), year: Some(2014), entries }
    }

    #[test]
    fn a_good_english_list_passes_in_nfc() {
        let v = validate_list(list("en", vec![draft(1, "Cyber attack", "An attempt to harm.")]), 2026).unwrap();
        assert_eq!(v.entries.len(), 1);
        assert_eq!(v.entries[0].term_key, "cyber attack");
    }

    #[test]
    fn every_bad_row_is_named() {
        let mut missing_en = draft(3, "Cyberangriff", "Ein Angriff.");
        missing_en.term_en = Some("cyber attack".into());
        let errors = validate_list(
            list("de", vec![draft(1, "", "x"), draft(2, "Wurm", "\u{7}"), missing_en, draft(4, &"a".repeat(257), "x")]),
            2026,
        )
        .unwrap_err();
        let rows: Vec<_> = errors.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert!(rows.contains(&(Some(1), "term")));
        assert!(rows.contains(&(Some(2), "definition")));
        assert!(rows.contains(&(Some(3), "definition_en")));
        assert!(rows.contains(&(Some(4), "term")));
    }

    #[test]
    fn duplicates_compare_by_key() {
        let errors = validate_list(
            list("en", vec![draft(1, "Cyber attack", "a"), draft(2, "x", "b"), draft(3, "cyber-attack", "c")]),
            2026,
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].row, Some(3));
        assert!(errors[0].reason.contains("row 1"));
    }

    #[test]
    fn mixed_script_is_a_warning() {
        let v = validate_list(list("en", vec![draft(1, "\u{0441}yber attack", "d")]), 2026).unwrap();
        assert_eq!(v.warnings.len(), 1);
    }

    #[test]
    fn synonyms_status_and_extra_are_checked() {
        let mut d = draft(1, "cyber attack", "d");
        d.synonyms = vec!["cyber-attack".into(), "cyberattack".into(), "Cyber Attack".into(), " ".into()];
        d.administrative_status = Some("preferredTerm-admn-sts".into());
        d.extra.insert("term/termNote/partOfSpeech".into(), "noun".into());
        let v = validate_list(list("en", vec![d]), 2026).unwrap();
        let e = &v.entries[0];
        // "cyber-attack" and "Cyber Attack" are the term itself; blanks are dropped.
        assert_eq!(e.text.synonyms, vec!["cyberattack".to_owned()]);
        assert_eq!(e.text.administrative_status.as_deref(), Some("preferred"));
        assert_eq!(e.text.extra.len(), 1);

        let mut d = draft(1, "a", "d");
        d.synonyms = vec!["x; y".into()];
        d.administrative_status = Some("obsolete".into());
        d.extra.insert("body/langSec/x".into(), "v".into());
        d.extra.insert("term/termNote/part/of speech".into(), "v".into());
        d.domains = vec!["a|b".into()];
        let errors = validate_list(list("en", vec![d]), 2026).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["domains", "synonyms", "administrative_status", "extra", "extra"]);
    }

    #[test]
    fn extra_keys() {
        assert_eq!(extra_key_problem("term/termNote/partOfSpeech"), None);
        assert_eq!(extra_key_problem("lang_en/note"), None);
        assert_eq!(extra_key_problem("concept/transacNote/responsibility"), None);
        // TBX types may have spaces; repeats are numbered; targets ride along.
        assert_eq!(extra_key_problem("concept/descrip/Usage note"), None);
        assert_eq!(extra_key_problem("term/date#2"), None);
        assert_eq!(extra_key_problem("concept/xref/externalCrossReference@target"), None);
        for bad in [
            "term",
            "term/term/x",
            "concept/langSec",
            "x/note",
            "term/note/x/y",
            "a/b/c/d",
            "",
            "term/date#1",
            "term/date#x",
            "term/note/ x",
        ] {
            assert!(extra_key_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn invisible_format_characters_are_row_errors() {
        let mut d = draft(2, "cyber\u{200B}attack", "ok");
        d.source = Some("law \u{202E}1 \u{2066}x\u{2069}".into());
        let errors = validate_list(list("en", vec![draft(1, "fine", "ok"), d]), 2026).unwrap_err();
        let found: Vec<_> = errors.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert_eq!(found, vec![(Some(2), "term"), (Some(2), "source")]);
        assert!(errors[0].reason.contains("U+200B (zero-width space) at character 6"), "{}", errors[0].reason);
        // A Persian term keeps its zero-width non-joiner.
        let v = validate_list(
            list("en", vec![draft(1, "\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}", "d")]),
            2026,
        )
        .unwrap();
        assert!(v.entries[0].text.term.contains('\u{200C}'));
    }

    #[test]
    fn innocent_invisibles_are_removed_with_a_warning() {
        let mut d = draft(1, "Cyber\u{00AD}angriff", "Ein\u{200B} An\u{00AD}griff\u{FEFF} auf Systeme.");
        d.note = Some("Siehe\u{2060} auch.".into());
        let v = validate_list(list("en", vec![d]), 2026).unwrap();
        let text = &v.entries[0].text;
        assert_eq!(text.term, "Cyberangriff");
        assert_eq!(text.definition, "Ein Angriff auf Systeme.");
        assert_eq!(text.note.as_deref(), Some("Siehe auch."));
        let fields: Vec<_> = v.warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(fields, vec!["term", "definition", "note"]);
        assert!(v.warnings[1].message.starts_with("3 invisible character(s) removed"), "{}", v.warnings[1].message);
        // In a term, a zero-width space is still refused.
        let errors = validate_list(list("en", vec![draft(1, "cyber\u{200B}attack", "ok")]), 2026).unwrap_err();
        assert_eq!(errors[0].field, "term");
    }

    #[test]
    fn list_level_errors() {
        let errors = validate_list(ListDraft { language: Some("zz9".into()), year: Some(1890), entries: vec![] }, 2026)
            .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["language", "year", "entries"]);
    }
}
