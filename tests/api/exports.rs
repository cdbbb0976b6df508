//! Exports of a national list (`GET /v1/submissions/{id}?format=json|csv|tbx`):
//! each re-imports as the same list, and export → import into an empty
//! service → export gives the same bytes. The TBX is checked with a second,
//! independent XML reader (roxmltree).

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, data_dir, problem, spawn_app};
use crate::tbx::tbx_file;

struct Download {
    content_type: String,
    disposition: String,
    body: Vec<u8>,
}

async fn download(app: &TestApp, path: &str) -> Download {
    let r = app.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    let header = |name: &str| r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    Download { content_type, disposition, body: r.bytes().await.unwrap().to_vec() }
}

/// Submits `body` as admin and returns the new submission's id.
async fn import(app: &TestApp, state: &str, query: &str, content_type: &str, body: Vec<u8>) -> String {
    let r = app.post_raw(&format!("/v1/states/{state}/submissions{query}"), Some(&app.admin), content_type, body).await;
    let status = r.status();
    let receipt: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    receipt["id"].as_str().unwrap().to_owned()
}

/// The entries of a submission without what differs between stores and formats.
async fn entries(app: &TestApp, id: &str) -> Vec<Value> {
    let sub = app.get_json(&format!("/v1/submissions/{id}")).await;
    sub["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let mut e = e.clone();
            for volatile in ["id", "submission_id", "row", "revision"] {
                e.as_object_mut().unwrap().remove(volatile);
            }
            e
        })
        .collect()
}

const MEDIA: [(&str, &str); 4] = [
    ("json", "application/json"),
    ("csv", "text/csv"),
    ("tbx", "application/x-tbx+xml"),
    ("tbx2", "application/x-tbx+xml"),
];

/// Exports submission `id` of `app` in every format, imports each into a new
/// empty service, and checks the entries are the same and a second export
/// has the same bytes.
async fn round_trip(app: &TestApp, id: &str, state: &str, year: i64, language: &str) {
    let original = entries(app, id).await;
    for (format, media) in MEDIA {
        let first = download(app, &format!("/v1/submissions/{id}?format={format}")).await;
        assert!(first.content_type.starts_with(media), "{format}: {}", first.content_type);
        let extension = if format == "tbx2" { "v2.tbx" } else { format };
        assert_eq!(first.disposition, format!("attachment; filename=\"{state}-{year}-{language}.{extension}\""));
        let fresh = spawn_app().await;
        let query = format!("?year={year}&language={language}");
        let again = import(&fresh, state, &query, media, first.body.clone()).await;
        assert_eq!(entries(&fresh, &again).await, original, "{format}: the re-imported entries");
        let second = download(&fresh, &format!("/v1/submissions/{again}?format={format}")).await;
        assert!(
            first.body == second.body,
            "{format}: export → import → export changed the document:\n{}\n---\n{}",
            String::from_utf8_lossy(&first.body),
            String::from_utf8_lossy(&second.body)
        );
    }
}

#[tokio::test]
async fn a_tbx_list_round_trips_byte_for_byte_in_every_format() {
    let app = spawn_app().await;
    let id = import(&app, "AT", "?year=2021", "application/x-tbx+xml", tbx_file("AT-2021-de.tbx")).await;
    round_trip(&app, &id, "AT", 2021, "de").await;
}

#[tokio::test]
async fn json_and_csv_sample_lists_round_trip_too() {
    let app = spawn_app().await;
    let de = std::fs::read(data_dir().join("lists/DE-2014-r2.json")).unwrap();
    let id = import(&app, "DE", "", "application/json", de).await;
    round_trip(&app, &id, "DE", 2014, "de").await;
    let ru = std::fs::read(data_dir().join("lists/RU-2014.json")).unwrap();
    let id = import(&app, "RU", "", "application/json", ru).await;
    round_trip(&app, &id, "RU", 2014, "ru").await;
    let nl = std::fs::read(data_dir().join("csv/NL-2016-en.csv")).unwrap();
    let id = import(&app, "NL", "?year=2016&language=en", "text/csv", nl).await;
    round_trip(&app, &id, "NL", 2016, "en").await;
}

