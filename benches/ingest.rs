//! Bulk ingest throughput (store + index, durable): builds the cached data
//! directories the other benches use and prints their ingest figures.
//!
//! ```text
//! cargo bench --bench ingest                               # 100k
//! CG_BENCH_1M=1 cargo bench --bench ingest                 # 100k and 1M
//! CG_BENCH_FRESH=1 CG_BENCH_SIZES=100000 cargo bench --bench ingest   # measure again
//! ```
//!
//! Two paths, per size:
//! - list by list (what `POST /v1/states/{state}/submissions` does): every
//!   list goes through `Glossary::submit`: validation, one sled transaction +
//!   flush (fsync), then the index catches up from the change log and commits.
//!   This builds the cached data directory the other benches use (or reuses
//!   it and prints the figure measured when it was built).
//! - bulk (what `glossary import FILE...` does): `Glossary::submit_many` over
//!   batches of about `CG_BENCH_BATCH` entries (default 100,000): parallel
//!   validation, one transaction per list, one flush and one index commit per
//!   batch; then one merge of the index's segments, timed apart. Into a fresh
//!   `<dir>-bulk` directory, removed afterwards unless `CG_KEEP_BULK=1`.
//!
//! entries/s = entries / summed submit (or submit_many) wall time: every
//! entry durable in the store and searchable when it is counted.

#[path = "common/corpus.rs"]
mod corpus;
#[path = "support/mod.rs"]
mod support;

fn main() {
    for n in support::sizes() {
        let ds = support::dataset(n, support::SEED, false);
        let i = &ds.ingest;
        println!(
            "ingest {n}: {} entries in {} lists, {:.1} s submit ({:.1} s wall), {:.0} entries/s, slowest submit {:.2} s, dir {}",
            i.entries,
            i.lists,
            i.submit_seconds,
            i.seconds,
            i.entries_per_s,
            i.max_submit_seconds,
            ds.dir.display()
        );
        let batch: usize = std::env::var("CG_BENCH_BATCH").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
        let lists = if ds.lists.is_empty() { support::generate(n, support::SEED) } else { ds.lists };
        let bulk_dir = ds.dir.with_file_name(format!("{n}-{}-bulk", support::SEED));
        let (b, merge_s) = support::ingest_bulk(&bulk_dir, &lists, batch).expect("bulk ingest");
        println!(
            "ingest {n} bulk: {} entries in {} lists, batches of ~{batch} entries: {:.1} s submit_many, {:.0} entries/s (durable and searchable); then one segment merge {:.1} s ({:.0} entries/s with it)",
            b.entries,
            b.lists,
            b.submit_seconds,
            b.entries_per_s,
            merge_s,
            b.entries as f64 / (b.submit_seconds + merge_s)
        );
        if std::env::var("CG_KEEP_BULK").is_err() {
            let _ = std::fs::remove_dir_all(&bulk_dir);
        }
        println!("peak RSS of this process: {:.2} GiB", support::gib(support::peak_rss()));
    }
}
