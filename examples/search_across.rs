//! Cross-language search on real national definitions.
//!
//! Loads a JSON-lines file of definitions in several languages, each with
//! its English translation and a `concept` label (e.g. the real legal
//! definitions beside this project, which are not part of it), one party per
//! `state` and one list per language of it. Then every non-English term is
//! searched as typed; a query succeeds when an entry of the same `concept` in
//! another language is among the top 10 hits.
//!
//! ```text
//! cargo run --example search_across -- ../shared/eval/real-multilingual-dev.jsonl
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use consensus_glossary::domain::{Actor, normalize};
use consensus_glossary::index::SearchRequest;

#[path = "support/multilingual.rs"]
mod multilingual;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: search_across FILE.jsonl")?;
    let by_state = multilingual::read(std::path::Path::new(&path))?;
    let started = Instant::now();
    let (glossary, codes, dir) = multilingual::load(&by_state)?;
    let rows: Vec<&multilingual::Row> = by_state.values().flat_map(|l| l.values()).flatten().collect();
    eprintln!("loaded {} definitions of {} parties in {:.1?}", rows.len(), by_state.len(), started.elapsed());

    // (party code, language, term key) → the notions of that entry.
    let mut concepts: HashMap<(String, String, String), BTreeSet<String>> = HashMap::new();
    // Notion → the languages that have an entry for it.
    let mut languages_of: HashMap<String, BTreeSet<String>> = HashMap::new();
    for r in &rows {
        let Some(c) = &r.concept else { continue };
        let key = (codes[&r.state].clone(), r.language.clone(), normalize::key(&r.term));
        concepts.entry(key).or_default().insert(c.clone());
        languages_of.entry(c.clone()).or_default().insert(r.language.clone());
    }

    let reader = Actor::anonymous();
    let (mut asked, mut found, mut answerable, mut found_answerable) = (0usize, 0usize, 0usize, 0usize);
    let mut times: Vec<Duration> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut misses = Vec::new();
    // Hits found through a translation: of the query's notion, or not.
    let (mut bridged, mut bridged_right) = (0usize, 0usize);
    let (mut related, mut related_right) = (0usize, 0usize);
    let mut wrong = Vec::new();
    for r in &rows {
        let Some(concept) = &r.concept else { continue };
        if r.language == "en" || !seen.insert((r.state.clone(), r.language.clone(), normalize::key(&r.term))) {
            continue;
        }
        let possible = languages_of.get(concept).is_some_and(|ls| ls.iter().any(|l| *l != r.language));
        let req = SearchRequest { q: r.term.clone(), limit: 10, ..Default::default() };
        let t = Instant::now();
        let results = glossary.search(&reader, &req)?;
        times.push(t.elapsed());
        let hit = results.hits.iter().any(|h| {
            let e = &h.entry;
            e.language != r.language
                && concepts
                    .get(&(e.state.clone(), e.language.clone(), e.term_key.clone()))
                    .is_some_and(|cs| cs.contains(concept))
        });
        for h in results.hits.iter().filter(|h| h.bridged_by.is_some()) {
            let e = &h.entry;
            let right = concepts
                .get(&(e.state.clone(), e.language.clone(), e.term_key.clone()))
                .is_some_and(|cs| cs.contains(concept));
            // Tier 3: a translation is the entry's term; tier 1: most of its words.
            let (n, ok) =
                if h.score >= 3.0 { (&mut bridged, &mut bridged_right) } else { (&mut related, &mut related_right) };
            *n += 1;
            *ok += usize::from(right);
            if !right && wrong.len() < 25 {
                wrong.push(format!(
                    "{} → {:?} → {} ({}, tier {})",
                    r.term,
                    h.bridged_by.as_deref().unwrap_or_default(),
                    e.term,
                    e.language,
                    h.score.floor()
                ));
            }
        }
        asked += 1;
        found += usize::from(hit);
        answerable += usize::from(possible);
        found_answerable += usize::from(hit && possible);
        if possible && !hit {
            let got: Vec<String> = results.hits.iter().take(3).map(|h| h.entry.term.clone()).collect();
            misses.push(format!(
                "{} ({}, translated {:?}; notion {concept}): top hits {got:?}",
                r.term,
                r.language,
                r.term_en.as_deref().unwrap_or("-")
            ));
        }
    }
    let share = |a: usize, b: usize| a as f64 / b.max(1) as f64;
    println!(
        "cross-language@10: {:.3} ({found_answerable}/{answerable} non-English terms whose notion has an entry in another language)",
        share(found_answerable, answerable)
    );
    println!("  over every non-English term: {:.3} ({found}/{asked})", share(found, asked));
    println!(
        "hits whose term is a translation of the query: {bridged}, of the query's notion: {:.3} ({bridged_right}/{bridged})",
        share(bridged_right, bridged)
    );
    println!(
        "hits whose terms hold most words of one: {related}, of the query's notion: {:.3} ({related_right}/{related})",
        share(related_right, related)
    );
    times.sort();
    let mean = times.iter().sum::<Duration>().as_secs_f64() * 1000.0 / times.len().max(1) as f64;
    let p50 = times.get(times.len() / 2).copied().unwrap_or_default();
    let max = times.last().copied().unwrap_or_default();
    println!(
        "query time: mean {mean:.2} ms, p50 {:.2} ms, max {:.2} ms",
        p50.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0
    );
    if !misses.is_empty() {
        println!("misses:");
        for m in misses {
            println!("  {m}");
        }
    }
    if !wrong.is_empty() {
        println!("hits through a translation, of another notion (at most 25):");
        for w in wrong {
            println!("  {w}");
        }
    }
    let by_language: BTreeMap<&str, usize> = rows.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.language.as_str()).or_default() += 1;
        m
    });
    eprintln!("rows by language: {by_language:?}");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
