//! Compare, coverage and clusters through HTTP: rows per State, diffs,
//! clustering quality on the labelled samples, editors' decisions surviving
//! rebuilds and new submissions, the same-State rules, and bad requests.

use std::collections::HashMap;

use consensus_glossary::cluster::evaluate::quality;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, spawn_app, spawn_app_with};

fn entry(term: &str, definition: &str) -> Value {
    json!({"term": term, "definition": definition})
}

fn translated(term: &str, definition: &str, term_en: &str, definition_en: &str) -> Value {
    json!({"term": term, "definition": definition, "term_en": term_en, "definition_en": definition_en})
}

fn list(language: &str, year: i64, entries: Vec<Value>) -> Value {
    json!({"year": year, "language": language, "entries": entries})
}

const ATTACK: &str = "A deliberate attempt over a network to disrupt, damage or gain unauthorised access to computer systems or the data they hold.";
const PHISHING: &str =
    "Deceptive messages that imitate a trusted sender to trick people into revealing passwords or payment details.";
const FIREWALL: &str = "A device or program that filters traffic between networks according to a set of rules.";

/// Five States define "cyber attack" (two through an English translation);
/// two more States submitted lists without it.
async fn five_states(app: &TestApp) {
    app.submit("US", &list("en", 2014, vec![entry("cyber attack", ATTACK), entry("phishing", PHISHING)])).await;
    app.submit("GB", &list("en", 2015, vec![entry("cyberattack", "An attempt over networks to disrupt or damage computer systems, or to gain unauthorised access to their data."), entry("firewall", FIREWALL)])).await;
    app.submit("DE", &list("de", 2014, vec![translated("Cyberangriff", "Ein gezielter Versuch, über Netze Computersysteme zu stören oder unbefugt auf deren Daten zuzugreifen.", "cyber attack", "A targeted attempt over networks to disrupt computer systems or to access their data without authorisation.")])).await;
    app.submit("RU", &list("ru", 2014, vec![translated("кибератака", "Преднамеренная попытка через сети нарушить работу компьютерных систем или получить доступ к их данным.", "cyber attack", "A deliberate attempt through networks to disrupt computer systems or to gain access to their data.")])).await;
    app.submit("FI", &list("en", 2016, vec![entry("cyber-attack", "A deliberate attempt through a network to damage or disrupt computer systems, or to access their data without authorisation.")])).await;
    app.submit("IT", &list("en", 2014, vec![entry("firewall", FIREWALL)])).await;
    app.submit("ES", &list("en", 2014, vec![entry("phishing", PHISHING)])).await;
}