#[tokio::test]
async fn the_tbx_export_is_tbx_basic_to_an_independent_reader() {
    let app = spawn_app().await;
    let id = import(&app, "AT", "?year=2021", "application/x-tbx+xml", tbx_file("AT-2021-de.tbx")).await;
    let tbx = download(&app, &format!("/v1/submissions/{id}?format=tbx")).await;
    let text = String::from_utf8(tbx.body).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    const NS: &str = "urn:iso:std:iso:30042:ed-2";
    const XML: &str = "http://www.w3.org/XML/1998/namespace";
    let root = doc.root_element();
    assert_eq!((root.tag_name().namespace(), root.tag_name().name()), (Some(NS), "tbx"));
    assert_eq!(root.attribute("type"), Some("TBX-Basic"));
    assert_eq!(root.attribute("style"), Some("dca"));
    assert_eq!(root.attribute((XML, "lang")), Some("de"));
    fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> roxmltree::Node<'a, 'i> {
        node.children().find(|n| n.has_tag_name((NS, name))).unwrap_or_else(|| panic!("no <{name}>"))
    }
    let body = child(child(root, "text"), "body");
    child(child(child(root, "tbxHeader"), "fileDesc"), "sourceDesc");
    let concepts: Vec<_> = body.children().filter(|n| n.is_element()).collect();
    assert_eq!(concepts.len(), 4);
    for (i, c) in concepts.iter().enumerate() {
        assert!(c.has_tag_name((NS, "conceptEntry")));
        assert_eq!(c.attribute("id"), Some(format!("c{}", i + 1).as_str()));
        let langs: Vec<_> = c.children().filter(|n| n.has_tag_name((NS, "langSec"))).collect();
        let tags: Vec<_> = langs.iter().map(|l| l.attribute((XML, "lang")).unwrap()).collect();
        assert_eq!(tags, vec!["de", "en"], "the list's language, then English");
        for l in &langs {
            let def = l.children().find(|n| n.attribute("type") == Some("definition")).expect("a definition");
            assert!(def.has_tag_name((NS, "descrip")));
            assert!(!def.text().unwrap_or_default().is_empty());
            assert!(l.children().any(|n| n.has_tag_name((NS, "termSec"))));
        }
        assert!(c.children().any(|n| n.attribute("type") == Some("subjectField")));
    }
    // Concept 2: the preferred term with its source, the synonyms as admitted terms.
    let de = concepts[1].children().find(|n| n.has_tag_name((NS, "langSec"))).unwrap();
    let terms: Vec<(String, Option<String>)> = de
        .children()
        .filter(|n| n.has_tag_name((NS, "termSec")))
        .map(|t| {
            let term = child(t, "term").text().unwrap_or_default().to_owned();
            let status = t
                .children()
                .find(|n| n.has_tag_name((NS, "termNote")) && n.attribute("type") == Some("administrativeStatus"))
                .and_then(|n| n.text())
                .map(str::to_owned);
            (term, status)
        })
        .collect();
    assert_eq!(
        terms,
        vec![
            ("Schadsoftware".to_owned(), Some("preferredTerm-admn-sts".to_owned())),
            ("Schadprogramm".to_owned(), Some("admittedTerm-admn-sts".to_owned())),
            ("Malware".to_owned(), Some("admittedTerm-admn-sts".to_owned())),
        ]
    );
    let first = de.children().find(|n| n.has_tag_name((NS, "termSec"))).unwrap();
    let source = first.children().find(|n| n.attribute("type") == Some("source")).expect("admin source");
    assert!(source.has_tag_name((NS, "admin")));
    // The kept extra goes back where it came from.
    let context = first.children().find(|n| n.attribute("type") == Some("context")).expect("descrip context");
    assert!(context.has_tag_name((NS, "descrip")));
    // Escaped text reads back as written.
    assert!(text.contains("erheblich stören würde &amp; die"));
    let def4 = concepts[3].descendants().find(|n| n.attribute("type") == Some("definition")).unwrap();
    assert!(def4.text().unwrap().contains("würde & die"));
}

#[tokio::test]
async fn csv_exports_quote_properly_add_a_bom_on_request_and_re_import() {
    let app = spawn_app().await;
    let list = serde_json::json!({"year": 2020, "language": "en", "entries": [
        {"term": "spear phishing", "definition": "Phishing aimed at one person, \"tailored\", with details, commas\nand lines.",
         "source": "Guide, 2nd ed.", "domains": ["threats", "social engineering"], "synonyms": ["targeted phishing"],
         "administrative_status": "preferred"},
        {"term": "patch", "definition": "An update that fixes a flaw.", "note": "=SUM(A1)"},
        {"term": "=HYPERLINK(\"https://evil.example/\",\"click\")", "definition": "+ a definition that starts like a sum",
         "source": "@import", "note": "-1 day", "synonyms": ["'=quoted already"]},
        {"term": "'t Hooft effect", "definition": "A quote that guards nothing stays as it is."}
    ]});
    let id = app.submit("US", &list).await["id"].as_str().unwrap().to_owned();
    let csv = download(&app, &format!("/v1/submissions/{id}?format=csv")).await;
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    let text = String::from_utf8(csv.body.clone()).unwrap();
    assert!(text.starts_with(
        "term,definition,term_en,definition_en,source,note,domains,synonyms,administrative_status,extra\r\n"
    ));
    assert!(
        text.contains("spear phishing,\"Phishing aimed at one person, \"\"tailored\"\", with details, commas\nand lines.\",,,\"Guide, 2nd ed.\",,threats; social engineering,targeted phishing,preferred,\r\n"),
        "{text}"
    );
    // Formula cells are neutralised the OWASP way: a quote in front.
    for guarded in [
        ",'=SUM(A1),",
        "\"'=HYPERLINK(\"\"https://evil.example/\"\",\"\"click\"\")\",'+ a definition",
        ",'@import,'-1 day,",
        ",''=quoted already,",
        "\r\n't Hooft effect,",
    ] {
        assert!(text.contains(guarded), "{guarded} in {text}");
    }
    let bom = download(&app, &format!("/v1/submissions/{id}?format=csv&bom=true")).await;
    assert_eq!(&bom.body[..3], b"\xEF\xBB\xBF");
    assert_eq!(&bom.body[3..], &csv.body[..]);
    // With its BOM it re-imports as the same list.
    let again = import(&app, "US", "?year=2021&language=en", "text/csv", bom.body).await;
    let (a, b) = (entries(&app, &id).await, entries(&app, &again).await);
    let strip = |v: Vec<Value>| -> Vec<Value> {
        v.into_iter()
            .map(|mut e| {
                e.as_object_mut().unwrap().remove("year");
                e
            })
            .collect()
    };
    assert_eq!(strip(a), strip(b));
    // And export → import → export gives the same bytes in every format.
    round_trip(&app, &id, "US", 2020, "en").await;
}

