//! The glossary as SKOS (`/v1/glossary/export?format=ttl|jsonld`), read back
//! with a real RDF library: rdflib (PyPI), through `tests/rdf/triples.py`,
//! which prints the triples it parsed. The assertions are on those triples.
//!
//! Without python3 and rdflib the test says so and passes, except with
//! `GLOSSARY_RDF_TESTS=1` (`.ci/run` sets it and installs rdflib), where it
//! fails. `GLOSSARY_RDF_PYTHON` names another interpreter (a venv's).

use std::path::Path;
use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, proposal, spawn_app};

const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const DCT: &str = "http://purl.org/dc/terms/";
const OWL: &str = "http://www.w3.org/2002/07/owl#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const XSD_DATETIME: &str = "http://www.w3.org/2001/XMLSchema#dateTime";
const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
const SCHEME: &str = "urn:consensus-glossary:glossary";

fn required() -> bool {
    std::env::var("GLOSSARY_RDF_TESTS").is_ok_and(|v| v == "1")
}

/// A Python that has rdflib, or `None` (after saying why) where there is
/// none and the test is not required.
fn python_with_rdflib() -> Option<String> {
    let python = std::env::var("GLOSSARY_RDF_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let found = Command::new(&python).args(["-c", "import rdflib"]).output();
    match found {
        Ok(out) if out.status.success() => Some(python),
        other => {
            let why = match other {
                Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                Err(e) => e.to_string(),
            };
            assert!(!required(), "the SKOS test needs {python} with rdflib (pip install rdflib): {why}");
            eprintln!("SKOS parse test skipped: {python} with rdflib is not available ({why})");
            None
        }
    }
}

/// The triples of each file as rdflib parsed them, and whether the files
/// hold the same graph.
fn parse(python: &str, files: &[(&str, &Path)]) -> (Vec<Vec<Value>>, bool) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rdf/triples.py");
    let mut cmd = Command::new(python);
    cmd.arg(script);
    for (format, path) in files {
        cmd.arg(format).arg(path);
    }
    let out = cmd.output().expect("run python");
    assert!(out.status.success(), "rdflib could not read the export: {}", String::from_utf8_lossy(&out.stderr));
    let parsed: Value = serde_json::from_slice(&out.stdout).expect("the script's JSON");
    let graphs = parsed["graphs"].as_array().unwrap().iter().map(|g| g.as_array().unwrap().clone()).collect();
    (graphs, parsed["isomorphic"].as_bool().unwrap())
}

/// The objects of (`s`, `p`, ?) in `graph`.
fn objects<'a>(graph: &'a [Value], s: &str, p: &str) -> Vec<&'a Value> {
    graph.iter().filter(|t| t["s"] == s && t["p"] == p).collect()
}

/// The IRIs of (`s`, `p`, ?), sorted.
fn iris(graph: &[Value], s: &str, p: &str) -> Vec<String> {
    let mut out: Vec<String> =
        objects(graph, s, p).iter().map(|t| t["iri"].as_str().expect("an IRI object").to_owned()).collect();
    out.sort();
    out
}

/// The literal of (`s`, `p`, ?) in `lang`.
fn text_in(graph: &[Value], s: &str, p: &str, lang: &str) -> Vec<String> {
    objects(graph, s, p)
        .iter()
        .filter(|t| t["lang"] == lang)
        .map(|t| t["literal"].as_str().unwrap().to_owned())
        .collect()
}

/// The one xsd:dateTime of (`s`, `p`, ?), checked well-typed.
fn date_time(graph: &[Value], s: &str, p: &str) -> String {
    let found = objects(graph, s, p);
    assert_eq!(found.len(), 1, "one {p} of {s}");
    let t = found[0];
    assert_eq!(t["datatype"], XSD_DATETIME, "{t}");
    assert_eq!((t["python"].as_str(), t["ill_typed"].as_bool()), (Some("datetime"), Some(false)), "{t}");
    t["literal"].as_str().unwrap().to_owned()
}

fn concept(id: &Value) -> String {
    format!("urn:consensus-glossary:glossary:{}", id.as_str().expect("an id"))
}

