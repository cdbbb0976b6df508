//! Backup and restore: a populated service backed up over HTTP while it runs,
//! restored into a new directory, answers every GET the same; a truncated or
//! altered backup restores nothing.

use std::path::{Path, PathBuf};

use consensus_glossary::{Application, Config};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, data_dir, problem, spawn_app, spawn_app_with};
use crate::tbx::tbx_file;

fn glossary(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_glossary")).args(args).output().expect("glossary runs")
}

/// Runs the CLI without blocking the test's runtime (the server answers meanwhile).
async fn glossary_async(args: Vec<String>) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_glossary")).args(args).output().await.expect("glossary runs")
}

/// Starts a server on an existing data directory (in this process).
async fn serve(dir: &Path) -> (String, bool) {
    let app = Application::build(Config::local(dir)).await.expect("the restored service starts");
    let minted_admin = app.admin_token_file.is_some();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    (base, minted_admin)
}

async fn get(client: &Client, base: &str, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut req = client.get(format!("{base}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("GET");
    let status = r.status();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Every GET path of the API over what `base` holds.
async fn every_get(client: &Client, base: &str, admin: &str) -> Vec<String> {
    let mut paths = vec!["/healthz".to_owned(), "/v1/states".to_owned()];
    let (_, states) = get(client, base, "/v1/states", None).await;
    for s in states["states"].as_array().unwrap() {
        let code = s["code"].as_str().unwrap();
        paths.push(format!("/v1/states/{code}/submissions"));
        let (_, subs) = get(client, base, &format!("/v1/states/{code}/submissions"), None).await;
        for sub in subs["submissions"].as_array().unwrap() {
            let id = sub["id"].as_str().unwrap();
            for q in ["", "?format=json", "?format=csv", "?format=tbx"] {
                paths.push(format!("/v1/submissions/{id}{q}"));
            }
            paths.push(format!("/v1/entries/{id}-1"));
        }
    }
    let (_, entries) = get(client, base, "/v1/entries?all_revisions=true&limit=1", None).await;
    let total = entries["total"].as_u64().unwrap();
    for offset in (0..total).step_by(200) {
        paths.push(format!("/v1/entries?all_revisions=true&limit=200&offset={offset}"));
    }
    paths.push("/v1/entries?state=DE&language=de&year=2014".to_owned());
    for q in ["cyber", "Schadprogramm", "malware", "incident", "кибератака", "phising", "\"critical infrastructure\""]
    {
        paths.push(format!("/v1/search?q={q}&limit=200"));
    }
    let (_, audit) = get(client, base, "/v1/audit?limit=1", Some(admin)).await;
    for offset in (0..audit["total"].as_u64().unwrap()).step_by(200) {
        paths.push(format!("/v1/audit?limit=200&offset={offset}"));
    }
    paths
}

async fn populated() -> TestApp {
    let app = spawn_app_with(|c| c.samples = Some(data_dir())).await;
    let r = app
        .post_raw(
            "/v1/states/AT/submissions?year=2021",
            Some(&app.admin),
            "application/xml",
            tbx_file("AT-2021-de.tbx"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .post_json(
            "/v1/states",
            Some(&app.admin),
            &json!({"code": "ARF-SG", "name": "Singapore (ARF)", "forum": "ARF"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    app.submit("ARF-SG", &crate::helpers::english_list(2022, &["botnet", "zero-day"])).await;
    app.token("de-delegate", "delegate", Some("DE")).await;
    app.token("editor", "editor", None).await;
    app
}

/// A search answer without its scores and ranks: the hits as a set (every
/// hit is on the page, limit=200). BM25 scores depend on the index's segments
/// (a replaced revision's old documents linger as deleted ones until a merge
/// and still count in the statistics), and the restored index is built fresh,
/// so scores differ in the last digits and near-ties may swap places, while
/// the total, the facets and which entries match (with their highlights) do not.
fn without_scores((status, mut body): (StatusCode, Value)) -> (StatusCode, Value) {
    let total = body["total"].as_u64().unwrap_or(0);
    if let Some(hits) = body["hits"].as_array_mut() {
        assert!(hits.len() as u64 == total, "every hit on one page");
        for h in hits.iter_mut() {
            h.as_object_mut().map(|h| h.remove("score"));
        }
        hits.sort_by_key(|h| h["entry"]["id"].as_str().unwrap_or_default().to_owned());
    }
    (status, body)
}

fn path_str(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_service_answers_every_get_the_same() {
    let app = populated().await;
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("backup.jsonl");
    let out = glossary_async(vec![
        "backup".into(),
        "--out".into(),
        path_str(&file),
        "--url".into(),
        app.base.clone(),
        "--token".into(),
        app.admin.clone(),
    ])
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let restored_dir = work.path().join("restored");
    let out = glossary(&["--data-dir", &path_str(&restored_dir), "restore", &path_str(&file)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (restored, minted) = serve(&restored_dir).await;
    assert!(!minted, "a restored store keeps its tokens: no new admin token");

    let client = Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let paths = every_get(&client, &app.base, &app.admin).await;
    assert!(paths.len() > 100, "{} paths", paths.len());
    for path in &paths {
        let before = get(&client, &app.base, path, Some(&app.admin)).await;
        let after = get(&client, &restored, path, Some(&app.admin)).await;
        assert_eq!(before.0, StatusCode::OK, "{path}: {}", before.1);
        let (before, after) = if path.starts_with("/v1/search") {
            (without_scores(before), without_scores(after))
        } else {
            (before, after)
        };
        assert!(before == after, "{path} differs after restore:\n{}\n---\n{}", before.1, after.1);
    }
    // The old tokens work on the restored service; a new one is minted after the old ones.
    let (status, _) = get(&client, &restored, "/v1/audit?limit=1", Some(&app.admin)).await;
    assert_eq!(status, StatusCode::OK);
    let r = client
        .post(format!("{restored}/v1/tokens"))
        .bearer_auth(&app.admin)
        .json(&json!({"name": "editor", "role": "editor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "the token names came along");
}

fn corrupt(file: &Path, name: &str, change: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(file).unwrap();
    change(&mut bytes);
    let path = file.with_file_name(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test]
async fn a_truncated_or_altered_backup_restores_nothing() {
    let app = spawn_app().await;
    app.submit("FR", &crate::helpers::english_list(2020, &["a", "b", "c"])).await;
    let r = app.get_as("/v1/backup", &app.admin).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");
    assert!(
        r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"glossary-backup-")
    );
    let body = r.bytes().await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("good.jsonl");
    std::fs::write(&file, &body).unwrap();

    let refused = |backup: &Path, expect: &str| {
        let target = work.path().join(format!("into-{}", backup.file_name().unwrap().to_str().unwrap()));
        let out = glossary(&["--data-dir", &path_str(&target), "restore", &path_str(backup)]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "{backup:?} was restored");
        assert!(stderr.contains(expect), "{backup:?}: {stderr}");
        assert!(!target.exists(), "{backup:?}: nothing written");
    };
    let text = String::from_utf8(body.to_vec()).unwrap();
    let truncated = corrupt(&file, "truncated.jsonl", |b| b.truncate(b.len() * 2 / 3));
    refused(&truncated, "truncated");
    let no_trailer = corrupt(&file, "no-trailer.jsonl", |b| {
        let last = text.trim_end().rfind('\n').unwrap();
        b.truncate(last + 1);
    });
    refused(&no_trailer, "truncated");
    // One record's value changed, everything else intact.
    let tampered = corrupt(&file, "tampered.jsonl", |b| {
        let at = text.find("\"v\":\"").unwrap() + 8;
        b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    });
    refused(&tampered, "checksum");
    let garbage = corrupt(&file, "garbage.jsonl", |b| b.splice(0..0, b"hello\n".iter().copied()).for_each(drop));
    refused(&garbage, "not a backup record");

    // The good file restores, but never over something.
    let busy = work.path().join("busy");
    std::fs::create_dir_all(&busy).unwrap();
    std::fs::write(busy.join("keep.txt"), "x").unwrap();
    let out = glossary(&["--data-dir", &path_str(&busy), "restore", &path_str(&file)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    assert_eq!(std::fs::read_dir(&busy).unwrap().count(), 1);
    let out = glossary(&["--data-dir", &path_str(&work.path().join("new")), "restore", &path_str(&file)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn only_admins_take_backups() {
    let app = spawn_app().await;
    problem(app.get("/v1/backup").await, StatusCode::UNAUTHORIZED).await;
    let editor = app.token("editor", "editor", None).await;
    problem(app.get_as("/v1/backup", &editor).await, StatusCode::FORBIDDEN).await;
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("b.jsonl");
    let out = glossary_async(
        ["backup", "--out", &path_str(&file), "--url", &app.base, "--token", &editor].map(str::to_owned).to_vec(),
    )
    .await;
    assert!(!out.status.success());
    assert_eq!(std::fs::read_dir(work.path()).unwrap().count(), 0, "no file kept");
    assert!(String::from_utf8_lossy(&out.stderr).contains("403"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn a_stopped_servers_directory_is_backed_up_directly() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let data_s = path_str(&data);
    let tbx = data_dir().join("tbx").join("BE-2021-fr.tbx");
    let out = glossary(&["--data-dir", &data_s, "import", &path_str(&tbx), "--state", "BE"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = work.path().join("b.jsonl");
    let out = glossary(&["--data-dir", &data_s, "backup", "--out", &path_str(&file)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let restored = work.path().join("restored");
    let out = glossary(&["--data-dir", &path_str(&restored), "restore", &path_str(&file)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (base, _) = serve(&restored).await;
    let client = Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let (_, subs) = get(&client, &base, "/v1/states/BE/submissions", None).await;
    assert_eq!(subs["submissions"][0]["entry_count"], 3);
    let (_, hits) = get(&client, &base, "/v1/search?q=filoutage", None).await;
    assert_eq!(hits["hits"][0]["entry"]["term"], "hameçonnage", "the index was rebuilt: {hits}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_writes_is_consistent() {
    let app = spawn_app().await;
    let writers: Vec<_> = ["DE", "FR", "IT"]
        .into_iter()
        .map(|state| {
            let (client, url, admin) =
                (app.client.clone(), app.url(&format!("/v1/states/{state}/submissions")), app.admin.clone());
            tokio::spawn(async move {
                for n in 0..15 {
                    let terms: Vec<String> = (0..30).map(|k| format!("{state} term {n}-{k}")).collect();
                    let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
                    let list = crate::helpers::english_list(2020, &refs);
                    let r = client.post(&url).bearer_auth(&admin).json(&list).send().await.unwrap();
                    assert_eq!(r.status(), StatusCode::CREATED);
                }
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let body = app.get_as("/v1/backup", &app.admin).await.bytes().await.unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("b.jsonl");
    std::fs::write(&file, &body).unwrap();
    let restored = work.path().join("restored");
    let out = glossary(&["--data-dir", &path_str(&restored), "restore", &path_str(&file)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (base, _) = serve(&restored).await;
    let client = Client::builder().pool_max_idle_per_host(0).build().unwrap();
    // Every submission in the snapshot is whole, with its audit record.
    let mut seen = 0;
    for state in ["DE", "FR", "IT"] {
        let (_, subs) = get(&client, &base, &format!("/v1/states/{state}/submissions"), None).await;
        for s in subs["submissions"].as_array().unwrap() {
            let (_, detail) =
                get(&client, &base, &format!("/v1/submissions/{}?limit=200", s["id"].as_str().unwrap()), None).await;
            assert_eq!(detail["entries"].as_array().unwrap().len(), 30);
            seen += 1;
        }
    }
    let (_, audit) = get(&client, &base, "/v1/audit?action=submission&limit=1", Some(&app.admin)).await;
    assert_eq!(audit["total"], seen);
    let (_, entries) = get(&client, &base, "/v1/entries?all_revisions=true&limit=1", None).await;
    assert_eq!(entries["total"], seen * 30);
}