#[tokio::test]
async fn export_parameters_are_checked() {
    let app = spawn_app().await;
    let id = app.submit("US", &crate::helpers::english_list(2020, &["a"])).await["id"].as_str().unwrap().to_owned();
    let p = problem(app.get(&format!("/v1/submissions/{id}?format=pdf")).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(p["param"], "format");
    problem(app.get(&format!("/v1/submissions/{id}?format=csv&bom=maybe")).await, StatusCode::BAD_REQUEST).await;
    problem(app.get("/v1/submissions/999?format=tbx").await, StatusCode::NOT_FOUND).await;
    // Without a format: the JSON view, as before.
    let view = app.get_json(&format!("/v1/submissions/{id}")).await;
    assert_eq!(view["entries"][0]["synonyms"], serde_json::json!([]));
}

/// A German list of `n` entries, each a few hundred bytes; entry `odd`
/// carries a data category that TBX-Basic does not have.
fn long_list(n: usize, odd: usize) -> Vec<u8> {
    let entries: Vec<Value> = (1..=n)
        .map(|i| {
            let mut e = serde_json::json!({
                "term": format!("Begriff Nummer {i}"),
                "definition": format!("Eine lange Definition des Begriffs Nummer {i}, damit die Liste groß wird: {}", "Wort ".repeat(20)),
                "term_en": format!("term number {i}"),
                "definition_en": format!("A long definition of term number {i}, so that the list grows: {}", "word ".repeat(20)),
            });
            if i == odd {
                e["extra"] = serde_json::json!({"term/termNote/grammaticalNumber": "singular"});
            }
            e
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"year": 2024, "language": "de", "entries": entries})).unwrap()
}

#[tokio::test]
async fn a_long_list_leaves_in_chunks_and_round_trips() {
    let app = spawn_app().await;
    let n = 2500;
    let id = import(&app, "DE", "", "application/json", long_list(n, n - 10)).await;
    for (format, media) in MEDIA {
        let r = app.get(&format!("/v1/submissions/{id}?format={format}")).await;
        assert_eq!(r.status(), StatusCode::OK);
        // Written while it is sent: no length up front, chunked transfer.
        assert!(r.headers().get("content-length").is_none(), "{format}: {:?}", r.headers());
        assert_eq!(r.headers()["transfer-encoding"], "chunked", "{format}");
        let body = r.bytes().await.unwrap().to_vec();
        assert!(body.len() > 500_000, "{format}: {} bytes", body.len());
        if format.starts_with("tbx") {
            // The one odd entry near the end decides the dialect declared at the start.
            let text = String::from_utf8(body.clone()).unwrap();
            let root = text.lines().nth(1).unwrap();
            assert!(!root.contains("TBX-Basic"), "{format}: {root}");
            assert!(text.contains("grammaticalNumber"), "{format}");
        }
        let fresh = spawn_app().await;
        let again = import(&fresh, "DE", "?year=2024&language=de", media, body.clone()).await;
        let sub = fresh.get_json(&format!("/v1/submissions/{again}?limit=1&offset={}", n - 1)).await;
        assert_eq!(sub["total"], n, "{format}");
        assert_eq!(sub["entries"][0]["term"], format!("Begriff Nummer {n}"), "{format}");
        let second = fresh.get(&format!("/v1/submissions/{again}?format={format}")).await.bytes().await.unwrap();
        assert!(second.to_vec() == body, "{format}: export → import → export changed the document");
    }
    // A short list is sent whole, with its length.
    let short = import(&app, "AT", "", "application/json", long_list(3, 0)).await;
    for (format, _) in MEDIA {
        let r = app.get(&format!("/v1/submissions/{short}?format={format}")).await;
        let length: usize = r.headers()["content-length"].to_str().unwrap().parse().unwrap();
        assert_eq!(r.bytes().await.unwrap().len(), length, "{format}");
    }
}
