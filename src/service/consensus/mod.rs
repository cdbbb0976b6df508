//! The consensus workflow: what the REST API calls to draft, review, approve
//! and publish consensus entries. It checks who may act, validates what comes
//! in with the rules of `domain::proposal`, lets the store apply the
//! transition in one transaction, and makes it durable before answering.
//!
//! Who may do what:
//! - create: delegates, editors, admins (not readers);
//! - edit, submit, withdraw: the proposer (the token that created it), or an
//!   editor or admin;
//! - record a position: a State's delegate for that State; editors and admins
//!   on behalf of any named State (attributed to them);
//! - approve, reject: editors and admins;
//! - comment: any token holder.
//!
//! What a proposal reconciles (its `entry_ids`, and the `cluster_id` it was
//! drafted from) is kept from version to version unless a request names it:
//! a PUT without `entry_ids` keeps the current version's entry ids, one
//! without `cluster_id` keeps its cluster, and `entry_ids: []` (or
//! `cluster_id: ""`) clears them. Naming another cluster without naming
//! entry ids takes that cluster's current entries, as creating from it does.
//!
//! The silence period lasts at least `silence_days` (the server's
//! `--silence-days`): a `silence_until` in the past, or before that minimum,
//! is refused (422) — except that an admin may shorten it (not into the
//! past), which the audit record of the submission says
//! (`shortened_silence`).

pub mod export;
pub mod glossary;
pub mod skos;

use time::OffsetDateTime;

use crate::clock;
use crate::domain::proposal::{self, Closing, PositionDraft, ProposalDraft, ProposalText};
use crate::domain::{Actor, RowError, StateCode};
use crate::error::{Error, Result};
use crate::service::Glossary;
use crate::store::proposals::Review;
use crate::store::{Edit, EntryRecord, ProposalEventRecord, ProposalRecord};

/// The silence period when none is configured: 14 days.
pub const DEFAULT_SILENCE_DAYS: u32 = 14;

/// A proposal with everything needed to show it.
pub struct ProposalDetail {
    pub record: ProposalRecord,
    /// Its history, oldest first: versions, status changes, positions, comments.
    pub events: Vec<ProposalEventRecord>,
    /// The national entries it reconciles (of its current version).
    pub provenance: Vec<EntryRecord>,
}

impl Glossary {
    /// Drafts a new proposal (version 1). Made from a cluster without entry
    /// ids, it reconciles the cluster's current entries.
    pub fn create_proposal(&self, actor: &Actor, draft: ProposalDraft) -> Result<ProposalDetail> {
        if !(actor.is_editor() || actor.role == crate::domain::Role::Delegate) {
            return Err(Error::Forbidden(format!(
                "only delegates, editors and admins may propose; '{}' is {}",
                actor.name,
                actor.role.with_article()
            )));
        }
        let from_cluster = draft.entry_ids.as_ref().is_none_or(Vec::is_empty);
        let mut text = proposal::validate_proposal(draft).map_err(Error::Unprocessable)?;
        if from_cluster && let Some(cluster) = text.cluster_id.as_deref() {
            text.entry_ids = self.cluster_provenance(cluster)?;
        }
        let record = self.store.create_proposal(&text, actor, self.now())?;
        self.store.flush()?;
        self.proposal_detail(actor, record.id)
    }

    /// The current entries of a cluster: what a proposal made from it
    /// reconciles. An unknown cluster is a 422 naming the field.
    fn cluster_provenance(&self, cluster_id: &str) -> Result<Vec<String>> {
        let Some(cluster) = self.store.cluster(cluster_id)? else {
            return Err(Error::Unprocessable(vec![RowError::new(
                None,
                "cluster_id",
                format!("no cluster '{}' (see GET /v1/clusters)", crate::domain::codes::clip(cluster_id)),
            )]));
        };
        let mut members = Vec::with_capacity(cluster.members.len());
        for id in cluster.members {
            if let Ok(entry) = id.parse::<crate::domain::EntryId>()
                && let Some(e) = self.store_entry(entry)?
                && self.store.current_id(&e.state, e.year)? == Some(e.submission_id)
            {
                members.push(id);
            }
        }
        Ok(members)
    }