async fn export(app: &TestApp, query: &str, media: &str) -> Vec<u8> {
    let r = app.get(&format!("/v1/glossary/export?{query}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], media);
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn the_skos_export_parses_with_rdflib_and_holds_labels_matches_and_history() {
    let app = spawn_app().await;
    let de = app
        .submit(
            "DE",
            &json!({"year": 2014, "language": "de", "entries": [{"term": "Cyberangriff",
                "definition": "Ein gezielter Angriff über Netze.", "term_en": "cyber attack",
                "definition_en": "A targeted attack over networks."}]}),
        )
        .await;
    let fr = app
        .submit(
            "FR",
            &json!({"year": 2015, "language": "fr", "entries": [{"term": "cyberattaque",
                "definition": "Atteinte à des systèmes informatiques réalisée dans un but malveillant.",
                "term_en": "cyberattack", "definition_en": "An attack on computer systems with malicious intent."}]}),
        )
        .await;
    let de_entry = format!("{}-1", de["id"].as_str().unwrap());
    let fr_entry = format!("{}-1", fr["id"].as_str().unwrap());

    // The first agreed text: two national entries, three languages, and a
    // definition with what Turtle must escape (quotes, a backslash, a line break).
    let tricky = "An attempt \"by any means\" to harm systems\\networks,\nor their data.";
    let mut body = proposal("cyber attack", tricky);
    body["entry_ids"] = json!([de_entry, fr_entry]);
    body["translations"] = json!({
        "fr": {"term": "cyberattaque", "definition": "Une tentative de nuire à des systèmes."},
        "ru": {"term": "кибератака", "definition": "Попытка нанести вред системам."},
    });
    let p = app.propose(&app.admin.clone(), &body).await;
    let old = p["id"].clone();
    let (s, p) = app.act(old.as_str().unwrap(), "submit", &app.admin, None).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let statement = json!({"state": "RU", "position": "support", "statement": "Covers acts by States only."});
    let r = app
        .post_json(&format!("/v1/proposals/{}/positions", old.as_str().unwrap()), Some(&app.admin), &statement)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    app.pass_silence(&p);
    let (s, first) = app.act(old.as_str().unwrap(), "approve", &app.admin, None).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    let first_agreed = first["agreed_at"].as_str().unwrap().to_owned();

    // A newer text of the same notion supersedes it; another notion stays beside.
    let mut newer = proposal("Cyber-Attack", "A deliberate attempt over networks to harm systems or their data.");
    newer["entry_ids"] = json!([de_entry]);
    let newer = app.agree(&newer).await;
    let new = newer["id"].clone();
    let malware = app.agree(&proposal("malware", "Software written to harm systems.")).await["id"].clone();

    let Some(python) = python_with_rdflib() else { return };
    let ttl = export(&app, "format=ttl", "text/turtle; charset=utf-8").await;
    let jsonld = export(&app, "format=jsonld", "application/ld+json").await;
    let doc: Value = serde_json::from_slice(&jsonld).expect("JSON");
    assert!(doc["@context"]["skos"].is_string(), "an @context with the prefixes");
    let dir = tempfile::tempdir().unwrap();
    let (ttl_path, jsonld_path) = (dir.path().join("glossary.ttl"), dir.path().join("glossary.jsonld"));
    std::fs::write(&ttl_path, &ttl).unwrap();
    std::fs::write(&jsonld_path, &jsonld).unwrap();
    let (graphs, same) = parse(&python, &[("turtle", &ttl_path), ("json-ld", &jsonld_path)]);
    assert!(same, "the Turtle and the JSON-LD hold the same graph");
    let g = &graphs[0];
    assert_eq!(g.len(), graphs[1].len());

    // The scheme and its concepts.
    let (old_uri, new_uri, malware_uri) = (concept(&old), concept(&new), concept(&malware));
    assert_eq!(iris(g, SCHEME, RDF_TYPE), vec![format!("{SKOS}ConceptScheme")]);
    let mut in_force = vec![new_uri.clone(), malware_uri.clone()];
    in_force.sort();
    assert_eq!(iris(g, SCHEME, &format!("{SKOS}hasTopConcept")), in_force, "a superseded entry is no top concept");
    for c in [&old_uri, &new_uri, &malware_uri] {
        assert_eq!(iris(g, c, RDF_TYPE), vec![format!("{SKOS}Concept")]);
        assert_eq!(iris(g, c, &format!("{SKOS}inScheme")), vec![SCHEME.to_owned()]);
    }

    // Labels and definitions per language, the escaped text intact.
    let pref = format!("{SKOS}prefLabel");
    let definition = format!("{SKOS}definition");
    assert_eq!(text_in(g, &old_uri, &pref, "en"), vec!["cyber attack"]);
    assert_eq!(text_in(g, &old_uri, &pref, "fr"), vec!["cyberattaque"]);
    assert_eq!(text_in(g, &old_uri, &pref, "ru"), vec!["кибератака"]);
    assert_eq!(objects(g, &old_uri, &pref).len(), 3);
    assert_eq!(text_in(g, &old_uri, &definition, "en"), vec![tricky]);
    assert_eq!(text_in(g, &old_uri, &definition, "ru"), vec!["Попытка нанести вред системам."]);
    assert_eq!(text_in(g, &new_uri, &pref, "en"), vec!["Cyber-Attack"]);
    let notes: Vec<&str> =
        objects(g, &old_uri, &format!("{SKOS}note")).iter().map(|t| t["literal"].as_str().unwrap()).collect();
    assert_eq!(notes, vec!["Interpretative statement of RU: Covers acts by States only."]);

    // Close matches: the national entries, each with its State.
    let matches = iris(g, &old_uri, &format!("{SKOS}closeMatch"));
    let mut expected =
        vec![format!("urn:consensus-glossary:entry:{de_entry}"), format!("urn:consensus-glossary:entry:{fr_entry}")];
    expected.sort();
    assert_eq!(matches, expected);
    assert_eq!(iris(g, &new_uri, &format!("{SKOS}closeMatch")).len(), 1);
    assert!(iris(g, &malware_uri, &format!("{SKOS}closeMatch")).is_empty());
    let de_uri = format!("urn:consensus-glossary:entry:{de_entry}");
    assert_eq!(text_in(g, &de_uri, &pref, "de"), vec!["Cyberangriff"]);
    assert_eq!(text_in(g, &de_uri, &pref, "en"), vec!["cyber attack"], "the State's own translation");
    assert_eq!(iris(g, &de_uri, &format!("{DCT}publisher")), vec!["urn:consensus-glossary:state:DE"]);
    assert_eq!(
        iris(g, &format!("urn:consensus-glossary:entry:{fr_entry}"), &format!("{DCT}publisher")),
        vec!["urn:consensus-glossary:state:FR"]
    );
    assert_eq!(
        text_in(g, "urn:consensus-glossary:state:DE", "http://www.w3.org/2000/01/rdf-schema#label", "en"),
        vec!["Germany"]
    );

    // Superseded: deprecated, replaced by its successor; the successor replaces it.
    let deprecated = objects(g, &old_uri, &format!("{OWL}deprecated"));
    assert_eq!(deprecated.len(), 1);
    assert_eq!(
        (deprecated[0]["literal"].as_str(), deprecated[0]["datatype"].as_str()),
        (Some("true"), Some(XSD_BOOLEAN))
    );
    assert_eq!(deprecated[0]["python"], "bool");
    assert_eq!(iris(g, &old_uri, &format!("{DCT}isReplacedBy")), vec![new_uri.clone()]);
    assert_eq!(iris(g, &new_uri, &format!("{DCT}replaces")), vec![old_uri.clone()]);
    assert!(objects(g, &new_uri, &format!("{OWL}deprecated")).is_empty());
    assert!(objects(g, &malware_uri, &format!("{DCT}isReplacedBy")).is_empty());

    // Times, typed: created, agreed, modified (superseded when the successor was agreed).
    let created = date_time(g, &old_uri, &format!("{DCT}created"));
    assert_eq!(created, p["created_at"].as_str().unwrap());
    assert_eq!(date_time(g, &old_uri, &format!("{DCT}dateAccepted")), first_agreed);
    let new_agreed = date_time(g, &new_uri, &format!("{DCT}dateAccepted"));
    assert_eq!(new_agreed, newer["agreed_at"].as_str().unwrap());
    assert_eq!(date_time(g, &old_uri, &format!("{DCT}modified")), new_agreed);
    assert_eq!(date_time(g, &new_uri, &format!("{DCT}modified")), new_agreed);
    date_time(g, SCHEME, &format!("{DCT}modified"));

    // As it stood before the successor: the first text in force, not deprecated.
    let before =
        export(&app, &format!("format=ttl&as_of={}", first_agreed.replace('+', "%2B")), "text/turtle; charset=utf-8")
            .await;
    std::fs::write(&ttl_path, &before).unwrap();
    let (graphs, _) = parse(&python, &[("turtle", &ttl_path)]);
    let g = &graphs[0];
    assert_eq!(iris(g, SCHEME, &format!("{SKOS}hasTopConcept")), vec![old_uri.clone()]);
    assert!(objects(g, &old_uri, &format!("{OWL}deprecated")).is_empty());
    assert!(objects(g, &old_uri, &format!("{DCT}isReplacedBy")).is_empty());
    assert_eq!(date_time(g, &old_uri, &format!("{DCT}modified")), first_agreed);
    assert!(objects(g, &new_uri, &pref).is_empty(), "agreed later");
}

#[tokio::test]
async fn the_skos_export_is_the_same_on_every_request_and_refuses_bad_parameters() {
    let app = spawn_app().await;
    app.agree(&proposal("malware", "Software written to harm systems.")).await;
    for (format, media) in [("ttl", "text/turtle; charset=utf-8"), ("jsonld", "application/ld+json")] {
        let r = app.get(&format!("/v1/glossary/export?format={format}")).await;
        assert!(
            r.headers()["content-disposition"].to_str().unwrap().contains(&format!("consensus-glossary.{format}")),
            "a file name"
        );
        let first = r.bytes().await.unwrap();
        app.clock.advance(time::Duration::days(3));
        let again = export(&app, &format!("format={format}"), media).await;
        assert_eq!(first.to_vec(), again, "the same URIs and text on every export");
    }
    let ttl = String::from_utf8(export(&app, "format=ttl", "text/turtle; charset=utf-8").await).unwrap();
    assert!(ttl.contains("<urn:consensus-glossary:glossary:1>"), "{ttl}");

    let b = problem(app.get("/v1/glossary/export?format=ttl&as_of=soon").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(b["param"], "as_of");
    let b = problem(app.get("/v1/glossary/export?format=rdf").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(b["param"], "format");
    assert!(b["detail"].as_str().unwrap().contains("jsonld or ttl"), "{b}");
}
