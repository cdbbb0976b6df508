//! The published glossary: supersession, the glossary as of a past moment,
//! and superseded entries staying readable with a link to their successor.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{problem, proposal, spawn_app};

fn id_of(p: &Value) -> String {
    p["id"].as_str().expect("id").to_owned()
}

fn terms(glossary: &Value) -> Vec<String> {
    glossary["entries"].as_array().unwrap().iter().map(|e| e["term"].as_str().unwrap().to_owned()).collect()
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap()
}

fn instant(v: &Value) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(v.as_str().expect("a time"), &time::format_description::well_known::Rfc3339).unwrap()
}

#[tokio::test]
async fn a_newer_agreed_proposal_for_the_same_notion_supersedes_the_older() {
    let app = spawn_app().await;
    let old = id_of(&app.agree(&proposal("cyber attack", "An attempt to harm systems.")).await);
    let other = id_of(&app.agree(&proposal("malware", "Malicious software.")).await);
    // "Cyber-Attack" has the same matching key as "cyber attack": the same notion.
    let new = app.agree(&proposal("Cyber-Attack", "A deliberate attempt to harm networked systems.")).await;
    let new = id_of(&new);

    let g = app.get_json("/v1/glossary").await;
    assert_eq!(g["total"], 2);
    assert_eq!(terms(&g), vec!["Cyber-Attack", "malware"]);
    assert_eq!(g["entries"][0]["supersedes"], json!([old]));

    // The superseded entry stays readable, with a link to its successor.
    let p = app.proposal(&old).await;
    assert_eq!(p["status"], "superseded");
    assert_eq!(p["superseded_by"], new.as_str());
    assert_eq!(p["links"]["successor"], format!("/v1/proposals/{new}"));
    assert!(p["superseded_at"].is_string());
    let last = p["status_history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["from"].as_str(), last["to"].as_str()), (Some("agreed"), Some("superseded")));
    assert_eq!(last["successor"], new.as_str());
    assert_eq!(app.proposal(&new).await["links"]["predecessors"], json!([format!("/v1/proposals/{old}")]));
    assert_eq!(app.proposal(&other).await["status"], "agreed");

    // An explicit `supersedes` renames a notion: "cyberattack" replaces "Cyber-Attack".
    let mut body = proposal("cyberattack", "One word now.");
    body["supersedes"] = json!(new);
    let newest = id_of(&app.agree(&body).await);
    assert_eq!(terms(&app.get_json("/v1/glossary").await), vec!["cyberattack", "malware"]);
    assert_eq!(app.proposal(&new).await["superseded_by"], newest.as_str());

    // Superseding something that is not agreed is refused at approval.
    let draft = id_of(&app.propose(&app.admin, &proposal("draft only", "d")).await);
    let mut body = proposal("replacement", "d");
    body["supersedes"] = json!(draft);
    let p = app.propose(&app.admin, &body).await;
    let id = id_of(&p);
    let (s, p) = app.act(&id, "submit", &app.admin, None).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    app.pass_silence(&p);
    let (s, b) = app.act(&id, "approve", &app.admin, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(b["detail"].as_str().unwrap().contains("supersedes"));
}

#[tokio::test]
async fn as_of_reproduces_the_glossary_as_it_stood() {
    let app = spawn_app().await;
    let t0 = app.clock.now() - time::Duration::seconds(1);
    // Each agreement takes a silence period (`agree` moves the clock past it).
    let first = app.agree(&proposal("information security", "Protecting information.")).await;
    let (first, first_agreed) = (id_of(&first), instant(&first["agreed_at"]));
    app.clock.advance(time::Duration::days(30));
    let second = app
        .agree(&proposal(
            "Information Security",
            "Preserving confidentiality, integrity and availability of information.",
        ))
        .await;
    let (second, second_agreed) = (id_of(&second), instant(&second["agreed_at"]));
    assert!(second_agreed > first_agreed + time::Duration::days(30));
    app.clock.advance(time::Duration::days(30));
    let third = id_of(&app.agree(&proposal("incident", "An event that harms security.")).await);

    // Before anything was agreed: empty.
    let g = app.get_json(&format!("/v1/glossary?as_of={}", rfc3339(t0).replace('+', "%2B"))).await;
    assert_eq!(g["total"], 0);
    // Ten days after the first agreement: the first entry (superseded later, so present then).
    let day10 = first_agreed + time::Duration::days(10);
    let g = app.get_json(&format!("/v1/glossary?as_of={}", rfc3339(day10))).await;
    assert_eq!(g["total"], 1);
    assert_eq!(g["entries"][0]["id"], first.as_str());
    assert_eq!(g["entries"][0]["definition"], "Protecting information.");
    assert_eq!(g["as_of"], rfc3339(day10));
    // A date: the glossary at the end of that day (the third was agreed weeks later).
    let date = (second_agreed + time::Duration::days(1)).date();
    let g = app.get_json(&format!("/v1/glossary?as_of={date}")).await;
    assert_eq!(g["entries"].as_array().unwrap().iter().map(id_of).collect::<Vec<_>>(), vec![second.clone()]);
    // Now: the second and the third.
    let g = app.get_json("/v1/glossary").await;
    let mut ids: Vec<String> = g["entries"].as_array().unwrap().iter().map(id_of).collect();
    ids.sort();
    assert_eq!(ids, vec![second, third]);

    let b = problem(app.get("/v1/glossary?as_of=last%20year").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(b["param"], "as_of");
}

#[tokio::test]
async fn the_glossary_pages_with_a_total() {
    let app = spawn_app().await;
    for t in ["a term", "b term", "c term"] {
        app.agree(&proposal(t, "d")).await;
    }
    app.propose(&app.admin, &proposal("not agreed", "d")).await;
    let g = app.get_json("/v1/glossary?limit=2&offset=1").await;
    assert_eq!(g["total"], 3);
    assert_eq!(terms(&g), vec!["b term", "c term"]);
    assert_eq!(problem(app.get("/v1/glossary?limit=0").await, StatusCode::BAD_REQUEST).await["param"], "limit");
}

#[tokio::test]
async fn the_glossary_exports_as_tbx_csv_and_json_with_provenance_and_statements() {
    let app = spawn_app().await;
    let de = app
        .submit(
            "DE",
            &json!({"year": 2014, "language": "de", "entries": [{"term": "Cyberangriff", "definition": "Ein gezielter Angriff über Netze.",
                "term_en": "cyber attack", "definition_en": "A targeted attack over networks."}]}),
        )
        .await;
    let de_entry = format!("{}-1", de["id"].as_str().unwrap());
    let mut body =
        proposal("cyber attack", "A deliberate attempt over networks to harm computer systems or their data.");
    body["entry_ids"] = json!([de_entry]);
    body["translations"] = json!({"fr": {"term": "cyberattaque", "definition": "Une tentative délibérée de nuire à des systèmes par les réseaux."}});
    let p = app.propose(&app.admin.clone(), &body).await;
    let id = id_of(&p);
    let (s, p) = app.act(&id, "submit", &app.admin, None).await;
    assert_eq!(s, StatusCode::OK);
    let statement =
        json!({"state": "RU", "position": "support", "statement": "Understood as covering only acts by States."});
    let r = app.post_json(&format!("/v1/proposals/{id}/positions"), Some(&app.admin), &statement).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    app.pass_silence(&p);
    let (s, _) = app.act(&id, "approve", &app.admin, None).await;
    assert_eq!(s, StatusCode::OK);

    let r = app.get("/v1/glossary/export?format=tbx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("tbx"));
    let tbx = r.text().await.unwrap();
    let doc = roxmltree::Document::parse(&tbx).expect("the export is well-formed XML");
    let concepts: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("conceptEntry")).collect();
    assert_eq!(concepts.len(), 1);
    let concept = concepts[0];
    let lang = |l: &str| {
        concept.children().find(|n| {
            n.has_tag_name("langSec") && n.attribute(("http://www.w3.org/XML/1998/namespace", "lang")) == Some(l)
        })
    };
    let en = lang("en").expect("an English section");
    let status_of = |sec: roxmltree::Node, term: &str| -> Option<String> {
        sec.descendants()
            .filter(|n| n.has_tag_name("termSec"))
            .find(|t| t.descendants().any(|n| n.has_tag_name("term") && n.text() == Some(term)))
            .and_then(|t| {
                t.descendants()
                    .find(|n| n.attribute("type") == Some("administrativeStatus"))
                    .and_then(|n| n.text().map(str::to_owned))
            })
    };
    assert_eq!(status_of(en, "cyber attack").as_deref(), Some("preferredTerm-admn-sts"));
    assert_eq!(
        status_of(lang("fr").expect("the French translation"), "cyberattaque").as_deref(),
        Some("preferredTerm-admn-sts")
    );
    let german = lang("de").expect("the national term's language");
    assert_eq!(status_of(german, "Cyberangriff").as_deref(), Some("admittedTerm-admn-sts"));
    assert!(
        german
            .descendants()
            .any(|n| n.has_tag_name("note") && n.text().unwrap_or("").starts_with("DE national list 2014"))
    );
    assert!(tbx.contains("interpretative statement of RU: Understood as covering only acts by States."));

    assert!(tbx.contains("supported by: RU"), "supporting States: {tbx}");

    // CSV and JSON carry what the TBX carries: translations, States,
    // statements and the national entries reconciled.
    let r = app.get("/v1/glossary/export?format=csv&bom=true").await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.bytes().await.unwrap();
    let text = std::str::from_utf8(&csv[3..]).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBFid,language,term,definition,term_fr,definition_fr,agreed_at,version,supporting_states,abstaining_states,statements,national_entries,supersedes,history\r\n"), "{text}");
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "one agreed entry");
    let cell = |name: &str| rows[0].get(header.iter().position(|h| h == name).unwrap()).unwrap().to_owned();
    assert_eq!(cell("term"), "cyber attack");
    assert_eq!(cell("term_fr"), "cyberattaque");
    assert_eq!(cell("supporting_states"), "RU");
    let statements: Value = serde_json::from_str(&cell("statements")).unwrap();
    assert_eq!(statements["RU"], "Understood as covering only acts by States.");
    let national: Value = serde_json::from_str(&cell("national_entries")).unwrap();
    assert_eq!(national[0]["entry_id"], de_entry.as_str());
    assert_eq!(national[0]["term"], "Cyberangriff");
    assert_eq!(cell("history"), format!("/v1/proposals/{id}"));

    let r = app.get("/v1/glossary/export?format=json").await;
    assert_eq!(r.headers()["content-type"], "application/json");
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("consensus-glossary.json"));
    let json_export: Value = r.json().await.unwrap();
    assert_eq!(json_export["total"], 1);
    let entry = &json_export["entries"][0];
    assert_eq!(entry["term"], "cyber attack");
    assert_eq!(entry["translations"]["fr"]["term"], "cyberattaque");
    assert_eq!(entry["supporting_states"], json!(["RU"]));
    assert_eq!(entry["statements"][0]["state"], "RU");
    assert_eq!(entry["provenance"]["entries"][0]["entry_id"], de_entry.as_str());
    // The same entries as the glossary view.
    assert_eq!(app.get_json("/v1/glossary").await["entries"][0], *entry);

    // As it stood before anything was agreed: empty.
    let before = app.get("/v1/glossary/export?format=tbx&as_of=2000-01-01").await.text().await.unwrap();
    assert!(!before.contains("<conceptEntry"));
    problem(app.get("/v1/glossary/export?format=pdf").await, StatusCode::BAD_REQUEST).await;
}

/// `/v1/glossary?` with `q` percent-encoded.
fn with_q(q: &str, rest: &str) -> String {
    let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
    format!("/v1/glossary?q={q}{rest}")
}

#[tokio::test]
async fn the_glossary_filters_by_language_and_by_text_case_and_accents_aside() {
    let app = spawn_app().await;
    let mut attack = proposal("cyber attack", "A deliberate attempt to harm networked systems.");
    attack["translations"] = json!({
        "fr": {"term": "cyberattaque", "definition": "Une tentative délibérée de nuire à des systèmes en réseau."},
        "ru": {"term": "кибератака", "definition": "Преднамеренная попытка нанести вред сетевым системам."},
    });
    let attack = app.agree(&attack).await;
    let attack_agreed = attack["agreed_at"].as_str().unwrap().to_owned();
    let mut security =
        proposal("information security", "Preserving the confidentiality, integrity and availability of information.");
    security["translations"] = json!({
        "fr": {"term": "sécurité de l'information", "definition": "Préserver la confidentialité, l'intégrité et la disponibilité de l'information."},
    });
    app.agree(&security).await;
    app.agree(&proposal("malware", "Software written to harm systems.")).await;
    app.propose(&app.admin, &proposal("harmful draft", "Not agreed, so never listed.")).await;

    let g = app.get_json("/v1/glossary").await;
    assert_eq!(terms(&g), vec!["cyber attack", "information security", "malware"]);

    // A language: the consensus language or a translation's.
    assert_eq!(terms(&app.get_json("/v1/glossary?language=fr").await), vec!["cyber attack", "information security"]);
    assert_eq!(terms(&app.get_json("/v1/glossary?language=RU").await), vec!["cyber attack"]);
    assert_eq!(terms(&app.get_json("/v1/glossary?language=en").await).len(), 3);
    let none = app.get_json("/v1/glossary?language=de").await;
    assert_eq!((none["total"].as_u64(), terms(&none).len()), (Some(0), 0));
    let b = problem(app.get("/v1/glossary?language=klingon").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(b["param"], "language");

    // Text: in the term, the definition or a translation, case and accents aside.
    assert_eq!(terms(&app.get_json(&with_q("SECURITE", "")).await), vec!["information security"]);
    assert_eq!(terms(&app.get_json(&with_q("Disponibilité", "")).await), vec!["information security"]);
    assert_eq!(terms(&app.get_json(&with_q("КИБЕРАТАКА", "")).await), vec!["cyber attack"]);
    assert_eq!(terms(&app.get_json(&with_q("Cyber-Attack", "")).await), vec!["cyber attack"]);
    // Every word must occur, each anywhere in the entry's text.
    assert_eq!(terms(&app.get_json(&with_q("harm", "")).await), vec!["cyber attack", "malware"]);
    assert_eq!(terms(&app.get_json(&with_q("harm, software", "")).await), vec!["malware"]);
    assert_eq!(terms(&app.get_json(&with_q("harm rootkit", "")).await), Vec::<String>::new());
    // Blank text asks for nothing.
    assert_eq!(app.get_json(&with_q("  ", "")).await["total"], 3);

    // Both filters, paging over what passes, and as_of.
    assert_eq!(terms(&app.get_json(&with_q("harm", "&language=fr")).await), vec!["cyber attack"]);
    let page = app.get_json(&with_q("harm", "&limit=1&offset=1")).await;
    assert_eq!((page["total"].as_u64(), terms(&page)), (Some(2), vec!["malware".to_owned()]));
    let then = app.get_json(&with_q("harm", &format!("&as_of={}", attack_agreed.replace('+', "%2B")))).await;
    assert_eq!(terms(&then), vec!["cyber attack"], "malware was agreed later");
}