async fn rebuild(app: &TestApp, token: &str) -> Value {
    let r = app.client.post(app.url("/v1/clusters/rebuild")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> reqwest::Response {
    app.post_json(path, Some(token), &body).await
}

/// entry id → cluster id, for every clustered entry.
async fn assignment(app: &TestApp) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut offset = 0;
    loop {
        let page = app.get_json(&format!("/v1/clusters?min_states=1&limit=200&offset={offset}")).await;
        let clusters = page["clusters"].as_array().unwrap();
        for c in clusters {
            for m in c["members"].as_array().unwrap() {
                out.insert(m["entry_id"].as_str().unwrap().to_owned(), c["id"].as_str().unwrap().to_owned());
            }
        }
        offset += clusters.len();
        if clusters.is_empty() || offset >= page["total"].as_u64().unwrap() as usize {
            return out;
        }
    }
}

/// entry id of each (State, term) among current entries.
async fn entry_ids(app: &TestApp) -> HashMap<(String, String), String> {
    let mut out = HashMap::new();
    let mut offset = 0;
    loop {
        let page = app.get_json(&format!("/v1/entries?limit=200&offset={offset}")).await;
        let entries = page["entries"].as_array().unwrap();
        for e in entries {
            out.insert(
                (e["state"].as_str().unwrap().to_owned(), e["term"].as_str().unwrap().to_owned()),
                e["id"].as_str().unwrap().to_owned(),
            );
        }
        offset += entries.len();
        if entries.is_empty() || offset >= page["total"].as_u64().unwrap() as usize {
            return out;
        }
    }
}

#[tokio::test]
async fn compare_shows_one_row_per_state_and_the_states_without_an_entry() {
    let app = spawn_app().await;
    five_states(&app).await;
    rebuild(&app, &app.admin).await;
    let c = app.get_json("/v1/compare?term=cyber%20attack").await;
    assert_eq!(c["basis"], "cluster");
    let states: Vec<&str> = c["rows"].as_array().unwrap().iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states, vec!["DE", "FI", "GB", "RU", "US"]);
    let de = &c["rows"][0]["entries"][0];
    assert_eq!(de["term"], "Cyberangriff");
    assert_eq!(de["term_en"], "cyber attack");
    assert!(de["definition_en"].is_string() && de["revision"] == 1 && de["year"] == 2014);
    let without: Vec<(&str, bool)> = c["states_without_entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["state"].as_str().unwrap(), s["has_submitted"].as_bool().unwrap()))
        .collect();
    assert!(without.contains(&("IT", true)) && without.contains(&("ES", true)));
    assert!(without.contains(&("FR", false)));
    assert_eq!(without.len(), 57 - 5);
    // Every pair of the five entries is scored.
    assert_eq!(c["similarities"].as_array().unwrap().len(), 10);
    for s in c["similarities"].as_array().unwrap() {
        assert!(s["definition"].as_f64().unwrap() > 0.0 && s["term"].as_f64().unwrap() > 0.9);
    }
    // The same picture from another spelling or language.
    let ru = app
        .get_json(&format!("/v1/compare?term={}", "%D0%BA%D0%B8%D0%B1%D0%B5%D1%80%D0%B0%D1%82%D0%B0%D0%BA%D0%B0"))
        .await;
    assert_eq!(ru["rows"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn compare_entries_diffs_the_definitions_and_explains_the_score() {
    let app = spawn_app().await;
    five_states(&app).await;
    let ids = entry_ids(&app).await;
    let (us, de) = (&ids[&("US".into(), "cyber attack".into())], &ids[&("DE".into(), "Cyberangriff".into())]);
    let c = app.get_json(&format!("/v1/compare/entries?a={us}&b={de}")).await;
    assert_eq!(c["a"]["id"], *us);
    let diffs = c["diffs"].as_array().unwrap();
    assert_eq!(diffs.len(), 1, "one English diff when the languages differ");
    assert_eq!(diffs[0]["language"], "en");
    let ops: Vec<&str> = diffs[0]["chunks"].as_array().unwrap().iter().map(|d| d["op"].as_str().unwrap()).collect();
    assert!(ops.contains(&"equal") && ops.contains(&"delete") && ops.contains(&"insert"), "{ops:?}");
    let rebuilt: String = diffs[0]["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["op"] != "insert")
        .map(|d| d["text"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(rebuilt, ATTACK, "equal + delete chunks give back a's text");
    let s = &c["similarity"];
    assert_eq!(s["same_term"], true);
    assert!(s["definition"].as_f64().unwrap() > 0.2);
    assert!(!s["shared_words"].as_array().unwrap().is_empty());

    // Two German entries are also diffed in German.
    app.submit(
        "AT",
        &list(
            "de",
            2015,
            vec![translated(
                "Cyber-Angriff",
                "Ein Versuch, über Netze Computersysteme zu stören.",
                "cyber attack",
                "An attempt over networks to disrupt computer systems.",
            )],
        ),
    )
    .await;
    let ids = entry_ids(&app).await;
    let at = &ids[&("AT".into(), "Cyber-Angriff".into())];
    let c = app.get_json(&format!("/v1/compare/entries?a={de}&b={at}")).await;
    let languages: Vec<&str> = c["diffs"].as_array().unwrap().iter().map(|d| d["language"].as_str().unwrap()).collect();
    assert_eq!(languages, vec!["en", "de"]);
}

#[tokio::test]
async fn the_labelled_samples_cluster_above_the_stated_f1() {
    let app = spawn_app_with(|c| c.samples = Some(crate::helpers::data_dir())).await;
    let clusters = assignment(&app).await;
    let ids = entry_ids(&app).await;
    let labels = std::fs::read_to_string(crate::helpers::data_dir().join("labels.jsonl")).unwrap();
    let (mut predicted, mut gold) = (Vec::new(), Vec::new());
    for line in labels.lines().filter(|l| !l.trim().is_empty()) {
        let l: Value = serde_json::from_str(line).unwrap();
        let key = (l["state"].as_str().unwrap().to_owned(), l["term"].as_str().unwrap().to_owned());
        let Some(id) = ids.get(&key) else { continue };
        predicted.push(clusters.get(id).cloned().unwrap_or_else(|| format!("alone {id}")));
        gold.push(l["concept"].as_str().unwrap().to_owned());
    }
    assert!(predicted.len() >= 480, "labels matched {} entries", predicted.len());
    let q = quality(&predicted, &gold);
    assert!(q.pairwise.f1 >= 0.9, "pairwise F1 {:.3}", q.pairwise.f1);
    assert!(q.bcubed.f1 >= 0.9, "B-cubed F1 {:.3}", q.bcubed.f1);
}

#[tokio::test]
async fn editors_decisions_survive_rebuilds_and_new_submissions() {
    let app = spawn_app().await;
    five_states(&app).await;
    let editor = app.token("editor", "editor", None).await;
    rebuild(&app, &editor).await;
    let ids = entry_ids(&app).await;
    let id = |s: &str, t: &str| ids[&(s.to_owned(), t.to_owned())].clone();
    let (ru, us, gb_fw, it_fw, us_ph) = (
        id("RU", "кибератака"),
        id("US", "cyber attack"),
        id("GB", "firewall"),
        id("IT", "firewall"),
        id("US", "phishing"),
    );
    let cluster_of = |a: &HashMap<String, String>, e: &str| a.get(e).cloned().unwrap();

    // Split RU out of the cyber attack cluster.
    let before = assignment(&app).await;
    let attack = cluster_of(&before, &us);
    assert_eq!(cluster_of(&before, &ru), attack);
    let r = post(&app, &format!("/v1/clusters/{attack}/split"), &editor, json!({"entry_ids": [ru]})).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Merge the firewall cluster with the phishing cluster (a deliberate, odd decision).
    let now = assignment(&app).await;
    assert_ne!(cluster_of(&now, &ru), cluster_of(&now, &us));
    let (fw, ph) = (cluster_of(&now, &gb_fw), cluster_of(&now, &us_ph));
    assert_eq!(cluster_of(&now, &it_fw), fw);
    let r = post(&app, "/v1/clusters/merge", &editor, json!({"cluster_ids": [fw, ph]})).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Pin IT's firewall out of it.
    let now = assignment(&app).await;
    let merged = cluster_of(&now, &gb_fw);
    assert_eq!(cluster_of(&now, &us_ph), merged);
    let r = post(&app, &format!("/v1/clusters/{merged}/pin"), &editor, json!({"entry_id": it_fw, "in": false})).await;
    assert_eq!(r.status(), StatusCode::OK);

    let check = |a: &HashMap<String, String>| {
        assert_ne!(a[&ru], a[&us], "split kept");
        assert_eq!(a[&gb_fw], a[&us_ph], "merge kept");
        assert_ne!(a[&it_fw], a[&gb_fw], "pin out kept");
    };
    check(&assignment(&app).await);
    rebuild(&app, &editor).await;
    check(&assignment(&app).await);

    // A new revision of RU's list (its English reworded: the same list again
    // would make no revision): its new entry inherits the decision.
    app.submit("RU", &list("ru", 2014, vec![translated("кибератака", "Преднамеренная попытка через сети нарушить работу компьютерных систем или получить доступ к их данным.", "cyber attack", "A deliberate attempt through networks to disrupt computer systems or to obtain access to their data.")])).await;
    let ids = entry_ids(&app).await;
    let new_ru = ids[&("RU".to_owned(), "кибератака".to_owned())].clone();
    assert_ne!(new_ru, ru);
    let a = assignment(&app).await;
    assert_ne!(a[&new_ru], a[&us], "the split applies to the new revision (incremental update)");
    rebuild(&app, &editor).await;
    let a = assignment(&app).await;
    assert_ne!(a[&new_ru], a[&us], "and after a rebuild");
    assert_eq!(a[&gb_fw], a[&us_ph]);
    // Every decision is in the audit log.
    let log: Value = app.get_as("/v1/audit?action=cluster", &app.admin).await.json().await.unwrap();
    let actions: Vec<&str> = log["records"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    for a in ["cluster.split", "cluster.merge", "cluster.pin_out", "cluster.rebuild"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

#[tokio::test]
async fn one_list_never_puts_two_of_its_entries_in_one_cluster() {
    let app = spawn_app().await;
    let same = "Software written to harm computers, networks or their users, such as viruses, worms and trojans.";
    app.submit("US", &list("en", 2014, vec![entry("malware", same), entry("malicious software", same)])).await;
    app.submit("GB", &list("en", 2015, vec![entry("malicious code", same)])).await;
    // The same term in a later list of the same State may join.
    app.submit("US", &list("en", 2017, vec![entry("malware", same)])).await;
    rebuild(&app, &app.admin).await;
    let ids = entry_ids(&app).await;
    let a = assignment(&app).await;
    let of = |s: &str, t: &str| a[&ids[&(s.to_owned(), t.to_owned())]].clone();
    let us2014: Vec<String> = {
        let subs = app.get_json("/v1/states/US/submissions").await;
        let first = subs["submissions"][0]["id"].as_str().unwrap().to_owned();
        let sub = app.get_json(&format!("/v1/submissions/{first}")).await;
        sub["entries"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_ne!(a[&us2014[0]], a[&us2014[1]], "malware and malicious software of one list stay apart");
    let us2017_malware = of("US", "malware");
    assert_eq!(a[&us2014[0]], us2017_malware, "the same term in another list of the same State joins");
    let cluster = app.get_json(&format!("/v1/clusters/{us2017_malware}")).await;
    for l in cluster["links"].as_array().unwrap() {
        let (x, y) = (l["a"].as_str().unwrap(), l["b"].as_str().unwrap());
        let state = |e: &str| ids.iter().find(|(_, v)| v.as_str() == e).map(|((s, _), _)| s.clone());
        if state(x) == state(y) {
            assert_eq!(l["reason"], "same term", "a same-State link is only ever the same term");
        }
        assert!(l["score"].as_f64().is_some() && l["definition"].as_f64().is_some());
    }
}

#[tokio::test]
async fn coverage_lists_states_years_and_missing_notions() {
    let app = spawn_app().await;
    five_states(&app).await;
    rebuild(&app, &app.admin).await;
    let c = app.get_json("/v1/coverage").await;
    let us = c["states"].as_array().unwrap().iter().find(|s| s["state"] == "US").unwrap();
    assert_eq!(us["years"][0]["year"], 2014);
    assert_eq!(us["years"][0]["current_revision"], 1);
    assert_eq!(us["entry_count"], 2);
    assert!(c["not_submitted"].as_array().unwrap().iter().any(|s| s == "FR"));
    let attack = c["clusters"].as_array().unwrap().iter().find(|k| k["states"].as_array().unwrap().len() == 5).unwrap();
    let missing: Vec<&str> = attack["missing"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert_eq!(missing, vec!["ES", "IT"]);
}

#[tokio::test]
async fn bad_ids_bad_parameters_and_non_editors_are_refused() {
    let app = spawn_app().await;
    five_states(&app).await;
    rebuild(&app, &app.admin).await;
    let reader = app.token("reader", "reader", None).await;
    let delegate = app.token("de", "delegate", Some("DE")).await;
    problem(app.get("/v1/clusters/c999-9").await, StatusCode::NOT_FOUND).await;
    problem(app.get("/v1/compare").await, StatusCode::BAD_REQUEST).await;
    problem(app.get("/v1/compare?term=%20-%20").await, StatusCode::BAD_REQUEST).await;
    problem(app.get("/v1/compare/entries?a=1-1").await, StatusCode::BAD_REQUEST).await;
    problem(app.get("/v1/compare/entries?a=1-1&b=99-1").await, StatusCode::NOT_FOUND).await;
    problem(app.get("/v1/clusters?min_states=0").await, StatusCode::BAD_REQUEST).await;
    for t in [&reader, &delegate] {
        let r = app.client.post(app.url("/v1/clusters/rebuild")).bearer_auth(t).send().await.unwrap();
        problem(r, StatusCode::FORBIDDEN).await;
        problem(post(&app, "/v1/clusters/merge", t, json!({"cluster_ids": ["a", "b"]})).await, StatusCode::FORBIDDEN)
            .await;
    }
    let r = app.client.post(app.url("/v1/clusters/rebuild")).send().await.unwrap();
    problem(r, StatusCode::UNAUTHORIZED).await;
    let some = app.get_json("/v1/clusters").await["clusters"][0]["id"].as_str().unwrap().to_owned();
    let r = post(&app, &format!("/v1/clusters/{some}/split"), &app.admin, json!({"entry_ids": ["99-99"]})).await;
    problem(r, StatusCode::BAD_REQUEST).await;
    let r = post(&app, "/v1/clusters/merge", &app.admin, json!({"cluster_ids": [some]})).await;
    problem(r, StatusCode::BAD_REQUEST).await;
    let r = post(&app, "/v1/clusters/merge", &app.admin, json!({"cluster_ids": [some, "c404-4"]})).await;
    problem(r, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_proposal_made_from_a_cluster_reconciles_its_entries() {
    let app = spawn_app().await;
    five_states(&app).await;
    rebuild(&app, &app.admin).await;
    let editor = app.token("editor", "editor", None).await;
    let ids = entry_ids(&app).await;
    let us = ids[&("US".to_owned(), "cyber attack".to_owned())].clone();
    let cluster = assignment(&app).await[&us].clone();
    let body = json!({"term": "cyber attack", "definition": "A deliberate attempt over networks to disrupt or damage computer systems or to access their data without authorisation.", "language": "en", "cluster_id": cluster});
    let r = post(&app, "/v1/proposals", &editor, body.clone()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let cluster_members: Vec<String> = app.get_json(&format!("/v1/clusters/{cluster}")).await["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["entry_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(cluster_members.len(), 5);
    let mut provenance: Vec<String> =
        created["provenance"].as_array().unwrap().iter().map(|p| p["entry_id"].as_str().unwrap().to_owned()).collect();
    provenance.sort();
    let mut expected = cluster_members;
    expected.sort();
    assert_eq!(provenance, expected, "the proposal reconciles exactly the cluster's entries");
    assert!(provenance.contains(&us));
    let mut unknown = body;
    unknown["cluster_id"] = json!("c999-999");
    let r = post(&app, "/v1/proposals", &editor, unknown).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// The groups of entry ids that share a cluster, sorted.
fn groups(assigned: &HashMap<String, String>) -> Vec<Vec<String>> {
    let mut by: HashMap<&str, Vec<String>> = HashMap::new();
    for (e, c) in assigned {
        by.entry(c.as_str()).or_default().push(e.clone());
    }
    let mut out: Vec<Vec<String>> = by.into_values().collect();
    for g in &mut out {
        g.sort();
    }
    out.sort();
    out
}

/// entry id → cluster id over HTTP at `base`, for every clustered entry.
async fn assignment_at(base: &str) -> HashMap<String, String> {
    let page: Value =
        reqwest::get(format!("{base}/v1/clusters?min_states=1&limit=200")).await.unwrap().json().await.unwrap();
    let mut out = HashMap::new();
    for c in page["clusters"].as_array().unwrap() {
        for m in c["members"].as_array().unwrap() {
            out.insert(m["entry_id"].as_str().unwrap().to_owned(), c["id"].as_str().unwrap().to_owned());
        }
    }
    out
}

#[tokio::test]
async fn a_list_imported_at_the_command_line_is_placed_into_clusters_as_a_rest_submission_is() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let glossary = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_glossary"))
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let file = |name: &str, rows: &[(&str, &str)]| {
        let mut csv = String::from("term,definition\n");
        for (t, d) in rows {
            csv.push_str(&format!("{t},\"{d}\"\n"));
        }
        let path = dir.path().join(name);
        std::fs::write(&path, csv).unwrap();
        path.to_str().unwrap().to_owned()
    };
    glossary(&["import", &file("US-2014-en.csv", &[("cyber attack", ATTACK), ("phishing", PHISHING)])]);
    glossary(&["import", &file("ES-2014-en.csv", &[("phishing", PHISHING)])]);
    glossary(&["cluster", "--rebuild"]);
    // Clusters exist: this import must place GB's entries into them.
    let gb =
        "An attempt over networks to disrupt or damage computer systems, or to gain unauthorised access to their data.";
    glossary(&["import", &file("GB-2015-en.csv", &[("cyberattack", gb), ("firewall", FIREWALL)])]);

    let (mut child, base, _) = crate::helpers::start_binary(&data);
    let imported = assignment_at(&base).await;
    let token = std::fs::read_to_string(data.join("admin.token")).unwrap().trim().to_owned();
    let r =
        reqwest::Client::new().post(format!("{base}/v1/clusters/rebuild")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let rebuilt = assignment_at(&base).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(imported.len(), 5, "every current entry is in a cluster after the import: {imported:?}");
    assert_eq!(groups(&imported), groups(&rebuilt), "the import's clusters are a rebuild's");
    assert_eq!(groups(&imported).iter().filter(|g| g.len() == 2).count(), 2, "{imported:?}");
}
