//! criterion: query latency by kind (exact term, fuzzy term, multi-word full
//! text, phrase, filtered) on the cached bench data directories.
//!
//! ```text
//! cargo bench --bench search                     # 100k
//! CG_BENCH_1M=1 cargo bench --bench search       # 100k and 1M
//! ```
//!
//! Each benchmark cycles through up to 50 queries of its kind from the mixed
//! query set (`<data dir>/mixed_queries.txt`), one query per iteration, limit
//! 10 unless the query string says otherwise. Outside `cargo bench` (clippy,
//! `cargo test --benches`) it runs on a 2k corpus only.

#[path = "common/corpus.rs"]
mod corpus;
#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use consensus_glossary::index::SearchRequest;
use criterion::{BenchmarkId, Criterion};

fn bench(c: &mut Criterion) {
    for n in support::sizes() {
        let ds = support::dataset(n, support::SEED, false);
        let mixed = support::mixed_queries(&ds.dir);
        let glossary = support::open(&ds.dir);
        let reader = consensus_glossary::domain::Actor::anonymous();
        let mut group = c.benchmark_group(format!("search_{n}"));
        group.sample_size(30).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(5));
        for kind in ["exact", "fuzzy", "fulltext", "phrase", "filtered"] {
            let reqs: Vec<SearchRequest> =
                mixed.iter().filter(|(k, _)| k == kind).take(50).map(|(_, qs)| support::request(qs, 10)).collect();
            if reqs.is_empty() {
                continue;
            }
            let mut i = 0usize;
            group.bench_function(BenchmarkId::from_parameter(kind), |b| {
                b.iter(|| {
                    let r = glossary.search(&reader, &reqs[i % reqs.len()]).expect("search");
                    i += 1;
                    r.total
                })
            });
        }
        group.finish();
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
