//! Stored records: what sled holds, one serde type per tree, each with a
//! format version `v`. They are converted to and from domain and wire types
//! explicitly, so the disk format never changes by accident.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const FORMAT: u8 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StateRecord {
    pub v: u8,
    pub code: String,
    pub name: String,
    pub forum: String,
    pub added_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WarningRecord {
    pub row: Option<u64>,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SubmissionRecord {
    pub v: u8,
    pub id: u64,
    pub state: String,
    pub year: i32,
    pub revision: u32,
    pub language: String,
    pub entry_count: u32,
    /// "json", "csv" or "tbx": how the list arrived.
    pub format: String,
    pub created_at: String,
    pub created_by: String,
    pub warnings: Vec<WarningRecord>,
    /// The revision this one replaced as current, if any.
    pub replaces: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EntryRecord {
    pub v: u8,
    pub submission_id: u64,
    /// 1-based position in its submission.
    pub ordinal: u32,
    /// The row the submitter saw (CSV line, JSON index + 1, TBX entry number).
    pub row: u64,
    pub state: String,
    pub year: i32,
    pub revision: u32,
    pub language: String,
    pub term: String,
    pub term_key: String,
    pub definition: String,
    pub term_en: Option<String>,
    pub term_en_key: Option<String>,
    pub definition_en: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub domains: Vec<String>,
    /// Other terms of the entry's language (absent in records stored before
    /// synonyms existed, hence the default).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
    /// "preferred", "admitted", "deprecated" or "superseded".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub administrative_status: Option<String>,
    /// Data categories without a field of their own (see `domain::entry::extra_key_problem`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

impl EntryRecord {
    pub fn id(&self) -> String {
        entry_id(self.submission_id, self.ordinal)
    }
}

/// An entry's public id: its submission's id and its position, "12-5".
pub fn entry_id(submission_id: u64, ordinal: u32) -> String {
    format!("{submission_id}-{ordinal}")
}

pub fn parse_entry_id(id: &str) -> Option<(u64, u32)> {
    let (s, o) = id.split_once('-')?;
    Some((s.parse().ok()?, o.parse().ok()?))
}

/// One line of the change log: what changed in the store, in commit order.
/// The search index follows this log; nothing else feeds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChangeRecord {
    pub v: u8,
    pub seq: u64,
    pub at: String,
    pub change: Change,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A national list was stored; it is now the current revision of its State
    /// and year, and `replaces` (if any) no longer is.
    SubmissionAdded {
        submission_id: u64,
        state: String,
        year: i32,
        revision: u32,
        replaces: Option<u64>,
    },
    StateAdded {
        code: String,
    },
    /// A proposal was created or changed (new version, status, position,
    /// comment); `status` and `version` are what it is now.
    ProposalChanged {
        proposal_id: u64,
        version: u32,
        /// Stored as its name: "draft", "under_review", ...
        status: crate::domain::proposal::Status,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditRecord {
    pub v: u8,
    pub id: u64,
    pub at: String,
    pub actor: String,
    pub role: String,
    /// The State a delegate acted for.
    pub actor_state: Option<String>,
    /// Dotted verb: "submission.create", "state.create", "token.create", ...
    pub action: String,
    /// What was acted on, as an API path: "submissions/12".
    pub target: String,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenRecord {
    pub v: u8,
    pub name: String,
    pub role: String,
    pub state: Option<String>,
    pub created_at: String,
    pub created_by: String,
}
