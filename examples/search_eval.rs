//! Typo recall@10 on real definitions.
//!
//! Loads a JSON-lines file of definitions (`{"source", "lang", "term",
//! "definition", ...}` per line; e.g. the NIST glossary extract beside this
//! project, which is not part of it) into a fresh service, one party per
//! `source`, then searches for one-edit misspellings of every term and reports
//! how often the intended term is among the top 10 hits.
//!
//! ```text
//! cargo run --release --example search_eval -- ../shared/eval/nist-csrc-dev.jsonl
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use consensus_glossary::domain::normalize;
use consensus_glossary::index::SearchRequest;

#[path = "support/jsonl.rs"]
mod jsonl;
#[path = "support/typo.rs"]
mod typo;
use typo::one_edit;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: search_eval FILE.jsonl")?;
    let by_source = jsonl::read(std::path::Path::new(&path))?;
    let started = Instant::now();
    let jsonl::Loaded { glossary, dir, .. } = jsonl::load(&by_source)?;
    let rows: usize = by_source.values().map(Vec::len).sum();
    eprintln!("loaded {rows} definitions of {} parties in {:.1?}", by_source.len(), started.elapsed());

    let terms: BTreeSet<String> = by_source.values().flatten().map(|r| r.term.clone()).collect();
    let reader = consensus_glossary::domain::Actor::anonymous();
    let (mut asked, mut found) = (0usize, 0usize);
    let mut by_len: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let started = Instant::now();
    for (n, term) in terms.iter().enumerate() {
        if term.chars().count() < 4 {
            continue;
        }
        let typo = one_edit(term, n as u64);
        let req = SearchRequest { q: typo.clone(), limit: 10, ..Default::default() };
        let results = glossary.search(&reader, &req)?;
        let want = normalize::key(term);
        let hit = results.hits.iter().any(|h| h.entry.term_key == want);
        asked += 1;
        found += usize::from(hit);
        let bucket = match term.chars().count() {
            4..=7 => "4-7",
            8..=15 => "8-15",
            _ => "16+",
        };
        let b = by_len.entry(bucket).or_default();
        b.0 += 1;
        b.1 += usize::from(hit);
        if !hit && misses.len() < 15 {
            misses.push(format!("{typo:?} (for {term:?})"));
        }
    }
    let elapsed = started.elapsed();
    println!("typo recall@10: {:.3} ({found}/{asked} one-edit misspellings)", found as f64 / asked.max(1) as f64);
    for (bucket, (a, f)) in by_len {
        println!("  term length {bucket:>5}: {:.3} ({f}/{a})", f as f64 / a.max(1) as f64);
    }
    println!("mean query time: {:.2} ms", elapsed.as_secs_f64() * 1000.0 / asked.max(1) as f64);
    if !misses.is_empty() {
        println!("some misses:");
        for m in misses {
            println!("  {m}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