    /// Stores a new version if `if_match` names the current one (else 412).
    /// What the request leaves out of the proposal's sources is kept from the
    /// current version (see the module's documentation).
    pub fn edit_proposal(
        &self,
        actor: &Actor,
        id: u64,
        if_match: &[u32],
        draft: ProposalDraft,
    ) -> Result<ProposalDetail> {
        let current = self.existing(id)?;
        require_proposer_or_editor(actor, &current, "edit")?;
        let text = self.next_version(&current, draft)?;
        // The text was completed from `current`: the edit may only apply to
        // that version (if it is one If-Match names), else it is stale.
        let based_on: &[u32] = if if_match.contains(&current.version) { &[current.version] } else { &[] };
        let restart = self.clock.now() + self.silence_period();
        let edit = Edit { if_match: based_on, text: &text, restart_silence_until: restart };
        self.store.edit_proposal(id, &edit, actor, self.now())?;
        self.store.flush()?;
        self.proposal_detail(actor, id)
    }

    /// The text of the version after `current`: the draft, with the sources
    /// it does not name kept from `current`.
    fn next_version(&self, current: &ProposalRecord, mut draft: ProposalDraft) -> Result<ProposalText> {
        let keep_entry_ids = draft.entry_ids.is_none();
        if draft.cluster_id.is_none() {
            draft.cluster_id.clone_from(&current.text.cluster_id);
        }
        let mut text = proposal::validate_proposal(draft).map_err(Error::Unprocessable)?;
        if keep_entry_ids {
            text.entry_ids = match text.cluster_id.as_deref() {
                Some(cluster) if text.cluster_id != current.text.cluster_id => self.cluster_provenance(cluster)?,
                _ => current.text.entry_ids.clone(),
            };
        }
        Ok(text)
    }

    /// Puts a draft under review. The silence period ends at `silence_until`
    /// or, by default, after the configured number of days; only an admin may
    /// end it sooner than that, and no one in the past.
    pub fn submit_proposal(
        &self,
        actor: &Actor,
        id: u64,
        silence_until: Option<OffsetDateTime>,
    ) -> Result<ProposalDetail> {
        let current = self.existing(id)?;
        require_proposer_or_editor(actor, &current, "submit")?;
        let now = self.clock.now();
        let minimum = now + self.silence_period();
        let until = silence_until.unwrap_or(minimum);
        let refuse = |reason: String| Err(Error::Unprocessable(vec![RowError::new(None, "silence_until", reason)]));
        if silence_until.is_some_and(|t| t <= now) {
            return refuse(format!(
                "silence_until ({}) is not in the future: the silence period ends after now ({})",
                clock::format(until),
                clock::format(now)
            ));
        }
        let shortened = until < minimum;
        if shortened && !actor.is_admin() {
            return refuse(format!(
                "silence_until ({}) ends before the minimum review time of {} days: no earlier than {} (omit \
                 silence_until for the minimum); only an admin may shorten it",
                clock::format(until),
                self.silence_days,
                clock::format(minimum)
            ));
        }
        let review = Review { silence_until: until, shortened: shortened.then_some((minimum, self.silence_days)) };
        self.store.submit_proposal(id, &review, actor, now)?;
        self.store.flush()?;
        self.proposal_detail(actor, id)
    }

    /// Records a State's position on a proposal under review.
    pub fn record_position(&self, actor: &Actor, id: u64, draft: PositionDraft) -> Result<ProposalDetail> {
        if actor.role == crate::domain::Role::Reader {
            return Err(Error::Forbidden(format!("a reader ('{}') may not record positions", actor.name)));
        }
        let mut draft = draft;
        // A delegate acts for one State: its position is that State's unless it names another.
        if draft.state.as_deref().is_none_or(|s| s.trim().is_empty()) && actor.role == crate::domain::Role::Delegate {
            draft.state = actor.state.as_ref().map(StateCode::to_string);
        }
        let position = proposal::validate_position(draft).map_err(Error::Unprocessable)?;
        if self.store.state(position.state.as_str())?.is_none() {
            return Err(Error::Unprocessable(vec![RowError::new(
                None,
                "state",
                format!("'{}' is not a known State or party (see GET /v1/states)", position.state),
            )]));
        }
        if !actor.may_act_for(&position.state) {
            let own = actor.state.as_ref().map(StateCode::to_string).unwrap_or_default();
            return Err(Error::Forbidden(format!(
                "delegate '{}' acts for {own} only and may not record a position for {}",
                actor.name, position.state
            )));
        }
        self.existing(id)?;
        self.store.record_position(id, &position, actor, self.now())?;
        self.store.flush()?;
        self.proposal_detail(actor, id)
    }

