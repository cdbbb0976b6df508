//! Distribution levels: who may read a national list. Three lists, one per
//! level, each with a word no other list has; every caller reads every path
//! that shows text or counts of a list, and no word (or count) of a list
//! reaches a caller who may not read it. The matrix: 3 levels × 7 callers ×
//! the REST paths and pages below.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Three lists that share the notion "phishing" (so they cluster and compare
/// together), each with a marker word of its own in its definitions.
const LISTS: [(&str, &str, &str); 3] = [
    ("DE", "public", "zebrafalcon"),
    ("FR", "participating_states", "quokkamoth"),
    ("IT", "restricted", "narwhalpine"),
];

fn list(level: &str, marker: &str) -> Value {
    json!({"year": 2024, "language": "en", "distribution": level, "entries": [
        {"term": "phishing", "definition": format!("Deceiving a person by electronic messages into revealing credentials ({marker}).")},
        {"term": format!("{marker} attack"), "definition": format!("An attack of the {marker} kind on information systems.")}
    ]})
}

struct Caller {
    name: &'static str,
    token: Option<String>,
    /// Which of DE (public), FR (participating States), IT (restricted) it may read.
    reads: [bool; 3],
}

async fn world() -> (TestApp, Vec<Caller>, Vec<String>) {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for (state, level, marker) in LISTS {
        let receipt = app.submit(state, &list(level, marker)).await;
        assert_eq!(receipt["distribution"], level, "{receipt}");
        ids.push(receipt["id"].as_str().unwrap().to_owned());
    }
    // A party of another forum: not a participating State.
    let r = app
        .post_json(
            "/v1/states",
            Some(&app.admin),
            &json!({"code": "ARF-SG", "name": "Singapore (ARF)", "forum": "ARF"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let callers = vec![
        Caller { name: "anonymous", token: None, reads: [true, false, false] },
        Caller { name: "reader", token: Some(app.token("analyst", "reader", None).await), reads: [true, true, false] },
        Caller {
            name: "DE delegate",
            token: Some(app.token("de-delegate", "delegate", Some("DE")).await),
            reads: [true, true, false],
        },
        Caller {
            name: "IT delegate",
            token: Some(app.token("it-delegate", "delegate", Some("IT")).await),
            reads: [true, true, true],
        },
        Caller {
            name: "ARF delegate",
            token: Some(app.token("arf-delegate", "delegate", Some("ARF-SG")).await),
            reads: [true, false, false],
        },
        Caller { name: "editor", token: Some(app.token("editor", "editor", None).await), reads: [true, true, true] },
        Caller { name: "admin", token: Some(app.admin.clone()), reads: [true, true, true] },
    ];
    let (s, _) = {
        let r = app.post_empty("/v1/clusters/rebuild", &app.admin).await;
        (r.status(), ())
    };
    assert_eq!(s, StatusCode::OK);
    (app, callers, ids)
}

async fn body(app: &TestApp, caller: &Caller, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = &caller.token {
        req = req.bearer_auth(t);
    }
    if let Some(c) = cookie {
        req = req.header("cookie", format!("cg_session={c}"));
    }
    let r = req.send().await.expect("GET");
    (r.status(), r.text().await.unwrap_or_default())
}

/// Asserts which lists a text shows (by their marker word or an entry id):
/// exactly those `caller` reads.
fn shows(caller: &Caller, ids: &[String], path: &str, text: &str, checked: &mut usize) {
    for (i, (state, level, marker)) in LISTS.iter().enumerate() {
        let shown = text.contains(marker)
            || text.contains(&format!("\"{}-1\"", ids[i]))
            || text.contains(&format!("/entries/{}-1\"", ids[i]));
        assert_eq!(
            shown,
            caller.reads[i],
            "{} on {path}: {state}'s {level} list {}",
            caller.name,
            if caller.reads[i] { "is missing" } else { "leaked" }
        );
        *checked += 1;
    }
}

#[tokio::test]
async fn no_text_or_count_of_a_list_reaches_a_caller_who_may_not_read_it() {
    let (app, callers, ids) = world().await;
    let mut checked = 0usize;
    for caller in &callers {
        let visible = caller.reads.iter().filter(|r| **r).count();
        // Paths that list or search: the markers of exactly the readable lists.
        for path in [
            "/v1/entries?limit=200".to_owned(),
            "/v1/search?q=phishing&limit=50".to_owned(),
            "/v1/search?q=attack&limit=50".to_owned(),
            "/v1/compare?term=phishing".to_owned(),
            "/v1/clusters?limit=200&min_states=1".to_owned(),
        ] {
            let (status, text) = body(&app, caller, &path, None).await;
            assert_eq!(status, StatusCode::OK, "{} {path}: {text}", caller.name);
            shows(caller, &ids, &path, &text, &mut checked);
        }
        // Counts: entries total, search total and facets, coverage, compare rows, cluster States.
        let get = |path: String| {
            let app = &app;
            async move {
                let (s, t) = body(app, caller, &path, None).await;
                assert_eq!(s, StatusCode::OK, "{} {path}: {t}", caller.name);
                serde_json::from_str::<Value>(&t).unwrap()
            }
        };
        let entries = get("/v1/entries?limit=1".into()).await;
        assert_eq!(entries["total"], 2 * visible, "{}: entries total", caller.name);
        let search = get("/v1/search?q=phishing".into()).await;
        assert_eq!(search["total"], visible, "{}: search total {search}", caller.name);
        let facets = search["facets"].to_string();
        for (i, (state, _, _)) in LISTS.iter().enumerate() {
            assert_eq!(facets.contains(&format!("\"{state}\"")), caller.reads[i], "{}: facets {facets}", caller.name);
            checked += 1;
        }
        let coverage = get("/v1/coverage".into()).await;
        let submitted: Vec<&str> =
            coverage["states"].as_array().unwrap().iter().map(|s| s["state"].as_str().unwrap()).collect();
        let expected: Vec<&str> = LISTS.iter().zip(caller.reads).filter(|(_, r)| *r).map(|((s, _, _), _)| *s).collect();
        assert_eq!(submitted, expected, "{}: coverage", caller.name);
        let compare = get("/v1/compare?term=phishing".into()).await;
        let rows: Vec<&str> =
            compare["rows"].as_array().unwrap().iter().map(|r| r["state"].as_str().unwrap()).collect();
        assert_eq!(rows, expected, "{}: compare rows", caller.name);
        let clusters = get("/v1/clusters?limit=200&min_states=1".into()).await;
        for c in clusters["clusters"].as_array().unwrap() {
            for s in c["states"].as_array().unwrap() {
                assert!(expected.contains(&s.as_str().unwrap()), "{}: cluster States {c}", caller.name);
            }
        }
        checked += 5;

        // One list at a time: its list, entries, exports and its State's page.
        for (i, id) in ids.iter().enumerate() {
            let (state, _, _) = LISTS[i];
            let mut paths = vec![
                format!("/v1/submissions/{id}"),
                format!("/v1/submissions/{id}?format=json"),
                format!("/v1/submissions/{id}?format=csv"),
                format!("/v1/submissions/{id}?format=tbx"),
                format!("/v1/entries/{id}-1"),
                format!("/v1/entries/{id}-2"),
            ];
            paths.push(format!("/v1/compare/entries?a={id}-1&b={}-1", ids[0]));
            for path in &paths {
                let (status, text) = body(&app, caller, path, None).await;
                if caller.reads[i] {
                    assert_eq!(status, StatusCode::OK, "{} {path}: {text}", caller.name);
                } else {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{} {path}: {text}", caller.name);
                    assert!(!text.contains(LISTS[i].2), "{} {path} leaked in its error: {text}", caller.name);
                }
                checked += 1;
            }
            for path in [format!("/v1/states/{state}/submissions"), format!("/v1/states/{state}")] {
                let (status, text) = body(&app, caller, &path, None).await;
                assert_eq!(status, StatusCode::OK, "{} {path}", caller.name);
                let listed: Value = serde_json::from_str(&text).unwrap();
                let n = listed["submissions"].as_array().unwrap().len();
                assert_eq!(n, usize::from(caller.reads[i]), "{} {path}: {text}", caller.name);
                checked += 1;
            }
        }
    }

    // Pages, signed in as each caller with a token (and anonymously).
    for caller in &callers {
        let cookie = match &caller.token {
            Some(t) => Some(crate::pages::sign_in(&app, t).await),
            None => None,
        };
        let page_caller = Caller { name: caller.name, token: None, reads: caller.reads };
        for path in ["/search?q=phishing", "/compare?term=phishing", "/clusters?min_states=1", "/coverage", "/"] {
            let (status, text) = body(&app, &page_caller, path, cookie.as_deref()).await;
            assert_eq!(status, StatusCode::OK, "{} page {path}", caller.name);
            if path == "/coverage" || path == "/" || path.starts_with("/clusters") {
                // These show States, counts and a few terms, not definitions (the
                // REST checks above cover what they are computed from).
                continue;
            }
            shows(caller, &ids, &format!("page {path}"), &text, &mut checked);
        }
        for (i, id) in ids.iter().enumerate() {
            let (status, text) = body(&app, &page_caller, &format!("/entries/{id}-1"), cookie.as_deref()).await;
            let expected = if caller.reads[i] { StatusCode::OK } else { StatusCode::NOT_FOUND };
            assert_eq!(status, expected, "{} page /entries/{id}-1", caller.name);
            assert_eq!(text.contains(LISTS[i].2), caller.reads[i], "{} page /entries/{id}-1", caller.name);
            checked += 1;
        }
    }
    println!("distribution matrix: {checked} checks over 3 levels × {} callers", callers.len());
    assert!(checked >= 400, "the matrix ran: {checked}");
}

#[tokio::test]
async fn an_agreed_entry_is_public_but_the_national_entries_it_reconciles_keep_their_level() {
    let (app, callers, ids) = world().await;
    let entry_ids: Vec<String> = ids.iter().map(|id| format!("{id}-1")).collect();
    let mut body_json = proposal("phishing", "Deceiving people into revealing secrets.");
    body_json["entry_ids"] = json!(entry_ids);
    app.agree(&body_json).await;
    for caller in &callers {
        for path in ["/v1/glossary", "/v1/glossary/export?format=tbx", "/v1/proposals/1"] {
            let (status, text) = body(&app, caller, path, None).await;
            assert_eq!(status, StatusCode::OK, "{} {path}: {text}", caller.name);
            assert!(text.contains("Deceiving people into revealing secrets."), "{} {path}", caller.name);
            // The national entries it reconciles: each shown only to who may read its list.
            if path.contains("export") {
                for (i, (state, _, _)) in LISTS.iter().enumerate() {
                    if !caller.reads[i] {
                        assert!(!text.contains(&format!("{state} national list")), "{} {path}: {text}", caller.name);
                    }
                }
            } else if path == "/v1/glossary" {
                let mut n = 0;
                shows(caller, &ids, path, &text, &mut n);
            } else {
                // The proposal names what it reconciles by id (its own text); the
                // entries themselves (provenance) show only to who may read them.
                let p: Value = serde_json::from_str(&text).unwrap();
                let states: Vec<&str> =
                    p["provenance"].as_array().unwrap().iter().map(|e| e["state"].as_str().unwrap()).collect();
                let expected: Vec<&str> =
                    LISTS.iter().zip(caller.reads).filter(|(_, r)| *r).map(|((s, _, _), _)| *s).collect();
                assert_eq!(states, expected, "{} {path}", caller.name);
            }
        }
    }
}

#[tokio::test]
async fn the_default_level_is_the_servers_and_csv_takes_it_as_a_parameter() {
    let app = spawn_app_with(|c| c.default_distribution = consensus_glossary::domain::Distribution::Restricted).await;
    let receipt = app.submit("DE", &english_list(2024, &["malware"])).await;
    assert_eq!(receipt["distribution"], "restricted");
    assert_eq!(
        app.get(&format!("/v1/submissions/{}", receipt["id"].as_str().unwrap())).await.status(),
        StatusCode::NOT_FOUND
    );

    let csv = "term,definition\nbotnet,A network of compromised machines.\n".as_bytes().to_vec();
    let r = app
        .post_raw(
            "/v1/states/FR/submissions?year=2024&language=en&distribution=public",
            Some(&app.admin),
            "text/csv",
            csv.clone(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let receipt: Value = r.json().await.unwrap();
    assert_eq!(receipt["distribution"], "public");
    let entry: Value = app.get_json(&format!("/v1/entries/{}-1", receipt["id"].as_str().unwrap())).await;
    assert_eq!(entry["distribution"], "public");

    let r = app
        .post_raw(
            "/v1/states/FR/submissions?year=2025&language=en&distribution=secret",
            Some(&app.admin),
            "text/csv",
            csv,
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "distribution", "{p}");
}
