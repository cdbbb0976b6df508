//! `glossary reindex`: throw the search index away and rebuild it from the
//! store (with the server stopped).

use std::path::Path;
use std::time::Instant;

use consensus_glossary::Result;
use consensus_glossary::clock::Clock;
use consensus_glossary::service::Glossary;

pub fn run(data_dir: &Path) -> Result<()> {
    let mut glossary = Glossary::open(data_dir, Clock::system()).map_err(super::token::locked)?;
    let started = Instant::now();
    let docs = glossary.rebuild_index()?;
    eprintln!("rebuilt the search index in {:.1?}: {docs} entries (every revision)", started.elapsed());
    Ok(())
}
