//! Clustering quality on definitions this team did not write.
//!
//! Loads each JSON-lines file given by path (the NIST glossary extract or the
//! multilingual legal definitions beside this project, which are not part of
//! it; see `support/jsonl.rs` for how rows become parties and lists) and, with
//! `--samples DIR`, the project's own sample lists with `DIR/labels.jsonl`.
//! For each set it clusters through the service and prints pairwise and
//! B-cubed precision, recall and F1, the same figures on the pairs whose
//! English terms differ, blocking recall (the share of true pairs blocking
//! proposes before any scoring), the baselines "same term" and "same term or
//! English translation", and the worst false merges and misses with their
//! scores and reasons.
//!
//! `--curve` adds precision/recall over `min_link`; `--cv` chooses
//! `min_link` and a second parameter (`--cv-param NAME=V1,V2,...`, default
//! `same_term_min_definition`) by leave-one-set-out cross-validation over
//! the sets given (each set's choice made on the other sets only) and prints
//! the held-out figures; `--param NAME=VALUE` changes a default
//! (`cluster::Params::set` names them). `--keep DIR` keeps each JSON-lines
//! set's data directory as `DIR/NAME`, with the labels as placed
//! (`DIR/NAME/labels.jsonl`), so that the service itself measures it:
//! `glossary --data-dir DIR/NAME cluster --evaluate DIR/NAME/labels.jsonl`.
//!
//! ```text
//! cargo run --example cluster_eval -- --samples data \
//!     ../shared/eval/real-multilingual-dev.jsonl ../shared/eval/nist-csrc-dev.jsonl --cv
//! ```

#[path = "support/jsonl.rs"]
mod jsonl;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use consensus_glossary::clock::Clock;
use consensus_glossary::cluster::evaluate::{self, Label, Matched, Quality};
use consensus_glossary::cluster::{self, Params};
use consensus_glossary::domain::Actor;
use consensus_glossary::index::SearchIndex;
use consensus_glossary::service::Glossary;
use consensus_glossary::store::Store;

type Error = Box<dyn std::error::Error>;

struct Options {
    files: Vec<PathBuf>,
    samples: Option<PathBuf>,
    curve: bool,
    cv: bool,
    errors: usize,
    /// Parameters set by `--param NAME=VALUE` (over the defaults).
    params: Vec<(String, String)>,
    /// The second dimension of the cross-validation grid (`--cv-param NAME=V1,V2,...`).
    cv_param: (String, Vec<String>),
    /// Where the JSON-lines sets' data directories are kept (`--keep DIR`).
    keep: Option<PathBuf>,
}

fn options() -> Result<Options, Error> {
    let mut o = Options {
        files: Vec::new(),
        samples: None,
        curve: false,
        cv: false,
        errors: 8,
        params: Vec::new(),
        cv_param: ("same_term_min_definition".into(), ["0", "0.02", "0.04", "0.08"].map(String::from).to_vec()),
        keep: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--samples" => o.samples = Some(args.next().ok_or("--samples DIR")?.into()),
            "--curve" => o.curve = true,
            "--cv" => o.cv = true,
            "--errors" => o.errors = args.next().ok_or("--errors N")?.parse()?,
            "--keep" => o.keep = Some(args.next().ok_or("--keep DIR")?.into()),
            "--param" => {
                let p = args.next().ok_or("--param NAME=VALUE")?;
                let (k, v) = p.split_once('=').ok_or("--param NAME=VALUE")?;
                o.params.push((k.to_owned(), v.to_owned()));
            }
            "--cv-param" => {
                let p = args.next().ok_or("--cv-param NAME=V1,V2,...")?;
                let (k, v) = p.split_once('=').ok_or("--cv-param NAME=V1,V2,...")?;
                o.cv_param = (k.to_owned(), v.split(',').map(str::to_owned).collect());
            }
            _ if a.starts_with("--") => return Err(format!("unknown option {a}").into()),
            _ => o.files.push(a.into()),
        }
    }
    if o.files.is_empty() && o.samples.is_none() {
        return Err("usage: cluster_eval [--samples DIR] [--curve] [--cv] [--cv-param NAME=V1,V2] [--param NAME=VALUE]... [--errors N] [--keep DIR] FILE.jsonl...".into());
    }
    Ok(o)
}

