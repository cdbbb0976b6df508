//! The service: the one door of every interface. REST handlers, command-line
//! commands and (later) web pages call its methods with validated domain input
//! and an [`Actor`]; each method checks the actor's rights once, does the work
//! on the store and the index, and returns domain values. It owns the store,
//! the index and the clock, and knows nothing of HTTP.
//!
//! Its methods are synchronous: sled and tantivy block, so async callers run
//! them on a blocking thread (the HTTP layer's `blocking` helper).

mod clusters;
mod compare;
pub mod consensus;
mod follow;
mod inquiries;
mod pages;
mod reads;
pub mod views;

pub use clusters::{ClusterFilter, ClusterLink, ClusterMember, ClusterView, PinDecision};
pub use compare::{
    ClusterCoverage, CompareEntry, CompareRow, Comparison, Coverage, DiffChunk, EntryComparison, EntryDiff,
    PairSimilarity, SimilarityParts, StateCoverage, StateWithout, YearCoverage,
};
pub use inquiries::{InquiryDraft, InquiryFilter, MAX_MESSAGE_CHARS};
pub use pages::{Session, StatePosition};
pub use reads::{Download, ExportFormat, NewState, NewToken, Payload, SubmissionDetail};
pub use views::EntryView;

// The values the service takes and answers with, wherever they are defined.
pub use crate::auth::Minted;
pub use crate::backup::Summary as BackupSummary;
pub use crate::cluster::Stats as ClusterStats;
pub use crate::cluster::evaluate::{Label, Quality, Report as ClusterReport, read_labels};
pub use crate::index::query::MAX_QUERY_CHARS;
pub use crate::index::{FieldScope, Opened, SearchRequest, SearchResults};
pub use crate::store::inquiries::{InquiryRecord, InquiryStatus, MessageRecord, Visibility};
pub use crate::store::{
    AuditFilter, AuditRecord, EntryFilter, EntryRecord, PositionRecord, ProposalEvent, ProposalEventRecord,
    ProposalRecord, ProposalTextRecord, StateRecord, SubmissionRecord, TokenRecord, WarningRecord, etag,
};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::clock::Clock;
use crate::domain::{Actor, Distribution, EntryDraft, RowError, StateCode, ValidList, Warning, validate_list};
use crate::error::{Error, Result};
use crate::formats;
use crate::formats::concept::{self, Concept, ConceptDoc};
use crate::index::SearchIndex;
use crate::store::{Store, Stored};

/// How a national list arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    Json,
    Csv,
    Tbx,
}

impl ListFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Tbx => "tbx",
        }
    }

    /// Guesses the format from a file name, for the command line.
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Self::Json),
            "csv" => Some(Self::Csv),
            "tbx" | "xml" => Some(Self::Tbx),
            _ => None,
        }
    }
}

/// A national list as received: raw bytes plus what came beside them.
#[derive(Debug, Clone)]
pub struct ListInput<'a> {
    pub format: ListFormat,
    pub body: &'a [u8],
    /// From the query string or command line; a JSON body's own fields win.
    pub language: Option<String>,
    pub year: Option<i64>,
    /// From the query string or command line; a JSON body's own field wins.
    pub distribution: Option<String>,
}

/// How a list is taken in.
#[derive(Debug, Clone, Copy, Default)]
pub struct SubmitOptions {
    /// Store the complete entries and name the others, instead of refusing.
    pub skip_incomplete: bool,
}

/// A list read and validated, not yet stored.
struct Prepared {
    state: StateCode,
    list: ValidList,
    format: ListFormat,
    warnings: Vec<Warning>,
}

/// What storing a list answered.
pub struct Receipt {
    pub stored: Stored,
    pub warnings: Vec<Warning>,
    /// The list was the current revision word for word: nothing was stored
    /// and `stored` is that revision.
    pub unchanged: bool,
}

