//! Incremental clustering gives what a rebuild gives, record for record: a
//! property test over random sequences of submissions, revisions, editors'
//! decisions (merge, split, pin in, pin out) and restarts (the graph kept in
//! memory is dropped and read back), each followed by a comparison of the
//! stored clusters (kept up to date by `update` and `recluster` only) with
//! what a rebuild of the same store would store (`plan`, which writes
//! nothing, so the incremental state carries on through the whole sequence).
//!
//! The definitions are made up from small word pools, so that notions under
//! different terms, translations, false friends and loose pairs all occur.
//! Blocking is made exhaustive (`candidates` above the corpus size, and
//! every definition stem asked by): the property holds whenever blocking
//! proposes every pair that is an edge, which is what blocking recall
//! measures on real sets. (With its defaults, blocking asks by an entry's
//! eight weightiest stems, so a weak pair that only the older entry's stems
//! find is proposed by a rebuild and not by the update that brings the newer
//! one.)

use std::collections::BTreeSet;

use super::{Cache, Params, plan, rebuild, recluster, update};
use crate::domain::{Actor, EntryDraft, ListDraft, StateCode, validate_list};
use crate::index::SearchIndex;
use crate::store::Store;
use crate::store::clusters::ConstraintKind;

const NOW: time::OffsetDateTime = time::macros::datetime!(2024-01-01 00:00 UTC);

/// SplitMix64: small, seeded, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// (terms, the words of its definition). Two notions share the term
/// "incident": a false friend.
const NOTIONS: &[(&[&str], &str)] = &[
    (
        &["malware", "malicious software", "malicious code"],
        "software designed to damage disrupt or gain unauthorised access to computers without consent",
    ),
    (
        &["vulnerability", "security flaw", "exploitable defect"],
        "flaw in a product that an attacker can exploit to compromise protection",
    ),
    (
        &["phishing", "credential luring"],
        "deceptive messages that trick recipients into revealing passwords or banking credentials",
    ),
    (
        &["botnet", "bot network"],
        "collection of compromised machines controlled remotely by an operator to launch attacks",
    ),
    (
        &["encryption", "encipherment"],
        "transforming plaintext into ciphertext with a key so only authorised parties can read it",
    ),
    (
        &["incident"],
        "event that actually compromises the confidentiality integrity or availability of stored information",
    ),
    (&["incident"], "disruption of an essential public service caused by floods storms accidents or sabotage"),
    (
        &["critical infrastructure", "vital infrastructure"],
        "assets essential for society and the economy whose disruption would gravely harm citizens",
    ),
];

const FILLER: &[&str] =
    &["generally", "various", "typically", "national", "any", "organisation", "means", "including", "certain", "often"];

const STATES: &[&str] = &["DE", "FR", "AT", "IT", "ES", "PL", "NL"];

fn definition(rng: &mut Rng, words: &str) -> String {
    let mut out: Vec<&str> = words.split(' ').filter(|_| rng.chance(75)).collect();
    for _ in 0..2 + rng.below(3) {
        let at = rng.below(out.len() + 1);
        out.insert(at, FILLER[rng.below(FILLER.len())]);
    }
    out.join(" ")
}

/// A random national list: a few notions, each once (one "incident" at most).
fn random_list(rng: &mut Rng, year: i64) -> crate::domain::ValidList {
    let english = rng.chance(60);
    let mut chosen: Vec<usize> = Vec::new();
    for _ in 0..3 + rng.below(4) {
        let n = rng.below(NOTIONS.len());
        let incident = |i: usize| NOTIONS[i].0 == ["incident"];
        let twice = incident(n) && chosen.iter().any(|&c| incident(c));
        if !chosen.contains(&n) && !twice {
            chosen.push(n);
        }
    }
    let entries = chosen
        .iter()
        .enumerate()
        .map(|(row, &n)| {
            let (terms, words) = NOTIONS[n];
            let term = terms[rng.below(terms.len())];
            let def = definition(rng, words);
            let mut d = EntryDraft { row: row as u64 + 1, ..Default::default() };
            if english {
                d.term = Some(term.to_owned());
                d.definition = Some(def);
            } else {
                // A made-up national term, with its English translation.
                d.term = Some(format!("{}ung", term.replace(' ', "")));
                d.definition = Some(format!("nationaler text {def}"));
                d.term_en = Some(term.to_owned());
                d.definition_en = Some(def);
            }
            d
        })
        .collect();
    let draft = ListDraft { language: Some(if english { "en" } else { "de" }.into()), year: Some(year), entries };
    validate_list(draft, 2026).expect("a valid generated list")
}

