//! Proposals in the store: the current state of each proposal (`proposals`),
//! its append-only event log (`proposal_log`: versions, status changes,
//! positions, comments), and the agreed entries in force by English term key
//! (`proposal_terms`).
//!
//! Every operation is one transaction: read the proposal, apply the rules of
//! `domain::proposal`, write the proposal and its new events, append to the
//! change log and write exactly one audit record. sled runs transactions one
//! at a time and re-reads on retry, so a stale version can never be
//! overwritten: the second of two edits of the same version gets 412.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{
    AuditNote, Change, ENTRIES, FORMAT, PROPOSAL_LOG, PROPOSAL_TERMS, PROPOSALS, SUBMISSIONS, Store, Tx, TxResult,
    abort, decode, keys,
};
use crate::clock;
use crate::domain::diff::sources_diff;
use crate::domain::proposal::{self, Action, Closing, Position, ProposalText, Stance, Status};
use crate::domain::{Actor, RowError};
use crate::domain::{Role, StateCode};
use crate::error::{Error, Result};

const NEXT_PROPOSAL: &[u8] = b"next_proposal";

// ---- Records ----

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TranslationRecord {
    pub term: String,
    pub definition: String,
}

/// The text of one version of a proposal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProposalTextRecord {
    pub term: String,
    /// The matching key of the English term (what "the same notion" means).
    pub term_key: String,
    pub definition: String,
    pub language: String,
    pub translations: BTreeMap<String, TranslationRecord>,
    pub entry_ids: Vec<String>,
    pub cluster_id: Option<String>,
    pub rationale: Option<String>,
    pub supersedes: Option<u64>,
}

impl From<&ProposalText> for ProposalTextRecord {
    fn from(t: &ProposalText) -> Self {
        Self {
            term: t.term.clone(),
            term_key: t.term_key.clone(),
            definition: t.definition.clone(),
            language: t.language.to_string(),
            translations: t
                .translations
                .iter()
                .map(|(l, t)| (l.clone(), TranslationRecord { term: t.term.clone(), definition: t.definition.clone() }))
                .collect(),
            entry_ids: t.entry_ids.clone(),
            cluster_id: t.cluster_id.clone(),
            rationale: t.rationale.clone(),
            supersedes: t.supersedes,
        }
    }
}

/// One State's position, as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PositionRecord {
    pub state: String,
    /// Stored as "support", "abstain" or "object".
    pub position: Stance,
    pub reason: Option<String>,
    /// An interpretative statement.
    pub statement: Option<String>,
    #[serde(with = "crate::clock::rfc3339")]
    pub at: OffsetDateTime,
    /// The token that recorded it: the State's delegate, or an editor/admin on its behalf.
    pub recorded_by: String,
    pub recorded_by_role: String,
    pub on_behalf: bool,
    /// The version under review when it was recorded.
    pub version: u32,
    /// The review round (a new version during review starts a new one).
    pub round: u32,
}

/// A proposal as it stands now. Its history is in `proposal_log`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProposalRecord {
    pub v: u8,
    pub id: u64,
    /// Stored as its name: "draft", "under_review", ...
    pub status: Status,
    /// The current version number (1, 2, ...).
    pub version: u32,
    /// The current version's text.
    pub text: ProposalTextRecord,
    #[serde(with = "crate::clock::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub created_by_role: Role,
    pub created_by_state: Option<StateCode>,
    #[serde(with = "crate::clock::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Set while (and after) under review: the end of the silence period.
    #[serde(with = "crate::clock::rfc3339::option", default)]
    pub silence_until: Option<OffsetDateTime>,
    /// The review round: 0 before review, then 1, 2, ... (each restart adds one).
    pub round: u32,
    /// The standing position of each State in this round.
    pub positions: BTreeMap<String, PositionRecord>,
    #[serde(with = "crate::clock::rfc3339::option", default)]
    pub agreed_at: Option<OffsetDateTime>,
    /// The proposals this one superseded when it was agreed.
    pub replaced: Vec<u64>,
    #[serde(with = "crate::clock::rfc3339::option", default)]
    pub superseded_at: Option<OffsetDateTime>,
    pub superseded_by: Option<u64>,
    /// When it was rejected or withdrawn, and why.
    #[serde(with = "crate::clock::rfc3339::option", default)]
    pub closed_at: Option<OffsetDateTime>,
    pub close_reason: Option<String>,
    /// How many events its log holds.
    pub events: u32,
}

