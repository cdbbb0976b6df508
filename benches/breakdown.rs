//! Where a search's time goes, from the outside (no change to src/): each
//! query of the mixed set is timed as it is (limit 10), with limit 0 (no hits
//! fetched from the store, no snippets: matching, scoring, Count and facet
//! collectors only), with fuzzy=0 (no fuzzy clauses), and with both.
//!
//! ```text
//! CG_BENCH_SIZES=1000000 cargo bench --bench breakdown
//! ```

#[path = "common/corpus.rs"]
mod corpus;
#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::time::Instant;

fn main() {
    for n in support::sizes() {
        let ds = support::dataset(n, support::SEED, false);
        let mixed = support::mixed_queries(&ds.dir);
        let glossary = support::open(&ds.dir);
        let reader = consensus_glossary::domain::Actor::anonymous();
        let variants: [(&str, Option<usize>, Option<u8>); 4] = [
            ("as is", None, None),
            ("limit=0", Some(0), None),
            ("fuzzy=0", None, Some(0)),
            ("limit=0 fuzzy=0", Some(0), Some(0)),
        ];
        // kind -> variant -> samples
        let mut out: BTreeMap<String, BTreeMap<&str, Vec<f64>>> = BTreeMap::new();
        for pass in 0..2 {
            for (kind, qs) in mixed.iter().take(1000) {
                for (name, limit, fuzzy) in variants {
                    let mut req = support::request(qs, 10);
                    if let Some(l) = limit {
                        req.limit = l;
                    }
                    if fuzzy.is_some() {
                        req.fuzzy = fuzzy;
                    }
                    let t = Instant::now();
                    glossary.search(&reader, &req).expect("search");
                    let ms = t.elapsed().as_secs_f64() * 1e3;
                    if pass == 1 {
                        out.entry(kind.clone()).or_default().entry(name).or_default().push(ms);
                    }
                }
            }
        }
        println!("{n} entries: p50 / mean ms by variant (first 1000 mixed queries, second pass)");
        println!(
            "{:<10} {:>18} {:>18} {:>18} {:>18}",
            "kind", variants[0].0, variants[1].0, variants[2].0, variants[3].0
        );
        for (kind, by) in &mut out {
            let cells: Vec<String> = variants
                .iter()
                .map(|(name, _, _)| {
                    let s = by.get_mut(name).unwrap();
                    s.sort_by(f64::total_cmp);
                    let mean = s.iter().sum::<f64>() / s.len() as f64;
                    format!("{:.1} / {:.1}", support::percentile(s, 50.0), mean)
                })
                .collect();
            println!("{kind:<10} {:>18} {:>18} {:>18} {:>18}", cells[0], cells[1], cells[2], cells[3]);
        }
    }
}
