//! `glossary restore FILE --data-dir NEW`: a backup into a new data
//! directory. The file is verified whole first; then the store is written and
//! the search index rebuilt from it.

use std::path::{Path, PathBuf};

use clap::Args;
use consensus_glossary::clock::Clock;
use consensus_glossary::service::Glossary;
use consensus_glossary::{Error, Result, backup};

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file written by `glossary backup` or GET /v1/backup.
    pub file: PathBuf,
}

pub fn run(data_dir: &Path, args: RestoreArgs) -> Result<()> {
    if !backup::is_empty_dir(data_dir)? {
        return Err(Error::Conflict(format!(
            "{} is not empty: restore into a new (or empty) data directory, so nothing is overwritten",
            data_dir.display()
        )));
    }
    // Check the whole file before creating anything.
    backup::verify(&args.file)?;
    let existed = data_dir.exists();
    let restored = restore(data_dir, &args.file);
    if restored.is_err() {
        // Leave no half-restored directory behind.
        if existed {
            if let Ok(entries) = std::fs::read_dir(data_dir) {
                for entry in entries.flatten() {
                    let _ = std::fs::remove_dir_all(entry.path()).or_else(|_| std::fs::remove_file(entry.path()));
                }
            }
        } else {
            let _ = std::fs::remove_dir_all(data_dir);
        }
    }
    restored
}

fn restore(data_dir: &Path, file: &Path) -> Result<()> {
    let (summary, glossary) = Glossary::restore(data_dir, file, Clock::system())?;
    let docs = glossary.index_documents()?;
    eprintln!(
        "restored {} records in {} trees (backup of {}, sha256 {}) into {}; search index rebuilt: {docs} entries",
        summary.records,
        summary.header.trees.len(),
        summary.header.created_at,
        summary.sha256,
        data_dir.display()
    );
    Ok(())
}
