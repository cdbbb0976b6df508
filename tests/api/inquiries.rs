//! Inquiries: a State asks another about its entry, the asked State answers,
//! the thread closes; who may read, reply and close; every step audited.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

struct Parties {
    de: String,
    fr: String,
    it: String,
    reader: String,
    editor: String,
    entry: String,
    submission: String,
}

async fn parties(app: &TestApp) -> Parties {
    let receipt = app.submit("DE", &english_list(2024, &["critical infrastructure", "phishing"])).await;
    let submission = receipt["id"].as_str().unwrap().to_owned();
    Parties {
        de: app.token("de-delegate", "delegate", Some("DE")).await,
        fr: app.token("fr-delegate", "delegate", Some("FR")).await,
        it: app.token("it-delegate", "delegate", Some("IT")).await,
        reader: app.token("analyst", "reader", None).await,
        editor: app.token("editor", "editor", None).await,
        entry: format!("{submission}-1"),
        submission,
    }
}

async fn post(app: &TestApp, path: &str, token: &str, body: Option<&Value>) -> (StatusCode, Value) {
    let r = match body {
        Some(b) => app.post_json(path, Some(token), b).await,
        None => app.post_empty(path, token).await,
    };
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_state_asks_another_about_its_entry_and_the_thread_runs_to_its_close() {
    let app = spawn_app().await;
    let p = parties(&app).await;
    let audit_before = app.audit_total().await;

    let (s, asked) = post(
        &app,
        "/v1/inquiries",
        &p.fr,
        Some(&json!({"entry_id": p.entry, "question": "Does this include the health sector?"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{asked}");
    assert_eq!(asked["status"], "open");
    assert_eq!(asked["asked_by"], "FR");
    assert_eq!(asked["addressed_to"], "DE");
    assert_eq!(asked["entry_id"], p.entry.as_str());
    assert_eq!(asked["submission_id"], p.submission.as_str());
    assert_eq!(asked["visibility"], "parties");
    let id = asked["id"].as_str().unwrap().to_owned();

    // Each State sees it among its open inquiries: asked by FR, received by DE.
    for (token, state) in [(&p.fr, "FR"), (&p.de, "DE")] {
        let list: Value =
            app.get_as(&format!("/v1/inquiries?state={state}&status=open"), token).await.json().await.unwrap();
        assert_eq!(list["total"], 1, "{state}: {list}");
    }

    // Only the asked State answers; the others may not speak in the thread.
    for token in [&p.it, &p.editor, &app.admin, &p.reader] {
        let (s, b) = post(&app, &format!("/v1/inquiries/{id}/replies"), token, Some(&json!({"text": "Yes."}))).await;
        assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{s} {b}");
    }
    let (s, answered) =
        post(&app, &format!("/v1/inquiries/{id}/replies"), &p.de, Some(&json!({"text": "Yes, hospitals too."}))).await;
    assert_eq!(s, StatusCode::CREATED, "{answered}");
    assert_eq!(answered["status"], "answered");
    assert_eq!(answered["messages"].as_array().unwrap().len(), 2);
    assert_eq!(answered["messages"][1]["state"], "DE");
    assert_eq!(answered["messages"][1]["by"], "de-delegate");

    // A follow-up by the asking State reopens it.
    let (s, b) =
        post(&app, &format!("/v1/inquiries/{id}/replies"), &p.fr, Some(&json!({"text": "And clinics?"}))).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(b["status"], "open");

    // The asked State may not close it; the asking State does.
    let (s, _) = post(&app, &format!("/v1/inquiries/{id}/close"), &p.de, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, closed) = post(&app, &format!("/v1/inquiries/{id}/close"), &p.fr, None).await;
    assert_eq!(s, StatusCode::OK, "{closed}");
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["closed_by"], "fr-delegate");
    let (s, _) = post(&app, &format!("/v1/inquiries/{id}/replies"), &p.de, Some(&json!({"text": "late"}))).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Every step audited: the question, two replies and the close.
    let audit: Value = app.get_as(&format!("/v1/audit?target=inquiries/{id}"), &app.admin).await.json().await.unwrap();
    let actions: Vec<&str> =
        audit["records"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["inquiry.create", "inquiry.reply", "inquiry.reply", "inquiry.close"]);
    assert_eq!(app.audit_total().await, audit_before + 4);
}

#[tokio::test]
async fn who_reads_a_thread_depends_on_the_visibility_chosen_when_asking() {
    let app = spawn_app().await;
    let p = parties(&app).await;
    let (_, private) = post(
        &app,
        "/v1/inquiries",
        &p.fr,
        Some(&json!({"submission_id": p.submission, "question": "Which law is the source?"})),
    )
    .await;
    let (_, shared) = post(
        &app,
        "/v1/inquiries",
        &p.fr,
        Some(
            &json!({"entry_id": p.entry, "question": "Is this the NIS2 sense?", "visibility": "participating_states"}),
        ),
    )
    .await;
    let (private, shared) = (private["id"].as_str().unwrap(), shared["id"].as_str().unwrap());

    let sees = |token: String, id: String| {
        let app = &app;
        async move { app.get_as(&format!("/v1/inquiries/{id}"), &token).await.status() }
    };
    // The two States, editors and admins read both.
    for token in [&p.fr, &p.de, &p.editor, &app.admin] {
        assert_eq!(sees(token.clone(), private.to_owned()).await, StatusCode::OK);
        assert_eq!(sees(token.clone(), shared.to_owned()).await, StatusCode::OK);
    }
    // A third State and a reader read only the shared one; the private one does not exist for them.
    for token in [&p.it, &p.reader] {
        assert_eq!(sees(token.clone(), private.to_owned()).await, StatusCode::NOT_FOUND);
        assert_eq!(sees(token.clone(), shared.to_owned()).await, StatusCode::OK);
        let list: Value = app.get_as("/v1/inquiries", token).await.json().await.unwrap();
        assert_eq!(list["total"], 1, "{list}");
        assert!(!list.to_string().contains("Which law"), "{list}");
    }
    // Without a token: nothing.
    assert_eq!(app.get("/v1/inquiries").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get(&format!("/v1/inquiries/{shared}")).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_question_needs_a_delegate_another_states_list_and_one_target() {
    let app = spawn_app().await;
    let p = parties(&app).await;
    let ask = |token: String, body: Value| {
        let app = &app;
        async move { post(app, "/v1/inquiries", &token, Some(&body)).await }
    };
    // Editors and readers do not speak for a State.
    for token in [&p.editor, &p.reader] {
        let (s, _) = ask(token.clone(), json!({"entry_id": p.entry, "question": "?"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    // Not about its own list.
    let (s, b) = ask(p.de.clone(), json!({"entry_id": p.entry, "question": "Why?"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["errors"][0]["field"], "entry_id");
    // Exactly one target; a real one; a question with text.
    let (s, b) = ask(p.fr.clone(), json!({"question": "About what?"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, _) =
        ask(p.fr.clone(), json!({"entry_id": p.entry, "submission_id": p.submission, "question": "Both?"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = ask(p.fr.clone(), json!({"entry_id": "999-1", "question": "Ghost?"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, b) = ask(p.fr.clone(), json!({"entry_id": p.entry, "question": "   "})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["errors"][0]["field"], "question");
    let (s, b) = ask(p.fr.clone(), json!({"entry_id": p.entry, "question": "?", "visibility": "world"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["param"], "visibility");
    let list: Value = app.get_as("/v1/inquiries", &app.admin).await.json().await.unwrap();
    assert_eq!(list["total"], 0, "nothing half-stored: {list}");
}
