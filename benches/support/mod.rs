//! Shared by the benches (include it with `#[path = "support/mod.rs"] mod support;`,
//! after `#[path = "common/corpus.rs"] mod corpus;`): builds or reuses a data
//! directory holding the generated corpus of N entries, ingested list by list
//! through `Glossary::submit` (validation, durable sled write + flush, tantivy
//! index commit: exactly what `POST /v1/states/{state}/submissions` does),
//! and parses the corpus's query strings into `SearchRequest`s the way
//! `/v1/search` does.
//!
//! Data directories are cached under `target/bench-data/<entries>-<seed>/`
//! (override the root with `CG_BENCH_DATA`); a directory counts only once its
//! `ingest.json` (the ingest figure) is written, so an interrupted ingest is
//! started again from scratch. `CG_BENCH_FRESH=1` forces a new ingest.
//!
//! Whether to build big corpora: only when the binary was started by
//! `cargo bench` (which passes `--bench`); `cargo clippy --all-targets` only
//! compiles, and `cargo test --all-targets` runs bench binaries without
//! `--bench`, when [`sizes`] answers a 2k corpus only.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use consensus_glossary::clock::Clock;
use consensus_glossary::domain::{Actor, StateCode};
use consensus_glossary::index::{FieldScope, SearchRequest};
use consensus_glossary::service::{Glossary, ListFormat, ListInput};
use serde_json::{Value, json};

use crate::corpus;

pub const SEED: u64 = 42;

/// True when started by `cargo bench` (criterion and plain mains alike get `--bench`).
pub fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Corpus sizes to measure: 100k (and 1M with `CG_BENCH_1M=1`) under
/// `cargo bench`, or the list in `CG_BENCH_SIZES` (e.g. `100000,1000000`);
/// a 2k smoke corpus otherwise.
pub fn sizes() -> Vec<usize> {
    if !bench_mode() {
        return vec![2_000];
    }
    if let Ok(list) = std::env::var("CG_BENCH_SIZES") {
        return list.split(',').filter_map(|s| s.trim().replace('_', "").parse().ok()).collect();
    }
    let mut out = vec![100_000];
    if std::env::var("CG_BENCH_1M").is_ok_and(|v| v == "1") {
        out.push(1_000_000);
    }
    out
}

pub fn data_root() -> PathBuf {
    std::env::var_os("CG_BENCH_DATA").map(PathBuf::from).unwrap_or_else(|| {
        // benches run with the package root as the working directory
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-data")
    })
}

/// What ingesting a corpus took.
#[derive(Debug, Clone)]
pub struct Ingest {
    pub entries: usize,
    pub lists: usize,
    pub seconds: f64,
    /// Wall time of `submit` alone (corpus generation and JSON encoding excluded).
    pub submit_seconds: f64,
    pub entries_per_s: f64,
    /// The slowest single submit, seconds.
    pub max_submit_seconds: f64,
}

impl Ingest {
    fn measured(entries: usize, lists: usize, started: Instant, submit_seconds: f64, max_submit_seconds: f64) -> Self {
        Self {
            entries,
            lists,
            seconds: started.elapsed().as_secs_f64(),
            submit_seconds,
            entries_per_s: entries as f64 / submit_seconds,
            max_submit_seconds,
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "entries": self.entries, "lists": self.lists, "seconds": self.seconds,
            "submit_seconds": self.submit_seconds, "entries_per_s": self.entries_per_s,
            "max_submit_seconds": self.max_submit_seconds,
        })
    }

    fn from_json(v: &Value) -> Option<Self> {
        Some(Self {
            entries: v["entries"].as_u64()? as usize,
            lists: v["lists"].as_u64()? as usize,
            seconds: v["seconds"].as_f64()?,
            submit_seconds: v["submit_seconds"].as_f64()?,
            entries_per_s: v["entries_per_s"].as_f64()?,
            max_submit_seconds: v["max_submit_seconds"].as_f64().unwrap_or(0.0),
        })
    }
}

/// A data directory with the corpus of `entries` entries in it.
pub struct Dataset {
    pub dir: PathBuf,
    pub entries: usize,
    pub seed: u64,
    /// How the directory was filled (when this process or an earlier one did it).
    pub ingest: Ingest,
    /// The generated lists, as submitted.
    pub lists: Vec<corpus::GenList>,
}

/// The submission body of a generated list (its JSON file minus "state").
pub fn body(list: &corpus::GenList) -> Vec<u8> {
    let entries: Vec<Value> = list
        .entries
        .iter()
        .map(|e| {
            let mut v = json!({"term": e.term, "definition": e.definition});
            if let Some(t) = &e.term_en {
                v["term_en"] = json!(t);
            }
            if let Some(d) = &e.definition_en {
                v["definition_en"] = json!(d);
            }
            if !e.domains.is_empty() {
                v["domains"] = json!(e.domains);
            }
            v
        })
        .collect();
    serde_json::to_vec(&json!({"year": list.year, "language": list.language, "entries": entries}))
        .expect("json encoding")
}

