//! Record formats over time, and the migration that brings a store written
//! by an earlier version up to this one's when it is opened.
//!
//! The store's format is `meta/record_format` (absent: format 1). Format 2
//! nests an entry's text (`EntryRecord::text`, the fields a State wrote)
//! instead of holding those fields flat beside its ids and keys. A migration
//! rewrites the records of one tree in key order, in batches, and is
//! idempotent: a record already in the new form is left alone, so a
//! migration interrupted by a crash simply goes on at the next open. The
//! format number is written last.

use serde::Deserialize;

use super::records::{EntryRecord, FORMAT};
use super::{ENTRIES, META, Store, decode, encode};
use crate::domain::EntryText;
use crate::error::{Error, Result};

const RECORD_FORMAT: &[u8] = b"record_format";
/// Records per batch while migrating.
const BATCH: usize = 5_000;

/// An entry as format 1 stored it: the text's fields flat beside the rest.
#[derive(Deserialize)]
struct EntryV1 {
    submission_id: u64,
    ordinal: u32,
    row: u64,
    state: String,
    year: i32,
    revision: u32,
    language: String,
    term_key: String,
    term_en_key: Option<String>,
    #[serde(flatten)]
    text: EntryText,
}

impl From<EntryV1> for EntryRecord {
    fn from(e: EntryV1) -> Self {
        Self {
            v: FORMAT,
            submission_id: e.submission_id,
            ordinal: e.ordinal,
            row: e.row,
            state: e.state,
            year: e.year,
            revision: e.revision,
            language: e.language,
            text: e.text,
            term_key: e.term_key,
            term_en_key: e.term_en_key,
            distribution: crate::domain::Distribution::Public,
        }
    }
}

/// What opening the store did to its records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Migrated {
    pub from: u8,
    pub records: u64,
}

impl Store {
    /// The record format the store is in.
    pub fn record_format(&self) -> Result<u8> {
        match self.trees[META].get(RECORD_FORMAT)? {
            Some(v) => v.first().copied().ok_or_else(|| Error::Corrupt("an empty record format".into())),
            None => Ok(1),
        }
    }

    /// Brings the records up to [`FORMAT`]; a store from a later version is
    /// refused rather than misread.
    pub(super) fn migrate(&self) -> Result<Migrated> {
        let from = if self.trees[ENTRIES].is_empty() && self.trees[META].get(RECORD_FORMAT)?.is_none() {
            FORMAT // a new store: nothing to rewrite
        } else {
            self.record_format()?
        };
        if from > FORMAT {
            return Err(Error::Corrupt(format!(
                "the store's records are format {from}; this version reads up to format {FORMAT}: upgrade the service"
            )));
        }
        let mut records = 0;
        if from < 2 {
            records += self.nest_entry_text()?;
        }
        if from < FORMAT || self.trees[META].get(RECORD_FORMAT)?.is_none() {
            self.trees[META].insert(RECORD_FORMAT, &[FORMAT])?;
            self.flush()?;
        }
        if records > 0 {
            tracing::info!(from, to = FORMAT, records, "store records migrated");
        }
        Ok(Migrated { from, records })
    }

    /// Format 1 → 2: every entry's text nested.
    fn nest_entry_text(&self) -> Result<u64> {
        let tree = &self.trees[ENTRIES];
        let mut done = 0;
        let mut batch = sled::Batch::default();
        let mut in_batch = 0;
        for kv in tree.iter() {
            let (key, value) = kv?;
            if decode::<EntryRecord>(&value).is_ok() {
                continue;
            }
            let old: EntryV1 = decode(&value)?;
            batch.insert(key, encode(&EntryRecord::from(old))?);
            in_batch += 1;
            if in_batch == BATCH {
                tree.apply_batch(std::mem::take(&mut batch))?;
                self.flush()?;
                done += in_batch as u64;
                in_batch = 0;
            }
        }
        tree.apply_batch(batch)?;
        Ok(done + in_batch as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A format-1 entry, as the version before this one wrote it.
    const V1_ENTRY: &str = r#"{"v":1,"submission_id":3,"ordinal":2,"row":3,"state":"DE","year":2024,"revision":1,
        "language":"de","term":"Schadprogramm","term_key":"schadprogramm","definition":"Programm.",
        "term_en":"malware","term_en_key":"malware","definition_en":"A program.","source":null,"note":null,
        "domains":["x"]}"#;

    #[test]
    fn a_store_of_format_one_is_migrated_on_open_and_reads_the_same() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path(), time::macros::datetime!(2026-01-01 00:00 UTC)).unwrap();
            store.trees[ENTRIES].insert(b"k1", V1_ENTRY.as_bytes()).unwrap();
            store.trees[META].remove(RECORD_FORMAT).unwrap();
            store.flush().unwrap();
            assert_eq!(store.record_format().unwrap(), 1);
        }
        let store = Store::open(dir.path(), time::macros::datetime!(2026-01-02 00:00 UTC)).unwrap();
        assert_eq!(store.record_format().unwrap(), FORMAT);
        let e: EntryRecord = decode(&store.trees[ENTRIES].get(b"k1").unwrap().unwrap()).unwrap();
        assert_eq!((e.v, e.submission_id, e.ordinal, e.state.as_str()), (FORMAT, 3, 2, "DE"));
        assert_eq!(
            (e.term.as_str(), e.term_en.as_deref(), e.domains.as_slice()),
            ("Schadprogramm", Some("malware"), &["x".to_owned()][..])
        );
        assert!(e.synonyms.is_empty() && e.extra.is_empty());
        // Opening again changes nothing.
        assert_eq!(store.migrate().unwrap(), Migrated { from: FORMAT, records: 0 });
    }

    #[test]
    fn a_store_of_a_later_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path(), time::macros::datetime!(2026-01-01 00:00 UTC)).unwrap();
            store.trees[META].insert(RECORD_FORMAT, &[FORMAT + 1]).unwrap();
            store.flush().unwrap();
        }
        assert!(matches!(
            Store::open(dir.path(), time::macros::datetime!(2026-01-02 00:00 UTC)),
            Err(Error::Corrupt(_))
        ));
    }
}
