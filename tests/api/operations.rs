//! Running the service over years: tokens listed (never their secret), given an
//! expiry and revoked; one State read whole; a delegate's position defaulting
//! to its State; `/metrics`; structured logs.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn tokens_are_listed_without_secrets_and_show_their_last_use() {
    let app = spawn_app().await;
    let reader = app.token("analyst", "reader", None).await;
    let de = app.token("de-delegate", "delegate", Some("DE")).await;

    let list: Value = app.get_as("/v1/tokens", &app.admin).await.json().await.unwrap();
    assert_eq!(list["total"], 3, "{list}");
    let names: Vec<&str> = list["tokens"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "analyst", "de-delegate"]);
    let text = list.to_string();
    for secret in [&reader, &de, &app.admin] {
        assert!(!text.contains(secret.as_str()), "a secret in the list: {text}");
    }
    let analyst = &list["tokens"][1];
    assert_eq!(analyst["role"], "reader");
    assert_eq!(analyst["last_used_at"], Value::Null, "never used yet: {analyst}");
    assert_eq!(list["tokens"][2]["state"], "DE");

    // One use shows up as its last use.
    assert_eq!(app.get_as("/v1/states", &reader).await.status(), StatusCode::OK);
    let list: Value = app.get_as("/v1/tokens", &app.admin).await.json().await.unwrap();
    let used = list["tokens"][1]["last_used_at"].as_str().expect("last_used_at after a request");
    assert!(time::OffsetDateTime::parse(used, &time::format_description::well_known::Rfc3339).is_ok(), "{used}");

    // Only admins list.
    assert_eq!(app.get_as("/v1/tokens", &reader).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_as("/v1/tokens", &de).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/v1/tokens").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_revoked_token_fails_at_once_and_the_revocation_is_audited() {
    let app = spawn_app().await;
    let de = app.token("de-delegate", "delegate", Some("DE")).await;
    let submit = |token: String| {
        let app = &app;
        async move {
            app.post_json("/v1/states/DE/submissions", Some(&token), &english_list(2024, &["phishing"])).await.status()
        }
    };
    assert_eq!(submit(de.clone()).await, StatusCode::CREATED);

    // Not an admin: refused, and the token still works.
    let r = app.client.delete(app.url("/v1/tokens/de-delegate")).bearer_auth(&de).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = app.client.delete(app.url("/v1/tokens/de-delegate")).bearer_auth(&app.admin).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let p = problem(
        app.post_json("/v1/states/DE/submissions", Some(&de), &english_list(2025, &["malware"])).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(p["detail"].is_string(), "{p}");
    assert_eq!(app.get_as("/v1/states", &de).await.status(), StatusCode::UNAUTHORIZED);

    // Gone from the list; a second revocation finds nothing; the log says who revoked it.
    let list: Value = app.get_as("/v1/tokens", &app.admin).await.json().await.unwrap();
    assert!(!list.to_string().contains("de-delegate"), "{list}");
    let r = app.client.delete(app.url("/v1/tokens/de-delegate")).bearer_auth(&app.admin).send().await.unwrap();
    problem(r, StatusCode::NOT_FOUND).await;
    let audit: Value = app.get_as("/v1/audit?action=token.revoke", &app.admin).await.json().await.unwrap();
    assert_eq!(audit["total"], 1, "{audit}");
    assert_eq!(audit["records"][0]["target"], "tokens/de-delegate");
    assert_eq!(audit["records"][0]["actor"], "admin");

    // The name is free again: a new token under it is a new secret.
    let again = app.token("de-delegate", "delegate", Some("DE")).await;
    assert_ne!(again, de);
    let r = app.post_json("/v1/states/DE/submissions", Some(&again), &english_list(2024, &["ransomware"])).await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_token_stops_working_when_it_expires() {
    let app = spawn_app().await;
    let in_a_day =
        (app.clock.now() + time::Duration::days(1)).format(&time::format_description::well_known::Rfc3339).unwrap();
    let r = app
        .post_json(
            "/v1/tokens",
            Some(&app.admin),
            &json!({"name": "visitor", "role": "reader", "expires_at": in_a_day}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert!(created["expires_at"].is_string(), "{created}");
    let visitor = created["token"].as_str().unwrap().to_owned();
    assert_eq!(app.get_as("/v1/states", &visitor).await.status(), StatusCode::OK);

    app.clock.advance(time::Duration::days(1) + time::Duration::seconds(1));
    assert_eq!(app.get_as("/v1/states", &visitor).await.status(), StatusCode::UNAUTHORIZED);
    let list: Value = app.get_as("/v1/tokens", &app.admin).await.json().await.unwrap();
    let visitor = list["tokens"].as_array().unwrap().iter().find(|t| t["name"] == "visitor").cloned().unwrap();
    assert_eq!(visitor["expired"], true, "{visitor}");

    // An expiry in the past, or not a time, is refused naming the field.
    for bad in ["2001-01-01T00:00:00Z", "next week"] {
        let r = app
            .post_json("/v1/tokens", Some(&app.admin), &json!({"name": "x", "role": "reader", "expires_at": bad}))
            .await;
        let p = problem(r, StatusCode::BAD_REQUEST).await;
        assert_eq!(p["param"], "expires_at", "{p}");
    }
}

#[tokio::test]
async fn one_state_is_read_with_its_lists() {
    let app = spawn_app().await;
    app.submit(
        "FR",
        &json!({"year": 2023, "language": "fr", "entries": [
        {"term": "hameçonnage", "definition": "Technique d'escroquerie par courriel.", "term_en": "phishing",
         "definition_en": "A fraud technique by e-mail."}]}),
    )
    .await;
    app.submit(
        "FR",
        &json!({"year": 2024, "language": "fr", "entries": [
        {"term": "logiciel malveillant", "definition": "Programme conçu pour nuire.", "term_en": "malware",
         "definition_en": "A program made to do harm."}]}),
    )
    .await;
    app.submit(
        "FR",
        &json!({"year": 2024, "language": "fr", "entries": [
        {"term": "logiciel malveillant", "definition": "Programme conçu pour nuire à un système.",
         "definition_en": "A program made to harm a system.",
         "term_en": "malware"}]}),
    )
    .await;

    let fr = app.get_json("/v1/states/FR").await;
    assert_eq!(fr["code"], "FR");
    assert_eq!(fr["name"], "France");
    assert_eq!(fr["submissions"].as_array().unwrap().len(), 3, "{fr}");
    let current: Vec<(i64, i64)> = fr["current"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["year"].as_i64().unwrap(), s["revision"].as_i64().unwrap()))
        .collect();
    assert_eq!(current, [(2023, 1), (2024, 2)]);
    assert!(fr["last_submission_at"].is_string());

    let empty = app.get_json("/v1/states/MT").await;
    assert_eq!(empty["submissions"], json!([]));
    assert_eq!(empty["last_submission_at"], Value::Null);
    problem(app.get("/v1/states/ZZ").await, StatusCode::NOT_FOUND).await;
    let p = problem(app.get("/v1/states/not%20a%20code").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(p["param"], "state", "{p}");
}

#[tokio::test]
async fn a_delegates_position_is_its_own_states_when_it_names_none() {
    let app = spawn_app().await;
    let de = app.token("de-delegate", "delegate", Some("DE")).await;
    let p = app.propose(&app.admin.clone(), &proposal("phishing", "Deceiving people into revealing secrets.")).await;
    let id = p["id"].as_str().unwrap().to_owned();
    let (s, b) = app.act(&id, "submit", &app.admin, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");

    let (s, b) = app.act(&id, "positions", &de, Some(&json!({"position": "support"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let standing = b["positions"].to_string();
    assert!(standing.contains("\"DE\""), "the position is Germany's: {standing}");

    // An editor or admin must still say which State.
    let (s, b) = app.act(&id, "positions", &app.admin, Some(&json!({"position": "support"}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("state"), "{b}");
    // And a delegate naming another State is still refused.
    let (s, _) = app.act(&id, "positions", &de, Some(&json!({"state": "FR", "position": "support"}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_the_index_lag() {
    let app = spawn_app().await;
    app.submit("DE", &english_list(2024, &["phishing", "malware"])).await;
    for _ in 0..3 {
        assert_eq!(app.get("/v1/search?q=phishing").await.status(), StatusCode::OK);
    }
    assert_eq!(app.get("/v1/entries/999-1").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.post_empty("/v1/clusters/rebuild", &app.admin).await.status(), StatusCode::OK);

    let r = app.get("/metrics").await;
    assert_eq!(r.status(), StatusCode::OK);
    let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    let text = r.text().await.unwrap();
    let value = |prefix: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no line {prefix} in:\n{text}"))
    };
    assert_eq!(value(r#"glossary_http_requests_total{method="GET",route="/v1/search",status="200"}"#), 3.0);
    assert_eq!(value(r#"glossary_http_requests_total{method="GET",route="/v1/entries/{id}",status="404"}"#), 1.0);
    assert!(value(r#"glossary_http_request_duration_seconds_count{method="GET",route="/v1/search"}"#) >= 3.0);
    assert!(value("glossary_search_duration_seconds_count") >= 1.0);
    assert!(value("glossary_change_log_seq") >= 1.0);
    // A small list is searchable when acknowledged (the followers finish first).
    assert_eq!(value("glossary_index_lag_changes"), 0.0);
    assert!(value("glossary_store_size_bytes") > 0.0);
    assert!(value("glossary_cluster_runs") >= 1.0);
    assert!(text.trim_end().ends_with("# EOF"), "OpenMetrics ends with # EOF");
}

#[test]
fn logs_are_one_json_object_a_line_with_log_format_json() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let run = |json: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_glossary"));
        cmd.arg("--data-dir").arg(dir.path());
        if json {
            cmd.args(["--log-format", "json"]);
        }
        let mut child = cmd
            .args(["serve", "--addr", "127.0.0.1:0", "--no-samples"])
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("glossary starts");
        let mut lines = Vec::new();
        for line in BufReader::new(child.stderr.take().unwrap()).lines() {
            let line = line.unwrap();
            let done = line.contains("listening on");
            lines.push(line);
            if done {
                break;
            }
        }
        child.kill().ok();
        child.wait().ok();
        lines
    };
    let lines = run(true);
    assert!(lines.len() >= 2, "{lines:?}");
    for line in &lines {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["level"].is_string() && v["timestamp"].is_string() && v["message"].is_string(), "{v}");
    }
    // Text logs written to a pipe carry no colour codes.
    let lines = run(false).join("\n");
    assert!(lines.contains("listening on"));
    assert!(!lines.contains('\u{1b}'), "escape codes in a redirected log: {lines:?}");
}

#[test]
fn the_command_line_lists_and_revokes_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let glossary = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_glossary"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .output()
            .expect("glossary runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, secret, err) = glossary(&["token", "create", "--name", "ops", "--role", "admin"]);
    assert!(ok, "{err}");
    let (ok, _, err) = glossary(&[
        "token",
        "create",
        "--name",
        "fr",
        "--role",
        "delegate",
        "--state",
        "FR",
        "--expires-at",
        "2099-01-01",
    ]);
    assert!(ok, "{err}");
    let (ok, list, err) = glossary(&["token", "list"]);
    assert!(ok, "{err}");
    assert!(list.contains("ops") && list.contains("fr") && list.contains("2099-01-01T00:00:00Z"), "{list}");
    assert!(!list.contains(secret.trim()), "a secret in the list: {list}");
    let (ok, _, err) = glossary(&["token", "revoke", "fr"]);
    assert!(ok, "{err}");
    assert!(err.contains("revoked"), "{err}");
    let (_, list, _) = glossary(&["token", "list"]);
    assert!(!list.contains("fr "), "{list}");
    let (ok, _, err) = glossary(&["token", "revoke", "fr"]);
    assert!(!ok, "revoking twice fails");
    assert!(err.contains("fr"), "{err}");
}

#[tokio::test]
async fn a_withdrawn_list_leaves_search_and_clusters_and_its_history_stays() {
    let app = spawn_app().await;
    let de = app.token("de-delegate", "delegate", Some("DE")).await;
    let fr = app.token("fr-delegate", "delegate", Some("FR")).await;
    let first = app.submit("DE", &english_list(2024, &["phishing", "malware"])).await;
    let id = first["id"].as_str().unwrap().to_owned();
    app.submit("FR", &english_list(2024, &["phishing"])).await;
    assert_eq!(app.get_json("/v1/search?q=phishing").await["total"], 2);

    // Another State may not withdraw it.
    let r = app.post_empty(&format!("/v1/submissions/{id}/withdraw"), &fr).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app.post_empty(&format!("/v1/submissions/{id}/withdraw"), &de).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let withdrawn: Value = r.json().await.unwrap();
    assert_eq!(withdrawn["withdrawn"], true);
    assert_eq!(withdrawn["revision"], 2);
    assert_eq!(withdrawn["entry_count"], 0);
    assert_eq!(withdrawn["replaces"], id.as_str());

    // Search drops it; its first revision stays readable as history.
    let search = app.get_json("/v1/search?q=phishing").await;
    assert_eq!(search["total"], 1, "{search}");
    assert_eq!(search["hits"][0]["entry"]["state"], "FR");
    let old = app.get_json(&format!("/v1/submissions/{id}")).await;
    assert_eq!(old["current"], false);
    assert_eq!(old["entries"].as_array().unwrap().len(), 2);
    let clusters = app.get_json("/v1/clusters?min_states=1&limit=200").await;
    assert!(!clusters.to_string().contains(&format!("\"{id}-1\"")), "{clusters}");
    // Once only, and only the current revision.
    let r = app.post_empty(&format!("/v1/submissions/{id}/withdraw"), &de).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let audit: Value = app.get_as("/v1/audit?action=submission.withdraw", &app.admin).await.json().await.unwrap();
    assert_eq!(audit["total"], 1);
}

#[tokio::test]
async fn the_same_list_again_makes_no_new_revision_and_a_new_language_is_warned_about() {
    let app = spawn_app().await;
    let list = english_list(2024, &["phishing", "malware"]);
    let first = app.submit("DE", &list).await;
    let r = app.post_json("/v1/states/DE/submissions", Some(&app.admin), &list).await;
    assert_eq!(r.status(), StatusCode::OK, "nothing new was stored");
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["unchanged"], true);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["revision"], 1);
    let listed = app.get_json("/v1/states/DE/submissions").await;
    assert_eq!(listed["submissions"].as_array().unwrap().len(), 1);

    let german = json!({"year": 2024, "language": "de", "entries": [
        {"term": "Phishing", "definition": "Täuschung per E-Mail.", "term_en": "phishing",
         "definition_en": "Deception by e-mail."}]});
    let receipt = app.submit("DE", &german).await;
    assert_eq!(receipt["revision"], 2);
    assert_eq!(receipt["unchanged"], false);
    let warnings = receipt["warnings"].to_string();
    assert!(warnings.contains("language") && warnings.contains("'en'"), "{warnings}");
}