impl ProposalRecord {
    /// Is this entry in the glossary at `at` (an RFC 3339 instant)?
    pub fn in_force_at(&self, at: time::OffsetDateTime) -> bool {
        match self.agreed_at {
            Some(agreed) if agreed <= at => self.superseded_at.is_none_or(|s| s > at),
            _ => false,
        }
    }
}

/// One line of a proposal's history.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProposalEventRecord {
    pub v: u8,
    pub proposal_id: u64,
    /// 1, 2, ... within the proposal.
    pub n: u32,
    #[serde(with = "crate::clock::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub role: Role,
    pub actor_state: Option<StateCode>,
    pub event: ProposalEvent,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProposalEvent {
    /// A version of the text: version 1 on creation, then one per edit.
    Version {
        version: u32,
        text: ProposalTextRecord,
    },
    /// The status changed.
    Status {
        from: Status,
        to: Status,
        reason: Option<String>,
        #[serde(with = "crate::clock::rfc3339::option", default)]
        silence_until: Option<OffsetDateTime>,
        /// For `superseded`: the proposal whose agreement superseded this one.
        successor: Option<u64>,
        /// For `agreed`: the entries this one superseded.
        superseded: Vec<u64>,
    },
    /// A new version during review: the silence period started again and the
    /// standing positions were set aside (they stay in the history).
    ReviewRestarted {
        version: u32,
        #[serde(with = "crate::clock::rfc3339")]
        silence_until: OffsetDateTime,
        positions_reset: Vec<String>,
    },
    Position(PositionRecord),
    Comment {
        text: String,
    },
}

fn proposal_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

fn event_key(id: u64, n: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&id.to_be_bytes());
    k[8..].copy_from_slice(&n.to_be_bytes());
    k
}

fn corrupt(what: impl Into<String>) -> Error {
    Error::Corrupt(what.into())
}

// ---- Inside a transaction ----

impl Tx<'_> {
    fn proposal(&self, id: u64) -> TxResult<ProposalRecord> {
        self.get(PROPOSALS, &proposal_key(id))?.ok_or_else(|| abort(Error::not_found("proposal", id.to_string())))
    }

    fn put_proposal(&self, p: &ProposalRecord) -> TxResult<()> {
        self.put(PROPOSALS, &proposal_key(p.id), p)
    }

    /// Appends `event` to the proposal's log (and counts it in `p`).
    fn push_event(&self, p: &mut ProposalRecord, actor: &Actor, event: ProposalEvent) -> TxResult<()> {
        p.events += 1;
        let record = ProposalEventRecord {
            v: FORMAT,
            proposal_id: p.id,
            n: p.events,
            at: self.at.to_owned(),
            actor: actor.name.clone(),
            role: actor.role,
            actor_state: actor.state.clone(),
            event,
        };
        self.put(PROPOSAL_LOG, &event_key(p.id, p.events), &record)
    }

    /// The agreed entry in force for an English term key, if any.
    fn in_force(&self, term_key: &str) -> TxResult<Option<u64>> {
        match self.tree(PROPOSAL_TERMS).get(term_key.as_bytes())? {
            Some(b) => Ok(Some(keys::u64_from(&b).ok_or_else(|| abort(corrupt("proposal_terms")))?)),
            None => Ok(None),
        }
    }

    /// Checks what a version's text refers to: every entry exists, and the
    /// proposal it means to supersede exists and is not itself.
    fn check_references(&self, text: &ProposalText, own_id: Option<u64>) -> TxResult<()> {
        let mut errors = Vec::new();
        for id in &text.entry_ids {
            let exists = match id.parse::<crate::domain::EntryId>() {
                Ok(e) => {
                    // An entry of a list still being stored is not there yet.
                    self.tree(SUBMISSIONS).get(e.submission.to_be_bytes())?.is_some()
                        && self.tree(ENTRIES).get(keys::entry(e.submission, e.ordinal))?.is_some()
                }
                Err(_) => false,
            };
            if !exists {
                errors.push(RowError::new(None, "entry_ids", format!("the national entry '{id}' does not exist")));
            }
        }
        if let Some(target) = text.supersedes {
            if Some(target) == own_id {
                errors.push(RowError::new(None, "supersedes", "a proposal cannot supersede itself"));
            } else if self.tree(PROPOSALS).get(proposal_key(target))?.is_none() {
                errors.push(RowError::new(None, "supersedes", format!("the proposal '{target}' does not exist")));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(abort(Error::Unprocessable(errors))) }
    }
}

