//! The store: sled, the source of truth. States, submissions (every revision),
//! entries, tokens, proposals (every version and event), the audit log and the
//! change log.
//!
//! Every write is one sled transaction over all trees it touches plus the
//! change log and the audit log, so a write is either wholly there or not at
//! all. `flush` makes it durable; callers acknowledge only after it returns.

pub mod clusters;
pub mod inquiries;
mod keys;
pub mod migrate;
pub mod proposals;
pub mod records;
pub mod sessions;

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use time::OffsetDateTime;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::{Transactional, Tree};

use crate::domain::{Actor, StateCode, ValidList, states};
use crate::error::{Error, Result};
pub use proposals::{
    Edit, PositionRecord, ProposalEvent, ProposalEventRecord, ProposalRecord, ProposalTextRecord, TranslationRecord,
    etag,
};
pub use records::*;

/// sled's page cache unless the server is told otherwise (`serve --store-cache-mb`).
pub const DEFAULT_CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// The trees of the store, in the order transactions see them.
const TREES: [&str; 18] = [
    "meta",
    "states",
    "submissions",
    "sub_by_state",
    "current",
    "entries",
    "changes",
    "audit",
    "tokens",
    "token_names",
    // Clustering: clusters and editors' constraints (store/clusters.rs).
    "clusters",
    "constraints",
    // Consensus: proposals with their versions, positions, comments.
    "proposals",
    "proposal_log",
    // Clustering: entry id → cluster id.
    "entry_cluster",
    // Consensus: English term key → the agreed proposal in force for it.
    "proposal_terms",
    // Web pages: SHA-256 of a session secret → the session (store/sessions.rs).
    "sessions",
    // Inquiries between States about a list or an entry (store/inquiries.rs).
    "inquiries",
];
pub(crate) const META: usize = 0;
const STATES: usize = 1;
pub(crate) const SUBMISSIONS: usize = 2;
const SUB_BY_STATE: usize = 3;
const CURRENT: usize = 4;
const ENTRIES: usize = 5;
const CHANGES: usize = 6;
pub(crate) const AUDIT: usize = 7;
const TOKENS: usize = 8;
const TOKEN_NAMES: usize = 9;
pub(crate) const CLUSTERS: usize = 10;
pub(crate) const CONSTRAINTS: usize = 11;
pub(crate) const PROPOSALS: usize = 12;
pub(crate) const PROPOSAL_LOG: usize = 13;
pub(crate) const ENTRY_CLUSTER: usize = 14;
/// English term key → the agreed proposal in force for it.
pub(crate) const PROPOSAL_TERMS: usize = 15;
/// SHA-256 of a web session's secret → the session.
pub(crate) const SESSIONS: usize = 16;
pub(crate) const INQUIRIES: usize = 17;

const SEQ: &[u8] = b"seq";
const NEXT_SUBMISSION: &[u8] = b"next_submission";
const NEXT_AUDIT: &[u8] = b"next_audit";
/// `meta` keys of lists whose entries are being written (see `add_submission`).
const PENDING: &[u8] = b"pending_submission/";

fn pending_key(id: u64) -> Vec<u8> {
    let mut k = PENDING.to_vec();
    k.extend_from_slice(&id.to_be_bytes());
    k
}

#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    pub(crate) trees: Vec<Tree>,
    /// Writers hold it shared (sled orders their transactions); a snapshot
    /// holds it exclusively, so it sees every tree at one moment.
    gate: Arc<RwLock<()>>,
    /// One staged cluster generation at a time (`clusters.rs`). Taken before
    /// `gate`, never while holding it.
    staging: Arc<Mutex<()>>,
    /// One lock per State and year: its lists are stored one at a time (taken
    /// before `gate`, never while holding it).
    list_locks: Arc<Mutex<ListLocks>>,
    /// Counts the writes of clusters since the store was opened: what an
    /// in-memory copy of the clustering (`cluster::Cache`) checks it is
    /// still in step with.
    cluster_writes: Arc<std::sync::atomic::AtomicU64>,
}

/// One lock per (State, year), made when first needed.
type ListLocks = std::collections::HashMap<(String, i32), Arc<Mutex<()>>>;

/// A store being filled from a snapshot; see [`Store::loader`].
pub struct Loader {
    db: sled::Db,
    trees: std::collections::HashMap<String, Tree>,
    count: u64,
}

impl Loader {
    pub fn insert(&mut self, tree: &str, key: &[u8], value: &[u8]) -> Result<()> {
        let t =
            self.trees.get(tree).ok_or_else(|| Error::Corrupt(format!("a record of the undeclared tree '{tree}'")))?;
        t.insert(key, value)?;
        self.count += 1;
        Ok(())
    }

    /// Flushes everything to disk; returns how many records were loaded.
    pub fn finish(self) -> Result<u64> {
        self.db.flush()?;
        Ok(self.count)
    }
}

/// The store with writes held off: every tree as of one moment. Writers wait
/// until it is dropped.
pub struct Frozen<'a> {
    store: &'a Store,
    _guard: RwLockWriteGuard<'a, ()>,
}