struct World {
    /// The clustering graph kept between runs, as the service keeps it.
    cache: std::cell::RefCell<Cache>,
    store: Store,
    index: SearchIndex,
    params: Params,
    actor: Actor,
    _dir: tempfile::TempDir,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("store"), NOW).expect("store");
        let (index, _) = SearchIndex::open(&dir.path().join("index"), &store).expect("index");
        // Blocking exhaustive for this corpus size (see the module comment).
        let params = Params { candidates: 400, blocking_stems: 400, ..Params::default() };
        Self { cache: Default::default(), store, index, params, actor: Actor::operator(), _dir: dir }
    }

    /// Stores a list, as the service does: store, index, then (when clusters
    /// exist) an incremental update.
    fn submit(&self, rng: &mut Rng) -> String {
        let state = StateCode::parse(STATES[rng.below(STATES.len())]).expect("code");
        let year = 2014 + rng.below(2) as i64;
        let list = random_list(rng, year);
        let stored = self.store.add_submission(&state, &list, "json", &self.actor, NOW).expect("stored");
        self.index.catch_up(&self.store).expect("indexed");
        if self.store.has_clusters() {
            let s = &stored.submission;
            update(&self.store, &self.index, &mut self.cache.borrow_mut(), s.id, s.replaces, &self.params)
                .expect("update");
        }
        format!("submit {state} {year} (replaces {:?})", stored.submission.replaces)
    }

    fn clusters(&self) -> Vec<crate::store::clusters::ClusterRecord> {
        self.store.clusters().collect::<crate::Result<_>>().expect("clusters")
    }

    fn decide(&self, kinds: Vec<ConstraintKind>, clusters: &[String], extra: &[String]) {
        for k in kinds {
            self.store.add_constraint(k, "cluster.test", "clusters/test".into(), &self.actor, NOW).expect("constraint");
        }
        recluster(&self.store, &self.index, &mut self.cache.borrow_mut(), clusters, extra, &self.params)
            .expect("recluster");
    }

    /// A random editor's decision, as the service makes it.
    fn decision(&self, rng: &mut Rng) -> String {
        let all = self.clusters();
        let multi: Vec<_> = all.iter().filter(|c| c.members.len() >= 2).collect();
        match rng.below(4) {
            0 if all.len() >= 2 => {
                let (a, b) = (&all[rng.below(all.len())], &all[rng.below(all.len())]);
                if a.id == b.id {
                    return "merge (same cluster: skipped)".into();
                }
                let entries = a.members.iter().chain(&b.members).cloned().collect();
                self.decide(vec![ConstraintKind::Together { entries }], &[a.id.clone(), b.id.clone()], &[]);
                format!("merge {} + {}", a.id, b.id)
            }
            1 if !multi.is_empty() => {
                let c = multi[rng.below(multi.len())];
                let moved = c.members[rng.below(c.members.len())].clone();
                let rest = c.members.iter().filter(|m| **m != moved).cloned().collect();
                self.decide(
                    vec![ConstraintKind::Apart { left: vec![moved.clone()], right: rest }],
                    std::slice::from_ref(&c.id),
                    &[],
                );
                format!("split {moved} out of {}", c.id)
            }
            2 if all.len() >= 2 => {
                let c = &all[rng.below(all.len())];
                let other = &all[rng.below(all.len())];
                let entry = other.members[rng.below(other.members.len())].clone();
                if other.id == c.id {
                    return "pin in (same cluster: skipped)".into();
                }
                let mut together = vec![entry.clone()];
                together.extend(c.members.iter().filter(|m| **m != entry).cloned());
                self.decide(
                    vec![ConstraintKind::Together { entries: together }],
                    &[c.id.clone(), other.id.clone()],
                    &[],
                );
                format!("pin {entry} into {}", c.id)
            }
            _ if !multi.is_empty() => {
                let c = multi[rng.below(multi.len())];
                let entry = c.members[rng.below(c.members.len())].clone();
                let others = c.members.iter().filter(|m| **m != entry).cloned().collect();
                let kinds = vec![ConstraintKind::Apart { left: vec![entry.clone()], right: others }];
                self.decide(kinds, std::slice::from_ref(&c.id), std::slice::from_ref(&entry));
                format!("pin {entry} out of {}", c.id)
            }
            _ => "no decision possible".into(),
        }
    }
}

