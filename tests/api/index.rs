//! The index is derived: deleted or corrupt, it is rebuilt from the store at
//! start, with a log line saying so; `glossary reindex` rebuilds it on demand.

use std::path::Path;
use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{english_list, start_binary};

async fn submit(base: &str, token: &str, state: &str, terms: &[&str]) {
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/states/{state}/submissions"))
        .bearer_auth(token)
        .json(&english_list(2020, terms))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

async fn total(base: &str, q: &str) -> u64 {
    let body: Value = reqwest::get(format!("{base}/v1/search?q={q}&limit=0")).await.unwrap().json().await.unwrap();
    body["total"].as_u64().unwrap()
}

fn stop(mut child: std::process::Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

async fn populated(dir: &Path) {
    let (child, base, _) = start_binary(dir);
    let token = std::fs::read_to_string(dir.join("admin.token")).unwrap().trim().to_owned();
    submit(&base, &token, "DE", &["quokka alpha", "quokka beta"]).await;
    submit(&base, &token, "FR", &["quokka gamma"]).await;
    assert_eq!(total(&base, "quokka").await, 3);
    stop(child);
}

#[tokio::test]
async fn a_deleted_index_is_rebuilt_at_start() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    std::fs::remove_dir_all(dir.path().join("index")).unwrap();
    let (child, base, log) = start_binary(dir.path());
    assert_eq!(total(&base, "quokka").await, 3);
    assert!(log.lock().unwrap().iter().any(|l| l.contains("building it from the store")), "{:?}", log.lock().unwrap());
    stop(child);
}

#[tokio::test]
async fn a_corrupt_index_is_rebuilt_at_start() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    std::fs::write(dir.path().join("index/meta.json"), b"{ this is not an index").unwrap();
    let (child, base, log) = start_binary(dir.path());
    assert_eq!(total(&base, "quokka").await, 3);
    assert!(log.lock().unwrap().iter().any(|l| l.contains("unreadable; rebuilding")), "{:?}", log.lock().unwrap());
    stop(child);
}

#[tokio::test]
async fn reindex_rebuilds_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    let out = Command::new(env!("CARGO_BIN_EXE_glossary"))
        .args(["--data-dir", dir.path().to_str().unwrap(), "reindex"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 entries"));
    let (child, base, _) = start_binary(dir.path());
    assert_eq!(total(&base, "quokka").await, 3);
    stop(child);
}

#[tokio::test]
async fn lists_imported_at_the_command_line_are_searchable_after_start() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path()).await;
    let file = dir.path().join("SE-2021-en.csv");
    std::fs::write(&file, "term,definition\nquokka delta,A test entry.\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_glossary"))
        .args(["--data-dir", dir.path().to_str().unwrap(), "import", file.to_str().unwrap(), "--state", "SE"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let receipt: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((receipt["year"].as_i64(), receipt["revision"].as_i64()), (Some(2021), Some(1)));
    // The index replays the change log it missed.
    let (child, base, _) = start_binary(dir.path());
    assert_eq!(total(&base, "quokka").await, 4);
    stop(child);
}

#[tokio::test]
async fn a_bulk_import_stores_every_file_or_none_and_leaves_the_index_ready() {
    let dir = tempfile::tempdir().unwrap();
    let glossary = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_glossary"))
            .args(["--data-dir", dir.path().to_str().unwrap(), "import"])
            .args(args)
            .output()
            .unwrap()
    };
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    std::fs::write(path("SE-2021-en.csv"), "term,definition\nquokka alpha,A test entry.\n").unwrap();
    std::fs::write(path("NO-2021-en.csv"), "term,definition\nquokka beta,Another test entry.\n").unwrap();
    std::fs::write(path("FI-2021-en.csv"), "term,definition\nquokka gamma,\n").unwrap();

    // One refused file: nothing is stored, and the error names the file and row.
    let out = glossary(&[&path("SE-2021-en.csv"), &path("FI-2021-en.csv")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("FI-2021-en.csv") && stderr.contains("row 2"), "{stderr}");

    // Every file good: one submission each (State, year and language from the file names).
    let out = glossary(&[&path("SE-2021-en.csv"), &path("NO-2021-en.csv")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let receipts: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let states: Vec<&str> = receipts.iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["SE", "NO"]);
    assert!(receipts.iter().all(|r| r["revision"] == 1 && r["year"] == 2021), "{receipts:?}");

    // Revision 1 for SE: the refused import stored nothing. And the index is
    // ready: a search right after start finds both lists.
    let (child, base, _) = start_binary(dir.path());
    assert_eq!(total(&base, "quokka").await, 2);
    stop(child);
}
