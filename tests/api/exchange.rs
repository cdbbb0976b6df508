//! What other software reads and writes: every TBX export (v3 and v2, of a
//! list from any format and of the glossary) checked by real validators (the
//! TBX core RELAX NG schema with xmllint, the TBX-Basic Schematron with
//! node-schematron wherever a file declares TBX-Basic) and read by
//! translate-toolkit (what Weblate reads TBX with); TBX files in the shapes
//! other tools write; `?skip_incomplete=true`; `extra` held to TBX's rules.
//!
//! The validators are Debian's, npm's and PyPI's packages that `.ci/run`
//! installs. With `GLOSSARY_EXCHANGE_TESTS=1` (as `.ci/run` sets it) a
//! missing tool fails these tests; without it they skip the tool's check and
//! say so.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, data_dir, problem, row_fields, spawn_app};
use crate::tbx::tbx_file;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tbx").join(name)).expect("fixture")
}

fn schema(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tbx-schema").join(name)
}

fn required() -> bool {
    std::env::var("GLOSSARY_EXCHANGE_TESTS").is_ok_and(|v| v == "1")
}

/// Runs a tool; `None` when it is not installed (and not required).
fn run(program: &str, args: &[&str]) -> Option<std::process::Output> {
    match Command::new(program).args(args).output() {
        Ok(out) => Some(out),
        Err(e) => {
            assert!(!required(), "{program} is required (GLOSSARY_EXCHANGE_TESTS=1) but cannot run: {e}");
            eprintln!("skipping the {program} check: {e}");
            None
        }
    }
}

