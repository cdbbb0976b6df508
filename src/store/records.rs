//! Stored records: what sled holds, one serde type per tree, each with a
//! format version `v`. They are converted to and from domain and wire types
//! explicitly, so the disk format never changes by accident.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::{EntryId, EntryText, Role, StateCode};

/// The format of the records this version writes (see `store::migrate`).
pub const FORMAT: u8 = 2;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StateRecord {
    pub v: u8,
    pub code: String,
    pub name: String,
    pub forum: String,
    #[serde(with = "crate::clock::rfc3339")]
    pub added_at: OffsetDateTime,
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
    #[serde(with = "crate::clock::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub warnings: Vec<WarningRecord>,
    /// The revision this one replaced as current, if any.
    pub replaces: Option<u64>,
    /// Who may read it (lists stored before levels existed are public).
    #[serde(default)]
    pub distribution: crate::domain::Distribution,
    /// A withdrawal: the State withdrew its list for this year. It holds no
    /// entries; the revisions before it stay readable as history.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
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
    /// What the entry says (record format 2; format 1 held these fields flat,
    /// see `store::migrate`).
    pub text: EntryText,
    pub term_key: String,
    pub term_en_key: Option<String>,
    /// Its list's level (a list's level never changes: a new level is a new revision).
    #[serde(default)]
    pub distribution: crate::domain::Distribution,
}

/// An entry record reads as its text: `e.term`, `e.definition`, ...
impl std::ops::Deref for EntryRecord {
    type Target = EntryText;

    fn deref(&self) -> &EntryText {
        &self.text
    }
}

impl EntryRecord {
    /// The entry's public id as text, "12-5".
    pub fn id(&self) -> String {
        self.entry_id().to_string()
    }

    pub fn entry_id(&self) -> EntryId {
        EntryId::new(self.submission_id, self.ordinal)
    }
}

/// An entry's public id: its submission's id and its position, "12-5".
pub fn entry_id(submission_id: u64, ordinal: u32) -> String {
    EntryId::new(submission_id, ordinal).to_string()
}

/// The submission and position an entry id names, if it is one.
pub fn parse_entry_id(id: &str) -> Option<(u64, u32)> {
    id.parse::<EntryId>().ok().map(|e| (e.submission, e.ordinal))
}

/// One line of the change log: what changed in the store, in commit order.
/// The search index follows this log; nothing else feeds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChangeRecord {
    pub v: u8,
    pub seq: u64,
    #[serde(with = "crate::clock::rfc3339")]
    pub at: OffsetDateTime,
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
    #[serde(with = "crate::clock::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub role: Role,
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
    pub role: Role,
    pub state: Option<StateCode>,
    #[serde(with = "crate::clock::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    /// After this moment the token opens nothing (none: it does not expire).
    #[serde(default, with = "crate::clock::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<OffsetDateTime>,
    /// When it last opened a request (kept to the minute, see `auth::authenticate`).
    #[serde(default, with = "crate::clock::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<OffsetDateTime>,
}
