//! What the web pages need beyond the REST API's methods: sessions opened
//! with a token (stored hashed, with an expiry), the latest national lists,
//! the cluster an entry belongs to, and a State's positions on proposals.
//! Like every service method, each takes the caller's [`Actor`], so a rule
//! about who may read what is applied here once for the pages too.

use time::OffsetDateTime;

use super::Glossary;
use super::clusters::ClusterView;
use crate::auth;
use crate::domain::{Actor, EntryId, StateCode};
use crate::error::{Error, Result};
use crate::store::sessions::session_record;
use crate::store::{PositionRecord, ProposalRecord, SubmissionRecord};

/// A signed-in person: who they act as, the CSRF token their forms carry,
/// and when the session ends.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub csrf: String,
    pub expires_at: OffsetDateTime,
}

/// Session secrets start with this, so they are never mistaken for tokens.
const SESSION_PREFIX: &str = "cgs_";

/// A State's standing position on a proposal.
#[derive(Debug, Clone)]
pub struct StatePosition {
    pub proposal_id: u64,
    pub term: String,
    pub status: crate::domain::proposal::Status,
    pub position: PositionRecord,
}

impl Glossary {
    /// Opens a session for the holder of `token`: `None` when the token is
    /// not valid. The secret (for the cookie) is returned once; the store
    /// keeps its SHA-256 only.
    pub fn open_session(&self, token: &str, lasts: time::Duration) -> Result<Option<(String, Session)>> {
        let Some(actor) = self.authenticate(token)? else {
            return Ok(None);
        };
        let secret = format!("{SESSION_PREFIX}{}", auth::random_hex::<32>()?);
        let csrf = auth::random_hex::<32>()?;
        let now = self.clock.now();
        let expires_at = now + lasts;
        let record = session_record(auth::hash(token), &actor, csrf.clone(), now, expires_at);
        self.store.add_session(&auth::hash(&secret), &record, &actor, now)?;
        self.store.flush()?;
        // Expired sessions of others are cleared now and then: at each login.
        if let Err(e) = self.store.prune_sessions(now) {
            tracing::warn!(error = %e, "expired sessions could not be removed; the next login retries");
        }
        Ok(Some((secret, Session { actor, csrf, expires_at })))
    }

    /// The session a cookie's secret names, if it exists, has not expired
    /// and its token is still valid.
    pub fn session(&self, secret: &str) -> Result<Option<Session>> {
        if !secret.starts_with(SESSION_PREFIX) || secret.len() > 200 {
            return Ok(None);
        }
        let Some(record) = self.store.session(&auth::hash(secret))? else {
            return Ok(None);
        };
        let expires_at = record.expires_at;
        let now = self.clock.now();
        let token_live = self.store.token(&record.token_hash)?.is_some_and(|t| auth::is_live(&t, now));
        if expires_at <= now || !token_live {
            return Ok(None);
        }
        let actor = Actor { name: record.name, role: record.role, state: record.state };
        Ok(Some(Session { actor, csrf: record.csrf, expires_at }))
    }

    /// Ends the session a cookie's secret names (logout); nothing when there is none.
    pub fn close_session(&self, secret: &str) -> Result<()> {
        if let Some(session) = self.session(secret)? {
            self.store.remove_session(&auth::hash(secret), &session.actor, self.now())?;
            self.store.flush()?;
        }
        Ok(())
    }

    /// The `n` most recently stored national lists, newest first.
    pub fn latest_submissions(&self, reader: &Actor, n: usize) -> Result<Vec<(SubmissionRecord, bool)>> {
        let audience = self.audience(reader)?;
        let mut all = self.store.all_submissions()?;
        all.retain(|s| audience.may_read(&s.state, s.distribution));
        all.sort_by_key(|s| std::cmp::Reverse(s.id));
        all.truncate(n);
        let mut out = Vec::with_capacity(all.len());
        for s in all {
            let current = self.store.is_current(&s)?;
            out.push((s, current));
        }
        Ok(out)
    }

    /// The cluster holding an entry ("the same notion elsewhere"), if any.
    pub fn entry_cluster(&self, reader: &Actor, entry: EntryId) -> Result<Option<ClusterView>> {
        match self.store.cluster_of(&entry.to_string())? {
            Some(id) => match self.cluster(reader, &id) {
                Ok(view) => Ok(Some(view)),
                Err(Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            },
            None => Ok(None),
        }
    }

    /// The standing positions of one State on every proposal, newest proposal first.
    pub fn state_positions(&self, _reader: &Actor, state: &StateCode) -> Result<Vec<StatePosition>> {
        let mut out = Vec::new();
        for p in self.store.all_proposals() {
            let p: ProposalRecord = p?;
            if let Some(position) = p.positions.get(state.as_str()) {
                out.push(StatePosition {
                    proposal_id: p.id,
                    term: p.text.term.clone(),
                    status: p.status,
                    position: position.clone(),
                });
            }
        }
        out.reverse();
        Ok(out)
    }
}
