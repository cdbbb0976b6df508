//! What the service answers with: plain, serializable values that every
//! interface (REST, command line, pages) shows as it needs. They carry no
//! storage detail (no keys, no format versions).

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::EntryText;
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
    #[serde(flatten)]
    pub text: EntryText,
    /// The row of the list this entry came from.
    pub row: u64,
    /// Who may read its list: public, participating_states or restricted.
    #[schema(value_type = String, example = "participating_states")]
    pub distribution: crate::domain::Distribution,
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
            text: r.text,
            row: r.row,
            distribution: r.distribution,
        }
    }
}