impl Frozen<'_> {
    /// Every tree of the database (those this build names and any other), in
    /// name order.
    pub fn tree_names(&self) -> Result<Vec<String>> {
        let mut names = self
            .store
            .db
            .tree_names()
            .into_iter()
            .map(|n| String::from_utf8(n.to_vec()).map_err(|_| Error::Corrupt("a tree name is not UTF-8".into())))
            .collect::<Result<Vec<_>>>()?;
        names.sort();
        Ok(names)
    }

    /// Every key and value of one tree, in key order.
    pub fn records(&self, tree: &str) -> Result<impl Iterator<Item = Result<(sled::IVec, sled::IVec)>> + use<>> {
        Ok(self.store.db.open_tree(tree)?.iter().map(|kv| kv.map_err(Error::from)))
    }

    pub fn last_seq(&self) -> Result<u64> {
        self.store.last_seq()
    }
}

/// What an audited write says about itself.
pub struct AuditNote<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub target: String,
    pub detail: serde_json::Value,
}

/// The view of all trees inside one transaction.
pub struct Tx<'a> {
    t: &'a [TransactionalTree],
    /// The time of this write.
    pub(crate) at: OffsetDateTime,
}

pub(crate) type TxResult<T> = std::result::Result<T, ConflictableTransactionError<Error>>;

pub(crate) fn abort(e: Error) -> ConflictableTransactionError<Error> {
    ConflictableTransactionError::Abort(e)
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    Ok(serde_json::to_vec(value)?)
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::Corrupt(e.to_string()))
}

impl Tx<'_> {
    pub(crate) fn tree(&self, i: usize) -> &TransactionalTree {
        &self.t[i]
    }

    pub(crate) fn get<T: DeserializeOwned>(&self, tree: usize, key: &[u8]) -> TxResult<Option<T>> {
        match self.tree(tree).get(key)? {
            Some(bytes) => Ok(Some(decode(&bytes).map_err(abort)?)),
            None => Ok(None),
        }
    }

    pub(crate) fn put<T: Serialize>(&self, tree: usize, key: &[u8], value: &T) -> TxResult<()> {
        self.tree(tree).insert(key, encode(value).map_err(abort)?)?;
        Ok(())
    }

    /// The next value of a counter in `meta`, starting at 1.
    pub(crate) fn next(&self, counter: &[u8]) -> TxResult<u64> {
        let current = match self.tree(META).get(counter)? {
            Some(b) => keys::u64_from(&b).ok_or_else(|| abort(Error::Corrupt("counter".into())))?,
            None => 0,
        };
        let next = current + 1;
        self.tree(META).insert(counter, &next.to_be_bytes())?;
        Ok(next)
    }

    pub(crate) fn log_change(&self, change: Change) -> TxResult<u64> {
        let seq = self.next(SEQ)?;
        let record = ChangeRecord { v: FORMAT, seq, at: self.at.to_owned(), change };
        self.put(CHANGES, &seq.to_be_bytes(), &record)?;
        Ok(seq)
    }

    pub(crate) fn audit(&self, note: AuditNote<'_>) -> TxResult<u64> {
        let id = self.next(NEXT_AUDIT)?;
        let record = AuditRecord {
            v: FORMAT,
            id,
            at: self.at.to_owned(),
            actor: note.actor.name.clone(),
            role: note.actor.role,
            actor_state: note.actor.state.as_ref().map(|s| s.to_string()),
            action: note.action.to_owned(),
            target: note.target,
            detail: note.detail,
        };
        self.put(AUDIT, &id.to_be_bytes(), &record)?;
        Ok(id)
    }
}

/// What storing a national list produced.
#[derive(Debug, Clone)]
pub struct Stored {
    pub submission: SubmissionRecord,
    pub seq: u64,
}

/// Filters for listing entries.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub state: Option<String>,
    pub language: Option<String>,
    pub year: Option<i32>,
    /// Include entries of revisions that are no longer current.
    pub all_revisions: bool,
    /// Only lists this audience may read (none: every list).
    pub audience: Option<crate::domain::Audience>,
}

/// Filters for the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
}

impl Store {
    /// Opens (or creates) the store in `dir`, seeding the OSCE participating
    /// States into a new one.
    ///
    /// sled releases its directory lock from its flusher thread, a moment
    /// after the last handle is dropped: a lock still held is retried for up
    /// to a second before it counts as another process's.
    pub fn open(dir: &Path, now: OffsetDateTime) -> Result<Self> {
        Self::open_with_cache(dir, now, DEFAULT_CACHE_BYTES)
    }

