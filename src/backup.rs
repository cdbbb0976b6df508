//! Backups: the whole store as one checksummed file, and back.
//!
//! The file is JSON lines:
//!
//! ```text
//! {"backup":"consensus-glossary","version":1,"created_at":"…","last_seq":42,"trees":["audit",…]}
//! {"t":"audit","k":"<base64 key>","v":"<base64 value>"}
//! …
//! {"end":true,"records":1234,"sha256":"<hex SHA-256 of every byte before this line>"}
//! ```
//!
//! Every tree of the sled database is in it, whatever its name, so trees that
//! later modules add (clusters, proposals, ...) are backed up without a change
//! here. The snapshot is taken with writes held off (`Store::freeze`), so it
//! is one consistent state of every tree. A file is verified whole (header,
//! every record, trailer, checksum) before a single byte is restored, so a
//! truncated or altered file restores nothing.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::store::Store;

pub const MAGIC: &str = "consensus-glossary";
pub const VERSION: u32 = 1;
/// The media type of backups over HTTP.
pub const MEDIA_TYPE: &str = "application/x-ndjson";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Header {
    pub backup: String,
    pub version: u32,
    pub created_at: String,
    /// The change log's last sequence number in the snapshot.
    pub last_seq: u64,
    pub trees: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    t: String,
    k: String,
    v: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Trailer {
    end: bool,
    records: u64,
    sha256: String,
}

/// What a backup holds, as verified.
#[derive(Debug, Clone)]
pub struct Summary {
    pub header: Header,
    pub records: u64,
    pub sha256: String,
}

/// A writer that hashes what passes through it.
struct Hashing<W: Write> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn json_line<T: Serialize>(out: &mut impl Write, value: &T) -> Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes a backup of `store` to `out`: every tree, with writes held off while
/// the trees are read. Returns what was written.
pub fn write(store: &Store, created_at: time::OffsetDateTime, out: impl Write) -> Result<Summary> {
    let mut out = Hashing { inner: std::io::BufWriter::new(out), hash: Sha256::new() };
    let frozen = store.freeze()?;
    let header = Header {
        backup: MAGIC.to_owned(),
        version: VERSION,
        created_at: crate::clock::format(created_at),
        last_seq: frozen.last_seq()?,
        trees: frozen.tree_names()?,
    };
    json_line(&mut out, &header)?;
    let mut records = 0u64;
    for tree in &header.trees {
        for kv in frozen.records(tree)? {
            let (k, v) = kv?;
            json_line(&mut out, &Record { t: tree.clone(), k: B64.encode(&k), v: B64.encode(&v) })?;
            records += 1;
        }
    }
    drop(frozen);
    let sha256 = hex::encode(out.hash.finalize_reset());
    let mut inner = out.inner;
    json_line(&mut inner, &Trailer { end: true, records, sha256: sha256.clone() })?;
    inner.flush()?;
    Ok(Summary { header, records, sha256 })
}

fn refused(reason: impl std::fmt::Display) -> Error {
    Error::bad_request(reason)
}

/// Reads the lines of a backup file, checking each; `on_record` gets every
/// record in order. Errors say what is wrong with the file.
fn scan(path: &Path, mut on_record: impl FnMut(String, Vec<u8>, Vec<u8>) -> Result<()>) -> Result<Summary> {
    let file = File::open(path).map_err(|e| refused(format!("{}: {e}", path.display())))?;
    let mut reader = BufReader::new(file);
    let mut hash = Sha256::new();
    let mut line = Vec::new();
    let mut number = 0u64;
    let mut header: Option<Header> = None;
    let mut records = 0u64;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            return Err(refused(format!(
                "the backup file is truncated: it ends after line {number} without its trailer line (checksum); it cannot be trusted"
            )));
        }
        number += 1;
        if !line.ends_with(b"\n") {
            return Err(refused(format!(
                "the backup file is truncated: line {number} is cut off and there is no trailer line (checksum)"
            )));
        }
        let value: serde_json::Value = serde_json::from_slice(&line).map_err(|_| {
            refused(format!("line {number} of the backup file is not a backup record: the file is damaged"))
        })?;
        if number == 1 {
            let h: Header =
                serde_json::from_value(value).ok().filter(|h: &Header| h.backup == MAGIC).ok_or_else(|| {
                    refused("this is not a consensus-glossary backup (its first line is no backup header)")
                })?;
            if h.version != VERSION {
                return Err(refused(format!(
                    "backup format version {} is not one this build reads (it reads version {VERSION})",
                    h.version
                )));
            }
            header = Some(h);
            hash.update(&line);
            continue;
        }
        if value.get("end").is_some() {
            let trailer: Trailer =
                serde_json::from_value(value).map_err(|_| refused(format!("line {number}: a damaged trailer line")))?;
            let computed = hex::encode(hash.finalize_reset());
            if trailer.sha256 != computed {
                return Err(refused(format!(
                    "the backup file's checksum does not match: it was altered or damaged after it was written (trailer says sha256 {}, the content hashes to {computed})",
                    trailer.sha256
                )));
            }
            if trailer.records != records {
                return Err(refused(format!(
                    "the backup file's trailer counts {} records but the file holds {records}",
                    trailer.records
                )));
            }
            let mut rest = Vec::new();
            std::io::Read::read_to_end(&mut reader, &mut rest)?;
            if !rest.iter().all(u8::is_ascii_whitespace) {
                return Err(refused(format!("the backup file goes on after its trailer line (line {number})")));
            }
            let header = header.ok_or_else(|| refused("the backup file has no header"))?;
            return Ok(Summary { header, records, sha256: computed });
        }
        hash.update(&line);
        let record: Record = serde_json::from_value(value)
            .map_err(|_| refused(format!("line {number} of the backup file is not a backup record")))?;
        let declared = header.as_ref().is_some_and(|h| h.trees.contains(&record.t));
        if !declared {
            return Err(refused(format!("line {number}: a record of the undeclared tree '{}'", record.t)));
        }
        let (Ok(k), Ok(v)) = (B64.decode(&record.k), B64.decode(&record.v)) else {
            return Err(refused(format!("line {number}: a key or value that is not base64")));
        };
        records += 1;
        on_record(record.t, k, v)?;
    }
}

/// Checks a backup file whole without restoring anything.
pub fn verify(path: &Path) -> Result<Summary> {
    scan(path, |_, _, _| Ok(()))
}

/// Restores the backup at `file` into the store directory `store_dir`, which
/// must not hold a store: verifies the whole file first (nothing is written
/// for a truncated or altered file), then writes every tree.
pub fn restore(file: &Path, store_dir: &Path) -> Result<Summary> {
    let summary = verify(file)?;
    let mut loader = Store::loader(store_dir, &summary.header.trees)?;
    // Second pass over a file just verified; hashing again catches a file
    // changed in between.
    let again = scan(file, |t, k, v| loader.insert(&t, &k, &v))?;
    loader.finish()?;
    if again.sha256 != summary.sha256 {
        return Err(refused("the backup file changed while it was being restored"));
    }
    Ok(summary)
}

/// Is `dir` absent or an empty directory?
pub fn is_empty_dir(dir: &Path) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e.into()),
    }
}
