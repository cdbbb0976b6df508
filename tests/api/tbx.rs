//! TBX import: v3 TBX-Basic, v2 martif and namespace-less files become
//! national lists; unsafe XML is refused unread; every error names its
//! concept entry.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, data_dir, invalid_file, problem, row_fields, spawn_app};

pub fn tbx_file(name: &str) -> Vec<u8> {
    std::fs::read(data_dir().join("tbx").join(name)).expect("data/tbx file")
}

async fn submit_tbx(app: &TestApp, state: &str, query: &str, content_type: Option<&str>, body: Vec<u8>) -> Value {
    let mut req = app.client.post(app.url(&format!("/v1/states/{state}/submissions{query}"))).bearer_auth(&app.admin);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let r = req.body(body).send().await.expect("POST");
    let status = r.status();
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

fn warning_about<'a>(receipt: &'a Value, field: &str) -> &'a str {
    receipt["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["field"] == field)
        .and_then(|w| w["message"].as_str())
        .unwrap_or_else(|| panic!("no warning about {field}: {receipt}"))
}

#[tokio::test]
async fn a_tbx_v3_basic_file_becomes_a_national_list() {
    let app = spawn_app().await;
    let receipt = submit_tbx(&app, "AT", "?year=2021", Some("application/x-tbx+xml"), tbx_file("AT-2021-de.tbx")).await;
    assert_eq!(receipt["language"], "de", "the one language besides English");
    assert_eq!(receipt["entry_count"], 4);
    // Unknown data categories are kept and listed; other languages are named.
    let extra = warning_about(&receipt, "extra");
    for key in ["term/termNote/partOfSpeech", "term/termNote/grammaticalGender", "term/descrip/context"] {
        assert!(extra.contains(key), "{extra}");
    }
    assert!(warning_about(&receipt, "language").contains("fr"));
    assert!(warning_about(&receipt, "synonyms").contains("termType"));

    let sub = app.get_json(&format!("/v1/submissions/{}", receipt["id"].as_str().unwrap())).await;
    assert_eq!(sub["format"], "tbx");
    let e = &sub["entries"];
    assert_eq!(e[0]["row"], 1);
    assert_eq!(e[0]["term"], "Cyberangriff");
    assert_eq!(e[0]["synonyms"], json!(["Cyberattacke"]));
    assert_eq!(e[0]["administrative_status"], "preferred");
    assert_eq!(e[0]["term_en"], "cyber attack");
    assert!(e[0]["definition_en"].as_str().unwrap().starts_with("A deliberate act"));
    assert_eq!(e[0]["source"], "Musterglossar Cybersicherheit, Ausgabe 2021");
    assert_eq!(e[0]["domains"], json!(["threats"]));
    assert_eq!(e[0]["extra"]["term/termNote/partOfSpeech"], "noun");
    // Definition inside a descripGrp, its source with it; "a; b" subject fields.
    assert_eq!(e[1]["term"], "Schadsoftware");
    assert_eq!(e[1]["synonyms"], json!(["Schadprogramm", "Malware"]));
    assert_eq!(e[1]["domains"], json!(["software", "threats"]));
    assert_eq!(e[1]["source"], "Musterglossar Cybersicherheit, Ausgabe 2021");
    assert!(e[1]["extra"]["term/descrip/context"].as_str().unwrap().contains("E-Mail-Anhänge"));
    // No status and a concept-level note; an entity in the definition.
    assert_eq!(e[2]["administrative_status"], Value::Null);
    assert_eq!(e[2]["note"], "Begriff aus der nationalen Meldepflicht abgeleitet.");
    assert!(e[3]["definition"].as_str().unwrap().contains("erheblich stören würde & die"));

    // Synonyms are searchable like terms.
    let hits = app.get_json("/v1/search?q=Schadprogramm&state=AT").await;
    assert_eq!(hits["hits"][0]["entry"]["term"], "Schadsoftware", "{hits}");
    let hits = app.get_json("/v1/search?q=KRITIS&field=term").await;
    assert_eq!(hits["hits"][0]["entry"]["term"], "kritische Infrastruktur", "{hits}");
}

