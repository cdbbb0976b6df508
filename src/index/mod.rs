//! The search index (tantivy): a derived view of the store, rebuilt or caught
//! up from the store's change log, never written from anywhere else.
//!
//! The index's commit payload records the schema version and the last change
//! sequence number it applied. On open, a missing, unreadable or outdated
//! index is rebuilt from the store (with a log line saying so); a readable one
//! replays the changes it missed. After every store write, `catch_up` applies
//! the new changes and commits, so a search right after a 201 sees the list.

pub mod bridge;
mod exec;
pub mod query;
mod schema;
mod search;
mod spelling;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

use crate::error::{Error, Result};
use crate::store::{Change, Store};
pub use query::{FieldScope, SearchRequest};
pub use schema::{Analyzers, Fields};
pub use search::{Hit, SearchResults};

/// What the index's commit says about itself.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    schema: u32,
    seq: u64,
}

const WRITER_HEAP: usize = 512 * 1024 * 1024;

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    analyzers: Analyzers,
    facets: exec::FacetCache,
    postings: exec::PostingsCache,
    /// The entry-address columns of the latest searcher generation.
    columns: Mutex<Option<(u64, EntryColumns)>>,
    /// The last change sequence number applied and committed.
    applied: AtomicU64,
    dir: PathBuf,
}

/// The (submission, ordinal) store address of index documents, by segment.
/// Opening a column costs more than many lookups in it: open once per search.
#[derive(Clone)]
pub(crate) struct EntryColumns(Vec<(tantivy::columnar::Column<u64>, tantivy::columnar::Column<u64>)>);

impl EntryColumns {
    /// The store address of the document at `address`.
    pub(crate) fn address(&self, address: tantivy::DocAddress) -> Result<(u64, u32)> {
        let (subs, ords) = self
            .0
            .get(address.segment_ord as usize)
            .ok_or_else(|| Error::Corrupt("a hit in a segment the searcher does not have".into()))?;
        let (Some(sub), Some(ord)) = (subs.first(address.doc_id), ords.first(address.doc_id)) else {
            return Err(Error::Corrupt("an index document without its entry address".into()));
        };
        Ok((sub, u32::try_from(ord).map_err(|_| Error::Corrupt("entry ordinal".into()))?))
    }
}

/// Background merging on (the log merge policy) or off.
fn set_merging(writer: &IndexWriter, on: bool) {
    if on {
        writer.set_merge_policy(Box::new(LogMergePolicy::default()));
    } else {
        writer.set_merge_policy(Box::new(NoMergePolicy));
    }
}

/// How `open` found the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// Readable and current, or caught up by replaying the change log.
    CaughtUp { replayed: u64 },
    /// Rebuilt from the store: absent, unreadable, or of another schema.
    Rebuilt,
}

