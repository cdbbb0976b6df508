//! Clustering quality on real definitions.
//!
//! Loads a JSON-lines file of definitions with a `concept` label per line (e.g.
//! the NIST glossary extract beside this project, which is not part of it),
//! one party per `source`, clusters them, and prints pairwise and B-cubed
//! precision, recall and F1 next to the trivial baseline "same normalized term
//! = same cluster", plus a curve over the threshold.
//!
//! ```text
//! cargo run --release --example cluster_eval -- ../shared/eval/nist-csrc-dev.jsonl
//! ```

#[path = "support/jsonl.rs"]
mod jsonl;

use consensus_glossary::cluster::Params;
use consensus_glossary::cluster::evaluate::{Label, Quality};
use consensus_glossary::domain::Actor;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: cluster_eval FILE.jsonl")?;
    let by_source = jsonl::read(std::path::Path::new(&path))?;
    let (mut glossary, codes, dir) = jsonl::load(&by_source)?;
    let labels: Vec<Label> = by_source
        .values()
        .flatten()
        .filter_map(|r| {
            Some(Label {
                state: codes.get(&r.source)?.clone(),
                year: None,
                term: r.term.clone(),
                concept: r.concept.clone()?,
            })
        })
        .collect();
    let actor = Actor::operator();
    let stats = glossary.rebuild_clusters(&actor)?;
    println!("{} entries, {} clusters, clustered in {} ms", stats.entries, stats.clusters, stats.millis);
    let report = glossary.evaluate_clusters(&labels)?;
    println!("labelled: {} ({} unmatched)", report.labelled, report.unmatched);
    println!("{:<32} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}", "", "pair P", "pair R", "pair F1", "B3 P", "B3 R", "B3 F1");
    row("clustering (defaults)", &report.clustering);
    row("baseline: same normalized term", &report.baseline_same_term);
    let default = glossary.cluster_params();
    for t in [0.30f32, 0.40, 0.45, 0.50, 0.60, 0.70, 0.95] {
        glossary.set_cluster_params(Params { min_score: t, min_definition: t, ..default });
        glossary.rebuild_clusters(&actor)?;
        row(&format!("t = {t:.2}"), &glossary.evaluate_clusters(&labels)?.clustering);
    }
    for s in [0.0f32, 0.04, 0.08, 0.15] {
        glossary.set_cluster_params(Params { same_term_min_definition: s, ..default });
        glossary.rebuild_clusters(&actor)?;
        row(&format!("same-term veto = {s:.2}"), &glossary.evaluate_clusters(&labels)?.clustering);
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn row(name: &str, q: &Quality) {
    println!(
        "{name:<32} {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>7.3}",
        q.pairwise.precision, q.pairwise.recall, q.pairwise.f1, q.bcubed.precision, q.bcubed.recall, q.bcubed.f1
    );
}