/// The status `action` leads to from `p`'s, or the 409 naming what is allowed.
fn step(p: &ProposalRecord, action: Action) -> TxResult<Status> {
    p.status.apply(action).map_err(|e| abort(Error::Transition(e)))
}

/// What an operation on an existing proposal adds to its audit record.
type Detail = serde_json::Map<String, serde_json::Value>;

/// What an edit asks for.
pub struct Edit<'a> {
    /// The versions the edit may apply to; the current one must be among them.
    pub if_match: &'a [u32],
    /// The whole text of the new version (what the request left out already
    /// filled in from the version it edited).
    pub text: &'a ProposalText,
    /// The new end of the silence period, should the proposal be under review.
    pub restart_silence_until: OffsetDateTime,
}

/// What a submission for review asks for.
pub struct Review {
    /// The end of the silence period.
    pub silence_until: OffsetDateTime,
    /// Set when an admin ended it before the configured minimum: the earliest
    /// end that minimum allows, and the minimum in days.
    pub shortened: Option<(OffsetDateTime, u32)>,
}

impl Store {
    /// Runs `f` on proposal `id` in one transaction, then stores it, logs the
    /// change and writes one audit record with the before/after version and status.
    fn update_proposal(
        &self,
        id: u64,
        actor: &Actor,
        action: &str,
        now: OffsetDateTime,
        f: impl Fn(&Tx<'_>, &mut ProposalRecord) -> TxResult<Detail>,
    ) -> Result<ProposalRecord> {
        self.write(
            now,
            |tx| {
                let mut p = tx.proposal(id)?;
                let (before_version, before_status) = (p.version, p.status);
                let mut detail = f(tx, &mut p)?;
                p.updated_at = tx.at;
                tx.put_proposal(&p)?;
                tx.log_change(Change::ProposalChanged { proposal_id: id, version: p.version, status: p.status })?;
                detail.insert("before_version".into(), before_version.into());
                detail.insert("after_version".into(), p.version.into());
                detail.insert("before_status".into(), before_status.as_str().into());
                detail.insert("after_status".into(), p.status.as_str().into());
                tx.audit(AuditNote {
                    actor,
                    action,
                    target: format!("proposals/{id}"),
                    detail: serde_json::Value::Object(detail),
                })?;
                Ok(p)
            },
            None,
        )
    }

    /// Stores a new proposal as a draft at version 1.
    pub fn create_proposal(&self, text: &ProposalText, actor: &Actor, now: OffsetDateTime) -> Result<ProposalRecord> {
        let text_record = ProposalTextRecord::from(text);
        self.write(
            now,
            |tx| {
                tx.check_references(text, None)?;
                let id = tx.next(NEXT_PROPOSAL)?;
                let mut p = ProposalRecord {
                    v: FORMAT,
                    id,
                    status: Status::Draft,
                    version: 1,
                    text: text_record.clone(),
                    created_at: tx.at,
                    created_by: actor.name.clone(),
                    created_by_role: actor.role,
                    created_by_state: actor.state.clone(),
                    updated_at: tx.at,
                    silence_until: None,
                    round: 0,
                    positions: BTreeMap::new(),
                    agreed_at: None,
                    replaced: Vec::new(),
                    superseded_at: None,
                    superseded_by: None,
                    closed_at: None,
                    close_reason: None,
                    events: 0,
                };
                tx.push_event(&mut p, actor, ProposalEvent::Version { version: 1, text: text_record.clone() })?;
                tx.put_proposal(&p)?;
                tx.log_change(Change::ProposalChanged { proposal_id: id, version: 1, status: p.status })?;
                tx.audit(AuditNote {
                    actor,
                    action: "proposal.create",
                    target: format!("proposals/{id}"),
                    detail: serde_json::json!({
                        "before_version": null, "after_version": 1, "before_status": null, "after_status": "draft",
                        "term": text.term, "entry_ids": text.entry_ids, "cluster_id": text.cluster_id,
                        "supersedes": text.supersedes.map(|s| s.to_string()),
                    }),
                })?;
                Ok(p)
            },
            None,
        )
    }

    /// Stores a new version, if the caller edited the current one (412 if not).
    /// Under review, the silence period restarts and the standing positions
    /// are set aside.
    pub fn edit_proposal(
        &self,
        id: u64,
        edit: &Edit<'_>,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<ProposalRecord> {
        let text_record = ProposalTextRecord::from(edit.text);
        self.update_proposal(id, actor, "proposal.edit", now, |tx, p| {
            if !edit.if_match.contains(&p.version) {
                return Err(abort(Error::PreconditionFailed(format!(
                    "proposal {id} is at version {} (ETag {}); the If-Match header names another version. \
                     GET it again, re-apply your change and send the new ETag",
                    p.version,
                    etag(id, p.version)
                ))));
            }
            let to = step(p, Action::Edit)?;
            tx.check_references(edit.text, Some(id))?;
            let sources = sources_diff(&p.text.entry_ids, &text_record.entry_ids);
            p.version += 1;
            p.text = text_record.clone();
            tx.push_event(p, actor, ProposalEvent::Version { version: p.version, text: text_record.clone() })?;
            let mut detail = Detail::new();
            if !sources.is_empty() {
                detail.insert("entry_ids_added".into(), sources.added.into());
                detail.insert("entry_ids_removed".into(), sources.removed.into());
            }
            if to == Status::UnderReview {
                let reset: Vec<String> = p.positions.keys().cloned().collect();
                p.positions.clear();
                p.round += 1;
                p.silence_until = Some(edit.restart_silence_until);
                tx.push_event(
                    p,
                    actor,
                    ProposalEvent::ReviewRestarted {
                        version: p.version,
                        silence_until: edit.restart_silence_until,
                        positions_reset: reset.clone(),
                    },
                )?;
                detail.insert("review_restarted".into(), true.into());
                detail.insert("silence_until".into(), clock::format(edit.restart_silence_until).into());
                detail.insert("positions_reset".into(), reset.into());
            }
            Ok(detail)
        })
    }

    /// Puts a draft under review until `review.silence_until`.
    pub fn submit_proposal(
        &self,
        id: u64,
        review: &Review,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<ProposalRecord> {
        let silence_until = review.silence_until;
        self.update_proposal(id, actor, "proposal.submit", now, |tx, p| {
            let to = step(p, Action::Submit)?;
            let from = std::mem::replace(&mut p.status, to);
            p.silence_until = Some(silence_until);
            p.round += 1;
            p.positions.clear();
            tx.push_event(
                p,
                actor,
                ProposalEvent::Status {
                    from,
                    to: p.status,
                    reason: None,
                    silence_until: Some(silence_until),
                    successor: None,
                    superseded: Vec::new(),
                },
            )?;
            let mut detail = Detail::new();
            detail.insert("silence_until".into(), clock::format(silence_until).into());
            detail.insert("shortened_silence".into(), review.shortened.is_some().into());
            if let Some((minimum_until, minimum_days)) = review.shortened {
                detail.insert("minimum_silence_until".into(), clock::format(minimum_until).into());
                detail.insert("minimum_silence_days".into(), minimum_days.into());
            }
            Ok(detail)
        })
    }

    /// Records a State's position; it replaces that State's earlier one in
    /// this round (both stay in the log).
    pub fn record_position(
        &self,
        id: u64,
        position: &Position,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<ProposalRecord> {
        self.update_proposal(id, actor, "proposal.position", now, |tx, p| {
            step(p, Action::Position)?;
            let state = position.state.to_string();
            let record = PositionRecord {
                state: state.clone(),
                position: position.stance,
                reason: position.reason.clone(),
                statement: position.statement.clone(),
                at: tx.at,
                recorded_by: actor.name.clone(),
                recorded_by_role: actor.role.as_str().to_owned(),
                on_behalf: actor.state.as_ref() != Some(&position.state),
                version: p.version,
                round: p.round,
            };
            let replaced = p.positions.insert(state.clone(), record.clone()).map(|r| r.position);
            tx.push_event(p, actor, ProposalEvent::Position(record.clone()))?;
            let mut detail = Detail::new();
            detail.insert("state".into(), state.into());
            detail.insert("position".into(), record.position.as_str().into());
            detail.insert("replaces".into(), replaced.map(Stance::as_str).into());
            detail.insert("on_behalf".into(), record.on_behalf.into());
            detail.insert("statement".into(), record.statement.is_some().into());
            Ok(detail)
        })
    }

    /// Agrees the proposal when consensus is reached (silence over, no
    /// objection), superseding the entries in force for the same notion.
    pub fn approve_proposal(&self, id: u64, actor: &Actor, now: OffsetDateTime) -> Result<ProposalRecord> {
        self.update_proposal(id, actor, "proposal.approve", now, |tx, p| {
            let to = step(p, Action::Approve)?;
            let at = tx.at;
            let until = p
                .silence_until
                .ok_or_else(|| abort(corrupt(format!("proposal {id} is under review without a silence deadline"))))?;
            let standing = p.positions.values().map(|r| (r.state.as_str(), r.position, r.reason.as_deref()));
            proposal::check_approval(at, until, standing).map_err(|b| abort(Error::NoConsensus(b)))?;

            // The entries this one supersedes: the one in force for the same
            // English term, and the one it names.
            let mut predecessors: Vec<u64> = Vec::new();
            if let Some(old) = tx.in_force(&p.text.term_key)?
                && old != id
            {
                predecessors.push(old);
            }
            if let Some(named) = p.text.supersedes
                && !predecessors.contains(&named)
            {
                let old = tx.proposal(named)?;
                if old.status != Status::Agreed {
                    return Err(abort(Error::Conflict(format!(
                        "proposal {id} names proposal {named} in `supersedes`, but {named} is {}: only an agreed entry \
                         in force can be superseded; edit `supersedes` first",
                        old.status
                    ))));
                }
                predecessors.push(named);
            }
            for old_id in &predecessors {
                let mut old = tx.proposal(*old_id)?;
                let old_to = step(&old, Action::Supersede)?;
                let from = std::mem::replace(&mut old.status, old_to);
                old.superseded_at = Some(tx.at);
                old.superseded_by = Some(id);
                old.updated_at = tx.at;
                if tx.in_force(&old.text.term_key)? == Some(old.id) {
                    tx.tree(PROPOSAL_TERMS).remove(old.text.term_key.as_bytes())?;
                }
                tx.push_event(
                    &mut old,
                    actor,
                    ProposalEvent::Status {
                        from,
                        to: old_to,
                        reason: Some(format!("superseded by proposal {id}")),
                        silence_until: None,
                        successor: Some(id),
                        superseded: Vec::new(),
                    },
                )?;
                tx.put_proposal(&old)?;
                tx.log_change(Change::ProposalChanged {
                    proposal_id: old.id,
                    version: old.version,
                    status: old.status,
                })?;
            }

            let from = std::mem::replace(&mut p.status, to);
            p.agreed_at = Some(tx.at);
            p.replaced = predecessors.clone();
            tx.tree(PROPOSAL_TERMS).insert(p.text.term_key.as_bytes(), &id.to_be_bytes())?;
            tx.push_event(
                p,
                actor,
                ProposalEvent::Status {
                    from,
                    to: p.status,
                    reason: None,
                    silence_until: p.silence_until,
                    successor: None,
                    superseded: predecessors.clone(),
                },
            )?;
            let mut detail = Detail::new();
            let supporting: Vec<&str> =
                p.positions.values().filter(|r| r.position == Stance::Support).map(|r| r.state.as_str()).collect();
            detail.insert("supporting_states".into(), supporting.into());
            detail.insert("superseded".into(), predecessors.iter().map(u64::to_string).collect::<Vec<_>>().into());
            Ok(detail)
        })
    }

    /// Rejects or withdraws a proposal, with a reason.
    pub fn close_proposal(
        &self,
        id: u64,
        closing: Closing,
        reason: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<ProposalRecord> {
        let name = match closing {
            Closing::Reject => "proposal.reject",
            Closing::Withdraw => "proposal.withdraw",
        };
        self.update_proposal(id, actor, name, now, |tx, p| {
            let to = step(p, closing.into())?;
            let from = std::mem::replace(&mut p.status, to);
            p.closed_at = Some(tx.at);
            p.close_reason = Some(reason.to_owned());
            tx.push_event(
                p,
                actor,
                ProposalEvent::Status {
                    from,
                    to: p.status,
                    reason: Some(reason.to_owned()),
                    silence_until: None,
                    successor: None,
                    superseded: Vec::new(),
                },
            )?;
            let mut detail = Detail::new();
            detail.insert("reason".into(), reason.into());
            Ok(detail)
        })
    }

    /// Adds a comment, in any status; the version does not change.
    pub fn comment_proposal(&self, id: u64, text: &str, actor: &Actor, now: OffsetDateTime) -> Result<ProposalRecord> {
        self.update_proposal(id, actor, "proposal.comment", now, |tx, p| {
            tx.push_event(p, actor, ProposalEvent::Comment { text: text.to_owned() })?;
            let mut detail = Detail::new();
            detail.insert("comment".into(), p.events.into());
            Ok(detail)
        })
    }

    // ---- Reads ----

    pub fn proposal(&self, id: u64) -> Result<Option<ProposalRecord>> {
        self.get(PROPOSALS, &proposal_key(id))
    }

    /// A proposal's history, oldest first.
    pub fn proposal_events(&self, id: u64) -> Result<Vec<ProposalEventRecord>> {
        self.trees[PROPOSAL_LOG].scan_prefix(id.to_be_bytes()).values().map(|v| decode(&v?)).collect()
    }

    /// Every proposal, by id.
    pub fn all_proposals(&self) -> impl Iterator<Item = Result<ProposalRecord>> + '_ {
        self.trees[PROPOSALS].iter().values().map(|v| decode(&v?))
    }

    /// Proposals (of one status, if given), by id; returns (total, page).
    pub fn proposals(
        &self,
        status: Option<Status>,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<ProposalRecord>)> {
        let mut total = 0;
        let mut page = Vec::new();
        for p in self.all_proposals() {
            let p = p?;
            if status.is_some_and(|s| s != p.status) {
                continue;
            }
            if total >= offset && page.len() < limit {
                page.push(p);
            }
            total += 1;
        }
        Ok((total, page))
    }
}

/// The ETag of a proposal's version: it changes with every new version (and
/// only then: positions and comments do not make an edit stale).
pub fn etag(id: u64, version: u32) -> String {
    format!("\"{id}.{version}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_keys_sort_by_proposal_then_number() {
        assert!(event_key(1, 9) < event_key(1, 10));
        assert!(event_key(1, u32::MAX) < event_key(2, 1));
        assert_eq!(&event_key(7, 1)[..8], &proposal_key(7));
    }

    /// A proposal, one position and two events as the store held them when
    /// statuses and stances were strings: they decode into the enums and
    /// encode back to the same JSON.
    #[test]
    fn records_stored_with_string_statuses_and_stances_decode_unchanged() {
        let position = serde_json::json!({
            "state": "RU", "position": "object", "reason": "too broad", "statement": null,
            "at": "2024-01-02T00:00:00Z", "recorded_by": "ru", "recorded_by_role": "delegate",
            "on_behalf": false, "version": 1, "round": 1
        });
        let proposal = serde_json::json!({
            "v": 1, "id": 3, "status": "under_review", "version": 1,
            "text": {"term": "t", "term_key": "t", "definition": "d", "language": "en", "translations": {},
                     "entry_ids": ["1-1"], "cluster_id": "c1-1", "rationale": null, "supersedes": null},
            "created_at": "2024-01-01T00:00:00Z", "created_by": "x", "created_by_role": "editor",
            "created_by_state": null, "updated_at": "2024-01-02T00:00:00Z",
            "silence_until": "2024-01-15T00:00:00Z", "round": 1, "positions": {"RU": position},
            "agreed_at": null, "replaced": [], "superseded_at": null, "superseded_by": null,
            "closed_at": null, "close_reason": null, "events": 3
        });
        let p: ProposalRecord = decode(proposal.to_string().as_bytes()).unwrap();
        assert_eq!(p.status, Status::UnderReview);
        assert_eq!(p.positions["RU"].position, Stance::Object);
        assert_eq!(serde_json::to_value(&p).unwrap(), proposal);

        let status_event = serde_json::json!({
            "v": 1, "proposal_id": 3, "n": 2, "at": "2024-01-01T00:00:00Z", "actor": "x", "role": "editor",
            "actor_state": null,
            "event": {"kind": "status", "from": "draft", "to": "under_review", "reason": null,
                      "silence_until": "2024-01-15T00:00:00Z", "successor": null, "superseded": []}
        });
        let e: ProposalEventRecord = decode(status_event.to_string().as_bytes()).unwrap();
        assert!(matches!(e.event, ProposalEvent::Status { from: Status::Draft, to: Status::UnderReview, .. }));
        assert_eq!(serde_json::to_value(&e).unwrap(), status_event);

        let mut position_event = status_event.clone();
        position_event["event"] = position.clone();
        position_event["event"]["kind"] = "position".into();
        let e: ProposalEventRecord = decode(position_event.to_string().as_bytes()).unwrap();
        assert!(matches!(&e.event, ProposalEvent::Position(r) if r.position == Stance::Object));
        assert_eq!(serde_json::to_value(&e).unwrap(), position_event);

        let change = serde_json::json!({"v": 1, "seq": 9, "at": "2024-01-01T00:00:00Z",
            "change": {"kind": "proposal_changed", "proposal_id": 3, "version": 1, "status": "superseded"}});
        let c: super::super::ChangeRecord = decode(change.to_string().as_bytes()).unwrap();
        assert!(matches!(c.change, Change::ProposalChanged { status: Status::Superseded, .. }));
        assert_eq!(serde_json::to_value(&c).unwrap(), change);

        // A status or stance no version ever wrote is a corrupt record, not a default.
        let mut odd = proposal.clone();
        odd["status"] = "approved".into();
        assert!(matches!(decode::<ProposalRecord>(odd.to_string().as_bytes()), Err(Error::Corrupt(_))));
        let mut odd = proposal;
        odd["positions"]["RU"]["position"] = "veto".into();
        assert!(matches!(decode::<ProposalRecord>(odd.to_string().as_bytes()), Err(Error::Corrupt(_))));
    }

    #[test]
    fn in_force_is_between_agreement_and_supersession() {
        let t = |s: &str| clock::parse(s).unwrap();
        let mut p: ProposalRecord = serde_json::from_value(serde_json::json!({
            "v": 1, "id": 1, "status": "agreed", "version": 1,
            "text": {"term": "t", "term_key": "t", "definition": "d", "language": "en", "translations": {},
                     "entry_ids": [], "cluster_id": null, "rationale": null, "supersedes": null},
            "created_at": "2024-01-01T00:00:00Z", "created_by": "x", "created_by_role": "editor",
            "created_by_state": null, "updated_at": "2024-01-01T00:00:00Z", "silence_until": null, "round": 1,
            "positions": {}, "agreed_at": "2024-02-01T00:00:00Z", "replaced": [], "superseded_at": null,
            "superseded_by": null, "closed_at": null, "close_reason": null, "events": 1
        }))
        .unwrap();
        assert!(!p.in_force_at(t("2024-01-31T23:59:59Z")));
        assert!(p.in_force_at(t("2024-02-01T00:00:00Z")));
        p.superseded_at = Some(t("2024-03-01T00:00:00Z"));
        assert!(p.in_force_at(t("2024-02-29T12:00:00Z")));
        assert!(!p.in_force_at(t("2024-03-01T00:00:00Z")));
    }
}
