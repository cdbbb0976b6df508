use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{english_list, problem, spawn_app, spawn_app_with};

fn german_list() -> Value {
    json!({"year": 2014, "language": "de", "entries": [
        {"term": "Cyberangriff", "definition": "Ein gezielter Angriff auf IT-Systeme über Netze.",
         "term_en": "cyber attack", "definition_en": "A targeted attack on IT systems over networks.",
         "source": "Nationale Strategie 2014", "note": "Auch: Cyber-Attacke", "domains": ["threats", "governance"]},
        {"term": "Schadsoftware", "definition": "Software, die Schaden anrichten soll.",
         "term_en": "malware", "definition_en": "Software intended to cause harm."}
    ]})
}

#[tokio::test]
async fn a_json_list_round_trips_field_for_field() {
    let app = spawn_app().await;
    let receipt = app.submit("DE", &german_list()).await;
    assert_eq!(receipt["state"], "DE");
    assert_eq!(receipt["year"], 2014);
    assert_eq!(receipt["revision"], 1);
    assert_eq!(receipt["entry_count"], 2);
    assert_eq!(receipt["warnings"], json!([]));
    let id = receipt["id"].as_str().unwrap();

    let sub = app.get_json(&format!("/v1/submissions/{id}")).await;
    assert_eq!(sub["current"], true);
    assert_eq!(sub["language"], "de");
    let entries = sub["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let sent = &german_list()["entries"][0];
    for field in ["term", "definition", "term_en", "definition_en", "source", "note", "domains"] {
        assert_eq!(entries[0][field], sent[field], "{field}");
    }
    assert_eq!(entries[1]["source"], Value::Null);
    assert_eq!(entries[1]["domains"], json!([]));

    // Each entry is addressable on its own.
    let entry_id = entries[0]["id"].as_str().unwrap();
    let entry = app.get_json(&format!("/v1/entries/{entry_id}")).await;
    assert_eq!(entry["term"], "Cyberangriff");
    assert_eq!(entry["state"], "DE");
}

#[tokio::test]
async fn a_csv_list_round_trips_with_quoting_and_line_numbers() {
    let app = spawn_app().await;
    let csv = "term,definition,source,domains\r\n\
               phishing,\"Deceptive messages that imitate a trusted sender, \"\"urgently\"\".\",Guide 2016,threats; identity\r\n\
               firewall,\"A filter between networks.\nIt allows permitted traffic only.\",,\r\n";
    let r =
        app.post_raw("/v1/states/SE/submissions?year=2016&language=en", Some(&app.admin), "text/csv", csv.into()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let receipt: Value = r.json().await.unwrap();
    assert_eq!(receipt["entry_count"], 2);
    let sub = app.get_json(&format!("/v1/submissions/{}", receipt["id"].as_str().unwrap())).await;
    assert_eq!(sub["format"], "csv");
    let e = &sub["entries"];
    assert_eq!(e[0]["definition"], "Deceptive messages that imitate a trusted sender, \"urgently\".");
    assert_eq!(e[0]["domains"], json!(["threats", "identity"]));
    assert_eq!(e[0]["row"], 2);
    assert_eq!(e[1]["definition"], "A filter between networks.\nIt allows permitted traffic only.");
    assert_eq!(e[1]["row"], 3);
}

#[tokio::test]
async fn a_resubmission_is_the_next_revision_and_the_old_one_stays_readable() {
    let app = spawn_app().await;
    let first = app.submit("FR", &english_list(2015, &["a", "b", "c"])).await;
    let second = app.submit("FR", &english_list(2015, &["a", "b"])).await;
    let other_year = app.submit("FR", &english_list(2016, &["z"])).await;
    assert_eq!(first["revision"], 1);
    assert_eq!(second["revision"], 2);
    assert_eq!(second["replaces"], first["id"]);
    assert_eq!(other_year["revision"], 1);

    let list = app.get_json("/v1/states/FR/submissions").await;
    assert_eq!(list["total"], 3);
    let current: Vec<(i64, i64, bool)> = list["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["year"].as_i64().unwrap(), s["revision"].as_i64().unwrap(), s["current"].as_bool().unwrap()))
        .collect();
    assert_eq!(current, vec![(2015, 1, false), (2015, 2, true), (2016, 1, true)]);

    let old = app.get_json(&format!("/v1/submissions/{}", first["id"].as_str().unwrap())).await;
    assert_eq!(old["current"], false);
    assert_eq!(old["entries"].as_array().unwrap().len(), 3);

    // Entry listings show current revisions unless asked for history.
    assert_eq!(app.get_json("/v1/entries?state=FR").await["total"], 3);
    assert_eq!(app.get_json("/v1/entries?state=FR&year=2015").await["total"], 2);
    assert_eq!(app.get_json("/v1/entries?state=FR&all_revisions=true").await["total"], 6);
}

#[tokio::test]
async fn text_is_stored_nfc_and_mixed_scripts_are_warned_not_merged() {
    let app = spawn_app().await;
    let list = json!({"year": 2020, "language": "en", "entries": [
        {"term": "se\u{301}curite\u{301} incident", "definition": "An incident."},
        // Cyrillic "с" (U+0441) in front of Latin letters.
        {"term": "\u{0441}yber attack", "definition": "Looks Latin, is not."},
        {"term": "cyber attack", "definition": "The Latin one."}
    ]});
    let receipt = app.submit("US", &list).await;
    let warnings = receipt["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{receipt}");
    assert_eq!(warnings[0]["row"], 2);
    assert_eq!(warnings[0]["field"], "term");
    let sub = app.get_json(&format!("/v1/submissions/{}", receipt["id"].as_str().unwrap())).await;
    assert_eq!(sub["entries"][0]["term"], "s\u{e9}curit\u{e9} incident");
    // Both look-alike terms are kept: not merged, not refused as duplicates.
    assert_eq!(sub["entries"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn entries_filter_by_state_language_and_year_and_paginate() {
    let app = spawn_app().await;
    app.submit("DE", &german_list()).await;
    app.submit("GB", &english_list(2015, &["a", "b", "c", "d", "e"])).await;
    assert_eq!(app.get_json("/v1/entries").await["total"], 7);
    assert_eq!(app.get_json("/v1/entries?language=de").await["total"], 2);
    assert_eq!(app.get_json("/v1/entries?year=2015").await["total"], 5);
    let page = app.get_json("/v1/entries?state=GB&limit=2&offset=3").await;
    assert_eq!(page["total"], 5);
    let terms: Vec<&str> = page["entries"].as_array().unwrap().iter().map(|e| e["term"].as_str().unwrap()).collect();
    assert_eq!(terms, vec!["d", "e"]);
    for bad in ["/v1/entries?limit=0", "/v1/entries?limit=201", "/v1/entries?offset=-1", "/v1/entries?year=abc"] {
        problem(app.get(bad).await, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn unknown_ids_are_404_problems() {
    let app = spawn_app().await;
    for path in [
        "/v1/submissions/999",
        "/v1/submissions/abc",
        "/v1/entries/1-1",
        "/v1/entries/zzz",
        "/v1/states/QQ/submissions",
    ] {
        problem(app.get(path).await, StatusCode::NOT_FOUND).await;
    }
}

#[tokio::test]
async fn the_sample_lists_load_on_first_start_only() {
    let app = spawn_app_with(|c| c.samples = Some(crate::helpers::data_dir())).await;
    let de = app.get_json("/v1/states/DE/submissions").await;
    // DE-2014.json then DE-2014-r2.json: the second is current.
    let revisions: Vec<(i64, bool)> = de["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["revision"].as_i64().unwrap(), s["current"].as_bool().unwrap()))
        .collect();
    assert_eq!(revisions, vec![(1, false), (2, true)]);
    let all = app.get_json("/v1/entries?limit=1").await["total"].as_u64().unwrap();
    assert!(all > 400, "{all} sample entries");
    let languages = ["en", "fr", "de", "it", "ru", "es"];
    for l in languages {
        assert!(
            app.get_json(&format!("/v1/entries?language={l}&limit=1")).await["total"].as_u64().unwrap() >= 25,
            "{l}"
        );
    }
}