fn python() -> String {
    std::env::var("GLOSSARY_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Checks a TBX v3 export with the real validators; returns its dialect.
fn validate_v3(label: &str, tbx: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.tbx");
    std::fs::write(&file, tbx).unwrap();
    let file = file.to_str().unwrap();
    let rng = schema("TBXcoreStructV03.rng");
    if let Some(out) = run("xmllint", &["--noout", "--relaxng", rng.to_str().unwrap(), file]) {
        assert!(
            out.status.success(),
            "{label}: the TBX core RELAX NG schema refuses the export:\n{}\n{tbx}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let doc = roxmltree::Document::parse(tbx).expect("well-formed");
    let dialect = doc.root_element().attribute("type").unwrap_or_default().to_owned();
    if dialect == "TBX-Basic" {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/tools/schematron.js");
        let sch = schema("TBX-Basic_DCA.sch");
        if let Some(out) = run("node", &[script.to_str().unwrap(), sch.to_str().unwrap(), file]) {
            let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            if said.contains("Cannot find module") {
                assert!(!required(), "node-schematron is required but not installed: {said}");
                eprintln!("skipping the TBX-Basic Schematron check: {said}");
            } else {
                assert!(out.status.success(), "{label}: the TBX-Basic Schematron refuses the export:\n{said}\n{tbx}");
            }
        }
    } else {
        assert_eq!(dialect, "TBX-consensus-glossary", "{label}: a dialect it is");
    }
    dialect
}

/// The (source, target) term pairs translate-toolkit reads from a TBX v2 file.
fn translate_toolkit_reads(label: &str, tbx: &[u8]) -> Option<Vec<(String, String)>> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.tbx");
    std::fs::write(&file, tbx).unwrap();
    let code = "import json, sys\nfrom translate.storage import tbx\n\
        store = tbx.tbxfile.parsefile(sys.argv[1])\n\
        print(json.dumps([[u.source or \"\", u.target or \"\"] for u in store.units]))";
    let out = run(&python(), &["-c", code, file.to_str().unwrap()])?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("No module named") {
        assert!(!required(), "translate-toolkit is required but not installed: {stderr}");
        eprintln!("skipping the translate-toolkit check: {stderr}");
        return None;
    }
    assert!(out.status.success(), "{label}: translate-toolkit cannot read the TBX v2 export: {stderr}");
    Some(serde_json::from_slice(&out.stdout).expect("JSON from the script"))
}

async fn import(app: &TestApp, state: &str, query: &str, content_type: &str, body: Vec<u8>) -> Value {
    let r = app.post_raw(&format!("/v1/states/{state}/submissions{query}"), Some(&app.admin), content_type, body).await;
    let status = r.status();
    let receipt: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    receipt
}

fn warning<'a>(receipt: &'a Value, needle: &str) -> &'a str {
    receipt["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["message"].as_str())
        .find(|m| m.contains(needle))
        .unwrap_or_else(|| panic!("no warning with '{needle}': {receipt}"))
}

async fn text(app: &TestApp, path: &str) -> String {
    let r = app.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.text().await.unwrap()
}

#[tokio::test]
async fn every_tbx_export_passes_the_core_schema_and_tbx_basic_where_it_says_so() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for (state, query, media, body) in [
        ("AT", "?year=2021", "application/x-tbx+xml", tbx_file("AT-2021-de.tbx")),
        ("BE", "?year=2021", "application/xml", tbx_file("BE-2021-fr.tbx")),
        ("IE", "?year=2021", "application/xml", tbx_file("IE-2021-en.tbx")),
        ("DE", "?year=2021", "application/xml", fixture("v2-external-dtd.tbx")),
        ("GB", "?year=2021&language=en", "application/xml", fixture("extended-metadata.tbx")),
        ("US", "?year=2021&language=en&skip_incomplete=true", "application/xml", fixture("incomplete.tbx")),
        ("RU", "", "application/json", std::fs::read(data_dir().join("lists/RU-2014.json")).unwrap()),
        ("NL", "?year=2016&language=en", "text/csv", std::fs::read(data_dir().join("csv/NL-2016-en.csv")).unwrap()),
    ] {
        ids.push((state, import(&app, state, query, media, body).await["id"].as_str().unwrap().to_owned()));
    }
    // A JSON list with data categories TBX-Basic does not have.
    let list = json!({"year": 2020, "language": "en", "entries": [
        {"term": "beacon", "definition": "A signal a compromised host sends home.",
         "extra": {"concept/descrip/Usage note": "Informal.", "term/termNote/partOfSpeech": "noun",
                   "term/transac/transactionType": "origination", "term/date": "2020-01-02",
                   "term/transac/transactionType#2": "modification", "term/date#2": "2020-03-04",
                   "concept/xref/externalCrossReference": "Sample", "concept/xref/externalCrossReference@target": "https://example.org/b",
                   "concept/ref/crossReference": "implant", "concept/ref/crossReference@target": "c2"}},
        {"term": "implant", "definition": "Code left on a host to keep access."}]});
    ids.push(("CA", app.submit("CA", &list).await["id"].as_str().unwrap().to_owned()));
    app.agree(&json!({"term": "cyber attack", "definition": "A deliberate attempt over networks to harm systems.",
        "language": "en", "translations": {"fr": {"term": "cyberattaque", "definition": "Une tentative délibérée."}}}))
        .await;

    let mut dialects = Vec::new();
    for (state, id) in &ids {
        let entries =
            app.get_json(&format!("/v1/submissions/{id}?limit=200")).await["entries"].as_array().unwrap().len();
        let v3 = text(&app, &format!("/v1/submissions/{id}?format=tbx")).await;
        assert!(!v3.contains("\n2010-05-01"), "{state}: no data categories joined by line breaks");
        dialects.push((*state, validate_v3(state, &v3)));
        // TBX v2: translate-toolkit reads one unit per entry; our reader reads it back the same.
        let v2 = app.get(&format!("/v1/submissions/{id}?format=tbx2")).await.bytes().await.unwrap().to_vec();
        if let Some(units) = translate_toolkit_reads(state, &v2) {
            assert_eq!(units.len(), entries, "{state}: {units:?}");
            assert!(units.iter().all(|(source, _)| !source.is_empty()), "{state}: {units:?}");
        }
        let fresh = spawn_app().await;
        let sub = app.get_json(&format!("/v1/submissions/{id}?limit=200")).await;
        let query = format!("?year={}&language={}", sub["year"], sub["language"].as_str().unwrap());
        let again = import(&fresh, state, &query, "application/xml", v2).await;
        assert_eq!(again["entry_count"], entries, "{state}: the v2 export reads back");
        let again_v3 = text(&fresh, &format!("/v1/submissions/{}?format=tbx", again["id"].as_str().unwrap())).await;
        assert_eq!(again_v3, v3, "{state}: v2 → import → v3 gives the same document");
    }
    let basic: Vec<&str> = dialects.iter().filter(|(_, d)| d == "TBX-Basic").map(|(s, _)| *s).collect();
    assert!(basic.contains(&"AT") && basic.contains(&"RU") && basic.contains(&"NL"), "{dialects:?}");
    let private: Vec<&str> = dialects.iter().filter(|(_, d)| d != "TBX-Basic").map(|(s, _)| *s).collect();
    assert!(private.contains(&"CA") && private.contains(&"GB"), "non-Basic categories, another dialect: {dialects:?}");

    let glossary = text(&app, "/v1/glossary/export?format=tbx").await;
    assert_eq!(validate_v3("glossary", &glossary), "TBX-Basic");
    let v2 = app.get("/v1/glossary/export?format=tbx2").await.bytes().await.unwrap().to_vec();
    if let Some(units) = translate_toolkit_reads("glossary", &v2) {
        assert_eq!(units, vec![("cyber attack".to_owned(), "cyberattaque".to_owned())]);
    }
}

#[tokio::test]
async fn files_in_the_shapes_other_tools_write_import_with_warnings() {
    let app = spawn_app().await;
    let receipt = import(&app, "DE", "?year=2021", "application/xml", fixture("v2-external-dtd.tbx")).await;
    assert_eq!(receipt["language"], "de");
    assert_eq!(receipt["entry_count"], 2);
    assert!(warning(&receipt, "DOCTYPE").contains("neither fetched nor read"));
    assert!(warning(&receipt, "obsolete").contains("concept entries 2"));
    assert!(warning(&receipt, "not imported").contains("zu"), "the empty zu term does not refuse it");
    let sub = app.get_json(&format!("/v1/submissions/{}", receipt["id"].as_str().unwrap())).await;
    let e = &sub["entries"];
    // Wrapped terms and subject fields are one line; indentation is gone.
    assert_eq!(e[0]["term"], "Cyber- angriff");
    assert_eq!(e[0]["term_en"], "cyber attack");
    assert_eq!(e[0]["domains"], json!(["network security"]));
    assert_eq!(
        e[0]["definition"],
        "Ein gezielter Versuch, über Netze Computersysteme zu schädigen, zu stören oder unbefugt in sie einzudringen."
    );
    // The concept-level definition is in the root's language, English.
    assert_eq!(
        e[0]["definition_en"],
        "A deliberate attempt over networks to damage, disrupt or gain unauthorised access to computer systems."
    );
    let extra = &e[0]["extra"];
    assert_eq!(extra["concept/descrip/Usage note"], "Prefer this term in legal texts.");
    assert_eq!(extra["concept/transac/transactionType"], "origination");
    assert_eq!(extra["concept/date"], "2010-04-17T10:00:00Z", "ISO 8601's basic format, made extended");
    assert_eq!(extra["concept/transacNote/responsibility"], "Terminology unit");
    assert_eq!(extra["concept/transac/transactionType#2"], "modification");
    assert_eq!(extra["concept/date#2"], "2010-05-01");
    assert_eq!(extra["concept/xref/externalCrossReference@target"], "https://example.org/terms/100");
    assert_eq!(extra["term/termNote/grammaticalGender"], "masculine");
    assert_eq!(e[1]["extra"]["concept/ref/crossReference@target"], "c1", "the ref follows its concept");
    assert_eq!(e[1]["extra"]["term/termNote/administrativeStatus"], "obsolete");
    assert_eq!(e[1]["administrative_status"], Value::Null);

    // The repeated categories come back out as repeated elements, in their groups.
    let tbx = text(&app, &format!("/v1/submissions/{}?format=tbx", receipt["id"].as_str().unwrap())).await;
    let doc = roxmltree::Document::parse(&tbx).unwrap();
    let groups: Vec<Vec<String>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("transacGrp") && n.parent().is_some_and(|p| p.has_tag_name("conceptEntry")))
        .map(|g| g.children().filter(|c| c.is_element()).map(|c| c.text().unwrap_or("").to_owned()).collect())
        .collect();
    assert_eq!(
        groups,
        vec![
            vec!["origination".to_owned(), "2010-04-17T10:00:00Z".to_owned(), "Terminology unit".to_owned()],
            vec!["modification".to_owned(), "2010-05-01".to_owned()],
        ]
    );
    assert!(tbx.contains(r#"<xref type="externalCrossReference" target="https://example.org/terms/100">"#));
    assert!(tbx.contains(r#"<ref type="crossReference" target="c1">cyber attack</ref>"#));
    assert!(tbx.contains(r#"<descrip type="Usage note">"#));

    // The other shape: concept-level definitions in the root's language make an English list.
    let r = app
        .post_raw(
            "/v1/states/GB/submissions?year=2021",
            Some(&app.admin),
            "application/xml",
            fixture("extended-metadata.tbx"),
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        row_fields(&p),
        vec![(Some(1), "definition".to_owned()), (Some(2), "definition".to_owned())],
        "the French list has no French definition: {p}"
    );
    let receipt =
        import(&app, "GB", "?year=2021&language=en", "application/xml", fixture("extended-metadata.tbx")).await;
    assert_eq!(receipt["entry_count"], 2);
    assert!(warning(&receipt, "obsolete").contains("concept entries 1"));
    let sub = app.get_json(&format!("/v1/submissions/{}", receipt["id"].as_str().unwrap())).await;
    assert_eq!(sub["entries"][0]["definition"], "A list of software or sites that may not be used.");
    assert_eq!(sub["entries"][0]["extra"]["concept/descrip/Review needed"], "Yes");
    assert_eq!(sub["entries"][1]["note"], "Keep the code as it is.");
}

#[tokio::test]
async fn skip_incomplete_stores_the_complete_entries_and_names_the_others() {
    let app = spawn_app().await;
    let path = "/v1/states/US/submissions?year=2021&language=en";
    let p = problem(
        app.post_raw(path, Some(&app.admin), "application/xml", fixture("incomplete.tbx")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(row_fields(&p), vec![(Some(2), "term".to_owned())], "{p}");
    let receipt =
        import(&app, "US", "?year=2021&language=en&skip_incomplete=true", "application/xml", fixture("incomplete.tbx"))
            .await;
    assert_eq!(receipt["entry_count"], 2);
    assert!(warning(&receipt, "skipped").contains("concept entry 2"), "{receipt}");
    assert!(warning(&receipt, "incomplete entries were skipped").contains("row 4"), "{receipt}");
    let sub = app.get_json(&format!("/v1/submissions/{}", receipt["id"].as_str().unwrap())).await;
    let terms: Vec<&str> = sub["entries"].as_array().unwrap().iter().map(|e| e["term"].as_str().unwrap()).collect();
    assert_eq!(terms, vec!["worm", "vulnerability"]);
    // A list with nothing complete is still refused.
    let none = String::from_utf8(fixture("incomplete.tbx"))
        .unwrap()
        .replace("<descrip type=\"definition\">", "<note>")
        .replace("</descrip>", "</note>");
    let r = app
        .post_raw(&format!("{path}&skip_incomplete=true"), Some(&app.admin), "application/xml", none.into_bytes())
        .await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn extra_is_held_to_the_rules_of_tbx_in_json_and_csv() {
    let app = spawn_app().await;
    let list = json!({"year": 2020, "language": "en", "entries": [
        {"term": "a", "definition": "d", "extra": {"term/date": "17/04/2010", "term/transac/transactionType": "origination"}},
        {"term": "b", "definition": "d", "extra": {"concept/termNote/partOfSpeech": "noun"}},
        {"term": "c", "definition": "d", "extra": {"concept/xref/externalCrossReference": "not a link"}},
        {"term": "d", "definition": "d", "extra": {"lang/date": "2010-04-17"}},
        {"term": "e", "definition": "d", "extra": {"concept/descrip": "no type", "term/note/x": "typed note"}},
        {"term": "f", "definition": "d", "extra": {"concept/ref/crossReference": "x", "concept/ref/crossReference@target": "c9"}}
    ]});
    let r = app.post_json("/v1/states/US/submissions", Some(&app.admin), &list).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let rows: Vec<(Option<u64>, String)> = row_fields(&p);
    assert_eq!(
        rows,
        (1..=6)
            .flat_map(|r| std::iter::repeat_n((Some(r), "extra".to_owned()), if r == 5 { 2 } else { 1 }))
            .collect::<Vec<_>>(),
        "{p}"
    );
    let reasons = p.to_string();
    for needle in [
        "not an ISO date",
        "belongs to a term",
        "an xref points somewhere",
        "belongs to a transaction",
        "names its data category",
        "has no type",
        "c1, c2",
    ] {
        assert!(reasons.contains(needle), "{needle}: {p}");
    }
    // The same rules for CSV.
    let csv = "term,definition,extra\r\na,d,\"{\"\"term/date\"\":\"\"yesterday\"\"}\"\r\n";
    let r =
        app.post_raw("/v1/states/US/submissions?year=2020&language=en", Some(&app.admin), "text/csv", csv.into()).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(row_fields(&p), vec![(Some(2), "extra".to_owned()), (Some(2), "extra".to_owned())], "{p}");
}

#[tokio::test]
async fn an_over_long_target_or_over_large_headers_get_a_problem_not_an_empty_body() {
    let app = spawn_app().await;
    let long = format!("/v1/search?q={}", "a".repeat(40_000));
    let p = problem(app.get(&long).await, StatusCode::URI_TOO_LONG).await;
    assert_eq!(p["type"], "/problems/uri-too-long");
    let r = app.client.get(app.url("/v1/states")).header("x-padding", "a".repeat(40_000)).send().await.unwrap();
    let p = problem(r, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE).await;
    assert_eq!(p["type"], "/problems/headers-too-large");
    // Within the limits, the same requests are answered.
    assert_eq!(app.get("/v1/states").await.status(), StatusCode::OK);
}
