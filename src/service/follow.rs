//! The derived views following the change log in the background, so that a
//! list is acknowledged once it is durable in the store, without waiting
//! for another State's large list to be indexed and clustered.
//!
//! Two threads, started by [`Glossary::start_followers`] (the server):
//! the *indexer* applies new changes to the search index (a large list in a
//! commit of its own, `index::SearchIndex::catch_up_within`), and the
//! *placer* puts each new list's entries into clusters once the index holds
//! them. A submitter waits for the views to take its list in as long as the
//! work ahead of it there is small ([`WAIT_LIMIT`] documents or entries),
//! so a search right after a 201 finds the list; behind a large list it
//! does not wait, and the list follows in its turn. The store is the truth:
//! a crash loses nothing (the index replays the change log at start), and a
//! placement that never ran is mended by the next clustering rebuild, as
//! before.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::Glossary;
use crate::error::{Error, Result};
use crate::store::Change;

/// Work ahead (index documents, or entries to place) past which a
/// submitter does not wait for the derived views.
pub const WAIT_LIMIT: u64 = 2_000;

/// The longest a submitter waits for the derived views, whatever is ahead.
const WAIT_AT_MOST: Duration = Duration::from_secs(60);

/// Where the followers stand.
#[derive(Debug, Default)]
struct Progress {
    /// The last change known stored (writers raise it).
    stored: u64,
    /// The last change the index applied and committed.
    indexed: u64,
    /// The last change whose entries were placed into clusters.
    placed: u64,
    /// The last attempt of a follower failed (waiting would not help).
    failing: bool,
    stop: bool,
}

#[derive(Debug, Default)]
pub(super) struct Shared {
    progress: Mutex<Progress>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> Result<MutexGuard<'_, Progress>> {
        self.progress.lock().map_err(|_| Error::Poisoned("followers"))
    }

    fn update(&self, f: impl FnOnce(&mut Progress)) {
        if let Ok(mut p) = self.lock() {
            f(&mut p);
        }
        self.changed.notify_all();
    }

    /// Waits until `until` holds, the followers fail or stop, or `deadline`.
    fn wait(&self, deadline: Instant, until: impl Fn(&Progress) -> bool) -> Result<()> {
        let mut p = self.lock()?;
        while !until(&p) && !p.failing && !p.stop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            p = self.changed.wait_timeout(p, left).map_err(|_| Error::Poisoned("followers"))?.0;
        }
        Ok(())
    }

    /// Waits until `ready` holds (true) or the followers stop (false).
    fn next(&self, ready: impl Fn(&Progress) -> bool) -> bool {
        let Ok(mut p) = self.lock() else { return false };
        loop {
            if p.stop {
                return false;
            }
            if ready(&p) {
                return true;
            }
            p = match self.changed.wait(p) {
                Ok(p) => p,
                Err(_) => return false,
            };
        }
    }
}

/// Held by every handle of a `Glossary` that started followers; when the
/// last one goes, the followers stop.
#[derive(Debug)]
pub(super) struct Followers {
    pub(super) shared: Arc<Shared>,
}

impl Drop for Followers {
    fn drop(&mut self) {
        self.shared.update(|p| p.stop = true);
    }
}

impl Glossary {
    /// Starts the indexer and placer threads (the server does; one-shot
    /// commands and benches apply changes inline). Call once, after the
    /// index is open.
    pub fn start_followers(&mut self) -> Result<()> {
        let index = self.search_index()?;
        let applied = index.applied();
        let shared = Arc::new(Shared::default());
        shared.update(|p| {
            p.stored = applied;
            p.indexed = applied;
            p.placed = applied;
        });
        // The threads hold the service without the followers' handle.
        let worker = Glossary { followers: None, ..self.clone() };
        let (indexer, s) = (worker.clone(), shared.clone());
        std::thread::Builder::new()
            .name("cg-indexer".into())
            .spawn(move || indexer.run_indexer(&s))
            .map_err(|e| Error::Worker(format!("indexer thread: {e}")))?;
        let (placer, s) = (worker, shared.clone());
        std::thread::Builder::new()
            .name("cg-placer".into())
            .spawn(move || placer.run_placer(&s))
            .map_err(|e| Error::Worker(format!("placer thread: {e}")))?;
        self.followers = Some(Arc::new(Followers { shared }));
        Ok(())
    }

    /// Applies stored changes to the index whenever a writer says there are
    /// new ones. Changes of other kinds (proposals, parties) are taken along
    /// with the next list, as before.
    fn run_indexer(&self, shared: &Shared) {
        let Ok(index) = self.search_index() else { return };
        while shared.next(|p| p.stored > p.indexed) {
            match index.catch_up_within(&self.store, WAIT_LIMIT) {
                Ok(applied) => shared.update(|p| {
                    p.indexed = p.indexed.max(applied);
                    p.failing = false;
                }),
                Err(e) => {
                    tracing::error!(error = %e, "the search index could not apply the latest changes; it will retry");
                    shared.update(|p| p.failing = true);
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
    }

    /// Places the entries of every list the index took in into clusters, in
    /// the order they were stored.
    fn run_placer(&self, shared: &Shared) {
        while shared.next(|p| p.indexed > p.placed) {
            let Ok((from, to)) = shared.lock().map(|p| (p.placed, p.indexed)) else { return };
            for change in self.store.changes_after(from) {
                let change = match change {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::error!(error = %e, "the change log could not be read for clustering");
                        break;
                    }
                };
                if change.seq > to {
                    break;
                }
                if let Change::SubmissionAdded { submission_id, replaces, .. } = change.change {
                    if let Err(e) = self.place_submission(submission_id, replaces) {
                        tracing::error!(error = %e, submission = submission_id, "clusters could not be updated");
                    }
                    shared.update(|p| p.placed = p.placed.max(change.seq));
                }
            }
            // Changes without entries need no placing.
            shared.update(|p| p.placed = p.placed.max(to));
        }
    }

    /// After a list was stored as change `seq`: hands it to the followers and
    /// waits for them to take it in while the work ahead of it is small
    /// (see the module's documentation).
    pub(super) fn follow(&self, seq: u64, own_entries: u64) {
        let Some(followers) = &self.followers else { return };
        let shared = &followers.shared;
        shared.update(|p| p.stored = p.stored.max(seq));
        let deadline = Instant::now() + WAIT_AT_MOST;
        let (indexed, placed) = match shared.lock() {
            Ok(p) => (p.indexed, p.placed),
            Err(_) => return,
        };
        let ahead = |from: u64| self.work_between(from, seq).unwrap_or(u64::MAX);
        if ahead(indexed) <= WAIT_LIMIT {
            let _ = shared.wait(deadline, |p| p.indexed >= seq);
        }
        if self.store.has_clusters() && ahead(placed).saturating_add(own_entries) <= WAIT_LIMIT {
            let _ = shared.wait(deadline, |p| p.placed >= seq);
        }
    }

    /// Index documents of the changes after `from` and before `until`.
    fn work_between(&self, from: u64, until: u64) -> Result<u64> {
        let mut work = 0u64;
        for change in self.store.changes_after(from) {
            let change = change?;
            if change.seq >= until {
                break;
            }
            if let Change::SubmissionAdded { submission_id, replaces, .. } = change.change {
                work = work.saturating_add(self.store.change_weight(submission_id, replaces)?);
            }
        }
        Ok(work)
    }
}