fn partition(records: &[crate::store::clusters::ClusterRecord]) -> BTreeSet<Vec<String>> {
    records.iter().map(|c| c.members.clone()).collect()
}

#[test]
fn incremental_updates_and_decisions_give_what_a_rebuild_gives() {
    for seed in 1u64..=30 {
        let mut rng = Rng(seed);
        let w = World::new();
        let mut log = Vec::new();
        for _ in 0..3 {
            log.push(w.submit(&mut rng));
        }
        rebuild(&w.store, &w.index, &mut w.cache.borrow_mut(), &w.params, NOW).expect("rebuild");
        for step in 0..14 {
            // Now and then the service restarts: the next run reads the
            // graph back from the store.
            if rng.chance(15) {
                w.cache.borrow_mut().clear();
                log.push("restart".into());
            }
            log.push(if rng.chance(55) { w.submit(&mut rng) } else { w.decision(&mut rng) });
            let (fresh, _) = plan(&w.store, &w.index, &w.params).expect("plan");
            let (incremental, full) = (partition(&w.clusters()), partition(&fresh));
            assert_eq!(
                incremental,
                full,
                "seed {seed}, step {step}: the incremental clusters differ from a rebuild's after:\n{}",
                log.join("\n")
            );
            // Not only the members: every record, with its pairs and reasons.
            let (mut stored, mut fresh) = (w.clusters(), fresh);
            stored.sort_by(|a, b| a.id.cmp(&b.id));
            fresh.sort_by(|a, b| a.id.cmp(&b.id));
            for (x, y) in stored.iter().zip(&fresh) {
                assert_eq!(
                    x,
                    y,
                    "seed {seed}, step {step}: cluster {} differs from a rebuild's after:\n{}",
                    x.id,
                    log.join("\n")
                );
            }
        }
    }
}

#[test]
fn running_an_update_twice_changes_nothing() {
    let mut rng = Rng(42);
    let w = World::new();
    for _ in 0..4 {
        w.submit(&mut rng);
    }
    rebuild(&w.store, &w.index, &mut w.cache.borrow_mut(), &w.params, NOW).expect("rebuild");
    w.submit(&mut rng);
    let before = partition(&w.clusters());
    let last = w.store.current_submissions().expect("subs").into_iter().map(|s| (s.id, s.replaces)).max();
    let (id, replaces) = last.expect("a submission");
    let writes = w.store.cluster_writes();
    let stats = update(&w.store, &w.index, &mut w.cache.borrow_mut(), id, replaces, &w.params).expect("update again");
    assert_eq!(partition(&w.clusters()), before);
    assert_eq!(stats.clusters, 0, "the same update again rewrote clusters: {stats:?}");
    // Also after a restart (the graph read back from the store).
    w.cache.borrow_mut().clear();
    let stats = update(&w.store, &w.index, &mut w.cache.borrow_mut(), id, replaces, &w.params).expect("update again");
    assert_eq!(stats.clusters, 0, "after a restart, the same update again rewrote clusters: {stats:?}");
    assert_eq!(partition(&w.clusters()), before);
    assert!(w.store.cluster_writes() >= writes);
}
