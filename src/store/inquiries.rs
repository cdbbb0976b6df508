//! Inquiries in the store (`inquiries`): a State's question about another
//! State's entry or list, and the thread that follows (Decision 1106: States
//! inquire about individual submissions by direct dialogue with the
//! submitting State). One record a thread; each step is one transaction with
//! its audit record.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{AuditNote, FORMAT, INQUIRIES, Store, abort, decode};
use crate::domain::{Actor, Role, StateCode};
use crate::error::{Error, Result};

const NEXT_INQUIRY: &[u8] = b"next_inquiry";

/// Who may read a thread besides editors and admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// The asking and the asked State.
    Parties,
    /// Every participating State (and readers).
    ParticipatingStates,
}

impl Visibility {
    pub fn parse(raw: &str) -> std::result::Result<Self, String> {
        match raw.trim() {
            "parties" => Ok(Self::Parties),
            "participating_states" => Ok(Self::ParticipatingStates),
            other => Err(format!(
                "visibility is 'parties' or 'participating_states', not '{}'",
                crate::domain::codes::clip(other)
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parties => "parties",
            Self::ParticipatingStates => "participating_states",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InquiryStatus {
    /// Waiting for the asked State.
    Open,
    /// The asked State has answered the latest question.
    Answered,
    /// Ended by the asking State or an editor: no more replies.
    Closed,
}

impl InquiryStatus {
    pub fn parse(raw: &str) -> std::result::Result<Self, String> {
        match raw.trim() {
            "open" => Ok(Self::Open),
            "answered" => Ok(Self::Answered),
            "closed" => Ok(Self::Closed),
            other => {
                Err(format!("status is 'open', 'answered' or 'closed', not '{}'", crate::domain::codes::clip(other)))
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Answered => "answered",
            Self::Closed => "closed",
        }
    }
}

/// One message of a thread: the question first, then the replies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// The token name that wrote it.
    pub by: String,
    pub role: Role,
    /// The State it speaks for.
    pub state: StateCode,
    pub text: String,
    #[serde(with = "crate::clock::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InquiryRecord {
    pub v: u8,
    pub id: u64,
    /// The entry asked about (`{submission}-{n}`), if the question is about one entry.
    pub entry_id: Option<String>,
    /// The list asked about (the entry's list when the question is about an entry).
    pub submission_id: u64,
    /// The State that asks.
    pub asked_by: StateCode,
    /// The State whose list it is, which answers.
    pub addressed_to: StateCode,
    pub visibility: Visibility,
    pub status: InquiryStatus,
    pub messages: Vec<MessageRecord>,
    #[serde(with = "crate::clock::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::clock::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(default, with = "crate::clock::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub closed_by: Option<String>,
}

/// A new thread, checked by the service.
pub struct NewInquiry {
    pub entry_id: Option<String>,
    pub submission_id: u64,
    pub asked_by: StateCode,
    pub addressed_to: StateCode,
    pub visibility: Visibility,
    pub question: String,
}

/// One step of a thread.
pub enum InquiryStep {
    Reply { state: StateCode, text: String },
    Close,
}

impl Store {
    /// Stores a new open thread with its question.
    pub fn create_inquiry(&self, new: &NewInquiry, actor: &Actor, now: OffsetDateTime) -> Result<InquiryRecord> {
        self.write(
            now,
            |tx| {
                let id = tx.next(NEXT_INQUIRY)?;
                let record = InquiryRecord {
                    v: FORMAT,
                    id,
                    entry_id: new.entry_id.clone(),
                    submission_id: new.submission_id,
                    asked_by: new.asked_by.clone(),
                    addressed_to: new.addressed_to.clone(),
                    visibility: new.visibility,
                    status: InquiryStatus::Open,
                    messages: vec![MessageRecord {
                        by: actor.name.clone(),
                        role: actor.role,
                        state: new.asked_by.clone(),
                        text: new.question.clone(),
                        at: now,
                    }],
                    created_at: now,
                    updated_at: now,
                    closed_at: None,
                    closed_by: None,
                };
                tx.put(INQUIRIES, &id.to_be_bytes(), &record)?;
                tx.audit(AuditNote {
                    actor,
                    action: "inquiry.create",
                    target: format!("inquiries/{id}"),
                    detail: serde_json::json!({
                        "asked_by": record.asked_by, "addressed_to": record.addressed_to,
                        "entry_id": record.entry_id, "submission_id": record.submission_id.to_string(),
                        "visibility": record.visibility,
                    }),
                })?;
                Ok(record)
            },
            None,
        )
    }

    /// Applies one step to a thread in one transaction: a reply (the asked
    /// State's answers it, the asking State's reopens it) or closing it.
    /// A closed thread takes no step (409).
    pub fn inquiry_step(
        &self,
        id: u64,
        step: &InquiryStep,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<InquiryRecord> {
        self.write(
            now,
            |tx| {
                let key = id.to_be_bytes();
                let Some(mut record) = tx.get::<InquiryRecord>(INQUIRIES, &key)? else {
                    return Err(abort(Error::not_found("inquiry", id.to_string())));
                };
                if record.status == InquiryStatus::Closed {
                    return Err(abort(Error::Conflict(format!("inquiry {id} is closed: it takes no more replies"))));
                }
                let (action, detail) = match step {
                    InquiryStep::Reply { state, text } => {
                        record.status =
                            if *state == record.addressed_to { InquiryStatus::Answered } else { InquiryStatus::Open };
                        record.messages.push(MessageRecord {
                            by: actor.name.clone(),
                            role: actor.role,
                            state: state.clone(),
                            text: text.clone(),
                            at: now,
                        });
                        let detail = serde_json::json!({
                            "state": state, "message": record.messages.len(), "status": record.status.as_str(),
                        });
                        ("inquiry.reply", detail)
                    }
                    InquiryStep::Close => {
                        record.status = InquiryStatus::Closed;
                        record.closed_at = Some(now);
                        record.closed_by = Some(actor.name.clone());
                        ("inquiry.close", serde_json::json!({ "status": "closed" }))
                    }
                };
                record.updated_at = now;
                tx.put(INQUIRIES, &key, &record)?;
                tx.audit(AuditNote { actor, action, target: format!("inquiries/{id}"), detail })?;
                Ok(record)
            },
            None,
        )
    }

    pub fn inquiry(&self, id: u64) -> Result<Option<InquiryRecord>> {
        self.get(INQUIRIES, &id.to_be_bytes())
    }

    /// Every thread, oldest first.
    pub fn inquiries(&self) -> impl Iterator<Item = Result<InquiryRecord>> + '_ {
        self.trees[INQUIRIES].iter().values().map(|v| decode(&v?))
    }
}
