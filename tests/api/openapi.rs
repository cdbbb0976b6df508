//! The committed `openapi/openapi.json` is the document the code generates.
//! Regenerate with: `cargo run -- openapi > openapi/openapi.json`.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_committed_openapi_document_matches_the_code() {
    let committed_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&committed_path).expect("openapi/openapi.json is committed");
    let generated = consensus_glossary::http::openapi_document().to_pretty_json().expect("document serializes");
    let committed: Value = serde_json::from_str(&committed).expect("committed document is JSON");
    let generated: Value = serde_json::from_str(&generated).unwrap();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json`"
    );

    // And the server serves that same document.
    let app = spawn_app().await;
    let r = app.get("/openapi.json").await;
    assert_eq!(r.status(), StatusCode::OK);
    let served: Value = r.json().await.unwrap();
    assert_eq!(served, generated);
    assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/healthz",
        "/v1/states",
        "/v1/states/{state}/submissions",
        "/v1/submissions/{id}",
        "/v1/entries",
        "/v1/entries/{id}",
        "/v1/audit",
        "/v1/tokens",
        "/v1/proposals",
        "/v1/proposals/{id}",
        "/v1/proposals/{id}/positions",
        "/v1/glossary",
    ] {
        assert!(served["paths"][path].is_object(), "{path} is documented");
    }
}