pub fn submit(glossary: &Glossary, list: &corpus::GenList) -> consensus_glossary::error::Result<()> {
    let state = StateCode::parse(&list.state).expect("generated state codes are valid");
    let body = body(list);
    glossary.submit(
        &Actor::operator(),
        &state,
        ListInput { format: ListFormat::Json, body: &body, language: None, year: None, distribution: None },
    )?;
    Ok(())
}

/// Query sets written beside each data directory (the same as
/// `examples/gen_corpus.rs --mixed 2000 --typos 500` writes for the peers).
pub const MIXED: usize = 2_000;
pub const TYPOS: usize = 500;

/// Builds (or reuses) `<root>/<entries>-<seed>/`. The generated lists are
/// kept only when `want_lists` (or when the directory had to be built).
pub fn dataset(entries: usize, seed: u64, want_lists: bool) -> Dataset {
    let dir = data_root().join(format!("{entries}-{seed}"));
    let marker = dir.join("ingest.json");
    let fresh = std::env::var("CG_BENCH_FRESH").is_ok_and(|v| v == "1");
    let queries_there = dir.join("mixed_queries.txt").exists() && dir.join("typo_queries.jsonl").exists();
    if !fresh
        && let Ok(text) = std::fs::read_to_string(&marker)
        && let Some(ingest) = serde_json::from_str::<Value>(&text).ok().as_ref().and_then(Ingest::from_json)
    {
        eprintln!("support: reusing {} (ingested earlier at {:.0} entries/s)", dir.display(), ingest.entries_per_s);
        let lists = if want_lists || !queries_there { generate(entries, seed) } else { Vec::new() };
        if !queries_there {
            write_queries(&dir, &lists, seed);
        }
        return Dataset { dir, entries, seed, ingest, lists };
    }
    let lists = generate(entries, seed);
    let ingest = ingest(&dir, &lists).unwrap_or_else(|e| panic!("ingest into {}: {e}", dir.display()));
    write_queries(&dir, &lists, seed);
    std::fs::write(&marker, serde_json::to_string_pretty(&ingest.to_json()).unwrap()).expect("write ingest.json");
    Dataset { dir, entries, seed, ingest, lists }
}

pub fn generate(entries: usize, seed: u64) -> Vec<corpus::GenList> {
    let started = Instant::now();
    let lists = corpus::generate(seed, entries);
    eprintln!("support: generated {entries} entries in {} lists in {:.1?}", lists.len(), started.elapsed());
    lists
}

fn write_queries(dir: &Path, lists: &[corpus::GenList], seed: u64) {
    let mixed: String =
        corpus::mixed_queries(seed, lists, MIXED).iter().map(|(k, qs)| format!("{k}\t{qs}\n")).collect();
    std::fs::write(dir.join("mixed_queries.txt"), mixed).expect("write mixed_queries.txt");
    let typos: String = corpus::typo_queries(seed, lists, TYPOS)
        .iter()
        .map(|(q, t)| format!("{}\n", json!({"q": q, "expect_term": t})))
        .collect();
    std::fs::write(dir.join("typo_queries.jsonl"), typos).expect("write typo_queries.jsonl");
}

/// The mixed query set of a data directory: (kind, query string).
pub fn mixed_queries(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("mixed_queries.txt"))
        .expect("mixed_queries.txt")
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, qs)| (k.to_owned(), qs.to_owned()))
        .collect()
}

/// The typo query set of a data directory: (misspelled query, expected term).
pub fn typo_queries(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("typo_queries.jsonl"))
        .expect("typo_queries.jsonl")
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| Some((v["q"].as_str()?.to_owned(), v["expect_term"].as_str()?.to_owned())))
        .collect()
}

/// An empty data directory `dir` (emptied if it exists), opened with its index.
fn fresh(dir: &Path) -> Result<Glossary, Box<dyn std::error::Error>> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    let mut glossary = Glossary::open(dir, Clock::system())?;
    glossary.open_index()?;
    Ok(glossary)
}

/// Ingests `lists` into a new data directory `dir`, one durable submit per list.
pub fn ingest(dir: &Path, lists: &[corpus::GenList]) -> Result<Ingest, Box<dyn std::error::Error>> {
    let glossary = fresh(dir)?;
    let total: usize = lists.iter().map(|l| l.entries.len()).sum();
    let started = Instant::now();
    let (mut submit_s, mut max_s, mut done) = (0.0f64, 0.0f64, 0usize);
    let mut last_report = Instant::now();
    for (i, list) in lists.iter().enumerate() {
        let state = StateCode::parse(&list.state).map_err(|e| e.to_string())?;
        let body = body(list);
        let t = Instant::now();
        glossary.submit(
            &Actor::operator(),
            &state,
            ListInput { format: ListFormat::Json, body: &body, language: None, year: None, distribution: None },
        )?;
        let s = t.elapsed().as_secs_f64();
        submit_s += s;
        max_s = max_s.max(s);
        done += list.entries.len();
        if last_report.elapsed().as_secs() >= 30 || i + 1 == lists.len() {
            last_report = Instant::now();
            eprintln!(
                "support: ingest {}/{} lists, {done}/{total} entries, {:.0} entries/s so far (submit time), last list {} entries in {:.2}s",
                i + 1,
                lists.len(),
                done as f64 / submit_s,
                list.entries.len(),
                s
            );
        }
    }
    Ok(Ingest::measured(total, lists.len(), started, submit_s, max_s))
}

