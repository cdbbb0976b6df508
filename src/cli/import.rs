//! `glossary import FILE --state XX --year YYYY [--language xx]`: a national
//! list from a file, with the same rules as the REST API.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use consensus_glossary::clock::Clock;
use consensus_glossary::domain::Actor;
use consensus_glossary::service::{Glossary, ListFormat, ListInput};
use consensus_glossary::{Error, Result};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A .json, .csv or .tbx national list.
    pub file: PathBuf,
    /// The State the list belongs to.
    #[arg(long)]
    pub state: String,
    /// The exchange year (JSON lists carry their own; for FILE named
    /// STATE-YEAR-LANG.csv or .tbx it is taken from the name).
    #[arg(long)]
    pub year: Option<i64>,
    /// The list's language (JSON lists carry their own; for FILE named
    /// STATE-YEAR-LANG.csv or .tbx it is taken from the name; a TBX file with
    /// one language besides English implies it).
    #[arg(long)]
    pub language: Option<String>,
}

/// Files above this size get a progress bar.
const LARGE: u64 = 1024 * 1024;

pub fn run(data_dir: &Path, args: ImportArgs) -> Result<()> {
    let format = ListFormat::from_path(&args.file)
        .ok_or_else(|| Error::bad_request(format!("{}: expected a .json, .csv or .tbx file", args.file.display())))?;
    let size = std::fs::metadata(&args.file)?.len();
    let bar = if size > LARGE { ProgressBar::new(size) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:<22} [{bar:30}] {bytes}/{total_bytes}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("reading");
    let mut body = Vec::with_capacity(size as usize);
    let mut file = std::fs::File::open(&args.file)?;
    let mut chunk = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
        bar.inc(n as u64);
    }
    bar.set_message("validating and storing");
    bar.enable_steady_tick(Duration::from_millis(120));
    // A file named STATE-YEAR-LANG.csv says its year and language (as the samples do).
    let stem = args.file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
    let mut parts = stem.rsplitn(3, '-');
    let (from_lang, from_year) = (parts.next(), parts.next());
    let language = args
        .language
        .or_else(|| from_lang.filter(|l| consensus_glossary::domain::LanguageTag::parse(l).is_ok()).map(str::to_owned));
    let year = args.year.or_else(|| from_year.and_then(|y| y.parse().ok()));
    let glossary = Glossary::open(data_dir, Clock::system()).map_err(super::token::locked)?;
    let state = glossary.known_state(&args.state)?;
    let receipt = glossary.submit(&Actor::operator(), &state, ListInput { format, body: &body, language, year });
    bar.finish_and_clear();
    let receipt = receipt?;
    let s = &receipt.stored.submission;
    for w in &receipt.warnings {
        eprintln!("warning: row {:?} {}: {}", w.row, w.field, w.message);
    }
    eprintln!(
        "stored submission {} for {} {}: revision {}, {} entries",
        s.id, s.state, s.year, s.revision, s.entry_count
    );
    println!(
        "{}",
        serde_json::json!({ "id": s.id.to_string(), "state": s.state, "year": s.year, "revision": s.revision, "entry_count": s.entry_count })
    );
    Ok(())
}
