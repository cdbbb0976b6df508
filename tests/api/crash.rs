//! Crash safety with the real binary: SIGKILL in the middle of a stream of
//! imports, restart, and every acknowledged list is there whole while no list
//! is there in part.

use std::collections::HashMap;
use std::path::Path;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
        let r = client.get(format!("{base}/v1/submissions/{id}")).send().await.unwrap();
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
            let full = get(&client, &format!("{base}/v1/submissions/{}", s["id"].as_str().unwrap())).await;
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