/// Ingests `lists` into a new data directory `dir` the way a bulk
/// `glossary import` does: `Glossary::submit_many` over batches of about
/// `batch_entries` entries (each batch validated in parallel, one sled
/// transaction per list, one flush and one index commit per batch), with the
/// index's background merging off (`set_bulk_loading`), then one merge of
/// the index's segments. Returns the ingest figure (entries / summed
/// `submit_many` time: durable and searchable) and the merge's seconds.
pub fn ingest_bulk(
    dir: &Path,
    lists: &[corpus::GenList],
    batch_entries: usize,
) -> Result<(Ingest, f64), Box<dyn std::error::Error>> {
    let glossary = fresh(dir)?;
    let total: usize = lists.iter().map(|l| l.entries.len()).sum();
    let started = Instant::now();
    let (mut submit_s, mut max_s, mut done) = (0.0f64, 0.0f64, 0usize);
    glossary.set_bulk_loading(true)?;
    let mut batch: Vec<&corpus::GenList> = Vec::new();
    let mut in_batch = 0;
    for (i, list) in lists.iter().enumerate() {
        batch.push(list);
        in_batch += list.entries.len();
        if in_batch < batch_entries && i + 1 < lists.len() {
            continue;
        }
        let bodies: Vec<(StateCode, Vec<u8>)> = batch
            .iter()
            .map(|l| (StateCode::parse(&l.state).expect("generated state codes are valid"), body(l)))
            .collect();
        let inputs = bodies
            .iter()
            .map(|(state, b)| {
                (
                    state.clone(),
                    ListInput { format: ListFormat::Json, body: b, language: None, year: None, distribution: None },
                )
            })
            .collect();
        let t = Instant::now();
        glossary.submit_many(&Actor::operator(), inputs).map_err(|(i, e)| format!("list {i} of the batch: {e}"))?;
        let s = t.elapsed().as_secs_f64();
        submit_s += s;
        max_s = max_s.max(s);
        done += in_batch;
        eprintln!(
            "support: bulk ingest {}/{} lists, {done}/{total} entries, batch of {} lists ({in_batch} entries) in {s:.2}s, {:.0} entries/s so far",
            i + 1,
            lists.len(),
            batch.len(),
            done as f64 / submit_s
        );
        batch.clear();
        in_batch = 0;
    }
    let t = Instant::now();
    glossary.set_bulk_loading(false)?;
    glossary.optimize_index()?;
    let merge_s = t.elapsed().as_secs_f64();
    Ok((Ingest::measured(total, lists.len(), started, submit_s, max_s), merge_s))
}

/// Opens a data directory the way `glossary serve` does: store, then index
/// (the store's page cache `CG_STORE_CACHE_MB` MiB, else the server's default).
pub fn open(dir: &Path) -> Glossary {
    let cache = std::env::var("CG_STORE_CACHE_MB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(consensus_glossary::store::DEFAULT_CACHE_BYTES, |mb| mb * 1024 * 1024);
    let mut glossary = Glossary::open_with_cache(dir, Clock::system(), cache).expect("open store");
    glossary.open_index().expect("open index");
    glossary
}

/// `GET /v1/search?<qs>` as a `SearchRequest`, with `limit` when the query
/// string has none (the HTTP handler's default is 20; the peers' is 10).
pub fn request(qs: &str, default_limit: usize) -> SearchRequest {
    let mut req = SearchRequest { limit: default_limit, ..Default::default() };
    for (k, v) in form_urlencoded::parse(qs.as_bytes()) {
        match &*k {
            "q" => req.q = v.into_owned(),
            "language" => req.language = Some(v.into_owned()),
            "state" => req.states.push(v.into_owned()),
            "year" => req.year = v.parse().ok(),
            "fuzzy" => req.fuzzy = v.parse().ok(),
            "field" => {
                req.field = match &*v {
                    "term" => FieldScope::Term,
                    "definition" => FieldScope::Definition,
                    _ => FieldScope::All,
                }
            }
            "all_revisions" => req.all_revisions = v == "true",
            "limit" => req.limit = v.parse().unwrap_or(default_limit),
            "offset" => req.offset = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    req
}

/// Peak resident set size of this process (VmHWM), bytes.
pub fn peak_rss() -> u64 {
    status_kib("VmHWM:") * 1024
}

/// Current resident set size of this process (VmRSS), bytes.
pub fn rss() -> u64 {
    status_kib("VmRSS:") * 1024
}

fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// Resets VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub fn gib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 30) as f64
}

/// Percentile (0..=100) of sorted durations in ms.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}