#[tokio::test]
async fn a_tbx_v2_martif_file_is_read_too() {
    let app = spawn_app().await;
    let receipt = submit_tbx(&app, "BE", "?year=2021", Some("application/xml"), tbx_file("BE-2021-fr.tbx")).await;
    assert_eq!(receipt["language"], "fr");
    assert_eq!(receipt["entry_count"], 3);
    assert!(warning_about(&receipt, "term_en").contains('3'), "CSIRT is not kept: {receipt}");
    let sub = app.get_json(&format!("/v1/submissions/{}", receipt["id"].as_str().unwrap())).await;
    let e = &sub["entries"];
    assert_eq!(e[0]["term"], "hameçonnage");
    assert_eq!(e[0]["synonyms"], json!(["filoutage"]));
    assert_eq!(e[0]["term_en"], "phishing");
    assert_eq!(e[0]["source"], "Lexique d'exemple, 2021");
    // ntig / termGrp: the term, its status, and the ntig's note.
    assert_eq!(e[1]["term"], "rançongiciel");
    assert_eq!(e[1]["administrative_status"], "preferred");
    assert_eq!(e[1]["note"], "Recommandé par la commission de terminologie d'exemple.");
    assert_eq!(e[1]["synonyms"], json!(["logiciel de rançon"]));
    assert_eq!(e[2]["term_en"], "computer security incident response team");
}

#[tokio::test]
async fn a_namespace_less_file_is_sniffed_and_english_is_the_default() {
    let app = spawn_app().await;
    // No Content-Type: the leading '<' says XML.
    let receipt = submit_tbx(&app, "IE", "?year=2021", None, tbx_file("IE-2021-en.tbx")).await;
    assert_eq!(receipt["language"], "en");
    assert_eq!(receipt["entry_count"], 3);
    let sub = app.get_json(&format!("/v1/submissions/{}", receipt["id"].as_str().unwrap())).await;
    let e = &sub["entries"];
    assert!(e[0]["definition"].as_str().unwrap().starts_with("A weakness"), "concept-level definition");
    assert_eq!(e[1]["term"], "multi-factor authentication", "en-IE is English");
    assert_eq!(e[1]["synonyms"], json!(["MFA"]));
    assert_eq!(e[1]["term_en"], Value::Null);

    // text/xml and application/tbx+xml are TBX too; ?language= picks the list.
    submit_tbx(&app, "IE", "?year=2022", Some("text/xml"), tbx_file("IE-2021-en.tbx")).await;
    let r =
        submit_tbx(&app, "AT", "?year=2022&language=de", Some("application/tbx+xml"), tbx_file("AT-2021-de.tbx")).await;
    assert_eq!(r["language"], "de");
}

async fn refused(app: &TestApp, query: &str, body: Vec<u8>, status: StatusCode) -> Value {
    let r = app.post_raw(&format!("/v1/states/DE/submissions{query}"), Some(&app.admin), "application/xml", body).await;
    let p = problem(r, status).await;
    assert_eq!(app.get_json("/v1/states/DE/submissions").await["total"], 0, "nothing stored");
    p
}

#[tokio::test]
async fn entity_declarations_are_refused_unread_with_a_400() {
    let app = spawn_app().await;
    for file in ["billion-laughs.tbx", "external-entity.tbx"] {
        let p = refused(&app, "?year=2020", invalid_file(file), StatusCode::BAD_REQUEST).await;
        assert_eq!(p["type"], "/problems/unsafe-input", "{file}: {p}");
        assert!(p["detail"].as_str().unwrap().contains("DOCTYPE"), "{p}");
        assert_eq!(row_fields(&p), vec![(None, "xml".to_owned())]);
        assert!(!p.to_string().contains("root:"), "nothing of /etc/passwd: {p}");
    }
    // Nesting past the limit.
    let deep = format!(
        "<tbx><text><body><conceptEntry>{}{}</conceptEntry></body></text></tbx>",
        "<hi>".repeat(80),
        "</hi>".repeat(80)
    );
    let p = refused(&app, "?year=2020", deep.into_bytes(), StatusCode::BAD_REQUEST).await;
    assert!(p["detail"].as_str().unwrap().contains("nested"), "{p}");
    assert_eq!(p["errors"][0]["row"], 1);
}