    /// Agrees a proposal whose silence period has passed with no objection standing.
    pub fn approve_proposal(&self, actor: &Actor, id: u64) -> Result<ProposalDetail> {
        require_editor(actor, "approve")?;
        self.existing(id)?;
        self.store.approve_proposal(id, actor, self.now())?;
        self.store.flush()?;
        self.proposal_detail(actor, id)
    }

    /// Rejects a proposal under review (editors), with a reason.
    pub fn reject_proposal(&self, actor: &Actor, id: u64, reason: Option<&str>) -> Result<ProposalDetail> {
        require_editor(actor, "reject")?;
        let reason = proposal::required_reason(reason, "reason").map_err(Error::Unprocessable)?;
        self.existing(id)?;
        self.store.close_proposal(id, Closing::Reject, &reason, actor, self.now())?;
        self.store.flush()?;
        self.proposal_detail(actor, id)
    }

    /// Withdraws a draft or a proposal under review (its proposer or an editor), with a reason.
    pub fn withdraw_proposal(&self, actor: &Actor, id: u64, reason: Option<&str>) -> Result<ProposalDetail> {
        let current = self.existing(id)?;
        require_proposer_or_editor(actor, &current, "withdraw")?;
        let reason = proposal::required_reason(reason, "reason").map_err(Error::Unprocessable)?;
        self.store.close_proposal(id, Closing::Withdraw, &reason, actor, self.now())?;
        self.store.flush()?;
        self.proposal_detail(actor, id)
    }

    /// Adds an attributed, timestamped comment (any token holder, any status).
    pub fn comment_proposal(&self, actor: &Actor, id: u64, text: Option<&str>) -> Result<ProposalDetail> {
        let text = proposal::comment_text(text).map_err(Error::Unprocessable)?;
        self.existing(id)?;
        self.store.comment_proposal(id, &text, actor, self.now())?;
        self.store.flush()?;
        self.proposal_detail(actor, id)
    }

    /// One proposal as a reader sees it: its history and provenance.
    pub fn proposal(&self, reader: &Actor, id: u64) -> Result<ProposalDetail> {
        self.proposal_detail(reader, id)
    }

    /// A proposal with its history, and the national entries it reconciles
    /// that `reader` may read (each keeps its list's level).
    pub fn proposal_detail(&self, reader: &Actor, id: u64) -> Result<ProposalDetail> {
        let record = self.existing(id)?;
        let events = self.store.proposal_events(id)?;
        let provenance = self.entries_by_id(reader, &record.text.entry_ids)?;
        Ok(ProposalDetail { record, events, provenance })
    }

    /// The national entries named by `ids` that exist and `reader` may
    /// read, in the order given.
    pub(crate) fn entries_by_id(&self, reader: &Actor, ids: &[String]) -> Result<Vec<EntryRecord>> {
        let mut readable = super::reads::Readable::new(self, reader)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Ok(entry) = id.parse::<crate::domain::EntryId>()
                && readable.list(entry.submission)?
                && let Some(e) = self.store_entry(entry)?
            {
                out.push(e);
            }
        }
        Ok(out)
    }

    fn existing(&self, id: u64) -> Result<ProposalRecord> {
        self.store.proposal(id)?.ok_or_else(|| Error::not_found("proposal", id.to_string()))
    }

    /// The silence period a review lasts by default.
    pub fn silence_period(&self) -> time::Duration {
        time::Duration::days(i64::from(self.silence_days))
    }
}

fn require_editor(actor: &Actor, what: &str) -> Result<()> {
    if actor.is_editor() {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "only an editor or admin may {what} a proposal; '{}' is {}",
            actor.name,
            actor.role.with_article()
        )))
    }
}

fn require_proposer_or_editor(actor: &Actor, p: &ProposalRecord, what: &str) -> Result<()> {
    if actor.is_editor() || (actor.role != crate::domain::Role::Reader && actor.name == p.created_by) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "only its proposer ('{}') or an editor or admin may {what} proposal {}; '{}' is {}",
            p.created_by,
            p.id,
            actor.name,
            actor.role.with_article()
        )))
    }
}
