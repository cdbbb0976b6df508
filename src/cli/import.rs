//! `glossary import FILE... [--state XX] [--year YYYY] [--language xx]`:
//! national lists from files, with the same rules as the REST API.
//!
//! One file is one submission. Several files are a bulk import: all are read
//! and validated first and nothing is stored if any is refused; then each is
//! stored, the store is flushed once, and the search index is brought up to
//! date in one commit and merged into one segment, so that the next start
//! finds it ready. Either way the stored lists' entries are then placed into
//! the clusters (when there are any), as after a submission over REST.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args;
use consensus_glossary::clock::Clock;
use consensus_glossary::domain::{Actor, StateCode};
use consensus_glossary::service::{Glossary, ListFormat, ListInput, Receipt};
use consensus_glossary::{Error, Result};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// .json, .csv or .tbx national lists (one or more).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The State the lists belong to (default: a JSON list's own "state", or
    /// the STATE of a file named STATE-YEAR-LANG.ext).
    #[arg(long)]
    pub state: Option<String>,
    /// The exchange year (JSON lists carry their own; for a file named
    /// STATE-YEAR-LANG.csv or .tbx it is taken from the name).
    #[arg(long)]
    pub year: Option<i64>,
    /// The list's language (JSON lists carry their own; for a file named
    /// STATE-YEAR-LANG.csv or .tbx it is taken from the name; a TBX file with
    /// one language besides English implies it).
    #[arg(long)]
    pub language: Option<String>,
}

/// Files above this size get a progress bar.
const LARGE: u64 = 1024 * 1024;

/// A file read and named: what `submit` needs.
struct Loaded {
    path: PathBuf,
    state: StateCode,
    format: ListFormat,
    body: Vec<u8>,
    language: Option<String>,
    year: Option<i64>,
}

pub fn run(data_dir: &Path, args: ImportArgs) -> Result<()> {
    let mut glossary = Glossary::open(data_dir, Clock::system()).map_err(super::token::locked)?;
    let total: u64 = args.files.iter().map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)).sum();
    let bar = if total > LARGE || args.files.len() > 1 { ProgressBar::new(total) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:<24} [{bar:30}] {bytes}/{total_bytes}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("reading");
    let mut loaded = Vec::with_capacity(args.files.len());
    for path in &args.files {
        loaded.push(load(&glossary, path, &args, &bar)?);
    }
    bar.set_message("validating and storing");
    bar.enable_steady_tick(Duration::from_millis(120));
    let started = Instant::now();
    let actor = Actor::operator();
    // With the index open, storing a list also indexes it and places its
    // entries into the clusters, as a submission over REST does.
    glossary.open_index()?;
    let receipts = if let [one] = loaded.as_slice() {
        let input = ListInput {
            format: one.format,
            body: &one.body,
            language: one.language.clone(),
            year: one.year,
            distribution: None,
        };
        vec![glossary.submit(&actor, &one.state, input).map_err(|e| in_file(&one.path, e))?]
    } else {
        let lists = loaded
            .iter()
            .map(|l| {
                let input = ListInput {
                    format: l.format,
                    body: &l.body,
                    language: l.language.clone(),
                    year: l.year,
                    distribution: None,
                };
                (l.state.clone(), input)
            })
            .collect();
        let receipts = glossary.submit_many(&actor, lists).map_err(|(i, e)| match loaded.get(i) {
            Some(l) => in_file(&l.path, e),
            None => e,
        })?;
        bar.set_message("indexing");
        glossary.optimize_index()?;
        receipts
    };
    bar.finish_and_clear();
    report(&receipts, started.elapsed());
    Ok(())
}

fn load(glossary: &Glossary, path: &Path, args: &ImportArgs, bar: &ProgressBar) -> Result<Loaded> {
    let format = ListFormat::from_path(path)
        .ok_or_else(|| Error::bad_request(format!("{}: expected a .json, .csv or .tbx file", path.display())))?;
    let cannot_read = |e: std::io::Error| Error::bad_request(format!("cannot read {}: {e}", path.display()));
    let size = std::fs::metadata(path).map_err(cannot_read)?.len();
    let mut body = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    let mut file = std::fs::File::open(path).map_err(cannot_read)?;
    let mut chunk = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut chunk).map_err(cannot_read)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
        bar.inc(n as u64);
    }
    // A file named STATE-YEAR-LANG.ext says its State, year and language (as the samples do).
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
    let mut parts = stem.rsplitn(3, '-');
    let (from_lang, from_year, from_state) = (parts.next(), parts.next(), parts.next());
    let language = args
        .language
        .clone()
        .or_else(|| from_lang.filter(|l| consensus_glossary::domain::LanguageTag::parse(l).is_ok()).map(str::to_owned));
    let year = args.year.or_else(|| from_year.and_then(|y| y.parse().ok()));
    let state = match (&args.state, from_state, format) {
        (Some(s), _, _) => s.clone(),
        (None, _, ListFormat::Json) => json_state(&body).or(from_state.map(str::to_owned)).unwrap_or_default(),
        (None, Some(s), _) => s.to_owned(),
        (None, None, _) => String::new(),
    };
    if state.is_empty() {
        return Err(in_file(path, Error::bad_request("no State: pass --state or name the file STATE-YEAR-LANG.ext")));
    }
    let state = glossary.known_state(&state, "state").map_err(|e| in_file(path, e))?;
    Ok(Loaded { path: path.to_owned(), state, format, body, language, year })
}

/// A JSON list's own "state" field, if it has one.
fn json_state(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Head {
        state: Option<String>,
    }
    serde_json::from_slice::<Head>(body).ok()?.state
}

/// Names the file in a refusal (the problem's rows are the file's rows).
fn in_file(path: &Path, e: Error) -> Error {
    eprintln!("error in {}:", path.display());
    e
}

fn report(receipts: &[Receipt], elapsed: Duration) {
    let mut entries = 0u64;
    for receipt in receipts {
        let s = &receipt.stored.submission;
        entries += u64::from(s.entry_count);
        for w in &receipt.warnings {
            match w.row {
                Some(row) => eprintln!("warning: {} {}: row {row}, {}: {}", s.state, s.year, w.field, w.message),
                None => eprintln!("warning: {} {}: {}: {}", s.state, s.year, w.field, w.message),
            }
        }
        eprintln!(
            "stored submission {} for {} {}: revision {}, {} entries",
            s.id, s.state, s.year, s.revision, s.entry_count
        );
        println!(
            "{}",
            serde_json::json!({ "id": s.id.to_string(), "state": s.state, "year": s.year, "revision": s.revision, "entry_count": s.entry_count })
        );
    }
    if receipts.len() > 1 {
        let secs = elapsed.as_secs_f64().max(1e-9);
        eprintln!(
            "{} lists, {entries} entries in {secs:.1} s ({:.0} entries/s, durable and indexed)",
            receipts.len(),
            entries as f64 / secs
        );
    }
}