#[derive(Clone)]
pub struct Glossary {
    store: Store,
    clock: Clock,
    /// The search index, when this process serves searches (not for one-shot
    /// CLI commands: the server catches up from the change log when it starts).
    index: Option<Arc<SearchIndex>>,
    /// Thresholds of clustering.
    cluster_params: crate::cluster::Params,
    /// One clustering run at a time (rebuilds, updates, editors' decisions).
    /// One clustering run at a time; it holds the clustering graph kept
    /// between runs.
    cluster_lock: Arc<std::sync::Mutex<crate::cluster::Cache>>,
    /// How long a proposal's review (its silence period) lasts at least.
    silence_days: u32,
    data_dir: PathBuf,
    /// The index and cluster followers, when started (`start_followers`);
    /// without them a write applies its changes inline.
    followers: Option<Arc<follow::Followers>>,
    /// Clustering runs (updates after a list, rebuilds) since the process started.
    cluster_runs: Arc<std::sync::atomic::AtomicU64>,
    /// The level of a list that names none.
    default_distribution: Distribution,
}

/// What an operator watches: how far the derived views trail the store.
#[derive(Debug, Clone, Copy)]
pub struct Operations {
    /// The last change the store recorded.
    pub store_seq: u64,
    /// The last change the search index applied (none: this process has no index).
    pub index_seq: Option<u64>,
    /// The store's size on disk, in bytes.
    pub store_bytes: u64,
    /// Clustering runs since the process started.
    pub cluster_runs: u64,
}

impl Glossary {
    pub fn open(data_dir: &Path, clock: Clock) -> Result<Self> {
        Self::open_with_cache(data_dir, clock, crate::store::DEFAULT_CACHE_BYTES)
    }

    /// [`Glossary::open`] with the store's page cache bounded to `cache_bytes`.
    pub fn open_with_cache(data_dir: &Path, clock: Clock, cache_bytes: u64) -> Result<Self> {
        let store = Store::open_with_cache(&data_dir.join("store"), clock.now(), cache_bytes)?;
        Ok(Self {
            store,
            clock,
            index: None,
            cluster_params: crate::cluster::Params::default(),
            cluster_lock: Arc::default(),
            silence_days: crate::service::consensus::DEFAULT_SILENCE_DAYS,
            data_dir: data_dir.to_owned(),
            followers: None,
            cluster_runs: Arc::default(),
            default_distribution: Distribution::default(),
        })
    }

    /// Restores a backup file into the empty data directory `data_dir`: the
    /// file is verified whole first (a file that fails any check restores
    /// nothing), then the store is filled and the search index built from it.
    pub fn restore(data_dir: &Path, file: &Path, clock: Clock) -> Result<(crate::backup::Summary, Self)> {
        let summary = crate::backup::restore(file, &data_dir.join("store"))?;
        let mut glossary = Self::open(data_dir, clock)?;
        glossary.open_index()?;
        Ok((summary, glossary))
    }

    /// Opens the search index under `<data dir>/index` and brings it up to the
    /// store: replaying the change log, or rebuilding a missing or broken index.
    pub fn open_index(&mut self) -> Result<Opened> {
        let (index, opened) = SearchIndex::open(&self.index_dir(), &self.store)?;
        self.index = Some(Arc::new(index));
        Ok(opened)
    }

    /// Throws the search index away and builds it again from the store; the
    /// number of documents it then holds (every revision's entries).
    pub fn rebuild_index(&mut self) -> Result<u64> {
        self.index = None;
        let dir = self.index_dir();
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        self.open_index()?;
        self.index_documents()
    }

    /// How many documents the search index holds.
    pub fn index_documents(&self) -> Result<u64> {
        Ok(self.search_index()?.num_docs())
    }

    /// Merges the index into as few segments as it can (after a bulk load).
    pub fn optimize_index(&self) -> Result<()> {
        self.search_index()?.optimize()
    }

    /// Turns the index's background merging off during a bulk load (and on again).
    pub fn set_bulk_loading(&self, on: bool) -> Result<()> {
        self.search_index()?.set_bulk_loading(on)
    }

    fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }

    /// The search index, or an error for a process that did not open one.
    fn search_index(&self) -> Result<&SearchIndex> {
        self.index.as_deref().ok_or(Error::NoIndex)
    }

    /// Brings the index up to the store after a write. The store is the truth:
    /// a failure here is logged and retried by the next write or restart.
    fn index_changes(&self) {
        if let Some(index) = &self.index
            && let Err(e) = index.catch_up(&self.store)
        {
            tracing::error!(error = %e, "the search index could not apply the latest changes; it will retry");
        }
    }

    /// Figures for `/metrics`: change log position, index lag, store size, clustering runs.
    pub fn operations(&self) -> Result<Operations> {
        Ok(Operations {
            store_seq: self.store.last_seq()?,
            index_seq: self.index.as_ref().map(|i| i.applied()),
            store_bytes: self.store.size_on_disk()?,
            cluster_runs: self.cluster_runs.load(std::sync::atomic::Ordering::Relaxed),
        })
    }

    pub(crate) fn count_cluster_run(&self) {
        self.cluster_runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The level of a list that names none (`serve --default-distribution`).
    pub fn set_default_distribution(&mut self, level: Distribution) {
        self.default_distribution = level;
    }

    pub fn default_distribution(&self) -> Distribution {
        self.default_distribution
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The service's clock (tests move it forward; silence periods last days).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The minimum review time of a proposal (its silence period), in days.
    pub fn silence_days(&self) -> u32 {
        self.silence_days
    }

    pub fn set_silence_days(&mut self, days: u32) {
        self.silence_days = days;
    }

    /// The thresholds clustering uses.
    pub fn cluster_params(&self) -> crate::cluster::Params {
        self.cluster_params
    }

    /// Sets the thresholds of the next clustering (rebuilds, updates, decisions).
    pub fn set_cluster_params(&mut self, params: crate::cluster::Params) {
        self.cluster_params = params;
    }

    fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Places a new submission's entries into clusters (when clusters exist),
    /// touching only the clusters they reach. Derived data: a failure is
    /// logged and mended by the next rebuild.
    fn update_clusters(&self, stored: &Stored) {
        if let Err(e) = self.place_submission(stored.submission.id, stored.submission.replaces) {
            tracing::error!(error = %e, submission = stored.submission.id, "clusters could not be updated");
        }
    }

    /// Parses a State code (from a path, a flag or a field named `param`) and
    /// checks that the party exists: a malformed code is a 400 naming `param`,
    /// a well-formed one that no party has is a 404.
    pub fn known_state(&self, raw: &str, param: &str) -> Result<StateCode> {
        let code = StateCode::parse(raw).map_err(|e| Error::bad_param(param, e.to_string()))?;
        if self.store.state(code.as_str())?.is_none() {
            return Err(Error::not_found("State", code.as_str()));
        }
        Ok(code)
    }

    /// Reads, validates and stores one national list for `state`, durably:
    /// when this returns Ok the list survives a crash. A list with any bad row
    /// is refused whole.
    pub fn submit(&self, actor: &Actor, state: &StateCode, input: ListInput<'_>) -> Result<Receipt> {
        self.submit_with(actor, state, input, SubmitOptions::default())
    }

    /// [`Glossary::submit`], with options: `skip_incomplete` stores the
    /// entries that are complete and names the others in the warnings,
    /// instead of refusing the list (a list with no complete entry is still
    /// refused, and so is a list-wide problem such as a bad year).
    pub fn submit_with(
        &self,
        actor: &Actor,
        state: &StateCode,
        input: ListInput<'_>,
        options: SubmitOptions,
    ) -> Result<Receipt> {
        let mut prepared = self.prepare_with(actor, state, input, options)?;
        if let Some(current) = self.unchanged(&prepared)? {
            // The same list again: no new revision; the answer says so.
            return Ok(Receipt {
                stored: Stored { submission: current, seq: 0 },
                warnings: prepared.warnings,
                unchanged: true,
            });
        }
        if let Some(previous) = self.current_revision(&prepared)?
            && previous.language != prepared.list.language.as_str()
            && !previous.withdrawn
        {
            prepared.warnings.push(Warning {
                row: None,
                field: "language".into(),
                message: format!(
                    "this revision changes the list's language from '{}' (revision {}) to '{}'",
                    previous.language,
                    previous.revision,
                    prepared.list.language.as_str()
                ),
            });
        }
        let mut receipts = self.store_prepared(actor, vec![prepared])?;
        receipts.pop().ok_or_else(|| Error::Internal("a stored list without its receipt".into()))
    }

    /// Several national lists at once (a bulk import): all are read and
    /// validated first, in parallel, and none is stored if any is refused (the
    /// error of the first refused list, by position, is returned with that
    /// position). Then each list is stored in its own transaction, the store
    /// is flushed once and the search index applies them all in one commit.
    pub fn submit_many(
        &self,
        actor: &Actor,
        lists: Vec<(StateCode, ListInput<'_>)>,
    ) -> std::result::Result<Vec<Receipt>, (usize, Error)> {
        let prepared: Vec<Result<Prepared>> = crate::parallel::chunks(&lists, |part| {
            part.iter().map(|(state, input)| self.prepare(actor, state, input.clone())).collect::<Vec<_>>()
        })
        .map_err(|e| (0, e))?
        .into_iter()
        .flatten()
        .collect();
        let prepared = prepared
            .into_iter()
            .enumerate()
            .map(|(i, p)| p.map_err(|e| (i, e)))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let n = prepared.len();
        self.store_prepared(actor, prepared).map_err(|e| (n, e))
    }

    /// Stores prepared lists (each made visible by one transaction), flushes
    /// once, then brings the index and the clusters up to them: inline, or
    /// through the followers (which a submitter waits for only while the
    /// work ahead of its list is small: `follow.rs`).
    fn store_prepared(&self, actor: &Actor, lists: Vec<Prepared>) -> Result<Vec<Receipt>> {
        let now = self.now();
        let mut receipts = Vec::with_capacity(lists.len());
        for p in lists {
            let stored = self.store.add_submission(&p.state, &p.list, p.format.as_str(), actor, now)?;
            // The list's text is in the store now: give its memory back
            // before the index and the clusters take theirs.
            drop(p.list);
            receipts.push(Receipt { stored, warnings: p.warnings, unchanged: false });
        }
        self.store.flush()?;
        if self.followers.is_some() {
            let last = receipts.iter().map(|r| r.stored.seq).max().unwrap_or(0);
            let entries = receipts.iter().map(|r| u64::from(r.stored.submission.entry_count)).sum();
            self.follow(last, entries);
        } else {
            self.index_changes();
            for r in &receipts {
                self.update_clusters(&r.stored);
            }
        }
        Ok(receipts)
    }

    /// The current revision of the State and year a prepared list is for.
    fn current_revision(&self, p: &Prepared) -> Result<Option<SubmissionRecord>> {
        match self.store.current_id(p.state.as_str(), p.list.year.get())? {
            Some(id) => self.store.submission(id),
            None => Ok(None),
        }
    }

    /// The current revision, if the prepared list says word for word what it
    /// says (same language, level and entries in the same order).
    fn unchanged(&self, p: &Prepared) -> Result<Option<SubmissionRecord>> {
        let Some(current) = self.current_revision(p)? else {
            return Ok(None);
        };
        if current.withdrawn
            || current.language != p.list.language.as_str()
            || current.distribution != p.list.distribution
            || current.entry_count as usize != p.list.entries.len()
        {
            return Ok(None);
        }
        for (stored, new) in self.store.entries_of(current.id).zip(&p.list.entries) {
            if stored?.text != new.text {
                return Ok(None);
            }
        }
        Ok(Some(current))
    }

    /// Withdraws a State's current list for its year (its delegate, an
    /// editor or an admin): a new revision without entries, marked
    /// withdrawn; search and clustering drop the list, its earlier revisions
    /// stay readable, and agreed entries that reconciled it keep the reference.
    pub fn withdraw_submission(&self, actor: &Actor, id: u64) -> Result<Stored> {
        let list = self.readable_submission(actor, id)?;
        let state = StateCode::parse(&list.state).map_err(|e| Error::Corrupt(e.to_string()))?;
        if !actor.may_act_for(&state) {
            return Err(Error::Forbidden(format!(
                "{} '{}' may not withdraw a list of {state}",
                actor.role, actor.name
            )));
        }
        let stored = self.store.withdraw_submission(id, actor, self.now())?;
        self.store.flush()?;
        self.index_changes();
        self.update_clusters(&stored);
        Ok(stored)
    }

    /// Reads and validates one list without storing it.
    fn prepare(&self, actor: &Actor, state: &StateCode, input: ListInput<'_>) -> Result<Prepared> {
        self.prepare_with(actor, state, input, SubmitOptions::default())
    }

    fn prepare_with(
        &self,
        actor: &Actor,
        state: &StateCode,
        input: ListInput<'_>,
        options: SubmitOptions,
    ) -> Result<Prepared> {
        if !actor.may_act_for(state) {
            return Err(Error::Forbidden(format!("{} '{}' may not submit a list for {state}", actor.role, actor.name)));
        }
        let read = match input.format {
            ListFormat::Json => formats::json::read(input.body).map_err(Error::Invalid)?,
            ListFormat::Csv => {
                formats::csv::read(input.body, input.language.clone(), input.year).map_err(Error::Invalid)?
            }
            ListFormat::Tbx => formats::tbx::read(input.body, input.language.as_deref(), options.skip_incomplete)
                .map_err(|r| match r {
                    formats::tbx::Refusal::Unsafe(e) => Error::UnsafeInput(e),
                    formats::tbx::Refusal::Invalid(errors) => Error::Invalid(errors),
                })?,
        };
        if let Some(named) = read.state.as_deref()
            && StateCode::parse(named).ok().as_ref() != Some(state)
        {
            return Err(Error::Invalid(vec![RowError::new(
                None,
                "state",
                format!(
                    "the list names the State '{}' but was submitted for {state}",
                    crate::domain::codes::clip(named)
                ),
            )]));
        }
        let mut draft = read.draft;
        if draft.language.is_none() {
            draft.language = input.language;
        }
        if draft.year.is_none() {
            draft.year = input.year;
        }
        let level = read.distribution.or(input.distribution);
        let distribution = match level.as_deref() {
            None => self.default_distribution,
            Some(raw) => {
                Distribution::parse(raw).map_err(|e| Error::Invalid(vec![RowError::new(None, "distribution", e)]))?
            }
        };
        let mut warnings = read.warnings;
        // Only a list that may lose entries keeps a copy to validate again.
        let kept = options.skip_incomplete.then(|| draft.clone());
        let mut list = match validate_list(draft, self.clock.year()) {
            Ok(list) => list,
            Err(errors) if kept.is_some() && errors.iter().all(|e| e.row.is_some()) => {
                // Leave out every entry with a problem and validate the rest.
                let bad: std::collections::BTreeSet<u64> = errors.iter().filter_map(|e| e.row).collect();
                let Some(mut rest) = kept else { return Err(Error::Invalid(errors)) };
                rest.entries.retain(|e| !bad.contains(&e.row));
                if rest.entries.is_empty() {
                    return Err(Error::Invalid(errors));
                }
                let list = validate_list(rest, self.clock.year()).map_err(Error::Invalid)?;
                let reasons: Vec<String> = errors
                    .iter()
                    .map(|e| format!("row {}: {} ({})", e.row.unwrap_or_default(), e.reason, e.field))
                    .collect();
                warnings.push(Warning {
                    row: None,
                    field: "entries".into(),
                    message: format!(
                        "{} incomplete entries were skipped (skip_incomplete): {}",
                        bad.len(),
                        reasons.join("; ")
                    ),
                });
                list
            }
            Err(errors) => return Err(Error::Invalid(errors)),
        };
        list.distribution = distribution;
        warnings.append(&mut list.warnings);
        Ok(Prepared { state: state.clone(), list, format: input.format, warnings })
    }
}

impl Glossary {
    /// The header of a stored list's document (no concepts), for any writer
    /// (TBX, CSV, JSON). With [`Self::submission_concepts`] it holds nothing
    /// that differs between two stores holding the same list (no ids,
    /// revisions or times), so a list exported, imported elsewhere and
    /// exported again gives the same bytes.
    pub(crate) fn submission_head(&self, submission: &SubmissionRecord) -> ConceptDoc {
        let translated = if submission.language == "en" { "" } else { " with English translations" };
        ConceptDoc {
            title: format!("National terminology list of {} for {}", submission.state, submission.year),
            description: format!(
                "National ICT-security terminology list of {} for the {} exchange (OSCE CBM 9), in '{}'{translated}; exported by consensus-glossary.",
                submission.state, submission.year, submission.language
            ),
            language: submission.language.clone(),
            state: Some(submission.state.clone()),
            year: Some(submission.year),
            concepts: Vec::new(),
        }
    }

    /// A stored list's entries as concepts, read from the store one by one.
    pub(crate) fn submission_concepts(
        &self,
        submission: &SubmissionRecord,
    ) -> impl Iterator<Item = Result<Concept>> + Send + 'static {
        let language = submission.language.clone();
        self.store.entries_of_owned(submission.id).enumerate().map(move |(i, e)| {
            let e = e?;
            Ok(concept::from_draft(&EntryDraft::from_text(e.row, e.text), &language, i as u64 + 1))
        })
    }
}
