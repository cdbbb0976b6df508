//! Clustering at scale: full rebuild time and peak memory, and the
//! incremental update after one new 300-entry list.
//!
//! ```text
//! cargo bench --bench cluster                    # 100k
//! CG_BENCH_SIZES=1000000 cargo bench --bench cluster
//! ```
//!
//! Per size, on a copy of the cached data directory (`<dir>-cluster`, so the
//! shared one stays without clusters):
//! 1. submit a new 300-entry list while no clusters exist (the submit's base
//!    cost), and a revision of it (a revision's base cost);
//! 2. `Glossary::rebuild_clusters` (= `cluster::rebuild` + audit + flush):
//!    seconds, and peak RSS (VmHWM, reset just before; the RSS of the opened
//!    store + index before it is printed beside it);
//! 3. submit four more new 300-entry lists, now with clusters: `submit` calls
//!    `cluster::update` itself; the median's difference to 1. is the update's
//!    cost;
//! 4. `cluster::update` called again on the first of them, 3 times (median):
//!    a list already placed, which finds nothing to change;
//!    then a revision of each of the other three (300 other entries for the
//!    same State and year): the median's difference to 1.'s revision is a
//!    revision's update cost;
//! 5. the service opened again and one more new list submitted: its update
//!    first reads the clustering graph from the store.
//!
//! The new lists come from the generator with another seed and are given a
//! (State, year) the corpus does not have, when there is one left, so they
//! are new lists rather than revisions.
//!
//! It allocates through jemalloc, as the `glossary` binary does
//! (`--no-default-features`: the system's allocator).

/// The `glossary` binary's allocator, with its options (see `src/main.rs`):
/// the service's clustering runs on it.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[cfg(feature = "jemalloc")]
#[allow(non_upper_case_globals)]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static malloc_conf: Option<&'static std::ffi::c_char> =
    Some(unsafe { &*c"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0".as_ptr() });

#[path = "common/corpus.rs"]
mod corpus;
#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use consensus_glossary::domain::{Actor, StateCode};
use consensus_glossary::service::{ListFormat, ListInput};
use serde_json::json;

fn copy_dir(from: &Path, to: &Path) {
    if to.exists() {
        std::fs::remove_dir_all(to).expect("remove old copy");
    }
    let ok = Command::new("cp").arg("-a").arg(from).arg(to).status().expect("cp").success();
    assert!(ok, "cp -a {} {}", from.display(), to.display());
}

/// Six new 300-entry lists for (State, year) pairs `taken` does not hold.
fn new_lists(taken: &BTreeSet<(String, i32)>) -> Vec<corpus::GenList> {
    let mut out = Vec::new();
    let mut free = corpus::STATES
        .iter()
        .flat_map(|s| (corpus::FIRST_YEAR..=2025).map(move |y| (s.to_string(), y)))
        .filter(|p| !taken.contains(p));
    for seed in [7_001u64, 7_002, 7_003, 7_004, 7_005, 7_006] {
        let mut list = corpus::generate(seed, 300).into_iter().next().expect("one list");
        list.entries.truncate(300);
        if let Some((state, year)) = free.next() {
            list.state = state;
            list.year = year;
        }
        out.push(list);
    }
    out
}

/// A revision of `list`: the same State and year, 300 other entries.
fn revision_of(list: &corpus::GenList, seed: u64) -> corpus::GenList {
    let mut out = corpus::generate(seed, 300).into_iter().next().expect("one list");
    out.entries.truncate(300);
    out.state = list.state.clone();
    out.year = list.year;
    out
}

