//! The command line as a new user meets it: broken pipes, messages that read
//! as sentences, files named when they cannot be read, commands that say
//! what they did, and logs without colour codes when redirected.

use std::io::Read;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::helpers::{data_dir, problem, spawn_app};

fn glossary(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_glossary")).arg("--data-dir").arg(dir).args(args).output().expect("glossary runs")
}

#[test]
fn openapi_into_a_pipe_closed_early_is_not_a_panic() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_glossary"))
        .arg("openapi")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("glossary runs");
    let mut first = [0u8; 16];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{stderr}");
}

#[test]
fn import_names_rows_and_files_as_sentences_and_logs_without_colour() {
    let dir = tempfile::tempdir().unwrap();
    let file = data_dir().join("tbx").join("BE-2021-fr.tbx");
    let out = glossary(dir.path(), &["import", file.to_str().unwrap(), "--state", "BE"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("warning: BE 2021: term_en: "), "{stderr}");
    assert!(!stderr.contains("row None") && !stderr.contains("Some("), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "no colour codes in a redirected log: {stderr:?}");

    let missing = dir.path().join("no-such-list.csv");
    let out = glossary(dir.path(), &["import", missing.to_str().unwrap(), "--state", "BE", "--year", "2021"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no-such-list.csv"), "the file is named: {stderr}");

    let old = dir.path().join("BE-2001-en.csv");
    std::fs::write(&old, "term,definition\na,b\n").unwrap();
    let out = glossary(dir.path(), &["import", old.to_str().unwrap(), "--state", "BE"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is outside the exchange years 2013 to "), "{stderr}");
    assert!(!stderr.contains("..="), "{stderr}");

    // Logged lines (reindex logs as it goes) carry no colour codes either.
    let out = glossary(dir.path(), &["reindex"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[test]
fn cluster_without_flags_says_what_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let file = data_dir().join("lists").join("DE-2014.json");
    assert!(glossary(dir.path(), &["import", file.to_str().unwrap()]).status.success());
    let first = glossary(dir.path(), &["cluster"]);
    assert!(first.status.success());
    assert!(String::from_utf8_lossy(&first.stderr).contains("clustered "), "the first run clusters");
    let again = glossary(dir.path(), &["cluster"]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(stderr.contains("nothing changed") && stderr.contains("--rebuild"), "{stderr}");
}

#[tokio::test]
async fn refusals_name_the_role_with_its_article() {
    let app = spawn_app().await;
    let editor = app.token("ed", "editor", None).await;
    let reader = app.token("rd", "reader", None).await;
    let body = serde_json::json!({"name": "x", "role": "reader"});
    let p = problem(app.post_json("/v1/tokens", Some(&editor), &body).await, StatusCode::FORBIDDEN).await;
    assert!(p["detail"].as_str().unwrap().ends_with("'ed' is an editor"), "{p}");
    let p = problem(app.post_empty("/v1/clusters/rebuild", &reader).await, StatusCode::FORBIDDEN).await;
    assert!(p["detail"].as_str().unwrap().ends_with("'rd' is a reader"), "{p}");
}
