//! Reading and writing national lists in their interchange formats. Readers
//! turn bytes into a `ListDraft` (or row errors naming what could not even be
//! read); the rules of a list are checked afterwards by `domain::validate_list`.

pub mod concept;
pub mod csv;
pub mod export;
pub mod json;
pub mod skos;
pub mod tbx;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::domain::{RowError, Warning};

/// What a reader produced: a draft to validate, plus warnings about what it
/// could read but not use (unknown columns or fields).
#[derive(Debug, Default)]
pub struct Read {
    pub draft: crate::domain::ListDraft,
    pub warnings: Vec<Warning>,
    /// The State the file itself names, if it names one (a JSON list's "state").
    pub state: Option<String>,
    /// The level the file itself asks for (a JSON list's "distribution").
    pub distribution: Option<String>,
}

pub type ReadResult = Result<Read, Vec<RowError>>;

/// The fields a list entry may carry, in every format (and the CSV columns,
/// in this order).
pub const ENTRY_FIELDS: [&str; 10] = [
    "term",
    "definition",
    "term_en",
    "definition_en",
    "source",
    "note",
    "domains",
    "synonyms",
    "administrative_status",
    "extra",
];

// ---- Cell forms shared by the readers and writers (JSON, CSV, concepts) ----

/// An `extra` object: every value must be a string.
pub fn extra_map(row: u64, obj: Map<String, Value>, errors: &mut Vec<RowError>) -> BTreeMap<String, String> {
    let mut extra = BTreeMap::new();
    for (key, value) in obj {
        match value {
            Value::String(s) => {
                extra.insert(key, s);
            }
            other => errors.push(RowError::new(
                Some(row),
                "extra",
                format!("extra '{}' must be a string, not {}", crate::domain::codes::clip(&key), kind(&other)),
            )),
        }
    }
    extra
}

/// "a; b" → ["a", "b"]: the one-cell form of synonyms in CSV (terms may hold '|').
pub fn split_synonyms(s: &str) -> Vec<String> {
    s.split(';').map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned).collect()
}

/// "a; b ;c" → ["a", "b", "c"]: the one-cell form of domains in CSV.
pub fn split_domains(s: &str) -> Vec<String> {
    s.split([';', '|']).map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned).collect()
}

/// "preferredTerm-admn-sts" → "preferred": the short form lists use.
pub fn status_word(raw: &str) -> String {
    crate::domain::administrative_status(raw).map_or_else(|| raw.to_owned(), str::to_owned)
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
