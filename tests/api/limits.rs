//! Limits and the shape of every error: body size, unknown routes, methods.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{english_list, problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_changes_nothing() {
    let app = spawn_app_with(|c| c.http.body_limit = 4096).await;
    let big: Vec<String> = (0..200).map(|i| format!("term number {i}")).collect();
    let refs: Vec<&str> = big.iter().map(String::as_str).collect();
    let r = app.post_json("/v1/states/DE/submissions", Some(&app.admin), &english_list(2020, &refs)).await;
    problem(r, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(app.get_json("/v1/entries").await["total"], 0);
    // Under the limit still works.
    app.submit("DE", &english_list(2020, &["small"])).await;
}

#[tokio::test]
async fn unknown_routes_and_methods_get_problems() {
    let app = spawn_app().await;
    problem(app.get("/v1/nothing-here").await, StatusCode::NOT_FOUND).await;
    // Outside the API an unknown path is the pages' not-found page (pages.rs).
    problem(app.get("/v1/states/DE/no-such-thing").await, StatusCode::NOT_FOUND).await;
    let r = app.client.delete(app.url("/v1/states")).send().await.unwrap();
    problem(r, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test]
async fn health_and_docs_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get_json("/healthz").await, json!({"status": "ok"}));
    let docs = app.get("/docs/").await;
    assert_eq!(docs.status(), StatusCode::OK);
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "the docs page is Swagger UI");
    // Its assets are served locally, so it works offline.
    let js = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(js.status(), StatusCode::OK);
}

#[tokio::test]
async fn malformed_json_bodies_name_the_field() {
    let app = spawn_app().await;
    let r = app.post_json("/v1/tokens", Some(&app.admin), &json!({"name": "x", "role": 7})).await;
    let p: Value = problem(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(p["param"], "role");
    let r = app.post_raw("/v1/tokens", Some(&app.admin), "application/json", b"{not json".to_vec()).await;
    problem(r, StatusCode::BAD_REQUEST).await;
    let r = app.post_raw("/v1/tokens", Some(&app.admin), "text/plain", b"{}".to_vec()).await;
    problem(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}
