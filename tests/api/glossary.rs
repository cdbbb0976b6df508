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
    app.act(&id, "submit", &app.admin, Some(&json!({"silence_until": "2000-01-01"}))).await;
    let (s, b) = app.act(&id, "approve", &app.admin, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(b["detail"].as_str().unwrap().contains("supersedes"));
}

#[tokio::test]
async fn as_of_reproduces_the_glossary_as_it_stood() {
    let app = spawn_app().await;
    let t0 = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
    let first = id_of(&app.agree(&proposal("information security", "Protecting information.")).await);
    app.clock.advance(time::Duration::days(30));
    let second = id_of(
        &app.agree(&proposal(
            "Information Security",
            "Preserving confidentiality, integrity and availability of information.",
        ))
        .await,
    );
    app.clock.advance(time::Duration::days(30));
    let third = id_of(&app.agree(&proposal("incident", "An event that harms security.")).await);

    // Before anything was agreed: empty.
    let g = app.get_json(&format!("/v1/glossary?as_of={}", rfc3339(t0).replace('+', "%2B"))).await;
    assert_eq!(g["total"], 0);
    // Ten days in: the first entry (superseded later, so present then).
    let day10 = t0 + time::Duration::days(10);
    let g = app.get_json(&format!("/v1/glossary?as_of={}", rfc3339(day10))).await;
    assert_eq!(g["total"], 1);
    assert_eq!(g["entries"][0]["id"], first.as_str());
    assert_eq!(g["entries"][0]["definition"], "Protecting information.");
    assert_eq!(g["as_of"], rfc3339(day10));
    // A date: the glossary at the end of that day.
    let date = (t0 + time::Duration::days(40)).date();
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
