//! Cross-language search on real national definitions.
//!
//! Loads a JSON-lines file of definitions in several languages, each with
//! its English translation and a `concept` label (e.g. the real legal
//! definitions beside this project, which are not part of it), one party per
//! `state` and one list per language of it. Then every non-English term is
//! searched as typed, and once misspelt (one edit, terms of four letters or
//! more); a query succeeds when an entry of the same `concept` in another
//! language is among the top 10 hits. Hits found through a translation
//! (`bridged_by`) are counted by tier, with their precision (of the query's
//! notion or not).
//!
//! ```text
//! cargo run --example search_across -- ../shared/eval/real-multilingual-dev.jsonl
//! ```

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use consensus_glossary::domain::{Actor, normalize};
use consensus_glossary::index::SearchRequest;
use consensus_glossary::service::Glossary;

#[path = "support/multilingual.rs"]
mod multilingual;
#[path = "support/typo.rs"]
mod typo;

/// (party code, language, term key) → the notions of that entry.
type Notions = HashMap<(String, String, String), BTreeSet<String>>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: search_across FILE.jsonl")?;
    let by_state = multilingual::read(std::path::Path::new(&path))?;
    let started = Instant::now();
    let (glossary, codes, dir) = multilingual::load(&by_state)?;
    let rows: Vec<&multilingual::Row> = by_state.values().flat_map(|l| l.values()).flatten().collect();
    eprintln!("loaded {} definitions of {} parties in {:.1?}", rows.len(), by_state.len(), started.elapsed());

    let mut notions: Notions = HashMap::new();
    // Notion → the languages that have an entry for it.
    let mut languages_of: HashMap<String, BTreeSet<String>> = HashMap::new();
    for r in &rows {
        let Some(c) = &r.concept else { continue };
        let key = (codes[&r.state].clone(), r.language.clone(), normalize::key(&r.term));
        notions.entry(key).or_default().insert(c.clone());
        languages_of.entry(c.clone()).or_default().insert(r.language.clone());
    }
    // Every non-English term once (per State and language), with its notion
    // and whether another language has an entry for that notion.
    let mut seen = BTreeSet::new();
    let queries: Vec<(&multilingual::Row, &str, bool)> = rows
        .iter()
        .filter(|r| r.language != "en" && seen.insert((r.state.clone(), r.language.clone(), normalize::key(&r.term))))
        .filter_map(|r| {
            let concept = r.concept.as_deref()?;
            let possible = languages_of.get(concept).is_some_and(|ls| ls.iter().any(|l| *l != r.language));
            Some((*r, concept, possible))
        })
        .collect();

    for misspelt in [false, true] {
        let report = measure(&glossary, &notions, &queries, misspelt)?;
        report.print(if misspelt { "misspelt (one edit)" } else { "as typed" });
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[derive(Default)]
struct Report {
    asked: usize,
    found: usize,
    answerable: usize,
    found_answerable: usize,
    /// Hits whose term is a translation of the query (tier 3), and those of its notion.
    bridged: (usize, usize),
    /// Hits whose terms hold most words of one (tier 1), and those of its notion.
    related: (usize, usize),
    times: Vec<Duration>,
    misses: Vec<String>,
    wrong: Vec<String>,
}

fn measure(
    glossary: &Glossary,
    notions: &Notions,
    queries: &[(&multilingual::Row, &str, bool)],
    misspelt: bool,
) -> Result<Report, Box<dyn std::error::Error>> {
    let reader = Actor::anonymous();
    let mut report = Report::default();
    for (n, (r, concept, possible)) in queries.iter().enumerate() {
        if misspelt && r.term.chars().count() < 4 {
            continue;
        }
        let q = if misspelt { typo::one_edit(&r.term, n as u64) } else { r.term.clone() };
        let req = SearchRequest { q: q.clone(), limit: 10, ..Default::default() };
        let t = Instant::now();
        let results = glossary.search(&reader, &req)?;
        report.times.push(t.elapsed());
        let of_notion = |e: &consensus_glossary::store::EntryRecord| {
            notions
                .get(&(e.state.clone(), e.language.clone(), e.term_key.clone()))
                .is_some_and(|cs| cs.contains(*concept))
        };
        let hit = results.hits.iter().any(|h| h.entry.language != r.language && of_notion(&h.entry));
        for h in results.hits.iter().filter(|h| h.bridged_by.is_some()) {
            let right = of_notion(&h.entry);
            let tier = if h.score >= 3.0 { &mut report.bridged } else { &mut report.related };
            tier.0 += 1;
            tier.1 += usize::from(right);
            if !right && report.wrong.len() < 25 {
                report.wrong.push(format!(
                    "{q} → {:?} → {} ({}, tier {})",
                    h.bridged_by.as_deref().unwrap_or_default(),
                    h.entry.term,
                    h.entry.language,
                    h.score.floor()
                ));
            }
        }
        report.asked += 1;
        report.found += usize::from(hit);
        report.answerable += usize::from(*possible);
        report.found_answerable += usize::from(hit && *possible);
        if *possible && !hit {
            let got: Vec<&str> = results.hits.iter().take(3).map(|h| h.entry.term.as_str()).collect();
            report.misses.push(format!(
                "{q} ({}, translated {:?}; notion {concept}): top hits {got:?}",
                r.language,
                r.term_en.as_deref().unwrap_or("-")
            ));
        }
    }
    Ok(report)
}

impl Report {
    fn print(mut self, what: &str) {
        let share = |a: usize, b: usize| a as f64 / b.max(1) as f64;
        println!("== non-English terms {what}");
        println!(
            "cross-language@10: {:.3} ({}/{} whose notion has an entry in another language)",
            share(self.found_answerable, self.answerable),
            self.found_answerable,
            self.answerable
        );
        println!("  over every non-English term: {:.3} ({}/{})", share(self.found, self.asked), self.found, self.asked);
        let (b, r) = (self.bridged, self.related);
        println!("hits whose term is a translation of the query: {}, of its notion {:.3}", b.0, share(b.1, b.0));
        println!("hits whose terms hold most words of one: {}, of its notion {:.3}", r.0, share(r.1, r.0));
        self.times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mean = self.times.iter().sum::<Duration>().as_secs_f64() * 1000.0 / self.times.len().max(1) as f64;
        let p50 = self.times.get(self.times.len() / 2).copied().unwrap_or_default();
        let max = self.times.last().copied().unwrap_or_default();
        println!("query time: mean {mean:.2} ms, p50 {:.2} ms, max {:.2} ms", ms(p50), ms(max));
        for (title, lines) in [("misses", &self.misses), ("bridged hits of another notion (at most 25)", &self.wrong)] {
            if !lines.is_empty() {
                println!("{title}:");
                lines.iter().for_each(|l| println!("  {l}"));
            }
        }
    }
}
