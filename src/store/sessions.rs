//! Sessions of the web pages: a person pastes a token once at `/login` and
//! the browser then holds a session cookie. The store keeps only the SHA-256
//! of the session secret (as it keeps only the hash of a token), who it
//! stands for, the hash of the token it was opened with (so a session ends
//! with its token), its CSRF token and its expiry.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{AuditNote, FORMAT, SESSIONS, Store, TOKENS, abort};
use crate::domain::{Actor, Role, StateCode};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionRecord {
    pub v: u8,
    /// SHA-256 of the token the session was opened with.
    pub token_hash: String,
    pub name: String,
    pub role: Role,
    pub state: Option<StateCode>,
    /// Sent with every form that writes, compared on receipt.
    pub csrf: String,
    #[serde(with = "crate::clock::rfc3339")]
    pub created_at: OffsetDateTime,
    /// RFC 3339 UTC; past it the session is gone.
    #[serde(with = "crate::clock::rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl Store {
    /// Stores a new session under the hash of its secret (audited as
    /// `session.create`). Refused when the token no longer exists.
    pub fn add_session(&self, hash: &str, record: &SessionRecord, actor: &Actor, now: OffsetDateTime) -> Result<()> {
        self.write(
            now,
            |tx| {
                if tx.tree(TOKENS).get(record.token_hash.as_bytes())?.is_none() {
                    return Err(abort(Error::Unauthorized("the token is not valid".into())));
                }
                tx.put(SESSIONS, hash.as_bytes(), record)
            },
            Some(AuditNote {
                actor,
                action: "session.create",
                target: format!("sessions/{}", record.name),
                detail: serde_json::json!({ "expires_at": crate::clock::format(record.expires_at) }),
            }),
        )
    }

    /// The session stored under `hash`, expired or not.
    pub fn session(&self, hash: &str) -> Result<Option<SessionRecord>> {
        self.get(SESSIONS, hash.as_bytes())
    }

    /// Ends a session (logout; audited as `session.end`).
    pub fn remove_session(&self, hash: &str, actor: &Actor, now: OffsetDateTime) -> Result<()> {
        self.write(
            now,
            |tx| {
                tx.tree(SESSIONS).remove(hash.as_bytes())?;
                Ok(())
            },
            Some(AuditNote {
                actor,
                action: "session.end",
                target: format!("sessions/{}", actor.name),
                detail: serde_json::Value::Null,
            }),
        )
    }

    /// Removes every session expired at `now`; how many were removed. Sessions are
    /// not content: nothing is audited.
    pub fn prune_sessions(&self, now: OffsetDateTime) -> Result<usize> {
        let mut expired = Vec::new();
        for kv in self.trees[SESSIONS].iter() {
            let (k, v) = kv?;
            let r: SessionRecord = super::decode(&v)?;
            if r.expires_at <= now {
                expired.push(k);
            }
        }
        if expired.is_empty() {
            return Ok(0);
        }
        self.write(
            now,
            |tx| {
                for k in &expired {
                    tx.tree(SESSIONS).remove(k.as_ref())?;
                }
                Ok(())
            },
            None,
        )?;
        Ok(expired.len())
    }
}

/// A session record for tests and the service.
pub fn session_record(
    token_hash: String,
    actor: &Actor,
    csrf: String,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> SessionRecord {
    SessionRecord {
        v: FORMAT,
        token_hash,
        name: actor.name.clone(),
        role: actor.role,
        state: actor.state.clone(),
        csrf,
        created_at: now,
        expires_at,
    }
}
