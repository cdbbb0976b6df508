//! The role matrix of every mutating endpoint, closed reads, and the audit
//! trail each write leaves.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{english_list, spawn_app, spawn_app_with};

#[derive(Clone, Copy, Debug)]
enum Who {
    Nobody,
    BadToken,
    Reader,
    DelegateDe,
    DelegateFr,
    Editor,
    Admin,
}

const EVERYONE: [Who; 7] =
    [Who::Nobody, Who::BadToken, Who::Reader, Who::DelegateDe, Who::DelegateFr, Who::Editor, Who::Admin];

#[tokio::test]
async fn every_mutating_endpoint_checks_the_role() {
    let app = spawn_app().await;
    let reader = app.token("r", "reader", None).await;
    let de = app.token("de", "delegate", Some("DE")).await;
    let fr = app.token("fr", "delegate", Some("FR")).await;
    let editor = app.token("ed", "editor", None).await;
    let token = |who: Who| -> Option<String> {
        match who {
            Who::Nobody => None,
            Who::BadToken => Some("cg_0000000000000000000000000000000000000000000000000000000000000000".into()),
            Who::Reader => Some(reader.clone()),
            Who::DelegateDe => Some(de.clone()),
            Who::DelegateFr => Some(fr.clone()),
            Who::Editor => Some(editor.clone()),
            Who::Admin => Some(app.admin.clone()),
        }
    };
    use StatusCode as S;
    let expect = |who: Who, allowed: &[u8]| -> StatusCode {
        match who {
            Who::Nobody | Who::BadToken => S::UNAUTHORIZED,
            w if allowed.contains(&(w as u8)) => S::OK,
            _ => S::FORBIDDEN,
        }
    };
    for (i, who) in EVERYONE.into_iter().enumerate() {
        let t = token(who);
        // POST /v1/states: admin only.
        let r =
            app.post_json("/v1/states", t.as_deref(), &json!({"code": format!("T{i}X"), "name": "Test party"})).await;
        let want = expect(who, &[Who::Admin as u8]);
        assert_eq!(r.status(), if want == S::OK { S::CREATED } else { want }, "POST /v1/states as {who:?}");

        // POST /v1/states/DE/submissions: DE's delegate, editors, admins.
        let r =
            app.post_json("/v1/states/DE/submissions", t.as_deref(), &english_list(2014, &[&format!("x{i}")])).await;
        let want = expect(who, &[Who::DelegateDe as u8, Who::Editor as u8, Who::Admin as u8]);
        assert_eq!(r.status(), if want == S::OK { S::CREATED } else { want }, "POST submissions as {who:?}");

        // POST /v1/tokens: admin only.
        let r = app.post_json("/v1/tokens", t.as_deref(), &json!({"name": format!("n{i}"), "role": "reader"})).await;
        let want = expect(who, &[Who::Admin as u8]);
        assert_eq!(r.status(), if want == S::OK { S::CREATED } else { want }, "POST /v1/tokens as {who:?}");

        // GET /v1/audit: editors and admins.
        let mut req = app.client.get(app.url("/v1/audit"));
        if let Some(t) = &t {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), expect(who, &[Who::Editor as u8, Who::Admin as u8]), "GET /v1/audit as {who:?}");
        if r.status() == S::UNAUTHORIZED {
            assert_eq!(r.headers().get("www-authenticate").unwrap(), "Bearer");
        }
    }
    // DE received exactly three lists: from its delegate, the editor and the admin.
    assert_eq!(app.get_json("/v1/states/DE/submissions").await["total"], 3);
}

#[tokio::test]
async fn delegate_tokens_must_name_an_existing_state_and_only_delegates_do() {
    let app = spawn_app().await;
    for body in [
        json!({"name": "d", "role": "delegate"}),
        json!({"name": "d", "role": "delegate", "state": "QQ"}),
        json!({"name": "e", "role": "editor", "state": "DE"}),
        json!({"name": "e", "role": "superuser"}),
        json!({"name": "", "role": "reader"}),
    ] {
        let r = app.post_json("/v1/tokens", Some(&app.admin), &body).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
    }
}

#[tokio::test]
async fn with_closed_reads_every_read_needs_a_valid_token() {
    let app = spawn_app_with(|c| c.http.open_reads = false).await;
    let reader = app.token("r", "reader", None).await;
    for path in ["/v1/states", "/v1/entries", "/v1/states/DE/submissions"] {
        assert_eq!(app.get(path).await.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(app.get_as(path, &reader).await.status(), StatusCode::OK, "{path}");
        assert_eq!(app.get_as(path, "cg_bad").await.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_bad_token_is_401_even_where_reads_are_open() {
    let app = spawn_app().await;
    assert_eq!(app.get_as("/v1/states", "cg_nope").await.status(), StatusCode::UNAUTHORIZED);
    let r = app.client.get(app.url("/v1/states")).header("authorization", "Basic Zm9vOmJhcg==").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_write_leaves_one_attributed_audit_record() {
    let app = spawn_app().await;
    let de = app.token("de-delegate", "delegate", Some("DE")).await;
    let before = app.audit_total().await;
    let r = app.post_json("/v1/states/DE/submissions", Some(&de), &english_list(2019, &["a", "b"])).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let receipt: Value = r.json().await.unwrap();
    assert_eq!(app.audit_total().await, before + 1);
    let log: Value = app.get_as("/v1/audit?action=submission.create", &app.admin).await.json().await.unwrap();
    assert_eq!(log["total"], 1);
    let rec = &log["records"][0];
    assert_eq!(rec["actor"], "de-delegate");
    assert_eq!(rec["role"], "delegate");
    assert_eq!(rec["actor_state"], "DE");
    assert_eq!(rec["target"], format!("submissions/{}", receipt["id"].as_str().unwrap()));
    assert_eq!(rec["detail"]["entry_count"], 2);
    assert!(rec["at"].as_str().unwrap().ends_with('Z'));

    // Filters by actor and time.
    let by_actor: Value = app.get_as("/v1/audit?actor=de-delegate", &app.admin).await.json().await.unwrap();
    assert_eq!(by_actor["total"], 1);
    let future: Value = app.get_as("/v1/audit?since=2999-01-01", &app.admin).await.json().await.unwrap();
    assert_eq!(future["total"], 0);
    assert_eq!(app.get_as("/v1/audit?since=yesterday", &app.admin).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let app = spawn_app().await;
    let secret = app.token("someone", "editor", None).await;
    // Give sled a moment to have everything on disk, then look at every byte.
    let mut found = false;
    for entry in walk(app.dir.path()) {
        if entry.file_name().and_then(|n| n.to_str()) == Some("admin.token") {
            continue;
        }
        let bytes = std::fs::read(&entry).unwrap_or_default();
        if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
            found = true;
        }
    }
    assert!(!found, "a token was found in the clear on disk");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
        }
    }
    out
}

#[tokio::test]
async fn token_names_are_unique_so_the_audit_log_is_unambiguous() {
    let app = spawn_app().await;
    app.token("se-delegate", "delegate", Some("SE")).await;
    let r = app.post_json("/v1/tokens", Some(&app.admin), &json!({"name": "se-delegate", "role": "reader"})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_list_naming_another_state_is_refused() {
    let app = spawn_app().await;
    let mut list = english_list(2014, &["a"]);
    list["state"] = json!("FR");
    let r = app.post_json("/v1/states/DE/submissions", Some(&app.admin), &list).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    list["state"] = json!("de");
    let r = app.post_json("/v1/states/DE/submissions", Some(&app.admin), &list).await;
    assert_eq!(r.status(), StatusCode::CREATED);
}
