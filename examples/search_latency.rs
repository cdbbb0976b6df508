//! In-process search latency over the sample lists of `data/`: a small
//! mixed set of queries (English and other languages' terms, inflected and
//! misspelt forms, words, a phrase), each asked many times through the
//! service, with p50 / p99 by kind: a page of 20 hits, and `limit=0` (the
//! plan, the bridges, the match set and facets; no ranking, no hits read). For comparing two versions of the
//! search on one machine, not for absolute figures (the benches are for
//! those).
//!
//! ```text
//! cargo run --example search_latency -- data 200
//! ```

use std::time::{Duration, Instant};

use consensus_glossary::clock::Clock;
use consensus_glossary::domain::Actor;
use consensus_glossary::index::SearchRequest;
use consensus_glossary::service::Glossary;

const QUERIES: [(&str, &str); 14] = [
    ("English term", "malware"),
    ("English term", "cyber attack"),
    ("other language's term", "Schwachstelle"),
    ("other language's term", "фишинг"),
    ("other language's term", "hameçonnage"),
    ("other language's term", "vulnerabilidad"),
    ("inflected", "Sicherheitslücken"),
    ("inflected", "attaques"),
    ("misspelt", "malwear"),
    ("misspelt", "critcal infrastucture"),
    ("misspelt", "Schwachstele"),
    ("words", "attack"),
    ("words", "security incident"),
    ("phrase", "\"critical infrastructure\""),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = args.next().unwrap_or_else(|| "data".into());
    let rounds: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(200);
    let dir = std::env::temp_dir().join(format!("cg-latency-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut glossary = Glossary::open(&dir, Clock::system())?;
    glossary.open_index()?;
    let lists = consensus_glossary::samples::load(&glossary, std::path::Path::new(&data))?;
    println!(
        "{lists} sample lists, {} documents; {rounds} rounds of {} queries",
        glossary.index_documents()?,
        QUERIES.len()
    );
    let reader = Actor::anonymous();
    for limit in [20, 0] {
        let mut by_kind: Vec<(&str, Vec<Duration>)> = Vec::new();
        for round in 0..=rounds {
            for (kind, q) in QUERIES {
                let req = SearchRequest { q: q.to_owned(), limit, ..Default::default() };
                let t = Instant::now();
                let results = glossary.search(&reader, &req)?;
                let took = t.elapsed();
                std::hint::black_box(results.hits.len());
                if round == 0 {
                    continue; // warm-up
                }
                match by_kind.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, times)) => times.push(took),
                    None => by_kind.push((kind, vec![took])),
                }
            }
        }
        println!("limit={limit}");
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mut all: Vec<Duration> = Vec::new();
        for (kind, times) in &mut by_kind {
            times.sort();
            all.extend(times.iter());
            let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
            println!("  {kind:<24} p50 {:>6.3} ms   p99 {:>6.3} ms", ms(at(0.5)), ms(at(0.99)));
        }
        all.sort();
        let at = |p: f64| all[((all.len() - 1) as f64 * p) as usize];
        println!("  {:<24} p50 {:>6.3} ms   p99 {:>6.3} ms", "all", ms(at(0.5)), ms(at(0.99)));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
