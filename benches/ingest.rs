//! Bulk ingest throughput (store + index, durable): builds the cached data
//! directories the other benches use and prints their ingest figures.
//!
//! ```text
//! cargo bench --bench ingest                               # 100k
//! CG_BENCH_1M=1 cargo bench --bench ingest                 # 100k and 1M
//! CG_BENCH_FRESH=1 CG_BENCH_SIZES=100000 cargo bench --bench ingest   # measure again
//! ```
//!
//! Every list goes through `Glossary::submit` one by one: validation, one sled
//! transaction + flush (fsync), then the index catches up from the change log
//! and commits. entries/s = entries / summed submit wall time.

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
        println!("peak RSS of this process: {:.2} GiB", support::gib(support::peak_rss()));
    }
}
