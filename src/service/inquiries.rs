//! Inquiries: a State asks another about an entry or a list of theirs, by
//! direct dialogue with the submitting State (Decision 1106). Who may do what:
//!
//! - a delegate asks, for its own State, about another State's entry or list;
//! - the delegates of the two States reply (the asked State's reply answers
//!   the thread, the asking State's reopens it); no one replies for another
//!   State, and editors and admins do not speak for a State here;
//! - the asking State or an editor closes the thread;
//! - the two States, editors and admins read it; with the visibility
//!   `participating_states`, so do the delegates of every participating State
//!   and readers. The caller without a token reads none.

use super::Glossary;
use crate::domain::{Actor, Audience, EntryId, Role, RowError, StateCode};
use crate::error::{Error, Result};
use crate::store::inquiries::{InquiryRecord, InquiryStatus, InquiryStep, NewInquiry, Visibility};

/// The longest question or reply, in characters.
pub const MAX_MESSAGE_CHARS: usize = 8000;

/// A question to ask, as the caller gave it.
#[derive(Debug, Clone)]
pub struct InquiryDraft {
    pub entry_id: Option<EntryId>,
    pub submission_id: Option<u64>,
    pub question: String,
    pub visibility: Visibility,
}

/// Which threads to list.
#[derive(Debug, Clone, Default)]
pub struct InquiryFilter {
    /// Threads this State asked or was asked.
    pub state: Option<StateCode>,
    pub status: Option<InquiryStatus>,
}

impl Glossary {
    /// Opens a thread: the caller's State asks the State whose entry or list it is.
    pub fn ask(&self, actor: &Actor, draft: InquiryDraft) -> Result<InquiryRecord> {
        let asked_by = match (actor.role, &actor.state) {
            (Role::Delegate, Some(state)) => state.clone(),
            _ => {
                return Err(Error::Forbidden(format!(
                    "{} '{}' does not speak for a State: only a State's delegate asks another State",
                    actor.role, actor.name
                )));
            }
        };
        let question = message_text("question", &draft.question)?;
        let (entry_id, submission) = match (draft.entry_id, draft.submission_id) {
            (Some(entry), None) => {
                let record = self.entry(actor, entry)?;
                (Some(entry.to_string()), record.submission_id)
            }
            (None, Some(id)) => (None, self.readable_submission(actor, id)?.id),
            _ => {
                return Err(Error::Unprocessable(vec![RowError::new(
                    None,
                    "entry_id",
                    "name exactly one of entry_id and submission_id: what the question is about",
                )]));
            }
        };
        let record = self.readable_submission(actor, submission)?;
        let addressed_to = StateCode::parse(&record.state).map_err(|e| Error::Corrupt(e.to_string()))?;
        if addressed_to == asked_by {
            return Err(Error::Unprocessable(vec![RowError::new(
                None,
                if entry_id.is_some() { "entry_id" } else { "submission_id" },
                format!("this is {asked_by}'s own list: inquiries go to another State"),
            )]));
        }
        let new = NewInquiry {
            entry_id,
            submission_id: submission,
            asked_by,
            addressed_to,
            visibility: draft.visibility,
            question,
        };
        let stored = self.store.create_inquiry(&new, actor, self.now())?;
        self.store.flush()?;
        Ok(stored)
    }

    /// Adds a reply for the caller's State (one of the two).
    pub fn reply(&self, actor: &Actor, id: u64, text: &str) -> Result<InquiryRecord> {
        let thread = self.inquiry(actor, id)?;
        let state = match (actor.role, &actor.state) {
            (Role::Delegate, Some(s)) if *s == thread.asked_by || *s == thread.addressed_to => s.clone(),
            _ => {
                return Err(Error::Forbidden(format!(
                    "only the delegates of {} and {} reply in inquiry {id}; '{}' speaks for neither",
                    thread.asked_by, thread.addressed_to, actor.name
                )));
            }
        };
        let text = message_text("text", text)?;
        let stored = self.store.inquiry_step(id, &InquiryStep::Reply { state, text }, actor, self.now())?;
        self.store.flush()?;
        Ok(stored)
    }

    /// Closes a thread (the asking State, or an editor).
    pub fn close_inquiry(&self, actor: &Actor, id: u64) -> Result<InquiryRecord> {
        let thread = self.inquiry(actor, id)?;
        let asker = actor.role == Role::Delegate && actor.state.as_ref() == Some(&thread.asked_by);
        if !asker && !actor.is_editor() {
            return Err(Error::Forbidden(format!(
                "only {} (which asked) or an editor closes inquiry {id}",
                thread.asked_by
            )));
        }
        let stored = self.store.inquiry_step(id, &InquiryStep::Close, actor, self.now())?;
        self.store.flush()?;
        Ok(stored)
    }

    /// One thread, if the caller may read it (else 404: its existence is not told).
    pub fn inquiry(&self, actor: &Actor, id: u64) -> Result<InquiryRecord> {
        match self.store.inquiry(id)? {
            Some(thread) if self.may_read_inquiry(actor, &thread)? => Ok(thread),
            _ => Err(Error::not_found("inquiry", id.to_string())),
        }
    }

    /// The threads the caller may read, newest activity first, filtered.
    pub fn inquiries(&self, actor: &Actor, filter: &InquiryFilter) -> Result<Vec<InquiryRecord>> {
        let mut out = Vec::new();
        for thread in self.store.inquiries() {
            let thread = thread?;
            if filter.state.as_ref().is_some_and(|s| *s != thread.asked_by && *s != thread.addressed_to)
                || filter.status.is_some_and(|s| s != thread.status)
                || !self.may_read_inquiry(actor, &thread)?
            {
                continue;
            }
            out.push(thread);
        }
        out.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
        Ok(out)
    }

    fn may_read_inquiry(&self, actor: &Actor, thread: &InquiryRecord) -> Result<bool> {
        if actor.is_anonymous() {
            return Ok(false);
        }
        if actor.is_editor() {
            return Ok(true);
        }
        let own = actor.state.as_ref();
        if own == Some(&thread.asked_by) || own == Some(&thread.addressed_to) {
            return Ok(true);
        }
        Ok(thread.visibility == Visibility::ParticipatingStates && self.is_participating(actor)?)
    }

    /// Does the caller hold a participating State's token (a delegate of an
    /// OSCE participating State) or a reader's, editor's or admin's? The
    /// same answer as for lists of level `participating_states`.
    fn is_participating(&self, actor: &Actor) -> Result<bool> {
        Ok(match self.audience(actor)? {
            Audience::Everything => true,
            Audience::Some { participating, .. } => participating,
        })
    }
}

/// A question or reply: 1 to [`MAX_MESSAGE_CHARS`] characters, line breaks
/// and tabs allowed, no other control characters.
fn message_text(field: &str, raw: &str) -> Result<String> {
    let text = raw.trim();
    let bad = |reason: String| Error::Unprocessable(vec![RowError::new(None, field, reason)]);
    if text.is_empty() {
        return Err(bad(format!("{field} is empty")));
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(bad(format!("{field} is longer than {MAX_MESSAGE_CHARS} characters")));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')) {
        return Err(bad(format!("{field} holds control characters")));
    }
    Ok(text.replace("\r\n", "\n"))
}