#[tokio::test]
async fn every_error_names_its_concept_entry() {
    let app = spawn_app().await;
    // Concept 2 has no definition: a validation error on row 2.
    let p = refused(&app, "?year=2020", invalid_file("missing-definition.tbx"), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(row_fields(&p), vec![(Some(2), "definition".to_owned())]);

    let good = String::from_utf8(tbx_file("AT-2021-de.tbx")).unwrap();
    // Malformed XML inside the third concept entry.
    let broken = good.replacen("<term>Sicherheitsvorfall</term>", "<term>Sicherheitsvorfall</trem>", 1);
    let p = refused(&app, "?year=2020", broken.into_bytes(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(row_fields(&p), vec![(Some(3), "xml".to_owned())], "{p}");
    // Invalid UTF-8 inside the fourth.
    let mut bytes = good.clone().into_bytes();
    let at = good.find("kritische Infrastruktur").unwrap();
    bytes[at] = 0xFF;
    let p = refused(&app, "?year=2020", bytes, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(row_fields(&p), vec![(Some(4), "encoding".to_owned())], "{p}");
    // An entity that nothing defines.
    let undefined = good.replacen("<term>Malware</term>", "<term>&mal;</term>", 1);
    let p = refused(&app, "?year=2020", undefined.into_bytes(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(row_fields(&p), vec![(Some(2), "xml".to_owned())], "{p}");
    // A concept without a term in the list's language.
    let p = refused(&app, "?year=2020&language=it", good.clone().into_bytes(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(row_fields(&p)[0], (Some(1), "term".to_owned()), "{p}");
    assert!(p["errors"][0]["reason"].as_str().unwrap().contains("'it'"), "{p}");
    // A German list needs English translations: concept 3 without its English section.
    let no_en = good.replacen(
        "<termSec>\n            <term>security incident</term>\n          </termSec>",
        "<termSec><term>Sicherheitsereignis</term></termSec>",
        1,
    );
    let no_en = no_en.replacen(
        r#"<langSec xml:lang="en">
          <descrip type="definition">An event"#,
        r#"<langSec xml:lang="de-AT">
          <descrip type="definition">An event"#,
        1,
    );
    let p = refused(&app, "?year=2020", no_en.into_bytes(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(row_fields(&p), vec![(Some(3), "term_en".to_owned()), (Some(3), "definition_en".to_owned())], "{p}");
    // Not TBX, another namespace, no concept entries.
    for (body, field) in [
        ("<html><body/></html>", "xml"),
        (r#"<tbx xmlns="urn:example:not-tbx"><text><body/></text></tbx>"#, "xml"),
        ("<tbx><text><body/></text></tbx>", "entries"),
    ] {
        let p = refused(&app, "?year=2020", body.into(), StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(row_fields(&p), vec![(None, field.to_owned())], "{body}: {p}");
    }
}

#[tokio::test]
async fn the_command_line_imports_a_tbx_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = data_dir().join("tbx").join("BE-2021-fr.tbx");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_glossary"))
        .args(["--data-dir", dir.path().to_str().unwrap(), "import", file.to_str().unwrap(), "--state", "BE"])
        .output()
        .expect("glossary import runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let receipt: Value = serde_json::from_slice(&out.stdout).expect("JSON receipt on stdout");
    assert_eq!(receipt["entry_count"], 3);
    assert_eq!(receipt["year"], 2021, "year and language from BE-2021-fr.tbx");
    assert!(stderr.contains("warning"), "{stderr}");

    let bad = data_dir().join("invalid").join("billion-laughs.tbx");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_glossary"))
        .args(["--data-dir", dir.path().to_str().unwrap(), "import", bad.to_str().unwrap(), "--state", "BE"])
        .args(["--year", "2021"])
        .output()
        .expect("glossary import runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("DOCTYPE"));
}