impl SearchIndex {
    /// Opens the index in `dir` and makes it agree with `store`.
    pub fn open(dir: &Path, store: &Store) -> Result<(Self, Opened)> {
        match Self::open_existing(dir) {
            Ok(Some(index)) => {
                let before = index.applied();
                if before > store.last_seq()? {
                    tracing::warn!(dir = %dir.display(), "the index is ahead of the store (a restored store?); rebuilding it");
                } else {
                    let last = index.catch_up(store)?;
                    index.facets.warm(&index.reader.searcher())?;
                    return Ok((index, Opened::CaughtUp { replayed: last - before }));
                }
            }
            Ok(None) => tracing::info!(dir = %dir.display(), "no search index yet; building it from the store"),
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "the search index is unreadable; rebuilding it from the store")
            }
        }
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        let index = Self::create(dir)?;
        index.rebuild(store)?;
        index.facets.warm(&index.reader.searcher())?;
        Ok((index, Opened::Rebuilt))
    }

    /// The existing index, if there is a usable one of this schema version.
    fn open_existing(dir: &Path) -> Result<Option<Self>> {
        if !dir.join("meta.json").exists() {
            return Ok(None);
        }
        let index = Index::open_in_dir(dir)?;
        let payload = index
            .load_metas()?
            .payload
            .and_then(|p| serde_json::from_str::<Payload>(&p).ok())
            .ok_or_else(|| Error::Corrupt("the index commit has no payload".into()))?;
        if payload.schema != schema::SCHEMA_VERSION {
            return Err(Error::Corrupt(format!(
                "index schema {} where this build uses {}",
                payload.schema,
                schema::SCHEMA_VERSION
            )));
        }
        let fields = Fields::build();
        if index.schema() != fields.schema {
            return Err(Error::Corrupt("the index schema differs from this build's".into()));
        }
        Ok(Some(Self::assemble(index, fields, payload.seq, dir)?))
    }

    fn create(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let fields = Fields::build();
        let directory = MmapDirectory::open(dir).map_err(|e| Error::Internal(format!("index directory: {e}")))?;
        let index = Index::create(directory, fields.schema.clone(), tantivy::IndexSettings::default())?;
        Self::assemble(index, fields, 0, dir)
    }

    fn assemble(index: Index, fields: Fields, applied: u64, dir: &Path) -> Result<Self> {
        schema::register_analyzers(&index);
        let writer = index.writer_with_num_threads(2, WRITER_HEAP)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            analyzers: Analyzers::new(),
            facets: exec::FacetCache::default(),
            postings: exec::PostingsCache::default(),
            columns: Mutex::new(None),
            applied: AtomicU64::new(applied),
            dir: dir.to_owned(),
        })
    }

    pub fn applied(&self) -> u64 {
        self.applied.load(Ordering::Acquire)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>> {
        self.writer.lock().map_err(|_| Error::Poisoned("index writer"))
    }

    /// Rebuilds every document from the store, in one commit, then merges
    /// the segments into one.
    pub fn rebuild(&self, store: &Store) -> Result<u64> {
        let mut writer = self.lock()?;
        let seq = store.last_seq()?;
        // No merging while loading: one merge of everything at the end.
        set_merging(&writer, false);
        writer.delete_all_documents()?;
        for s in store.all_submissions()? {
            let current = store.is_current(&s)?;
            self.add_entries(&writer, store, s.id, current)?;
        }
        let committed = self.commit(&mut writer, seq);
        set_merging(&writer, true);
        committed?;
        self.merge_segments(&mut writer);
        Ok(seq)
    }

    /// Turns background merging off for a bulk load (`true`) or back on.
    /// During a bulk load every commit would otherwise start merges that
    /// compete with the load for the CPU; call [`SearchIndex::optimize`] after
    /// it to merge once.
    pub fn set_bulk_loading(&self, bulk: bool) -> Result<()> {
        set_merging(&*self.lock()?, !bulk);
        Ok(())
    }

    /// Merges every segment into one, so that a query walks one term
    /// dictionary and sets up one scorer per clause instead of one per
    /// segment. Run after a rebuild or a bulk import; an optimisation only,
    /// so a failure (a segment already in a background merge) is logged.
    pub fn optimize(&self) -> Result<()> {
        let mut writer = self.lock()?;
        self.merge_segments(&mut writer);
        Ok(())
    }

    fn merge_segments(&self, writer: &mut IndexWriter) {
        let ids = match self.index.searchable_segment_ids() {
            Ok(ids) => ids,
            Err(e) => return tracing::warn!(error = %e, "could not list the index's segments"),
        };
        if ids.len() <= 1 {
            return;
        }
        let started = Instant::now();
        match writer.merge(&ids).wait() {
            Ok(_) => {
                tracing::info!(segments = ids.len(), elapsed = ?started.elapsed(), "merged the index's segments into one")
            }
            Err(e) => tracing::warn!(error = %e, "the index's segments were not merged"),
        }
        if let Err(e) = self.reader.reload() {
            tracing::warn!(error = %e, "the index reader did not reload after a merge");
        }
    }

    /// Segments in the index (searchable ones).
    pub fn segment_count(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Applies every change the index has not seen yet and commits. Concurrent
    /// callers queue on the writer; the first applies everyone's changes and
    /// the others find nothing left to do (one commit for many writers).
    pub fn catch_up(&self, store: &Store) -> Result<u64> {
        self.catch_up_within(store, u64::MAX)
    }

    /// Like [`SearchIndex::catch_up`], but one commit takes changes only while
    /// their documents add up to at most `max_documents` (a larger change is
    /// committed alone): a large list is committed on its own, so lists stored
    /// after it are not held until theirs and its commits are done together.
    /// Returns the last change applied.
    pub fn catch_up_within(&self, store: &Store, max_documents: u64) -> Result<u64> {
        let mut writer = self.lock()?;
        let from = self.applied();
        let mut last = from;
        let mut documents = 0u64;
        for change in store.changes_after(from) {
            let change = change?;
            if let Change::SubmissionAdded { submission_id, replaces, .. } = change.change {
                let weight = store.change_weight(submission_id, replaces)?;
                if documents > 0 && documents.saturating_add(weight) > max_documents {
                    break;
                }
                documents = documents.saturating_add(weight);
                self.add_entries(&writer, store, submission_id, true)?;
                if let Some(old) = replaces {
                    // The replaced revision stays searchable as history.
                    writer.delete_term(Term::from_field_u64(self.fields.sub, old));
                    self.add_entries(&writer, store, old, false)?;
                }
            }
            last = change.seq;
        }
        if last > from {
            self.commit(&mut writer, last)?;
        }
        Ok(last)
    }

    /// Adds the documents of a submission's entries (tantivy's indexing
    /// threads analyze them).
    fn add_entries(&self, writer: &IndexWriter, store: &Store, submission: u64, current: bool) -> Result<()> {
        let list = store.submission(submission)?.ok_or_else(|| Error::Corrupt(format!("submission {submission}")))?;
        let audience = list.distribution.index_tokens(&list.state);
        for e in store.entries_of(submission) {
            writer.add_document(self.fields.document(&e?, current, &audience))?;
        }
        Ok(())
    }

    fn commit(&self, writer: &mut IndexWriter, seq: u64) -> Result<()> {
        let payload = serde_json::to_string(&Payload { schema: schema::SCHEMA_VERSION, seq })
            .map_err(|e| Error::Internal(e.to_string()))?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.reader.reload()?;
        self.applied.store(seq, Ordering::Release);
        Ok(())
    }

    /// Each segment's entry-address columns, opened once for many lookups.
    pub(crate) fn entry_columns(&self, searcher: &tantivy::Searcher) -> Result<EntryColumns> {
        let generation = searcher.generation().generation_id();
        let mut cached = self.columns.lock().map_err(|_| Error::Poisoned("column cache"))?;
        if let Some((g, columns)) = &*cached
            && *g == generation
        {
            return Ok(columns.clone());
        }
        let columns = searcher
            .segment_readers()
            .iter()
            .map(|r| Ok((r.fast_fields().u64("sub")?, r.fast_fields().u64("ord")?)))
            .collect::<Result<Vec<_>>>()?;
        let columns = EntryColumns(columns);
        *cached = Some((generation, columns.clone()));
        Ok(columns)
    }

    pub(crate) fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    pub(crate) fn fields(&self) -> &Fields {
        &self.fields
    }

    /// A copy of the analyzer of `language`.
    pub(crate) fn analyzer(&self, language: &str) -> tantivy::tokenizer::TextAnalyzer {
        self.analyzers.cloned(language)
    }

    /// A copy of the analyzers of every language (each search or worker
    /// thread needs its own: analyzing takes `&mut`).
    pub(crate) fn analyzers(&self) -> Analyzers {
        self.analyzers.clone()
    }

    /// Documents in the index, every revision counted.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}