fn main() {
    // RUST_LOG=consensus_glossary=debug shows the rebuild's phases.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .try_init();
    for n in support::sizes() {
        let ds = support::dataset(n, support::SEED, true);
        let taken: BTreeSet<(String, i32)> = ds.lists.iter().map(|l| (l.state.clone(), l.year)).collect();
        drop(ds.lists);
        let extra = new_lists(&taken);
        let work = ds.dir.with_file_name(format!("{}-cluster", ds.dir.file_name().unwrap().to_string_lossy()));
        let t = Instant::now();
        copy_dir(&ds.dir, &work);
        eprintln!("cluster: copied {} in {:.1?}", work.display(), t.elapsed());

        let glossary = support::open(&work);
        let actor = Actor::operator();
        let submit = |list: &corpus::GenList| {
            let state = StateCode::parse(&list.state).unwrap();
            let body = support::body(list);
            let t = Instant::now();
            let receipt = glossary
                .submit(
                    &actor,
                    &state,
                    ListInput { format: ListFormat::Json, body: &body, language: None, year: None, distribution: None },
                )
                .expect("submit");
            (t.elapsed().as_secs_f64(), receipt)
        };

        // 1. a submit without clusters, and a revision of it
        let (submit_plain_s, r0) = submit(&extra[0]);
        let (revision_plain_s, _) = submit(&revision_of(&extra[0], 8_000));

        // 2. full rebuild
        let rss_before = support::rss();
        support::reset_peak_rss();
        let t = Instant::now();
        let stats = glossary.rebuild_clusters(&actor).expect("rebuild");
        let rebuild_s = t.elapsed().as_secs_f64();
        let peak = support::peak_rss();

        // 3. submits with clusters (each calls cluster::update): four new
        // lists, the first one's submission is used again in 4.
        let (submit_clustered_s, r1) = submit(&extra[1]);
        let mut placed = vec![submit_clustered_s];
        for list in &extra[2..5] {
            placed.push(submit(list).0);
        }
        placed.sort_by(f64::total_cmp);
        let placed_median = (placed[1] + placed[2]) / 2.0;

        // 4. cluster::update directly, on the submission of 3.
        let s = &r1.stored.submission;
        let mut direct = Vec::new();
        let mut last = None;
        for _ in 0..3 {
            let t = Instant::now();
            let st = glossary.place_submission(s.id, s.replaces).expect("update").expect("clusters exist");
            direct.push(t.elapsed().as_secs_f64());
            last = Some(st);
        }
        direct.sort_by(f64::total_cmp);
        let mut revised: Vec<f64> =
            extra[2..5].iter().zip(8_002u64..).map(|(list, seed)| submit(&revision_of(list, seed)).0).collect();
        revised.sort_by(f64::total_cmp);

        // 5. a restart: the service opened again, a new list submitted; its
        // update first reads the clustering graph from the store.
        drop(glossary);
        let glossary = support::open(&work);
        let state = StateCode::parse(&extra[5].state).unwrap();
        let body = support::body(&extra[5]);
        let t = Instant::now();
        glossary
            .submit(
                &actor,
                &state,
                ListInput { format: ListFormat::Json, body: &body, language: None, year: None, distribution: None },
            )
            .expect("submit after a restart");
        let after_restart_s = t.elapsed().as_secs_f64();

        let out = json!({
            "entries": n,
            "rebuild": {"seconds": rebuild_s, "stats": stats, "peak_rss_gib": support::gib(peak), "rss_before_gib": support::gib(rss_before)},
            "incremental": {
                "list_entries": extra[1].entries.len(),
                "new_list": {"state": extra[1].state, "year": extra[1].year, "replaces": s.replaces},
                "submit_without_clusters_s": submit_plain_s,
                "submit_without_clusters_replaces": r0.stored.submission.replaces,
                "submit_with_clusters_s": submit_clustered_s,
                "submits_with_clusters_s": placed,
                "submit_with_clusters_median_s": placed_median,
                "update_median_s": placed_median - submit_plain_s,
                "update_direct_s": direct,
                "update_direct_median_s": direct[1],
                "update_stats": last,
                "revision_without_clusters_s": revision_plain_s,
                "revisions_with_clusters_s": revised,
                "revision_update_median_s": revised[1] - revision_plain_s,
                "submit_after_restart_s": after_restart_s,
            },
        });
        println!(
            "cluster {n}: rebuild {:.1} s ({} entries, {} clusters, {} multi-State, {} links), peak RSS {:.2} GiB (RSS before {:.2} GiB)",
            rebuild_s,
            stats.entries,
            stats.clusters,
            stats.multi_state_clusters,
            stats.links,
            support::gib(peak),
            support::gib(rss_before)
        );
        println!(
            "cluster {n}: 300-entry list: submit {:.3} s without clusters, {:.3} s with clusters (median of 4 new lists; update ≈ {:.3} s); cluster::update again on a placed list median {:.3} s",
            submit_plain_s,
            placed_median,
            placed_median - submit_plain_s,
            direct[1]
        );
        println!(
            "cluster {n}: revision of a 300-entry list: submit {:.3} s without clusters, {:.3} s with clusters (median of 3 revisions; update ≈ {:.3} s)",
            revision_plain_s,
            revised[1],
            revised[1] - revision_plain_s
        );
        println!(
            "cluster {n}: after a restart, the first new list's submit (reads the clustering graph) {after_restart_s:.3} s"
        );
        println!("CLUSTER_JSON {out}");
        drop(glossary);
        if std::env::var("CG_KEEP_CLUSTER_COPY").is_err() {
            let _ = std::fs::remove_dir_all(&work);
        }
    }
}
