//! Every way a list can be bad: refused whole, every bad row named, nothing written.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, invalid_file, problem, row_fields, spawn_app};

/// A file and the (row, field) pairs its refusal must name.
type Case = (&'static str, &'static [(Option<u64>, &'static str)]);

/// Posts `body` for state XX-TEST and checks the 422 names exactly `expected`
/// and that nothing at all was written.
async fn refused(
    app: &TestApp,
    content_type: &str,
    query: &str,
    body: Vec<u8>,
    expected: &[(Option<u64>, &str)],
) -> Value {
    let audit_before = app.audit_total().await;
    let path = format!("/v1/states/DE/submissions{query}");
    let r = app.post_raw(&path, Some(&app.admin), content_type, body).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let got = row_fields(&p);
    let want: Vec<(Option<u64>, String)> = expected.iter().map(|(r, f)| (*r, (*f).to_owned())).collect();
    assert_eq!(got, want, "{p}");
    for e in p["errors"].as_array().unwrap() {
        assert!(!e["reason"].as_str().unwrap().is_empty());
    }
    assert_eq!(app.get_json("/v1/states/DE/submissions").await["total"], 0, "nothing stored");
    assert_eq!(app.get_json("/v1/entries").await["total"], 0, "no entry stored");
    assert_eq!(app.audit_total().await, audit_before, "nothing audited: nothing happened");
    p
}

#[tokio::test]
async fn each_invalid_json_file_is_refused_with_its_row_and_field() {
    let app = spawn_app().await;
    let cases: &[Case] = &[
        ("empty-term.json", &[(Some(2), "term")]),
        ("missing-definition.json", &[(Some(1), "definition")]),
        ("missing-translation.json", &[(Some(2), "definition_en")]),
        ("unknown-language.json", &[(None, "language")]),
        ("control-chars.json", &[(Some(1), "term")]),
        ("overlong-term.json", &[(Some(1), "term")]),
        ("overlong-definition.json", &[(Some(1), "definition")]),
        ("duplicate-term.json", &[(Some(3), "term")]),
        ("wrong-year.json", &[(None, "year")]),
        ("many-errors.json", &[(Some(2), "term"), (Some(4), "definition"), (Some(5), "term")]),
        ("not-json.json", &[(None, "body")]),
    ];
    for (file, expected) in cases {
        let p = refused(&app, "application/json", "", invalid_file(file), expected).await;
        if *file == "duplicate-term.json" {
            assert!(p["errors"][0]["reason"].as_str().unwrap().contains("row 1"), "{p}");
        }
    }
}

#[tokio::test]
async fn each_invalid_csv_file_is_refused_with_its_line_and_field() {
    let app = spawn_app().await;
    let q = "?year=2020&language=en";
    refused(&app, "text/csv", q, invalid_file("bad-quoting.csv"), &[(Some(3), "definition")]).await;
    refused(&app, "text/csv", q, invalid_file("invalid-utf8.csv"), &[(Some(3), "definition")]).await;
    refused(&app, "text/csv", q, invalid_file("missing-column.csv"), &[(Some(1), "definition")]).await;
    // A stray quote in an unquoted field, and a ragged row.
    refused(&app, "text/csv", q, b"term,definition\na,b\nc\"d,e\n".to_vec(), &[(Some(3), "term")]).await;
    refused(&app, "text/csv", q, b"term,definition\na,b,c\n".to_vec(), &[(Some(2), "csv")]).await;
    // CSV lists need their year and language.
    refused(&app, "text/csv", "", b"term,definition\na,b\n".to_vec(), &[(None, "language"), (None, "year")]).await;
    refused(&app, "text/csv", "?year=20x0&language=en", b"term,definition\na,b\n".to_vec(), &[(None, "year")]).await;
}

#[tokio::test]
async fn unknown_or_malformed_state_codes_are_refused() {
    // One answer per mistake, on every path that takes a State: a malformed
    // code is 400 naming `state`, a well-formed one that no party has is 404.
    let app = spawn_app().await;
    let list = crate::helpers::english_list(2020, &["a"]);
    for state in ["X", "A_B", "-DE"] {
        let r = app.post_json(&format!("/v1/states/{state}/submissions"), Some(&app.admin), &list).await;
        let p = problem(r, StatusCode::BAD_REQUEST).await;
        assert_eq!(p["param"], "state", "{state}: {p}");
        let p = problem(app.get(&format!("/v1/states/{state}/submissions")).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(p["param"], "state", "{state}: {p}");
        let p = problem(app.get(&format!("/v1/entries?state={state}")).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(p["param"], "state", "{state}: {p}");
        let p = problem(app.get(&format!("/v1/clusters?state={state}")).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(p["param"], "state", "{state}: {p}");
    }
    let r = app.post_json("/v1/states/QQ/submissions", Some(&app.admin), &list).await;
    problem(r, StatusCode::NOT_FOUND).await;
    problem(app.get("/v1/states/QQ/submissions").await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn wrong_types_empty_lists_and_wrong_media_types_are_refused() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"year": "twenty", "language": "en", "entries": [{"term": "a", "definition": "b"}]}),
            vec![(None, "year")],
        ),
        (json!({"year": 2020, "language": "en", "entries": []}), vec![(None, "entries")]),
        (
            json!({"year": 2020, "language": "en", "entries": [{"term": ["a"], "definition": "b"}, 7]}),
            vec![(Some(1), "term"), (Some(2), "entry")],
        ),
        (
            json!({"year": 2020, "language": "en", "entries": [{"term": "a", "definition": "b", "domains": "x;y", "source": 3}]}),
            vec![(Some(1), "source")],
        ),
        (json!([1, 2]), vec![(None, "body")]),
    ];
    for (body, expected) in cases {
        refused(&app, "application/json", "", serde_json::to_vec(&body).unwrap(), &expected).await;
    }
    let r = app.post_raw("/v1/states/DE/submissions", Some(&app.admin), "image/png", b"\x89PNG".to_vec()).await;
    problem(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}

#[tokio::test]
async fn dangerous_xml_is_never_expanded() {
    // A DOCTYPE is refused before anything is read (see tbx.rs for more).
    let app = spawn_app().await;
    for file in ["billion-laughs.tbx", "external-entity.tbx"] {
        let r =
            app.post_raw("/v1/states/DE/submissions", Some(&app.admin), "application/xml", invalid_file(file)).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{file}");
    }
    assert_eq!(app.get_json("/v1/entries").await["total"], 0);
}
