//! Hostile input that looks harmless: invisible format characters in text,
//! keys given twice in a JSON body, dates that RFC 3339 cannot write; and
//! the entries of a list coming back page by page.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{english_list, problem, row_fields, spawn_app};

#[tokio::test]
async fn invisible_format_characters_are_refused_naming_row_and_field() {
    let app = spawn_app().await;
    let list = json!({"year": 2024, "language": "en", "entries": [
        {"term": "malware", "definition": "Software meant to harm."},
        // A right-to-left override makes "malware" read backwards on screen.
        {"term": "mal\u{202E}erawlam", "definition": "Looks like another term."},
        {"term": "cyber\u{200B}attack", "definition": "A zero-width space inside.",
         "note": "an \u{2066}isolate\u{2069}"},
        {"term": "word\u{2060}joiner", "definition": "x", "synonyms": ["bom\u{FEFF}"]},
    ]});
    let r = app.post_json("/v1/states/DE/submissions", Some(&app.admin), &list).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        row_fields(&p),
        vec![
            (Some(2), "term".to_owned()),
            (Some(3), "term".to_owned()),
            (Some(3), "note".to_owned()),
            (Some(4), "term".to_owned()),
            (Some(4), "synonyms".to_owned()),
        ],
        "{p}"
    );
    assert!(p["errors"][0]["reason"].as_str().unwrap().contains("U+202E"), "{p}");
    assert_eq!(app.get_json("/v1/entries").await["total"], 0);

    // The same rule holds for proposals (and every other text).
    let r = app
        .post_json(
            "/v1/proposals",
            Some(&app.admin),
            &json!({"term": "ransom\u{200D}ware", "definition": "d", "language": "en"}),
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "term", "{p}");

    // A Persian term keeps the zero-width non-joiner its spelling needs.
    let persian = "\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}";
    let list = json!({"year": 2024, "language": "fa", "entries": [
        {"term": persian, "definition": "d", "term_en": "I want", "definition_en": "d"}]});
    let receipt = app.submit("DE", &list).await;
    let sub = app.get_json(&format!("/v1/submissions/{}", receipt["id"].as_str().unwrap())).await;
    assert_eq!(sub["entries"][0]["term"], persian);
}

#[tokio::test]
async fn a_key_given_twice_in_a_json_body_is_refused() {
    let app = spawn_app().await;
    let r = app
        .post_raw(
            "/v1/states/DE/submissions",
            Some(&app.admin),
            "application/json",
            br#"{"year":2023,"year":2024,"language":"en","entries":[{"term":"a","definition":"b"}]}"#.to_vec(),
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(row_fields(&p), vec![(None, "year".to_owned())], "{p}");
    let r = app
        .post_raw(
            "/v1/states/DE/submissions",
            Some(&app.admin),
            "application/json",
            br#"{"year":2023,"language":"en","entries":[{"term":"a","definition":"b","definition":"c"}]}"#.to_vec(),
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(row_fields(&p), vec![(Some(1), "definition".to_owned())], "{p}");
    assert_eq!(app.get_json("/v1/entries").await["total"], 0);

    // Every other JSON body too: 400 naming the key.
    let r = app
        .post_raw(
            "/v1/tokens",
            Some(&app.admin),
            "application/json",
            br#"{"name":"a","role":"reader","role":"admin"}"#.to_vec(),
        )
        .await;
    let p = problem(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(p["param"], "role", "{p}");
    let r = app
        .post_raw(
            "/v1/proposals",
            Some(&app.admin),
            "application/json",
            br#"{"term":"t","definition":"d","language":"en","translations":{"fr":{"term":"a","definition":"b"},"fr":{}}}"#
                .to_vec(),
        )
        .await;
    let p = problem(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(p["param"], "translations.fr", "{p}");
}

#[tokio::test]
async fn dates_outside_rfc_3339_are_refused_and_every_answer_is_rfc_3339() {
    let app = spawn_app().await;
    for bad in ["-0001-01-01", "%2B2024-01-01", "10000-01-01", "0000-01-01T00:00:00%2B01:00"] {
        let r = app.get(&format!("/v1/glossary?as_of={bad}")).await;
        let p = problem(r, StatusCode::BAD_REQUEST).await;
        assert_eq!(p["param"], "as_of", "{bad}: {p}");
        let r = app.get_as(&format!("/v1/audit?since={bad}"), &app.admin).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let rfc3339 = |v: &Value| {
        let s = v.as_str().unwrap_or_else(|| panic!("a time is a string: {v}"));
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|e| panic!("'{s}' is not RFC 3339: {e}"));
    };
    for edge in ["0000-01-01", "9999-12-31", "9999-12-31T23:59:59Z"] {
        let g = app.get_json(&format!("/v1/glossary?as_of={edge}")).await;
        rfc3339(&g["as_of"]);
    }
    let r = app.submit("DE", &english_list(2024, &["timestamp"])).await;
    let sub = app.get_json(&format!("/v1/submissions/{}", r["id"].as_str().unwrap())).await;
    rfc3339(&sub["created_at"]);
    let audit = app.get_as("/v1/audit?since=0000-01-01&limit=200", &app.admin).await.json::<Value>().await.unwrap();
    for record in audit["records"].as_array().unwrap() {
        rfc3339(&record["at"]);
    }
}

#[tokio::test]
async fn the_entries_of_a_list_come_in_pages() {
    let app = spawn_app().await;
    let terms: Vec<String> = (1..=45).map(|i| format!("paged term {i}")).collect();
    let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
    let receipt = app.submit("DE", &english_list(2024, &refs)).await;
    let id = receipt["id"].as_str().unwrap();
    let first = app.get_json(&format!("/v1/submissions/{id}")).await;
    assert_eq!(
        (first["total"].as_u64(), first["limit"].as_u64(), first["offset"].as_u64()),
        (Some(45), Some(20), Some(0))
    );
    assert_eq!(first["entries"].as_array().unwrap().len(), 20);
    assert_eq!(first["entries"][0]["term"], "paged term 1");
    let last = app.get_json(&format!("/v1/submissions/{id}?limit=200&offset=40")).await;
    let terms: Vec<&str> = last["entries"].as_array().unwrap().iter().map(|e| e["term"].as_str().unwrap()).collect();
    assert_eq!(terms, ["paged term 41", "paged term 42", "paged term 43", "paged term 44", "paged term 45"]);
    assert_eq!(last["entries"][0]["id"], format!("{id}-41"));
    let past = app.get_json(&format!("/v1/submissions/{id}?offset=45")).await;
    assert_eq!(past["entries"], json!([]));
    let p = problem(app.get(&format!("/v1/submissions/{id}?limit=201")).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(p["param"], "limit");
}
