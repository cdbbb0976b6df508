//! Reading and writing national lists in their interchange formats. Readers
//! turn bytes into a `ListDraft` (or row errors naming what could not even be
//! read); the rules of a list are checked afterwards by `domain::validate_list`.

pub mod concept;
pub mod csv;
pub mod json;
pub mod tbx;

use crate::domain::{RowError, Warning};

/// What a reader produced: a draft to validate, plus warnings about what it
/// could read but not use (unknown columns or fields).
#[derive(Debug, Default)]
pub struct Read {
    pub draft: crate::domain::ListDraft,
    pub warnings: Vec<Warning>,
    /// The State the file itself names, if it names one (a JSON list's "state").
    pub state: Option<String>,
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
