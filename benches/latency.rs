//! In-process search latency per query kind (p50 / p99 / mean), typo
//! recall@10, cold start and peak RSS, on the cached bench data directories.
//!
//! ```text
//! cargo bench --bench latency                    # 100k
//! CG_BENCH_1M=1 cargo bench --bench latency      # 100k and 1M
//! CG_BENCH_SIZES=1000000 cargo bench --bench latency
//! ```
//!
//! Per size: opens the data directory (store + index) `CG_COLD_RUNS` times
//! (default 5) and reports the median open time (the page cache is warm: the
//! directory was just written or read); then one warm-up pass and one timed
//! pass over the mixed query set (2,000 queries: 25% exact, 20% fuzzy, 25%
//! fulltext, 10% phrase, 20% filtered) with limit 10 unless the query string
//! says otherwise (as the peers do), one query at a time on one thread; then
//! the typo query set (500 one-edit misspellings), recall@10 = the expected
//! term (case-insensitive) among the top 10 hits' terms, with the default
//! fuzziness (by word length) and with fuzzy=1 (what the peers use).
//! Peak RSS = VmHWM of this process, reset (clear_refs) before the opens,
//! so corpus generation does not count. Prints one JSON line per size too
//! (`LATENCY_JSON {...}`), which BENCHMARKS.md quotes.

#[path = "common/corpus.rs"]
mod corpus;
#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::time::Instant;

use consensus_glossary::index::SearchRequest;
use serde_json::json;

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn summary(samples: &mut [f64]) -> serde_json::Value {
    samples.sort_by(f64::total_cmp);
    let mean = samples.iter().sum::<f64>() / samples.len().max(1) as f64;
    json!({
        "n": samples.len(),
        "p50_ms": (support::percentile(samples, 50.0) * 1000.0).round() / 1000.0,
        "p99_ms": (support::percentile(samples, 99.0) * 1000.0).round() / 1000.0,
        "mean_ms": (mean * 1000.0).round() / 1000.0,
        "max_ms": (samples.last().copied().unwrap_or(f64::NAN) * 1000.0).round() / 1000.0,
    })
}

fn main() {
    let cold_runs: usize = std::env::var("CG_COLD_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    for n in support::sizes() {
        let ds = support::dataset(n, support::SEED, false);
        let mixed = support::mixed_queries(&ds.dir);
        let typos = support::typo_queries(&ds.dir);
        drop(ds.lists);

        support::reset_peak_rss();
        let rss_before = support::rss();
        let mut opens = Vec::new();
        for _ in 0..cold_runs.max(1) {
            let t = Instant::now();
            let glossary = support::open(&ds.dir);
            opens.push(ms(t.elapsed()));
            drop(glossary);
        }
        let mut sorted_opens = opens.clone();
        sorted_opens.sort_by(f64::total_cmp);
        let glossary = support::open(&ds.dir);
        let reader = consensus_glossary::domain::Actor::anonymous();
        let docs = glossary.index_documents().expect("index");

        let requests: Vec<(String, SearchRequest)> =
            mixed.iter().map(|(k, qs)| (k.clone(), support::request(qs, 10))).collect();
        for (_, req) in &requests {
            glossary.search(&reader, req).expect("search");
        }
        let mut by_kind: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut zero: BTreeMap<String, usize> = BTreeMap::new();
        let mut all = Vec::new();
        for (kind, req) in &requests {
            let t = Instant::now();
            let r = glossary.search(&reader, req).expect("search");
            let d = ms(t.elapsed());
            by_kind.entry(kind.clone()).or_default().push(d);
            *zero.entry(kind.clone()).or_default() += usize::from(r.hits.is_empty());
            all.push(d);
        }

        let mut recall = BTreeMap::new();
        let mut typo_latency = BTreeMap::new();
        for (label, fuzzy) in [("default", None), ("fuzzy1", Some(1u8))] {
            let mut found = 0usize;
            let mut lat = Vec::new();
            for (q, want) in &typos {
                let req = SearchRequest { q: q.clone(), fuzzy, limit: 10, ..Default::default() };
                let t = Instant::now();
                let r = glossary.search(&reader, &req).expect("search");
                lat.push(ms(t.elapsed()));
                let want = want.to_lowercase();
                found += usize::from(r.hits.iter().take(10).any(|h| h.entry.term.to_lowercase() == want));
            }
            recall.insert(label, (found as f64 / typos.len().max(1) as f64 * 10000.0).round() / 10000.0);
            typo_latency.insert(label, summary(&mut lat));
        }
        let peak = support::peak_rss();

        let mut latency = serde_json::Map::new();
        for (kind, samples) in by_kind.iter_mut() {
            let mut s = summary(samples);
            s["zero_hits"] = json!(zero[kind]);
            latency.insert(kind.clone(), s);
        }
        let out = json!({
            "entries": n,
            "docs": docs,
            "queries": requests.len(),
            "latency": latency,
            "latency_all": summary(&mut all),
            "typo_queries": typos.len(),
            "typo_recall_at_10": recall,
            "typo_latency": typo_latency,
            "cold_start_ms": {"runs": opens, "median": support::percentile(&sorted_opens, 50.0)},
            "rss_before_open_gib": support::gib(rss_before),
            "peak_rss_gib": support::gib(peak),
            "ingest": {"entries_per_s": ds.ingest.entries_per_s, "submit_seconds": ds.ingest.submit_seconds, "lists": ds.ingest.lists},
        });
        println!(
            "{n} entries ({docs} docs): cold start median {:.0} ms of {:?}",
            support::percentile(&sorted_opens, 50.0),
            opens
        );
        println!(
            "{:<10} {:>6} {:>9} {:>9} {:>9} {:>9} {:>6}",
            "kind", "n", "p50 ms", "p99 ms", "mean ms", "max ms", "zero"
        );
        for (kind, s) in &latency {
            println!(
                "{kind:<10} {:>6} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>6}",
                s["n"],
                s["p50_ms"].as_f64().unwrap(),
                s["p99_ms"].as_f64().unwrap(),
                s["mean_ms"].as_f64().unwrap(),
                s["max_ms"].as_f64().unwrap(),
                s["zero_hits"]
            );
        }
        println!(
            "typo recall@10: {recall:?}; peak RSS {:.2} GiB (RSS before open {:.2} GiB)",
            support::gib(peak),
            support::gib(rss_before)
        );
        println!("LATENCY_JSON {out}");
    }
}