    /// [`Store::open`] with sled's page cache bounded to `cache_bytes` (the
    /// most memory the store keeps for pages read or written; sled's own
    /// accounting, so RSS exceeds it somewhat).
    pub fn open_with_cache(dir: &Path, now: OffsetDateTime, cache_bytes: u64) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let config = sled::Config::new().path(dir).cache_capacity(cache_bytes).flush_every_ms(Some(500));
        let mut attempts = 0;
        let db = loop {
            match config.open() {
                Err(sled::Error::Io(e)) if is_lock_error(&e) && attempts < 50 => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other?,
            }
        };
        Self::from_db(db, now)
    }

    fn from_db(db: sled::Db, now: OffsetDateTime) -> Result<Self> {
        let trees = TREES.iter().map(|name| db.open_tree(name)).collect::<sled::Result<Vec<_>>>()?;
        let store = Self {
            db,
            trees,
            gate: Arc::default(),
            staging: Arc::default(),
            list_locks: Arc::default(),
            cluster_writes: Arc::default(),
        };
        store.migrate()?;
        store.recover_pending()?;
        if store.trees[STATES].is_empty() {
            store.seed_states(now)?;
        }
        // Clusters of the layout before generations, or a generation left
        // by a crash while it was written or replaced.
        store.recover_clusters(now)?;
        Ok(store)
    }

    fn seed_states(&self, now: OffsetDateTime) -> Result<()> {
        let operator = Actor { name: "system".into(), ..Actor::operator() };
        self.write(
            now,
            |tx| {
                for (code, name) in states::OSCE_PARTICIPATING_STATES {
                    let record = StateRecord {
                        v: FORMAT,
                        code: code.to_owned(),
                        name: name.to_owned(),
                        forum: states::OSCE.to_owned(),
                        added_at: tx.at,
                    };
                    tx.put(STATES, code.as_bytes(), &record)?;
                }
                Ok(())
            },
            Some(AuditNote {
                actor: &operator,
                action: "state.seed",
                target: "states".into(),
                detail: serde_json::json!({ "forum": states::OSCE, "count": states::OSCE_PARTICIPATING_STATES.len() }),
            }),
        )?;
        self.flush()
    }

    /// Runs `f` as one transaction over every tree, appending `note` to the
    /// audit log in the same transaction. Retried by sled on conflict.
    fn write<T>(
        &self,
        now: OffsetDateTime,
        f: impl Fn(&Tx<'_>) -> TxResult<T>,
        note: Option<AuditNote<'_>>,
    ) -> Result<T> {
        let _writing = self.write_gate()?;
        self.transact(now, f, note)
    }

    /// The write gate, held shared: among writers; a snapshot in progress
    /// holds it exclusively. Not re-entrant: a holder calls [`Store::transact`],
    /// never [`Store::write`] (a waiting snapshot would block the second
    /// acquisition, and the snapshot waits for the first).
    fn write_gate(&self) -> Result<RwLockReadGuard<'_, ()>> {
        self.gate.read().map_err(|_| Error::Poisoned("store write gate"))
    }

    /// The transaction of [`Store::write`], for a caller already holding the
    /// write gate.
    fn transact<T>(
        &self,
        now: OffsetDateTime,
        f: impl Fn(&Tx<'_>) -> TxResult<T>,
        note: Option<AuditNote<'_>>,
    ) -> Result<T> {
        let refs: Vec<&Tree> = self.trees.iter().collect();
        let result = refs.as_slice().transaction(|views| {
            let tx = Tx { t: views, at: now };
            let out = f(&tx)?;
            if let Some(note) = &note {
                tx.audit(AuditNote {
                    actor: note.actor,
                    action: note.action,
                    target: note.target.clone(),
                    detail: note.detail.clone(),
                })?;
            }
            Ok(out)
        })?;
        Ok(result)
    }

    /// Makes every write so far durable (fsync). Concurrent callers share the
    /// same fsync where their writes are already in the flushed log.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    /// Holds every write off until the returned guard is dropped, so that what
    /// is read through it is one consistent state of every tree (sled has no
    /// snapshots). Writers queue meanwhile; keep it short.
    pub fn freeze(&self) -> Result<Frozen<'_>> {
        let guard = self.gate.write().map_err(|_| Error::Poisoned("store write gate"))?;
        Ok(Frozen { store: self, _guard: guard })
    }

    /// A new store in `dir` to fill with records as a snapshot gave them
    /// (`trees` first): for restoring a backup into an empty directory;
    /// nothing is seeded, logged or audited.
    pub fn loader(dir: &Path, trees: &[String]) -> Result<Loader> {
        std::fs::create_dir_all(dir)?;
        let db = sled::Config::new().path(dir).open()?;
        let mut opened = std::collections::HashMap::new();
        for name in trees {
            opened.insert(name.clone(), db.open_tree(name)?);
        }
        Ok(Loader { db, trees: opened, count: 0 })
    }

    pub fn was_recovered(&self) -> bool {
        self.db.was_recovered()
    }

    // ---- States ----

    pub fn states(&self) -> Result<Vec<StateRecord>> {
        self.trees[STATES].iter().values().map(|v| decode(&v?)).collect()
    }

    pub fn state(&self, code: &str) -> Result<Option<StateRecord>> {
        self.get(STATES, code.as_bytes())
    }

    pub fn add_state(
        &self,
        code: &StateCode,
        name: &str,
        forum: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<StateRecord> {
        let record = StateRecord {
            v: FORMAT,
            code: code.to_string(),
            name: name.to_owned(),
            forum: forum.to_owned(),
            added_at: now.to_owned(),
        };
        self.write(
            now,
            |tx| {
                if tx.tree(STATES).get(code.as_str().as_bytes())?.is_some() {
                    return Err(abort(Error::Conflict(format!("the State or party '{code}' already exists"))));
                }
                tx.put(STATES, code.as_str().as_bytes(), &record)?;
                tx.log_change(Change::StateAdded { code: code.to_string() })?;
                Ok(())
            },
            Some(AuditNote {
                actor,
                action: "state.create",
                target: format!("states/{code}"),
                detail: serde_json::json!({ "name": name, "forum": forum }),
            }),
        )?;
        Ok(record)
    }

    // ---- Submissions ----

    /// Stores a validated list as the next revision of `state`'s list for its
    /// year, making it current.
    ///
    /// A large list must not hold every other write (and read: sled runs a
    /// transaction under a process-wide lock) while its entries are written,
    /// so a list is stored in three steps, of which only the last makes it
    /// visible:
    ///
    /// 1. a small transaction reserves its id and revision and marks the id
    ///    pending (`meta/pending_submission/{id}`);
    /// 2. its entries are written under that id outside any transaction, in
    ///    chunks, other writers' transactions going on between them; nothing
    ///    reads entries of an id that has no submission record;
    /// 3. one transaction writes the submission record, moves `current`,
    ///    appends the change-log and audit records and clears the mark.
    ///
    /// A crash or error before step 3 leaves entries under a pending id, which
    /// are removed (here, or by the next [`Store::open`]); after it the list is
    /// there whole. Two lists of one State and year are stored one after the
    /// other (their revisions are numbered in that order); lists of
    /// different States or years do not wait for each other.
    pub fn add_submission(
        &self,
        state: &StateCode,
        list: &ValidList,
        format: &str,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Stored> {
        let year = list.year.get();
        let entry_count =
            u32::try_from(list.entries.len()).map_err(|_| Error::bad_request("too many entries in one list"))?;
        let lock = self.list_lock(state.as_str(), year)?;
        let _one_revision_at_a_time = lock.lock().map_err(|_| Error::Poisoned("list"))?;
        let current_key = keys::state_year(state.as_str(), year);
        let (id, replaces, revision) = self.write(
            now,
            |tx| {
                if tx.tree(STATES).get(state.as_str().as_bytes())?.is_none() {
                    return Err(abort(Error::not_found("State", state.as_str())));
                }
                let id = tx.next(NEXT_SUBMISSION)?;
                let replaces = match tx.tree(CURRENT).get(&current_key)? {
                    Some(b) => Some(keys::u64_from(&b).ok_or_else(|| abort(Error::Corrupt("current".into())))?),
                    None => None,
                };
                let revision = match replaces {
                    Some(prev) => {
                        let prev: SubmissionRecord = tx.get(SUBMISSIONS, &prev.to_be_bytes())?.ok_or_else(|| {
                            abort(Error::Corrupt(format!("current points at missing submission {prev}")))
                        })?;
                        prev.revision + 1
                    }
                    None => 1,
                };
                tx.tree(META).insert(pending_key(id), &[][..])?;
                Ok((id, replaces, revision))
            },
            None,
        )?;
        let stored = self.stage_entries(id, state, list, year, revision).and_then(|()| {
            self.publish_submission(id, state, list, format, actor, now, (year, revision, replaces, entry_count))
        });
        if stored.is_err()
            && let Err(e) = self.discard_pending(id)
        {
            tracing::error!(error = %e, submission = id, "the entries of a list that was not stored could not be removed; the next start removes them");
        }
        stored
    }

    /// Step 2 of [`Store::add_submission`]: the entries, in chunks, each
    /// chunk under the write gate (so a snapshot waits for a chunk, not for
    /// the list).
    fn stage_entries(&self, id: u64, state: &StateCode, list: &ValidList, year: i32, revision: u32) -> Result<()> {
        const CHUNK: usize = 512;
        let tree = &self.trees[ENTRIES];
        let language = list.language.to_string();
        for (c, chunk) in list.entries.chunks(CHUNK).enumerate() {
            let _writing = self.write_gate()?;
            for (i, e) in chunk.iter().enumerate() {
                let ordinal = (c * CHUNK + i) as u32 + 1;
                let record = EntryRecord {
                    v: FORMAT,
                    submission_id: id,
                    ordinal,
                    row: e.row,
                    state: state.to_string(),
                    year,
                    revision,
                    language: language.clone(),
                    text: e.text.clone(),
                    term_key: e.term_key.clone(),
                    term_en_key: e.term_en_key.clone(),
                    distribution: list.distribution,
                };
                tree.insert(keys::entry(id, ordinal), encode(&record)?)?;
            }
        }
        Ok(())
    }

    /// Step 3 of [`Store::add_submission`]: the one transaction that makes
    /// the list visible.
    #[allow(clippy::too_many_arguments)]
    fn publish_submission(
        &self,
        id: u64,
        state: &StateCode,
        list: &ValidList,
        format: &str,
        actor: &Actor,
        now: OffsetDateTime,
        (year, revision, replaces, entry_count): (i32, u32, Option<u64>, u32),
    ) -> Result<Stored> {
        let warnings: Vec<WarningRecord> = list
            .warnings
            .iter()
            .map(|w| WarningRecord { row: w.row, field: w.field.clone(), message: w.message.clone() })
            .collect();
        let current_key = keys::state_year(state.as_str(), year);
        let (submission, seq) = self.write(
            now,
            |tx| {
                // The list lock keeps `current` where the reservation saw it.
                let now_current = match tx.tree(CURRENT).get(&current_key)? {
                    Some(b) => Some(keys::u64_from(&b).ok_or_else(|| abort(Error::Corrupt("current".into())))?),
                    None => None,
                };
                if now_current != replaces {
                    return Err(abort(Error::Conflict(format!(
                        "another list of {state} for {year} was stored meanwhile; submit again"
                    ))));
                }
                let submission = SubmissionRecord {
                    v: FORMAT,
                    id,
                    state: state.to_string(),
                    year,
                    revision,
                    language: list.language.to_string(),
                    entry_count,
                    format: format.to_owned(),
                    created_at: tx.at,
                    created_by: actor.name.clone(),
                    warnings: warnings.clone(),
                    replaces,
                    distribution: list.distribution,
                    withdrawn: false,
                };
                tx.put(SUBMISSIONS, &id.to_be_bytes(), &submission)?;
                tx.tree(SUB_BY_STATE)
                    .insert(keys::state_year_rev(state.as_str(), year, revision), &id.to_be_bytes())?;
                tx.tree(CURRENT).insert(current_key.as_slice(), &id.to_be_bytes())?;
                tx.tree(META).remove(pending_key(id))?;
                let seq = tx.log_change(Change::SubmissionAdded {
                    submission_id: id,
                    state: state.to_string(),
                    year,
                    revision,
                    replaces,
                })?;
                tx.audit(AuditNote {
                    actor,
                    action: "submission.create",
                    target: format!("submissions/{id}"),
                    detail: serde_json::json!({
                        "state": state.as_str(), "year": year, "revision": revision,
                        "language": list.language.as_str(), "entry_count": entry_count,
                        "format": format, "replaces": replaces.map(|r| r.to_string()),
                    }),
                })?;
                Ok((submission, seq))
            },
            None,
        )?;
        Ok(Stored { submission, seq })
    }

    /// The lock that orders the lists of one State and year.
    fn list_lock(&self, state: &str, year: i32) -> Result<Arc<Mutex<()>>> {
        let mut locks = self.list_locks.lock().map_err(|_| Error::Poisoned("list locks"))?;
        Ok(locks.entry((state.to_owned(), year)).or_default().clone())
    }

    /// Removes the entries written under a pending id and its mark.
    fn discard_pending(&self, id: u64) -> Result<()> {
        let _writing = self.write_gate()?;
        let tree = &self.trees[ENTRIES];
        for key in tree.scan_prefix(id.to_be_bytes()).keys() {
            tree.remove(key?)?;
        }
        self.trees[META].remove(pending_key(id))?;
        Ok(())
    }

    /// Lists that were being stored when the process stopped (or a snapshot
    /// was taken): their entries go, nothing else of them was written.
    fn recover_pending(&self) -> Result<()> {
        let pending: Vec<u64> = self.trees[META]
            .scan_prefix(PENDING)
            .keys()
            .map(|k| k.map(|k| keys::u64_from(&k[PENDING.len()..])))
            .collect::<sled::Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        for id in pending {
            tracing::warn!(submission = id, "removing the entries of a list whose storing did not finish");
            if self.trees[SUBMISSIONS].get(id.to_be_bytes())?.is_some() {
                // Published (the mark is cleared in the same transaction, so
                // this cannot happen); keep the list, drop the mark.
                self.trees[META].remove(pending_key(id))?;
                continue;
            }
            self.discard_pending(id)?;
        }
        if self.trees[META].scan_prefix(PENDING).keys().next().is_some() {
            return Err(Error::Corrupt("pending lists left after recovery".into()));
        }
        self.flush()
    }

    /// Withdraws the list `id` (which must be current): a new revision with
    /// no entries, marked withdrawn, becomes current; `id` stays readable as
    /// history. One transaction with its change and audit records.
    pub fn withdraw_submission(&self, id: u64, actor: &Actor, now: OffsetDateTime) -> Result<Stored> {
        let listed = self.submission(id)?.ok_or_else(|| Error::not_found("submission", id.to_string()))?;
        let lock = self.list_lock(&listed.state, listed.year)?;
        let _one_revision_at_a_time = lock.lock().map_err(|_| Error::Poisoned("list"))?;
        let (submission, seq) = self.write(
            now,
            |tx| {
                let Some(current) = tx.get::<SubmissionRecord>(SUBMISSIONS, &id.to_be_bytes())? else {
                    return Err(abort(Error::not_found("submission", id.to_string())));
                };
                let current_key = keys::state_year(&current.state, current.year);
                let current_id = tx.tree(CURRENT).get(&current_key)?.and_then(|b| keys::u64_from(&b));
                if current_id != Some(id) {
                    return Err(abort(Error::Conflict(format!(
                        "submission {id} is not the current revision of {} {}: only the current one can be withdrawn",
                        current.state, current.year
                    ))));
                }
                if current.withdrawn {
                    return Err(abort(Error::Conflict(format!("submission {id} is already a withdrawal"))));
                }
                let new_id = tx.next(NEXT_SUBMISSION)?;
                let revision = current.revision + 1;
                let submission = SubmissionRecord {
                    v: FORMAT,
                    id: new_id,
                    state: current.state.clone(),
                    year: current.year,
                    revision,
                    language: current.language.clone(),
                    entry_count: 0,
                    format: "withdrawal".to_owned(),
                    created_at: tx.at,
                    created_by: actor.name.clone(),
                    warnings: Vec::new(),
                    replaces: Some(id),
                    distribution: current.distribution,
                    withdrawn: true,
                };
                tx.put(SUBMISSIONS, &new_id.to_be_bytes(), &submission)?;
                tx.tree(SUB_BY_STATE)
                    .insert(keys::state_year_rev(&current.state, current.year, revision), &new_id.to_be_bytes())?;
                tx.tree(CURRENT).insert(current_key, &new_id.to_be_bytes())?;
                let seq = tx.log_change(Change::SubmissionAdded {
                    submission_id: new_id,
                    state: current.state.clone(),
                    year: current.year,
                    revision,
                    replaces: Some(id),
                })?;
                tx.audit(AuditNote {
                    actor,
                    action: "submission.withdraw",
                    target: format!("submissions/{new_id}"),
                    detail: serde_json::json!({
                        "state": current.state, "year": current.year, "revision": revision,
                        "withdraws": id.to_string(),
                    }),
                })?;
                Ok((submission, seq))
            },
            None,
        )?;
        Ok(Stored { submission, seq })
    }

    pub fn submission(&self, id: u64) -> Result<Option<SubmissionRecord>> {
        self.get(SUBMISSIONS, &id.to_be_bytes())
    }

    /// Is this submission the current revision for its State and year?
    pub fn is_current(&self, s: &SubmissionRecord) -> Result<bool> {
        Ok(self.current_id(&s.state, s.year)? == Some(s.id))
    }

    pub fn current_id(&self, state: &str, year: i32) -> Result<Option<u64>> {
        match self.trees[CURRENT].get(keys::state_year(state, year))? {
            Some(b) => Ok(Some(keys::u64_from(&b).ok_or_else(|| Error::Corrupt("current".into()))?)),
            None => Ok(None),
        }
    }

    /// Every revision of every year of one State, oldest first.
    pub fn submissions_of(&self, state: &str) -> Result<Vec<SubmissionRecord>> {
        let mut out = Vec::new();
        for kv in self.trees[SUB_BY_STATE].scan_prefix(keys::state_prefix(state)) {
            let (_, id) = kv?;
            let id = keys::u64_from(&id).ok_or_else(|| Error::Corrupt("sub_by_state".into()))?;
            if let Some(s) = self.submission(id)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// The current revision of every State and year.
    pub fn current_submissions(&self) -> Result<Vec<SubmissionRecord>> {
        let mut out = Vec::new();
        for kv in self.trees[CURRENT].iter() {
            let (_, id) = kv?;
            let id = keys::u64_from(&id).ok_or_else(|| Error::Corrupt("current".into()))?;
            if let Some(s) = self.submission(id)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    pub fn all_submissions(&self) -> Result<Vec<SubmissionRecord>> {
        self.trees[SUBMISSIONS].iter().values().map(|v| decode(&v?)).collect()
    }

    pub fn submission_count(&self) -> usize {
        self.trees[SUBMISSIONS].len()
    }

    /// The entries of one submission, in list order.
    pub fn entries_of(&self, submission_id: u64) -> impl Iterator<Item = Result<EntryRecord>> + '_ {
        self.trees[ENTRIES].scan_prefix(submission_id.to_be_bytes()).values().map(|v| decode(&v?))
    }

    /// A list's entries in list order, from an iterator that holds no
    /// borrow of the store (for answers written while they are sent).
    pub fn entries_of_owned(&self, submission_id: u64) -> impl Iterator<Item = Result<EntryRecord>> + Send + 'static {
        self.trees[ENTRIES].scan_prefix(submission_id.to_be_bytes()).values().map(|v| decode(&v?))
    }

    /// One page of a list's entries, in list order: those after the first
    /// `offset`, at most `limit` (read from the page's first key on).
    pub fn entries_page(&self, submission_id: u64, offset: usize, limit: usize) -> Result<Vec<EntryRecord>> {
        let Ok(first) = u32::try_from(offset.saturating_add(1)) else { return Ok(Vec::new()) };
        self.trees[ENTRIES]
            .range(keys::entry(submission_id, first)..=keys::entry(submission_id, u32::MAX))
            .values()
            .take(limit)
            .map(|v| decode(&v?))
            .collect()
    }

    /// One entry of a stored list (an entry of a list still being stored is
    /// not there yet).
    pub fn entry(&self, submission_id: u64, ordinal: u32) -> Result<Option<EntryRecord>> {
        if !self.trees[SUBMISSIONS].contains_key(submission_id.to_be_bytes())? {
            return Ok(None);
        }
        self.get(ENTRIES, &keys::entry(submission_id, ordinal))
    }

    /// Entries matching `filter`, paginated; returns (total, page).
    pub fn entries(&self, filter: &EntryFilter, offset: usize, limit: usize) -> Result<(usize, Vec<EntryRecord>)> {
        let subs = if filter.all_revisions { self.all_submissions()? } else { self.current_submissions()? };
        let mut total = 0usize;
        let mut page = Vec::new();
        for s in subs {
            if filter.state.as_deref().is_some_and(|st| st != s.state)
                || filter.language.as_deref().is_some_and(|l| l != s.language)
                || filter.year.is_some_and(|y| y != s.year)
                || filter.audience.as_ref().is_some_and(|a| !a.may_read(&s.state, s.distribution))
            {
                continue;
            }
            let n = s.entry_count as usize;
            if total + n <= offset || page.len() >= limit {
                total += n;
                continue;
            }
            for e in self.entries_of(s.id) {
                if total >= offset && page.len() < limit {
                    page.push(e?);
                }
                total += 1;
            }
        }
        Ok((total, page))
    }

    // ---- Change log ----

    /// The documents a stored list costs the search index: its entries, and
    /// those of the revision it replaced (indexed again as history).
    pub fn change_weight(&self, submission: u64, replaces: Option<u64>) -> Result<u64> {
        let mut weight = 0u64;
        for id in std::iter::once(submission).chain(replaces) {
            if let Some(s) = self.submission(id)? {
                weight += u64::from(s.entry_count);
            }
        }
        Ok(weight)
    }

    /// Changes with a sequence number above `after`, in order.
    pub fn changes_after(&self, after: u64) -> impl Iterator<Item = Result<ChangeRecord>> + '_ {
        self.trees[CHANGES].range((after.saturating_add(1)).to_be_bytes()..).values().map(|v| decode(&v?))
    }

    pub fn last_seq(&self) -> Result<u64> {
        match self.trees[META].get(SEQ)? {
            Some(b) => keys::u64_from(&b).ok_or_else(|| Error::Corrupt("seq".into())),
            None => Ok(0),
        }
    }

    // ---- Audit ----

    /// Audit records matching `filter`, oldest first; returns (total, page).
    pub fn audit(&self, filter: &AuditFilter, offset: usize, limit: usize) -> Result<(usize, Vec<AuditRecord>)> {
        let mut total = 0;
        let mut page = Vec::new();
        for v in self.trees[AUDIT].iter().values() {
            let r: AuditRecord = decode(&v?)?;
            // RFC 3339 UTC strings of one format compare in time order.
            if filter.since.is_some_and(|s| r.at < s)
                || filter.until.is_some_and(|u| r.at > u)
                || filter.actor.as_deref().is_some_and(|a| a != r.actor)
                || filter.action.as_deref().is_some_and(|a| !r.action.starts_with(a))
                || filter.target.as_deref().is_some_and(|t| t != r.target)
            {
                continue;
            }
            if total >= offset && page.len() < limit {
                page.push(r);
            }
            total += 1;
        }
        Ok((total, page))
    }

    // ---- Tokens ----

    pub fn add_token(&self, hash: &str, record: &TokenRecord, actor: &Actor, now: OffsetDateTime) -> Result<()> {
        self.write(
            now,
            |tx| {
                if tx.tree(TOKEN_NAMES).get(record.name.as_bytes())?.is_some() {
                    return Err(abort(Error::Conflict(format!("a token named '{}' already exists", record.name))));
                }
                tx.tree(TOKEN_NAMES).insert(record.name.as_bytes(), hash.as_bytes())?;
                tx.put(TOKENS, hash.as_bytes(), record)?;
                Ok(())
            },
            Some(AuditNote {
                actor,
                action: "token.create",
                target: format!("tokens/{}", record.name),
                detail: serde_json::json!({ "name": record.name, "role": record.role, "state": record.state }),
            }),
        )
    }

    pub fn token(&self, hash: &str) -> Result<Option<TokenRecord>> {
        self.get(TOKENS, hash.as_bytes())
    }

    /// The store's size on disk, in bytes (sled's own account).
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()?)
    }

    pub fn token_count(&self) -> usize {
        self.trees[TOKENS].len()
    }

    /// Every token's record (never its secret, which the store does not
    /// have), ordered by name.
    pub fn tokens(&self) -> Result<Vec<TokenRecord>> {
        let mut out = Vec::new();
        for hash in self.trees[TOKEN_NAMES].iter().values() {
            if let Some(record) = self.get::<TokenRecord>(TOKENS, &hash?)? {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// Removes the token named `name` (404 when there is none): from now on
    /// it opens nothing, and the web sessions opened with it end with it.
    pub fn revoke_token(&self, name: &str, actor: &Actor, now: OffsetDateTime) -> Result<TokenRecord> {
        self.write(
            now,
            |tx| {
                let Some(hash) = tx.tree(TOKEN_NAMES).remove(name.as_bytes())? else {
                    return Err(abort(Error::not_found("token", name)));
                };
                let Some(bytes) = tx.tree(TOKENS).remove(hash)? else {
                    return Err(abort(Error::Corrupt(format!("token '{name}' has a name but no record"))));
                };
                decode::<TokenRecord>(&bytes).map_err(abort)
            },
            Some(AuditNote {
                actor,
                action: "token.revoke",
                target: format!("tokens/{name}"),
                detail: serde_json::json!({ "name": name }),
            }),
        )
    }

    /// Notes that a token was used at `now`. Not a transaction of the change
    /// log nor audited, and not flushed: a lost "last used" is harmless, and
    /// a request must not wait on a disk write. A token revoked meanwhile
    /// stays revoked (compare-and-swap on the record it read).
    pub fn touch_token(&self, hash: &str, read: &TokenRecord, now: OffsetDateTime) -> Result<()> {
        let mut touched = read.clone();
        touched.last_used_at = Some(now);
        let old = encode(read)?;
        let new = encode(&touched)?;
        // Lost races (revoked, touched by another request) are fine as they are.
        let _ = self.trees[TOKENS].compare_and_swap(hash.as_bytes(), Some(old), Some(new))?;
        Ok(())
    }

    pub(crate) fn get<T: DeserializeOwned>(&self, tree: usize, key: &[u8]) -> Result<Option<T>> {
        match self.trees[tree].get(key)? {
            Some(bytes) => Ok(Some(decode(&bytes)?)),
            None => Ok(None),
        }
    }
}

/// sled's "could not acquire lock" (its kind is not always `WouldBlock`).
pub fn is_lock_error(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::WouldBlock || e.to_string().contains("could not acquire lock")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EntryDraft, ListDraft, validate_list};

    const T0: OffsetDateTime = time::macros::datetime!(2026-01-01 00:00 UTC);

    fn list(n: u64) -> ValidList {
        let entries = (1..=n)
            .map(|i| EntryDraft {
                row: i,
                term: Some(format!("term {i}")),
                definition: Some("A definition.".into()),
                ..Default::default()
            })
            .collect();
        validate_list(ListDraft { language: Some("en".into()), year: Some(2024), entries }, 2026).unwrap()
    }

    #[test]
    fn a_list_whose_storing_did_not_finish_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let de = StateCode::parse("DE").unwrap();
        let actor = Actor::operator();
        let kept = {
            let store = Store::open(dir.path(), T0).unwrap();
            let kept = store.add_submission(&de, &list(3), "json", &actor, T0).unwrap();
            // A list of 1,200 entries whose entries were written (in three
            // chunks) but which was never published: the process stopped.
            store.trees[META].insert(pending_key(77), &[][..]).unwrap();
            store.stage_entries(77, &de, &list(1_200), 2024, 2).unwrap();
            store.flush().unwrap();
            assert_eq!(store.trees[ENTRIES].scan_prefix(77u64.to_be_bytes()).count(), 1_200);
            // Its entries are not there for readers.
            assert!(store.entry(77, 1).unwrap().is_none());
            assert!(store.entry(kept.submission.id, 1).unwrap().is_some());
            kept
        };
        let store = Store::open(dir.path(), T0).unwrap();
        assert_eq!(store.trees[ENTRIES].scan_prefix(77u64.to_be_bytes()).count(), 0);
        assert!(store.trees[META].scan_prefix(PENDING).next().is_none());
        assert_eq!(store.entries_of(kept.submission.id).count(), 3);
        // The next list takes the next revision and a fresh id.
        let next = store.add_submission(&de, &list(2), "json", &actor, T0).unwrap();
        assert_eq!(next.submission.revision, 2);
        assert!(next.submission.id > kept.submission.id);
        assert_eq!(store.entries_page(next.submission.id, 1, 10).unwrap().len(), 1);
    }

    #[test]
    fn a_list_refused_after_its_reservation_takes_its_entries_away() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), T0).unwrap();
        let nowhere = StateCode::parse("ZZ-NONE").unwrap();
        let r = store.add_submission(&nowhere, &list(5), "json", &Actor::operator(), T0);
        assert!(matches!(r, Err(Error::NotFound { .. })));
        assert!(store.trees[ENTRIES].is_empty());
        assert!(store.trees[META].scan_prefix(PENDING).next().is_none());
        // A failure after the entries were written removes them (what
        // add_submission does when publishing fails).
        let de = StateCode::parse("DE").unwrap();
        store.trees[META].insert(pending_key(5), &[][..]).unwrap();
        store.stage_entries(5, &de, &list(600), 2024, 1).unwrap();
        store.discard_pending(5).unwrap();
        assert!(store.trees[ENTRIES].is_empty());
        assert!(store.trees[META].scan_prefix(PENDING).next().is_none());
    }
}
