//! `glossary cluster [--rebuild] [--evaluate LABELS.jsonl] [--curve]`: cluster
//! the current entries (with the server stopped) and measure the clustering
//! against labels: pairwise and B-cubed precision, recall and F1, beside the
//! trivial baseline "same normalized term = same cluster".

use std::path::{Path, PathBuf};

use clap::Args;
use consensus_glossary::Result;
use consensus_glossary::clock::Clock;
use consensus_glossary::domain::Actor;
use consensus_glossary::service::Glossary;
use consensus_glossary::service::{Quality, read_labels};

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Recluster from scratch first (also done when nothing was clustered yet).
    #[arg(long)]
    pub rebuild: bool,
    /// A JSON-lines file of {state, year?, term, concept} to measure against.
    #[arg(long)]
    pub evaluate: Option<PathBuf>,
    /// With --evaluate: also print precision/recall over a range of thresholds.
    #[arg(long)]
    pub curve: bool,
}

pub fn run(data_dir: &Path, args: ClusterArgs) -> Result<()> {
    let mut glossary = Glossary::open(data_dir, Clock::system()).map_err(super::token::locked)?;
    glossary.open_index()?;
    let actor = Actor::operator();
    if args.rebuild || !glossary.has_clusters() {
        let stats = glossary.rebuild_clusters(&actor)?;
        eprintln!(
            "clustered {} entries into {} clusters ({} with two or more States) in {} ms",
            stats.entries, stats.clusters, stats.multi_state_clusters, stats.millis
        );
    } else if args.evaluate.is_none() {
        // Nothing asked: say so, and what could be done.
        eprintln!(
            "the entries are clustered already; nothing changed. \
             --rebuild reclusters from scratch; --evaluate LABELS.jsonl measures the clustering"
        );
    }
    let Some(path) = args.evaluate else { return Ok(()) };
    let labels = read_labels(&path)?;
    let report = glossary.evaluate_clusters(&labels)?;
    let p = glossary.cluster_params();
    println!("labelled entries: {} ({} match no current entry)", report.labelled, report.unmatched);
    println!(
        "parameters: clusters merge while their average pair score >= {} (pairs below {} count 0); \
         the same term scores {} + the rest x definition cosine, unless the cosine < {} (false friends); \
         other pairs score the cosine + {} x the terms' word overlap",
        p.min_link, p.min_edge, p.same_term_floor, p.same_term_min_definition, p.term_weight
    );
    println!("{:<34} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}", "", "pair P", "pair R", "pair F1", "B3 P", "B3 R", "B3 F1");
    print_row("clustering", &report.clustering);
    print_row("baseline: same term", &report.baseline_same_term);
    print_row("baseline: same term or English", &report.baseline_same_term_or_english);
    let d = &report.different_terms;
    println!(
        "pairs whose English terms differ: {} of {} found (recall {:.3}); {} such pairs clustered, precision {:.3}",
        d.found, d.gold, d.recall, d.predicted, d.precision
    );
    if args.curve {
        println!("\nprecision/recall over the threshold (min_link = t):");
        let default = glossary.cluster_params();
        for t in [0.20f32, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.60, 0.70] {
            glossary.set_cluster_params(consensus_glossary::cluster::Params { min_link: t, ..default });
            glossary.rebuild_clusters(&actor)?;
            let r = glossary.evaluate_clusters(&labels)?;
            print_row(&format!("t = {t:.2}"), &r.clustering);
        }
        glossary.set_cluster_params(default);
        glossary.rebuild_clusters(&actor)?;
    }
    Ok(())
}

fn print_row(name: &str, q: &Quality) {
    println!(
        "{name:<34} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
        q.pairwise.precision, q.pairwise.recall, q.pairwise.f1, q.bcubed.precision, q.bcubed.recall, q.bcubed.f1
    );
}
