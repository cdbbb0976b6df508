//! Crash safety with the real binary: SIGKILL in the middle of a stream of
//! imports, restart, and every acknowledged list is there whole while no list
//! is there in part; SIGKILL in the middle of a cluster rebuild, restart, and
//! the clustering is the previous one or the new one, whole.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use consensus_glossary::domain::Actor;
use consensus_glossary::store::Store;
use consensus_glossary::store::clusters::{ClusterRecord, ConstraintKind};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn start(dir: &Path) -> (Child, String) {
    let (child, base, _) = crate::helpers::start_binary(dir);
    (child, base)
}

fn list(marker: &str, n: usize) -> Value {
    let entries: Vec<Value> = (0..n)
        .map(|k| json!({"term": format!("{marker} term {k}"), "definition": format!("Definition {k} of list {marker}.")}))
        .collect();
    json!({"year": 2020, "language": "en", "entries": entries})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_stream_loses_no_acknowledged_list_and_leaves_no_partial_one() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = start(dir.path());
    let admin = std::fs::read_to_string(dir.path().join("admin.token")).unwrap().trim().to_owned();
    let client = reqwest::Client::new();
    // marker -> (submission id, entries sent)
    let acked: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let mut writers = Vec::new();
    for (w, state) in ["DE", "FR", "IT"].into_iter().enumerate() {
        let (client, base, admin, acked) = (client.clone(), base.clone(), admin.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let marker = format!("w{w}n{n}");
                let r = client
                    .post(format!("{base}/v1/states/{state}/submissions"))
                    .bearer_auth(&admin)
                    .json(&list(&marker, 40))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == StatusCode::CREATED => {
                        let body: Value = r.json().await.unwrap_or_default();
                        if let Some(id) = body["id"].as_str() {
                            acked.lock().unwrap().insert(marker, id.to_owned());
                        }
                    }
                    _ => break, // the server is gone
                }
            }
        }));
    }
    // Let the stream run, then kill without warning.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    for w in writers {
        let _ = w.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 3, "the stream acknowledged {} lists before the kill", acked.len());

    let (mut child, base) = start(dir.path());
    // Every acknowledged list is there, whole and as sent.
    for (marker, id) in &acked {
        let r = client.get(format!("{base}/v1/submissions/{id}?limit=200")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "acknowledged list {marker} ({id}) is missing");
        let sub: Value = r.json().await.unwrap();
        let terms: Vec<&str> = sub["entries"].as_array().unwrap().iter().map(|e| e["term"].as_str().unwrap()).collect();
        assert_eq!(terms.len(), 40, "{marker}");
        assert!(terms.iter().all(|t| t.starts_with(&format!("{marker} "))), "{marker}");
    }
    // No list is there in part; revisions run 1..n without gaps.
    for state in ["DE", "FR", "IT"] {
        let subs = get(&client, &format!("{base}/v1/states/{state}/submissions")).await;
        let subs = subs["submissions"].as_array().unwrap();
        for (i, s) in subs.iter().enumerate() {
            assert_eq!(s["revision"].as_u64().unwrap(), i as u64 + 1, "{state} revisions are contiguous");
            let full = get(&client, &format!("{base}/v1/submissions/{}?limit=200", s["id"].as_str().unwrap())).await;
            let entries = full["entries"].as_array().unwrap();
            assert_eq!(entries.len() as u64, s["entry_count"].as_u64().unwrap(), "{state} list {} is whole", s["id"]);
            assert_eq!(entries.len(), 40);
        }
        assert_eq!(subs.iter().filter(|s| s["current"] == true).count(), usize::from(!subs.is_empty()));
    }
    // Search agrees with the store: the current list of each State is found
    // (the index caught up from the change log at start), and every revision
    // with all_revisions.
    for state in ["DE", "FR", "IT"] {
        let subs = get(&client, &format!("{base}/v1/states/{state}/submissions")).await;
        let revisions = subs["total"].as_u64().unwrap();
        let found =
            get(&client, &format!("{base}/v1/search?q=term&state={state}&field=term&limit=0&all_revisions=true")).await;
        assert_eq!(found["total"].as_u64().unwrap(), revisions * 40, "{state}: search and store disagree");
        let current = get(&client, &format!("{base}/v1/search?q=term&state={state}&field=term&limit=0")).await;
        assert_eq!(current["total"].as_u64().unwrap(), if revisions > 0 { 40 } else { 0 }, "{state}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

async fn get(client: &reqwest::Client, url: &str) -> Value {
    client.get(url).send().await.expect("GET").json().await.expect("JSON body")
}

// ---- Cluster rebuilds ----

/// The server's log with the clustering steps in it ("clustering: clusters"
/// just before the clusters are written, "clustering: written" after).
const CLUSTER_LOG: &str = "info,consensus_glossary::cluster=debug";
const NOW: time::OffsetDateTime = time::macros::datetime!(2024-01-01 00:00 UTC);
const CLUSTER_STATES: [&str; 8] = ["DE", "FR", "IT", "ES", "PL", "NL", "SE", "AT"];
const WORDS: [&str; 24] = [
    "firewall",
    "packet",
    "cipher",
    "botnet",
    "phishing",
    "ransom",
    "token",
    "audit",
    "patch",
    "exploit",
    "sandbox",
    "honeypot",
    "keylogger",
    "spoofing",
    "rootkit",
    "proxy",
    "beacon",
    "payload",
    "backdoor",
    "worm",
    "signature",
    "forensic",
    "incident",
    "perimeter",
];

/// `n` entries of `state`: every other one a notion every State names the
/// same way, the rest the State's own, with definitions of varying words.
fn notions(state: &str, n: usize) -> Value {
    let entries: Vec<Value> = (0..n)
        .map(|k| {
            let words: Vec<&str> = (0..5).map(|i| WORDS[(k * 7 + i * 5 + k / 24) % WORDS.len()]).collect();
            if k % 2 == 0 {
                json!({"term": format!("shared notion {k}"),
                       "definition": format!("Measure {k} that concerns the {}, as {state} defines it.", words.join(" and "))})
            } else {
                json!({"term": format!("{state} notion {k}"),
                       "definition": format!("A {state} notion about {} only.", words.join(", "))})
            }
        })
        .collect();
    json!({"year": 2021, "language": "en", "entries": entries})
}

/// The stored clustering, read as the server reads it, after checking that
/// it hangs together: no cluster is empty, each holds stored entries, no
/// entry is in two clusters, and for every stored entry (of every revision)
/// `entry → cluster` names the cluster that lists it, or none when none does.
/// Returns the clusters and where each placed entry is.
fn consistent_clustering(store: &Store) -> (Vec<ClusterRecord>, HashMap<String, String>) {
    let mut stored = HashSet::new();
    for s in store.all_submissions().expect("submissions") {
        for e in store.entries_of(s.id) {
            stored.insert(e.expect("entry").id());
        }
    }
    let clusters: Vec<ClusterRecord> = store.clusters().collect::<Result<_, _>>().expect("clusters");
    let mut placed: HashMap<String, String> = HashMap::new();
    for c in &clusters {
        assert!(!c.members.is_empty(), "cluster {} is empty", c.id);
        for m in &c.members {
            assert!(stored.contains(m), "cluster {} holds {m}, not a stored entry", c.id);
            assert!(placed.insert(m.clone(), c.id.clone()).is_none(), "{m} is in two clusters");
        }
    }
    for entry in &stored {
        assert_eq!(store.cluster_of(entry).expect("cluster_of").as_ref(), placed.get(entry), "the cluster of {entry}");
    }
    (clusters, placed)
}

/// [`consistent_clustering`], and whole: every current entry is in a
/// cluster, and nothing else is.
fn whole_clustering(store: &Store) -> Vec<ClusterRecord> {
    let (clusters, placed) = consistent_clustering(store);
    let mut current = HashSet::new();
    for s in store.current_submissions().expect("submissions") {
        for e in store.entries_of(s.id) {
            current.insert(e.expect("entry").id());
        }
    }
    let in_clusters: HashSet<String> = placed.into_keys().collect();
    assert!(in_clusters.is_subset(&current), "a cluster holds an entry of a replaced revision");
    assert_eq!(
        in_clusters.len(),
        current.len(),
        "only {} of {} current entries are in a cluster",
        in_clusters.len(),
        current.len()
    );
    clusters
}

/// Restarts the server on `dir` (it opens the store and serves its
/// clustering), returns how many clusters it lists, and stops it.
async fn listed_after_restart(client: &reqwest::Client, dir: &Path) -> usize {
    let (mut child, base, _) = crate::helpers::start_binary(dir);
    let listed = get(client, &format!("{base}/v1/clusters?min_states=1&limit=1")).await;
    child.kill().unwrap();
    child.wait().unwrap();
    listed["total"].as_u64().expect("total") as usize
}

fn open_store(dir: &Path) -> Store {
    Store::open(&dir.join("store"), NOW).expect("the store opens")
}

/// Waits until a line holding `needle` is in the log after line `from`.
async fn logged(log: &Arc<Mutex<Vec<String>>>, from: usize, needle: &str) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if log.lock().unwrap().iter().skip(from).any(|l| l.contains(needle)) {
            return Instant::now();
        }
        assert!(Instant::now() < deadline, "the server never logged '{needle}'");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn start_rebuild(
    client: &reqwest::Client,
    base: &str,
    token: &str,
) -> tokio::task::JoinHandle<reqwest::Result<reqwest::Response>> {
    let request = client.post(format!("{base}/v1/clusters/rebuild")).bearer_auth(token).send();
    tokio::spawn(request)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_rebuild_leaves_the_previous_clustering_or_the_new_one_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base, log) = crate::helpers::start_binary_logging(dir.path(), CLUSTER_LOG);
    let admin = std::fs::read_to_string(dir.path().join("admin.token")).unwrap().trim().to_owned();
    let client = reqwest::Client::new();
    for state in CLUSTER_STATES {
        let r = client
            .post(format!("{base}/v1/states/{state}/submissions"))
            .bearer_auth(&admin)
            .json(&notions(state, 500))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    // The first clustering, watched: how long writing it takes.
    let from = log.lock().unwrap().len();
    let rebuild = start_rebuild(&client, &base, &admin);
    let writing = logged(&log, from, "clustering: clusters").await;
    let window = logged(&log, from, "clustering: written").await - writing;
    assert_eq!(rebuild.await.unwrap().unwrap().status(), StatusCode::OK);
    child.kill().unwrap();
    child.wait().unwrap();

    // Kill rebuilds at points spread over (and a little past) that window.
    let (mut kept, mut replaced) = (0, 0);
    for (round, fraction) in [0.0, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0, 1.3].into_iter().enumerate() {
        // The clustering before, whole; and an editor's decision the next
        // rebuild honours, so that a new clustering differs from it.
        let (previous, pair) = {
            let store = open_store(dir.path());
            let previous = whole_clustering(&store);
            let pair = vec![previous[2 * round].members[0].clone(), previous[2 * round + 1].members[0].clone()];
            let kind = ConstraintKind::Together { entries: pair.clone() };
            store.add_constraint(kind, "cluster.merge", "clusters".into(), &Actor::operator(), NOW).unwrap();
            store.flush().unwrap();
            (previous, pair)
        };
        let (mut child, base, log) = crate::helpers::start_binary_logging(dir.path(), CLUSTER_LOG);
        let from = log.lock().unwrap().len();
        let rebuild = start_rebuild(&client, &base, &admin);
        logged(&log, from, "clustering: clusters").await;
        tokio::time::sleep(window.mul_f64(fraction)).await;
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        let _ = rebuild.await;

        // Restarted, the server serves a clustering...
        let listed = listed_after_restart(&client, dir.path()).await;
        // ...the previous one or the new one, whole.
        let store = open_store(dir.path());
        let after = whole_clustering(&store);
        assert_eq!(listed, after.len(), "round {round}: the server lists what the store holds");
        if after == previous {
            kept += 1;
        } else {
            let together = store.cluster_of(&pair[0]).unwrap();
            assert!(
                together.is_some() && together == store.cluster_of(&pair[1]).unwrap(),
                "round {round}: the clustering is neither the previous one nor the new one"
            );
            replaced += 1;
        }
    }
    eprintln!("killed rebuilds ({window:?} to write): {kept} left the previous clustering, {replaced} the new one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_cluster_updates_leaves_clusters_that_hang_together() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let (mut child, base) = start(dir.path());
    let admin = std::fs::read_to_string(dir.path().join("admin.token")).unwrap().trim().to_owned();
    for state in &CLUSTER_STATES[..4] {
        let r = client
            .post(format!("{base}/v1/states/{state}/submissions"))
            .bearer_auth(&admin)
            .json(&notions(state, 200))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = client.post(format!("{base}/v1/clusters/rebuild")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    child.kill().unwrap();
    child.wait().unwrap();
    let acked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for round in 0..3u64 {
        let (mut child, base) = start(dir.path());
        // Every new revision replaces the last one: each update takes entries
        // out of clusters and places new ones.
        let mut writers = Vec::new();
        for state in &CLUSTER_STATES[..2] {
            let (client, base, admin, acked) = (client.clone(), base.clone(), admin.clone(), acked.clone());
            writers.push(tokio::spawn(async move {
                for n in 0.. {
                    let r = client
                        .post(format!("{base}/v1/states/{state}/submissions"))
                        .bearer_auth(&admin)
                        .json(&notions(state, 150 + 10 * (n % 5)))
                        .send()
                        .await;
                    if !matches!(r, Ok(r) if r.status() == StatusCode::CREATED) {
                        break; // the server is gone
                    }
                    acked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(700 + 300 * round)).await;
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        for w in writers {
            let _ = w.await;
        }
        // A list stored just before the kill waits for the next rebuild to be
        // clustered (clusters are derived data); the clusters there hang
        // together.
        let listed = listed_after_restart(&client, dir.path()).await;
        let store = open_store(dir.path());
        let (clusters, _) = consistent_clustering(&store);
        assert_eq!(listed, clusters.len(), "round {round}: the server lists what the store holds");
    }
    eprintln!(
        "{} revisions acknowledged (each one clustered) before the kills",
        acked.load(std::sync::atomic::Ordering::Relaxed)
    );
}
