//! What the service answers with: plain, serializable values that every
//! interface (REST, command line, pages) shows as it needs. They carry no
//! storage detail (no keys, no format versions).

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::store::EntryRecord;

/// One national entry, as its State submitted it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntryView {
    /// "{submission id}-{position in the list}".
    #[schema(example = "3-12")]
    pub id: String,
    pub submission_id: String,
    #[schema(example = "DE")]
    pub state: String,
    pub year: i32,
    pub revision: u32,
    #[schema(example = "de")]
    pub language: String,
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
    pub synonyms: Vec<String>,
    /// TBX administrativeStatus of the term: preferred, admitted, deprecated or superseded.
    pub administrative_status: Option<String>,
    /// Data categories without a field of their own, kept as submitted:
    /// `"{scope}/{element}[/{type}]"` → text, e.g. `"term/termNote/partOfSpeech": "noun"`.
    pub extra: BTreeMap<String, String>,
    /// The row of the list this entry came from.
    pub row: u64,
}

impl From<EntryRecord> for EntryView {
    fn from(r: EntryRecord) -> Self {
        Self {
            id: r.id(),
            submission_id: r.submission_id.to_string(),
            state: r.state,
            year: r.year,
            revision: r.revision,
            language: r.language,
            term: r.term,
            definition: r.definition,
            term_en: r.term_en,
            definition_en: r.definition_en,
            source: r.source,
            note: r.note,
            domains: r.domains,
            synonyms: r.synonyms,
            administrative_status: r.administrative_status,
            extra: r.extra,
            row: r.row,
        }
    }
}