/// One labelled set, loaded into its own data directory.
struct Set {
    name: String,
    dir: PathBuf,
    labels: Vec<Label>,
    store: Store,
    index: SearchIndex,
}

impl Set {
    /// Clusters with `params` and measures against the labels.
    fn measure(&self, params: &Params) -> Result<evaluate::Report, Error> {
        cluster::rebuild(&self.store, &self.index, &mut cluster::Cache::new(), params, Clock::system().now())?;
        Ok(evaluate::evaluate(&self.store, &self.labels)?)
    }
}

fn main() -> Result<(), Error> {
    let o = options()?;
    let actor = Actor::operator();
    let mut sets = Vec::new();
    let mut defaults = Params::default();
    for (k, v) in &o.params {
        defaults.set(k, v)?;
    }
    // Load each set through the service, cluster and measure it there (what
    // `glossary cluster --evaluate` reports), then reopen its store and index
    // directly for blocking recall, curves and cross-validation.
    let mut loaded: Vec<(String, Glossary, PathBuf, Vec<Label>)> = Vec::new();
    if let Some(data) = &o.samples {
        let dir = std::env::temp_dir().join(format!("cg-eval-{}-samples", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let mut glossary = Glossary::open(&dir, Clock::system())?;
        glossary.open_index()?;
        glossary.set_cluster_params(defaults);
        consensus_glossary::samples::load(&glossary, data)?;
        let labels = evaluate::read_labels(&data.join("labels.jsonl"))?;
        loaded.push(("samples".into(), glossary, dir, labels));
    }
    for f in &o.files {
        let by_party = jsonl::read(f)?;
        let name = f.file_stem().and_then(|s| s.to_str()).unwrap_or("set").to_owned();
        let l = match &o.keep {
            Some(keep) => jsonl::load_into(&by_party, keep.join(&name))?,
            None => jsonl::load(&by_party)?,
        };
        let labels: Vec<Label> = l
            .placed
            .iter()
            .filter_map(|p| {
                Some(Label {
                    state: p.state.clone(),
                    year: Some(p.year),
                    term: p.row.term.clone(),
                    concept: p.row.concept.clone()?,
                })
            })
            .collect();
        if o.keep.is_some() {
            let mut text = String::new();
            for l in &labels {
                let line = serde_json::json!({"state": l.state, "year": l.year, "term": l.term, "concept": l.concept});
                text.push_str(&line.to_string());
                text.push('\n');
            }
            std::fs::write(l.dir.join("labels.jsonl"), text)?;
        }
        loaded.push((name, l.glossary, l.dir, labels));
    }
    for (name, mut glossary, dir, labels) in loaded {
        glossary.set_cluster_params(defaults);
        let stats = glossary.rebuild_clusters(&actor)?;
        let report = glossary.evaluate_clusters(&labels)?;
        println!(
            "\n== {name}: {} entries, {} clusters ({} with 2+ parties), clustered in {} ms",
            stats.entries, stats.clusters, stats.multi_state_clusters, stats.millis
        );
        println!("labelled: {} ({} unmatched)", report.labelled, report.unmatched);
        header();
        row("clustering (defaults)", &report.clustering, Some(&report.different_terms));
        row("baseline: same term", &report.baseline_same_term, None);
        row("baseline: same term or English", &report.baseline_same_term_or_english, None);
        if let (Some(data), "samples") = (&o.samples, name.as_str()) {
            // The issue's case: one State revises its list; the service
            // updates the clusters incrementally. Then a rebuild, to compare.
            let body = std::fs::read(data.join("lists/DE-2014-r2.json"))?;
            let state = glossary.known_state("DE", "state")?;
            let input = consensus_glossary::service::ListInput {
                format: consensus_glossary::service::ListFormat::Json,
                body: &body,
                language: None,
                year: None,
                distribution: None,
            };
            glossary.submit(&actor, &state, input)?;
            let r = glossary.evaluate_clusters(&labels)?;
            row("after a DE revision (update)", &r.clustering, Some(&r.different_terms));
            glossary.rebuild_clusters(&actor)?;
            let r = glossary.evaluate_clusters(&labels)?;
            row("after a DE revision (rebuild)", &r.clustering, Some(&r.different_terms));
        }
        drop(glossary);
        let store = Store::open(&dir.join("store"), Clock::system().now())?;
        let (index, _) = SearchIndex::open(&dir.join("index"), &store)?;
        let set = Set { name, dir, labels, store, index };
        let (items, _) = evaluate::matched(&set.store, &set.labels)?;
        let pairs = cluster::candidate_pairs(&set.store, &set.index, &defaults)?;
        let ((held, gold), (dheld, dgold)) = evaluate::pair_recall(&items, &pairs);
        println!(
            "blocking recall: {:.3} ({held}/{gold} true pairs proposed; {} pairs in all); different English terms: {:.3} ({dheld}/{dgold})",
            ratio(held, gold),
            pairs.len(),
            ratio(dheld, dgold)
        );
        set.measure(&defaults)?;
        errors(&set, &items, &defaults, o.errors)?;
        if o.curve {
            println!("precision/recall over min_link (other parameters as default):");
            header();
            for t in [0.20f32, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.60, 0.70] {
                let r = set.measure(&Params { min_link: t, ..defaults })?;
                row(&format!("min_link = {t:.2}"), &r.clustering, Some(&r.different_terms));
            }
            for v in [0.0f32, 0.04, 0.08, 0.12] {
                let r = set.measure(&Params { same_term_min_definition: v, ..defaults })?;
                row(&format!("same-term veto = {v:.2}"), &r.clustering, Some(&r.different_terms));
            }
        }
        sets.push(set);
    }
    if o.cv && sets.len() >= 2 {
        cross_validate(&sets, &defaults, &o.cv_param)?;
    }
    for s in &sets {
        match &o.keep {
            // Kept: clustered with the defaults again (curves and CV left it otherwise).
            Some(keep) if s.dir.starts_with(keep) => {
                s.measure(&defaults)?;
                let dir = s.dir.display();
                println!("\nkept {}: glossary --data-dir {dir} cluster --evaluate {dir}/labels.jsonl", s.name);
            }
            _ => {
                let _ = std::fs::remove_dir_all(&s.dir);
            }
        }
    }
    Ok(())
}

/// Leave-one-set-out: for each set, the grid point with the best mean
/// pairwise F1 over the other sets, and that point's figures on the set.
fn cross_validate(sets: &[Set], defaults: &Params, (name, values): &(String, Vec<String>)) -> Result<(), Error> {
    let mut grid = Vec::new();
    let mut labels = Vec::new();
    for t in [0.15f32, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45] {
        for v in values {
            let mut p = Params { min_link: t, ..*defaults };
            p.set(name, v)?;
            grid.push(p);
            labels.push(format!("{t:.2}/{v}"));
        }
    }
    // f1[set][point]
    let mut f1: Vec<Vec<f64>> = Vec::new();
    let mut reports = Vec::new();
    for s in sets {
        let mut row_f1 = Vec::new();
        let mut row_r = Vec::new();
        for p in &grid {
            let r = s.measure(p)?;
            row_f1.push(r.clustering.pairwise.f1);
            row_r.push(r);
        }
        f1.push(row_f1);
        reports.push(row_r);
    }
    println!("\n== pairwise F1 over the grid (min_link / {name})");
    for p in 0..grid.len() {
        let cells: Vec<String> = sets
            .iter()
            .enumerate()
            .map(|(j, s)| {
                let d = &reports[j][p].different_terms;
                format!("{} {:.3} (diff {}/{} P {:.2})", s.name, f1[j][p], d.found, d.gold, d.precision)
            })
            .collect();
        println!("  {}: {}", labels[p], cells.join(", "));
    }
    println!("\n== leave-one-set-out cross-validation over min_link x {name}");
    header();
    for (k, s) in sets.iter().enumerate() {
        let best = (0..grid.len())
            .max_by(|&a, &b| {
                let mean = |p: usize| (0..sets.len()).filter(|&j| j != k).map(|j| f1[j][p]).sum::<f64>();
                mean(a).total_cmp(&mean(b))
            })
            .unwrap_or(0);
        let r = &reports[k][best];
        row(&format!("{} @ {}", s.name, labels[best]), &r.clustering, Some(&r.different_terms));
    }
    let best_all = (0..grid.len())
        .max_by(|&a, &b| {
            let mean = |p: usize| (0..sets.len()).map(|j| f1[j][p]).sum::<f64>();
            mean(a).total_cmp(&mean(b))
        })
        .unwrap_or(0);
    println!(
        "best mean pairwise F1 over all sets: min_link/{name} {} ({})",
        labels[best_all],
        sets.iter()
            .enumerate()
            .map(|(j, s)| format!("{} {:.3}", s.name, f1[j][best_all]))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// The worst false merges (pairs of different concepts in one cluster, by
/// score) and misses (pairs of one concept apart, by score), with why.
fn errors(set: &Set, items: &[Matched], params: &Params, n: usize) -> Result<(), Error> {
    if n == 0 {
        return Ok(());
    }
    let mut cluster_of = HashMap::new();
    for m in items {
        cluster_of.insert(m.id.clone(), set.store.cluster_of(&m.id)?);
    }
    let mut merges = Vec::new();
    let mut misses = Vec::new();
    let mut seen = HashSet::new();
    for (i, a) in items.iter().enumerate() {
        for b in &items[i + 1..] {
            if a.id == b.id || !seen.insert((a.id.clone(), b.id.clone())) {
                continue;
            }
            let together = cluster_of[&a.id].is_some() && cluster_of[&a.id] == cluster_of[&b.id];
            let same = a.concept == b.concept;
            if together && !same {
                merges.push((a, b));
            } else if !together && same {
                misses.push((a, b));
            }
        }
    }
    let entry = |id: &str| -> Result<consensus_glossary::store::EntryRecord, Error> {
        let (sub, ord) = consensus_glossary::store::parse_entry_id(id).ok_or("entry id")?;
        Ok(set.store.entry(sub, ord)?.ok_or("entry")?)
    };
    let explain = |list: Vec<(&Matched, &Matched)>, title: &str| -> Result<(), Error> {
        let mut scored = Vec::new();
        for (a, b) in list {
            let (ea, eb) = (entry(&a.id)?, entry(&b.id)?);
            let s = cluster::similarities(&set.index, &[ea.clone(), eb.clone()], params)?;
            scored.push((s[0][1].clone(), a, b, ea, eb));
        }
        scored.sort_by(|x, y| y.0.score.total_cmp(&x.0.score));
        println!("{title} ({} in all):", scored.len());
        for (s, a, b, ea, eb) in scored.iter().take(n) {
            println!(
                "  {:.3} (def {:.3}, term {:.3}) {} '{}' [{}] / {} '{}' [{}]{}{} shared: {}",
                s.score,
                s.definition,
                s.term,
                ea.state,
                ea.term_en.as_deref().unwrap_or(&ea.term),
                a.concept,
                eb.state,
                eb.term_en.as_deref().unwrap_or(&eb.term),
                b.concept,
                s.bridge.as_deref().map(|b| format!("; bridge: {b}")).unwrap_or_default(),
                s.apart.as_deref().map(|b| format!("; apart: {b}")).unwrap_or_default(),
                s.shared_words.join(" ")
            );
        }
        Ok(())
    };
    explain(merges, "worst false merges")?;
    explain(misses, "worst misses")?;
    Ok(())
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

fn header() {
    println!(
        "{:<34} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>8} {:>8}",
        "", "pair P", "pair R", "pairF1", "B3 P", "B3 R", "B3 F1", "diff R", "diff P"
    );
}

fn row(name: &str, q: &Quality, d: Option<&evaluate::DifferentTerms>) {
    let diff = d
        .map(|d| format!("{:>8} {:>8}", format!("{}/{}", d.found, d.gold), format!("{:.3}", d.precision)))
        .unwrap_or_default();
    println!(
        "{name:<34} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {diff}",
        q.pairwise.precision, q.pairwise.recall, q.pairwise.f1, q.bcubed.precision, q.bcubed.recall, q.bcubed.f1
    );
}
