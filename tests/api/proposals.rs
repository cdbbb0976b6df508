//! The consensus workflow over HTTP with real roles: drafting, versions with
//! ETag / If-Match, review with a silence period, positions, approval,
//! rejection, withdrawal, comments, and the audit trail of each step.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, english_list, problem, proposal, spawn_app, spawn_app_with};

struct Cast {
    de: String,
    fr: String,
    ru: String,
    editor: String,
    reader: String,
}

async fn cast(app: &TestApp) -> Cast {
    Cast {
        de: app.token("de-delegate", "delegate", Some("DE")).await,
        fr: app.token("fr-delegate", "delegate", Some("FR")).await,
        ru: app.token("ru-delegate", "delegate", Some("RU")).await,
        editor: app.token("editor", "editor", None).await,
        reader: app.token("reader", "reader", None).await,
    }
}

fn id_of(p: &Value) -> String {
    p["id"].as_str().expect("id").to_owned()
}

async fn etag_of(app: &TestApp, id: &str) -> String {
    let r = app.get(&format!("/v1/proposals/{id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.headers().get("etag").expect("ETag").to_str().unwrap().to_owned()
}

/// The audit records of proposal `id`, oldest first.
async fn audit_of(app: &TestApp, id: &str) -> Vec<Value> {
    let log: Value = app.get_as(&format!("/v1/audit?proposal={id}&limit=200"), &app.admin).await.json().await.unwrap();
    log["records"].as_array().unwrap().clone()
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap()
}

#[tokio::test]
async fn the_full_life_of_a_proposal() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let de_list = app.submit("DE", &english_list(2020, &["cyber attack", "malware"])).await;
    let fr_list = app.submit("FR", &english_list(2020, &["cyber-attack"])).await;
    let (de_entry, fr_entry) = (format!("{}-1", id_of(&de_list)), format!("{}-1", id_of(&fr_list)));

    // A delegate drafts it, reconciling a German and a French entry.
    let r = app
        .post_json(
            "/v1/proposals",
            Some(&c.de),
            &json!({
                "term": "cyber attack",
                "definition": "A deliberate attempt to harm information systems.",
                "language": "en",
                "translations": {"fr": {"term": "cyberattaque", "definition": "Une tentative délibérée de nuire."}},
                "entry_ids": [de_entry, fr_entry],
                "cluster_id": "c-17",
                "rationale": "Both national definitions stress intent.",
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let etag = r.headers().get("etag").unwrap().to_str().unwrap().to_owned();
    assert!(r.headers().get("location").is_some());
    let p: Value = r.json().await.unwrap();
    let id = id_of(&p);
    assert_eq!(p["status"], "draft");
    assert_eq!(p["version"], 1);
    assert_eq!(p["etag"], etag.as_str());
    assert_eq!(p["proposer"]["name"], "de-delegate");
    assert_eq!(p["current"]["cluster_id"], "c-17");
    assert_eq!(p["current"]["translations"]["fr"]["term"], "cyberattaque");
    assert_eq!(p["provenance"].as_array().unwrap().len(), 2);
    assert_eq!(p["provenance"][1]["state"], "FR");

    // The proposer edits it: version 2, with a word-level diff.
    let mut body =
        proposal("cyber attack", "A deliberate and malicious attempt to harm networked information systems.");
    body["entry_ids"] = json!([de_entry, fr_entry]);
    body["cluster_id"] = json!("c-17"); // the same sources, named again (left out, they would be kept)
    let r = app.put_json(&format!("/v1/proposals/{id}"), &c.de, Some(&etag), &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    let new_etag = r.headers().get("etag").unwrap().to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["version"], 2);
    assert_eq!(p["versions"].as_array().unwrap().len(), 2);
    assert_eq!(p["versions"][0]["text"]["definition"], "A deliberate attempt to harm information systems.");
    let diff = &p["diffs"][0];
    assert_eq!((diff["from_version"].as_u64(), diff["to_version"].as_u64()), (Some(1), Some(2)));
    assert!(diff["definition"].as_array().unwrap().contains(&json!({"op": "insert", "text": "and malicious"})));
    assert!(diff["definition"].as_array().unwrap().contains(&json!({"op": "insert", "text": "networked"})));
    assert_eq!(diff["definition"][0], json!({"op": "equal", "text": "A deliberate"}));
    // The French translation was dropped in version 2: the diff shows it deleted.
    assert_eq!(diff["translations"]["fr"]["term"], json!([{"op": "delete", "text": "cyberattaque"}]));

    // Submitted for review: 14 days of silence by default.
    let (s, p) = app.act(&id, "submit", &c.de, None).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["status"], "under_review");
    assert_eq!(p["silence_over"], false);
    let until = time::OffsetDateTime::parse(
        p["silence_until"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let days = (until - time::OffsetDateTime::now_utc()).whole_hours();
    assert!((13 * 24..=14 * 24).contains(&days), "{days} hours");

    // Positions: France supports with an interpretative statement, Germany supports.
    let (s, p) = app
        .act(
            &id,
            "positions",
            &c.fr,
            Some(&json!({"state": "FR", "position": "support",
                "statement": "France understands 'harm' to include disruption of availability."})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let (s, _) = app.act(&id, "positions", &c.de, Some(&json!({"state": "DE", "position": "support"}))).await;
    assert_eq!(s, StatusCode::CREATED);

    // Any token holder comments, attributed and timestamped.
    let (s, p) = app.act(&id, "comments", &c.reader, Some(&json!({"text": "Does this cover espionage?"}))).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(p["comments"][0]["author"], "reader");
    assert_eq!(p["comments"][0]["role"], "reader");
    assert!(p["comments"][0]["at"].as_str().unwrap().ends_with('Z'));

    // The silence period has not passed: approval is refused with the deadline.
    let (s, b) = app.act(&id, "approve", &c.editor, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["type"], "/problems/no-consensus");
    assert_eq!(b["silence_over"], false);
    assert_eq!(b["silence_until"], p["silence_until"]);
    assert_eq!(b["objections"], json!([]));

    // A delegate may not approve; after the silence period an editor does.
    app.clock.advance(time::Duration::days(15));
    let (s, _) = app.act(&id, "approve", &c.de, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, p) = app.act(&id, "approve", &c.editor, None).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["status"], "agreed");
    assert!(p["agreed_at"].is_string());
    let statuses: Vec<(&str, &str)> = p["status_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["from"].as_str().unwrap(), h["to"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, vec![("draft", "under_review"), ("under_review", "agreed")]);
    assert_eq!(p["status_history"][1]["by"], "editor");

    // Published, with the statement, the supporting States and the provenance.
    let g = app.get_json("/v1/glossary").await;
    assert_eq!(g["total"], 1);
    let e = &g["entries"][0];
    assert_eq!(e["id"], id.as_str());
    assert_eq!(e["term"], "cyber attack");
    assert_eq!(e["version"], 2);
    assert_eq!(e["supporting_states"], json!(["DE", "FR"]));
    assert_eq!(e["statements"].as_array().unwrap().len(), 1);
    assert_eq!(e["statements"][0]["state"], "FR");
    assert!(e["statements"][0]["statement"].as_str().unwrap().contains("availability"));
    let states: Vec<&str> =
        e["provenance"]["entries"].as_array().unwrap().iter().map(|x| x["state"].as_str().unwrap()).collect();
    assert_eq!(states, vec!["DE", "FR"]);
    assert_eq!(e["provenance"]["entries"][0]["entry_id"], de_entry.as_str());
    assert_eq!(e["provenance"]["cluster_id"], "c-17");
    assert_eq!(e["history"], format!("/v1/proposals/{id}"));

    // The audit trail of this proposal: create, edit, submit, 2 positions, comment, approve.
    let log: Value = app.get_as(&format!("/v1/audit?proposal={id}"), &app.admin).await.json().await.unwrap();
    let actions: Vec<&str> = log["records"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        vec![
            "proposal.create",
            "proposal.edit",
            "proposal.submit",
            "proposal.position",
            "proposal.position",
            "proposal.comment",
            "proposal.approve"
        ]
    );
    let edit = &log["records"][1];
    assert_eq!(edit["actor"], "de-delegate");
    assert_eq!(edit["role"], "delegate");
    assert_eq!(edit["actor_state"], "DE");
    assert_eq!(
        (edit["detail"]["before_version"].as_u64(), edit["detail"]["after_version"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(log["records"][6]["detail"]["after_status"], "agreed");
}

#[tokio::test]
async fn each_illegal_transition_is_a_409_naming_current_and_allowed() {
    let app = spawn_app().await;
    let admin = app.admin.clone();
    let reason = json!({"reason": "for the test"});

    // A draft: approve, reject and positions are not possible.
    let draft = id_of(&app.propose(&admin, &proposal("worm", "Self-replicating malware.")).await);
    for (action, body) in [
        ("approve", None),
        ("reject", Some(&reason)),
        ("positions", Some(&json!({"state": "DE", "position": "support"}))),
    ] {
        let (s, b) = app.act(&draft, action, &admin, body).await;
        assert_eq!(s, StatusCode::CONFLICT, "{action} on a draft: {b}");
        assert_eq!(b["type"], "/problems/illegal-transition");
        assert_eq!(b["current_status"], "draft");
        assert_eq!(b["allowed"], json!(["under_review", "withdrawn"]));
        assert_eq!(b["allowed_actions"], json!(["edit", "submit", "withdraw"]));
        assert!(b["detail"].as_str().unwrap().contains(action.trim_end_matches('s')), "{b}");
    }

    // Under review: submitting again is not possible.
    let (s, _) = app.act(&draft, "submit", &admin, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = app.act(&draft, "submit", &admin, None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(b["current_status"], "under_review");
    assert_eq!(b["allowed"], json!(["agreed", "rejected", "withdrawn"]));

    // Agreed: nothing but supersession; no edit, submit, withdraw, reject, position, approve.
    let agreed = id_of(&app.agree(&proposal("botnet", "A network of compromised machines.")).await);
    let etag = etag_of(&app, &agreed).await;
    let r = app.put_json(&format!("/v1/proposals/{agreed}"), &admin, Some(&etag), &proposal("botnet", "x")).await;
    let b = problem(r, StatusCode::CONFLICT).await;
    assert_eq!(b["current_status"], "agreed");
    assert_eq!(b["allowed"], json!(["superseded"]));
    assert_eq!(b["allowed_actions"], json!([]));
    for (action, body) in [
        ("submit", None),
        ("withdraw", Some(&reason)),
        ("reject", Some(&reason)),
        ("approve", None),
        ("positions", Some(&json!({"state": "DE", "position": "object", "reason": "late"}))),
    ] {
        let (s, b) = app.act(&agreed, action, &admin, body).await;
        assert_eq!(s, StatusCode::CONFLICT, "{action} on agreed: {b}");
        assert_eq!(b["current_status"], "agreed");
        assert_eq!(b["allowed"], json!(["superseded"]));
    }

    // Rejected and withdrawn are final.
    let rejected = id_of(&app.propose(&admin, &proposal("spam", "Unsolicited bulk messages.")).await);
    app.act(&rejected, "submit", &admin, None).await;
    let (s, b) = app.act(&rejected, "reject", &admin, Some(&reason)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["close_reason"], "for the test");
    let withdrawn = id_of(&app.propose(&admin, &proposal("phishing", "Deceptive messages.")).await);
    let (s, _) = app.act(&withdrawn, "withdraw", &admin, Some(&reason)).await;
    assert_eq!(s, StatusCode::OK);
    for (id, status) in [(&rejected, "rejected"), (&withdrawn, "withdrawn")] {
        for (action, body) in [("submit", None), ("withdraw", Some(&reason)), ("approve", None)] {
            let (s, b) = app.act(id, action, &admin, body).await;
            assert_eq!(s, StatusCode::CONFLICT, "{action} on {status}");
            assert_eq!(b["current_status"], status);
            assert_eq!(b["allowed"], json!([]));
        }
        let etag = etag_of(&app, id).await;
        let r = app.put_json(&format!("/v1/proposals/{id}"), &admin, Some(&etag), &proposal("x", "y")).await;
        assert_eq!(problem(r, StatusCode::CONFLICT).await["current_status"], status);
    }
}

#[tokio::test]
async fn a_delegate_acts_only_for_its_own_state() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    // Readers may not propose.
    let r = app.post_json("/v1/proposals", Some(&c.reader), &proposal("a", "b")).await;
    problem(r, StatusCode::FORBIDDEN).await;
    let r = app.post_json("/v1/proposals", None, &proposal("a", "b")).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let id = id_of(&app.propose(&c.de, &proposal("incident", "An event that harms security.")).await);
    // Another State's delegate may neither edit, submit nor withdraw it.
    let etag = etag_of(&app, &id).await;
    let r = app.put_json(&format!("/v1/proposals/{id}"), &c.fr, Some(&etag), &proposal("x", "y")).await;
    problem(r, StatusCode::FORBIDDEN).await;
    assert_eq!(app.act(&id, "submit", &c.fr, None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.act(&id, "withdraw", &c.fr, Some(&json!({"reason": "x"}))).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.act(&id, "submit", &c.de, None).await.0, StatusCode::OK);

    // A delegate records positions for its own State only.
    let (s, b) =
        app.act(&id, "positions", &c.de, Some(&json!({"state": "FR", "position": "object", "reason": "x"}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert!(b["detail"].as_str().unwrap().contains("DE"));
    let (s, _) = app.act(&id, "positions", &c.reader, Some(&json!({"state": "FR", "position": "support"}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.act(&id, "positions", &c.fr, Some(&json!({"state": "fr", "position": "support"}))).await;
    assert_eq!(s, StatusCode::CREATED);

    // An editor records one on behalf of a named State, attributed to the editor.
    let (s, p) = app.act(&id, "positions", &c.editor, Some(&json!({"state": "IT", "position": "abstain"}))).await;
    assert_eq!(s, StatusCode::CREATED);
    let it = p["positions"]["current"].as_array().unwrap().iter().find(|x| x["state"] == "IT").unwrap().clone();
    assert_eq!(it["recorded_by"], "editor");
    assert_eq!(it["recorded_by_role"], "editor");
    assert_eq!(it["on_behalf"], true);
    let fr = p["positions"]["current"].as_array().unwrap().iter().find(|x| x["state"] == "FR").unwrap().clone();
    assert_eq!(fr["on_behalf"], false);

    // Unknown States and bad positions are 422s naming the field.
    let (s, b) = app.act(&id, "positions", &c.editor, Some(&json!({"state": "QQ", "position": "support"}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["errors"][0]["field"], "state");
    let (s, b) = app.act(&id, "positions", &c.editor, Some(&json!({"state": "DE", "position": "veto"}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["errors"][0]["field"], "position");
    // Only editors and admins reject.
    assert_eq!(app.act(&id, "reject", &c.de, Some(&json!({"reason": "x"}))).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_objection_blocks_approval_until_the_state_changes_its_position() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = id_of(&app.propose(&c.editor, &proposal("critical infrastructure", "Assets essential to society.")).await);
    // The silence period passes: only the objection can block.
    let (s, p) = app.act(&id, "submit", &c.editor, None).await;
    assert_eq!(s, StatusCode::OK);
    app.pass_silence(&p);

    // An objection needs a reason.
    let (s, b) = app.act(&id, "positions", &c.ru, Some(&json!({"state": "RU", "position": "object"}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["errors"][0]["field"], "reason");
    let (s, _) = app
        .act(
            &id,
            "positions",
            &c.ru,
            Some(&json!({"state": "RU", "position": "object", "reason": "The list of sectors is a national matter."})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    app.act(&id, "positions", &c.de, Some(&json!({"state": "DE", "position": "support"}))).await;

    let (s, b) = app.act(&id, "approve", &c.editor, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["type"], "/problems/no-consensus");
    assert_eq!(b["silence_over"], true);
    assert_eq!(b["objections"], json!([{"state": "RU", "reason": "The list of sectors is a national matter."}]));
    assert!(b["detail"].as_str().unwrap().contains("RU objects"));

    // Russia joins consensus with an interpretative statement.
    let (s, p) = app
        .act(
            &id,
            "positions",
            &c.ru,
            Some(&json!({"state": "RU", "position": "abstain",
                "statement": "The Russian Federation understands the list of sectors as indicative."})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // The later position replaces the earlier one; both stay in the history.
    let ru_current: Vec<&Value> =
        p["positions"]["current"].as_array().unwrap().iter().filter(|x| x["state"] == "RU").collect();
    assert_eq!(ru_current.len(), 1);
    assert_eq!(ru_current[0]["position"], "abstain");
    let ru_history: Vec<&str> = p["positions"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["state"] == "RU")
        .map(|x| x["position"].as_str().unwrap())
        .collect();
    assert_eq!(ru_history, vec!["object", "abstain"]);

    let (s, p) = app.act(&id, "approve", &c.editor, None).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let e = &app.get_json("/v1/glossary").await["entries"][0];
    assert_eq!(e["supporting_states"], json!(["DE"]));
    assert_eq!(e["abstaining_states"], json!(["RU"]));
    assert_eq!(e["statements"][0]["state"], "RU");
    assert!(e["statements"][0]["statement"].as_str().unwrap().contains("indicative"));
}

#[tokio::test]
async fn a_new_version_during_review_restarts_the_silence_and_resets_positions() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = id_of(&app.propose(&c.de, &proposal("vulnerability", "A weakness that can be exploited.")).await);
    let (s, p) = app.act(&id, "submit", &c.de, None).await;
    assert_eq!(s, StatusCode::OK);
    // The first silence period has passed when the new version comes.
    app.pass_silence(&p);
    app.act(&id, "positions", &c.fr, Some(&json!({"state": "FR", "position": "support"}))).await;

    let etag = etag_of(&app, &id).await;
    let r = app
        .put_json(
            &format!("/v1/proposals/{id}"),
            &c.editor,
            Some(&etag),
            &proposal("vulnerability", "A weakness of a system that an attacker can exploit."),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["status"], "under_review");
    assert_eq!(p["positions"]["current"], json!([]));
    assert_eq!(p["positions"]["history"].as_array().unwrap().len(), 1);
    assert_eq!(p["silence_over"], false);
    let restart = p["status_history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(restart["kind"], "review_restarted");
    assert_eq!(restart["version"], 2);
    assert_eq!(restart["positions_reset"], json!(["FR"]));
    assert_eq!(restart["silence_until"], p["silence_until"]);

    // The old deadline no longer counts; the new one does.
    let (s, b) = app.act(&id, "approve", &c.editor, None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(b["silence_over"], false);
    app.clock.advance(time::Duration::days(14) + time::Duration::minutes(1));
    let (s, b) = app.act(&id, "approve", &c.editor, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["version"], 2);
}

#[tokio::test]
async fn an_admin_may_shorten_the_silence_period_and_the_audit_says_so() {
    let app = spawn_app().await;
    let id = id_of(&app.propose(&app.admin, &proposal("firewall", "A filter of network traffic.")).await);
    let until = rfc3339(app.clock.now() + time::Duration::days(3));
    let (s, p) = app.act(&id, "submit", &app.admin, Some(&json!({"silence_until": until}))).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["silence_until"], until.as_str());
    let submit = audit_of(&app, &id).await.last().unwrap().clone();
    assert_eq!(submit["action"], "proposal.submit");
    assert_eq!(submit["detail"]["silence_until"], until.as_str());
    assert_eq!(submit["detail"]["shortened_silence"], true, "{submit}");
    assert_eq!(submit["detail"]["minimum_silence_days"], 14);
    let minimum = submit["detail"]["minimum_silence_until"].as_str().expect("the minimum it was shortened from");
    assert!(minimum > until.as_str(), "{minimum} is after {until}");

    // The shortened period still has to pass.
    let (s, b) = app.act(&id, "approve", &app.admin, None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(b["type"], "/problems/no-consensus");
    app.clock.advance(time::Duration::days(2));
    assert_eq!(app.act(&id, "approve", &app.admin, None).await.0, StatusCode::CONFLICT);
    app.clock.advance(time::Duration::days(1) + time::Duration::seconds(5));
    assert_eq!(app.act(&id, "approve", &app.admin, None).await.0, StatusCode::OK);

    // The default period is not a shortened one.
    let id = id_of(&app.propose(&app.admin, &proposal("router", "A device that forwards packets.")).await);
    assert_eq!(app.act(&id, "submit", &app.admin, None).await.0, StatusCode::OK);
    let submit = audit_of(&app, &id).await.last().unwrap().clone();
    assert_eq!(submit["detail"]["shortened_silence"], false, "{submit}");
    assert!(submit["detail"].get("minimum_silence_until").is_none(), "{submit}");

    // Not even an admin may end it in the past.
    let id = id_of(&app.propose(&app.admin, &proposal("switch", "A device that joins network segments.")).await);
    let (s, b) = app.act(&id, "submit", &app.admin, Some(&json!({"silence_until": "2020-01-01"}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["errors"][0]["field"], "silence_until");
    assert_eq!(app.proposal(&id).await["status"], "draft");

    // A deadline that cannot be read is a 400 naming the parameter.
    let id = id_of(&app.propose(&app.admin, &proposal("firewall 2", "x")).await);
    let (s, b) = app.act(&id, "submit", &app.admin, Some(&json!({"silence_until": "next week"}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["param"], "silence_until");
}

#[tokio::test]
async fn a_stale_or_missing_if_match_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin.clone();
    let id = id_of(&app.propose(&admin, &proposal("malware", "Malicious software.")).await);
    let path = format!("/v1/proposals/{id}");
    let v1 = etag_of(&app, &id).await;
    assert_eq!(v1, format!("\"{id}.1\""));
    let r = app.put_json(&path, &admin, Some(&v1), &proposal("malware", "Software written to harm.")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let before = app.audit_total().await;

    // Stale: 412. Missing: 428. `*`: 428. Weak or garbage: 412.
    let r = app.put_json(&path, &admin, Some(&v1), &proposal("malware", "Lost update.")).await;
    let b = problem(r, StatusCode::PRECONDITION_FAILED).await;
    assert!(b["detail"].as_str().unwrap().contains("version 2"), "{b}");
    problem(
        app.put_json(&path, &admin, None, &proposal("malware", "No precondition.")).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    problem(
        app.put_json(&path, &admin, Some("*"), &proposal("malware", "Any.")).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    let v2 = etag_of(&app, &id).await;
    let weak = format!("W/{v2}");
    problem(
        app.put_json(&path, &admin, Some(&weak), &proposal("malware", "Weak.")).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    problem(
        app.put_json(&path, &admin, Some("\"x\""), &proposal("malware", "Garbage.")).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;

    let p = app.proposal(&id).await;
    assert_eq!(p["version"], 2);
    assert_eq!(p["current"]["definition"], "Software written to harm.");
    assert_eq!(app.audit_total().await, before, "refused edits leave no audit record");

    // A list of ETags matches when one of them is current.
    let list = format!("{v1}, {v2}");
    let r = app.put_json(&path, &admin, Some(&list), &proposal("malware", "Software designed to cause harm.")).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Comments and positions do not make an edit stale: the ETag follows the text.
    let v3 = etag_of(&app, &id).await;
    app.act(&id, "comments", &admin, Some(&json!({"text": "ok"}))).await;
    assert_eq!(etag_of(&app, &id).await, v3);
}

#[tokio::test]
async fn of_eight_concurrent_edits_of_one_version_exactly_one_wins() {
    let app = spawn_app().await;
    let admin = app.admin.clone();
    let id = id_of(&app.propose(&admin, &proposal("denial of service", "Making a service unavailable.")).await);
    let etag = etag_of(&app, &id).await;
    let before = app.audit_total().await;
    let path = format!("/v1/proposals/{id}");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (client, url, admin, etag) = (app.client.clone(), app.url(&path), admin.clone(), etag.clone());
        tasks.push(tokio::spawn(async move {
            let body = proposal("denial of service", &format!("Edit number {i} of the definition."));
            client.put(url).bearer_auth(admin).header("if-match", etag).json(&body).send().await.unwrap().status()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let stale = statuses.iter().filter(|s| **s == StatusCode::PRECONDITION_FAILED).count();
    assert_eq!((ok, stale), (1, 7), "{statuses:?}");
    let p = app.proposal(&id).await;
    assert_eq!(p["version"], 2);
    assert_eq!(p["versions"].as_array().unwrap().len(), 2);
    assert_eq!(app.audit_total().await, before + 1);
}

#[tokio::test]
async fn proposals_are_validated_like_national_lists() {
    let app = spawn_app().await;
    let admin = app.admin.clone();
    let list = app.submit("DE", &english_list(2020, &["a"])).await;
    let good_entry = format!("{}-1", id_of(&list));

    let r = app
        .post_json(
            "/v1/proposals",
            Some(&admin),
            &json!({"term": "", "definition": "bad \u{7}", "language": "de",
                "translations": {"sv": {"term": "x", "definition": "y"}, "fr": {"term": "x"}},
                "entry_ids": ["nonsense"], "supersedes": "abc"}),
        )
        .await;
    let b = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = b["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in
        ["language", "term", "definition", "translations.sv", "translations.fr.definition", "entry_ids", "supersedes"]
    {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }

    // Entry ids must exist; the missing one is named.
    let mut body = proposal("a", "b");
    body["entry_ids"] = json!([good_entry, "999-1"]);
    let b = problem(app.post_json("/v1/proposals", Some(&admin), &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(b["errors"].as_array().unwrap().len(), 1);
    assert_eq!(b["errors"][0]["field"], "entry_ids");
    assert!(b["errors"][0]["reason"].as_str().unwrap().contains("999-1"));
    // So must the proposal to supersede.
    let mut body = proposal("a", "b");
    body["supersedes"] = json!("42");
    problem(app.post_json("/v1/proposals", Some(&admin), &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    // Unknown fields are named.
    let b = problem(
        app.post_json("/v1/proposals", Some(&admin), &json!({"term": "a", "definition": "b", "entries": []})).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(b["detail"].as_str().unwrap().contains("entries"), "{b}");
    // Reject and withdraw need a reason.
    let id = id_of(&app.propose(&admin, &proposal("a", "b")).await);
    let (s, b) = app.act(&id, "withdraw", &admin, None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["errors"][0]["field"], "reason");
    // Unknown proposals are 404.
    assert_eq!(app.get("/v1/proposals/999").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/v1/proposals/abc").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.act("999", "submit", &admin, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get_json("/v1/proposals").await["total"], 1);
}

#[tokio::test]
async fn proposals_are_listed_by_status_with_a_total() {
    let app = spawn_app().await;
    let admin = app.admin.clone();
    for i in 0..3 {
        app.propose(&admin, &proposal(&format!("draft {i}"), "d")).await;
    }
    app.agree(&proposal("agreed one", "d")).await;
    let all = app.get_json("/v1/proposals?limit=2").await;
    assert_eq!(all["total"], 4);
    assert_eq!(all["proposals"].as_array().unwrap().len(), 2);
    let drafts = app.get_json("/v1/proposals?status=draft&offset=1").await;
    assert_eq!(drafts["total"], 3);
    assert_eq!(drafts["proposals"].as_array().unwrap().len(), 2);
    let agreed = app.get_json("/v1/proposals?status=agreed").await;
    assert_eq!(agreed["total"], 1);
    assert_eq!(agreed["proposals"][0]["term"], "agreed one");
    let b = problem(app.get("/v1/proposals?status=approved").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(b["param"], "status");
}

#[tokio::test]
async fn every_mutating_call_leaves_exactly_one_audit_record_and_refused_ones_none() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let admin = app.admin.clone();

    // (description, request) → expected status; the audit log grows by one on success only.
    let mut n = app.audit_total().await;
    macro_rules! step {
        ($what:expr, $status:expr, $call:expr) => {{
            let (s, body) = $call;
            assert_eq!(s, $status, "{}: {}", $what, body);
            let now = app.audit_total().await;
            let want = if s.is_success() { n + 1 } else { n };
            assert_eq!(now, want, "audit records after {}", $what);
            n = now;
            body
        }};
    }
    async fn send(r: reqwest::Response) -> (StatusCode, Value) {
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    let p = step!(
        "create",
        StatusCode::CREATED,
        send(app.post_json("/v1/proposals", Some(&c.de), &proposal("spoofing", "Faking an identity.")).await).await
    );
    let id = id_of(&p);
    step!(
        "create as reader",
        StatusCode::FORBIDDEN,
        send(app.post_json("/v1/proposals", Some(&c.reader), &proposal("x", "y")).await).await
    );
    step!(
        "create invalid",
        StatusCode::UNPROCESSABLE_ENTITY,
        send(app.post_json("/v1/proposals", Some(&c.de), &proposal("", "y")).await).await
    );
    let path = format!("/v1/proposals/{id}");
    let etag = etag_of(&app, &id).await;
    step!(
        "edit",
        StatusCode::OK,
        send(app.put_json(&path, &c.de, Some(&etag), &proposal("spoofing", "Faking an identity to deceive.")).await)
            .await
    );
    step!(
        "stale edit",
        StatusCode::PRECONDITION_FAILED,
        send(app.put_json(&path, &c.de, Some(&etag), &proposal("spoofing", "z")).await).await
    );
    step!(
        "edit without If-Match",
        StatusCode::PRECONDITION_REQUIRED,
        send(app.put_json(&path, &c.de, None, &proposal("spoofing", "z")).await).await
    );
    step!("approve a draft", StatusCode::CONFLICT, app.act(&id, "approve", &c.editor, None).await);
    step!(
        "comment",
        StatusCode::CREATED,
        app.act(&id, "comments", &c.reader, Some(&json!({"text": "Looks good."}))).await
    );
    step!(
        "empty comment",
        StatusCode::UNPROCESSABLE_ENTITY,
        app.act(&id, "comments", &c.reader, Some(&json!({"text": " "}))).await
    );
    step!(
        "submit with a silence period in the past",
        StatusCode::UNPROCESSABLE_ENTITY,
        app.act(&id, "submit", &c.de, Some(&json!({"silence_until": "2000-01-01"}))).await
    );
    let submitted = step!("submit", StatusCode::OK, app.act(&id, "submit", &c.de, None).await);
    step!("submit twice", StatusCode::CONFLICT, app.act(&id, "submit", &c.de, None).await);
    step!(
        "position for another State",
        StatusCode::FORBIDDEN,
        app.act(&id, "positions", &c.fr, Some(&json!({"state": "DE", "position": "support"}))).await
    );
    step!(
        "objection",
        StatusCode::CREATED,
        app.act(&id, "positions", &c.fr, Some(&json!({"state": "FR", "position": "object", "reason": "Too narrow."})))
            .await
    );
    step!("blocked approval", StatusCode::CONFLICT, app.act(&id, "approve", &c.editor, None).await);
    step!(
        "support",
        StatusCode::CREATED,
        app.act(&id, "positions", &c.fr, Some(&json!({"state": "FR", "position": "support"}))).await
    );
    step!("approve as delegate", StatusCode::FORBIDDEN, app.act(&id, "approve", &c.de, None).await);
    step!("approve during the silence period", StatusCode::CONFLICT, app.act(&id, "approve", &c.editor, None).await);
    app.pass_silence(&submitted);
    let agreed = step!("approve", StatusCode::OK, app.act(&id, "approve", &c.editor, None).await);
    assert_eq!(agreed["status"], "agreed");
    step!(
        "withdraw agreed",
        StatusCode::CONFLICT,
        app.act(&id, "withdraw", &admin, Some(&json!({"reason": "x"}))).await
    );

    let other = step!(
        "create another",
        StatusCode::CREATED,
        send(app.post_json("/v1/proposals", Some(&admin), &proposal("tampering", "Altering data.")).await).await
    );
    let other = id_of(&other);
    step!("withdraw without reason", StatusCode::UNPROCESSABLE_ENTITY, app.act(&other, "withdraw", &admin, None).await);
    step!(
        "withdraw",
        StatusCode::OK,
        app.act(&other, "withdraw", &admin, Some(&json!({"reason": "Duplicate of another proposal."}))).await
    );

    assert_eq!(app.audit_total().await, n);

    // Each record names who, role, when, what and the versions.
    let log: Value = app.get_as(&format!("/v1/audit?proposal={id}&limit=200"), &admin).await.json().await.unwrap();
    assert_eq!(log["total"], 7);
    for r in log["records"].as_array().unwrap() {
        assert_eq!(r["target"], format!("proposals/{id}"));
        for field in ["actor", "role", "at", "action"] {
            assert!(r[field].is_string(), "{field} in {r}");
        }
        assert!(r["detail"].get("before_version").is_some() && r["detail"]["after_version"].is_u64(), "{r}");
    }
    let by_actor: Value = app.get_as("/v1/audit?actor=fr-delegate&action=proposal", &admin).await.json().await.unwrap();
    assert_eq!(by_actor["total"], 2);
    assert_eq!(app.get_as("/v1/audit?proposal=abc", &admin).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get_as(&format!("/v1/audit?proposal={id}&target=x"), &admin).await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_submitter_cannot_shorten_the_silence_period() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = id_of(&app.propose(&c.de, &proposal("ransomware", "Malware that encrypts data for a ransom.")).await);
    let before = app.audit_total().await;
    let soon = rfc3339(app.clock.now() + time::Duration::days(13));
    for (who, token) in [("delegate", &c.de), ("editor", &c.editor)] {
        for until in ["2020-01-01", "2020-01-01T00:00:00Z", soon.as_str()] {
            let (s, b) = app.act(&id, "submit", token, Some(&json!({"silence_until": until}))).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{who} with {until}: {b}");
            assert_eq!(b["type"], "/problems/invalid-request");
            assert_eq!(b["errors"].as_array().unwrap().len(), 1, "{b}");
            assert_eq!(b["errors"][0]["field"], "silence_until");
            let reason = b["errors"][0]["reason"].as_str().unwrap();
            if until == soon {
                assert!(reason.contains("14 days"), "{reason}");
            }
        }
    }
    assert_eq!(app.audit_total().await, before, "refused submissions leave no audit record");
    assert_eq!(app.proposal(&id).await["status"], "draft");

    // A period longer than the minimum is the submitter's to choose, and the
    // proposal cannot be approved before it ends.
    let later = rfc3339(app.clock.now() + time::Duration::days(20));
    let (s, p) = app.act(&id, "submit", &c.de, Some(&json!({"silence_until": later}))).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["silence_until"], later.as_str());
    app.clock.advance(time::Duration::days(15));
    let (s, b) = app.act(&id, "approve", &c.editor, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["silence_over"], false);
    app.pass_silence(&p);
    let (s, b) = app.act(&id, "approve", &c.editor, None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

#[tokio::test]
async fn the_minimum_silence_period_is_the_configured_one() {
    let app = spawn_app_with(|config| config.silence_days = 3).await;
    let de = app.token("de-delegate", "delegate", Some("DE")).await;
    let id = id_of(&app.propose(&de, &proposal("ransomware", "Malware that encrypts data for a ransom.")).await);
    let (s, b) = app
        .act(&id, "submit", &de, Some(&json!({"silence_until": rfc3339(app.clock.now() + time::Duration::days(2))})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["errors"][0]["reason"].as_str().unwrap().contains("3 days"), "{b}");
    let until = rfc3339(app.clock.now() + time::Duration::days(4));
    let (s, p) = app.act(&id, "submit", &de, Some(&json!({"silence_until": until}))).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["silence_until"], until.as_str());
}

/// The entry ids of a proposal's provenance, sorted.
fn provenance(p: &Value) -> Vec<String> {
    let mut ids: Vec<String> =
        p["provenance"].as_array().unwrap().iter().map(|e| e["entry_id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn an_edit_keeps_what_the_proposal_reconciles_unless_it_names_other_entries() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let de = id_of(&app.submit("DE", &english_list(2020, &["cyber attack", "malware"])).await);
    let fr = id_of(&app.submit("FR", &english_list(2020, &["cyber attack"])).await);
    let us = id_of(&app.submit("US", &english_list(2020, &["cyber attack"])).await);
    let (de_attack, de_malware, fr_attack, us_attack) =
        (format!("{de}-1"), format!("{de}-2"), format!("{fr}-1"), format!("{us}-1"));
    let r = app.post_empty("/v1/clusters/rebuild", &c.editor).await;
    assert_eq!(r.status(), StatusCode::OK);
    let clusters = app.get_json("/v1/clusters?min_states=2&limit=200").await;
    let member_ids = |c: &Value| -> Vec<String> {
        let mut ids: Vec<String> =
            c["members"].as_array().unwrap().iter().map(|m| m["entry_id"].as_str().unwrap().to_owned()).collect();
        ids.sort();
        ids
    };
    let cluster = clusters["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| member_ids(c).contains(&de_attack))
        .expect("the cyber attack cluster")
        .clone();
    let cluster_id = cluster["id"].as_str().unwrap().to_owned();
    let mut members = vec![de_attack.clone(), fr_attack.clone(), us_attack.clone()];
    members.sort();
    assert_eq!(member_ids(&cluster), members);

    // Made from the cluster, it reconciles the cluster's entries.
    let mut body = proposal("cyber attack", "A deliberate attempt to harm information systems.");
    body["cluster_id"] = json!(cluster_id);
    let p = app.propose(&c.de, &body).await;
    let id = id_of(&p);
    let path = format!("/v1/proposals/{id}");
    assert_eq!(provenance(&p), members);

    // Editing the definition alone keeps the entries, the cluster and so the provenance.
    let definition = "A deliberate attempt to harm networked information systems.";
    let r = app.put_json(&path, &c.de, Some(&etag_of(&app, &id).await), &proposal("cyber attack", definition)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["version"], 2);
    assert_eq!(p["current"]["entry_ids"], p["versions"][0]["text"]["entry_ids"]);
    assert_eq!(p["current"]["cluster_id"], cluster_id.as_str());
    assert_eq!(provenance(&p), members);
    let diff = &p["diffs"][0];
    assert!(diff["definition"].as_array().unwrap().contains(&json!({"op": "insert", "text": "networked"})), "{diff}");
    assert_eq!((&diff["entry_ids_added"], &diff["entry_ids_removed"]), (&json!([]), &json!([])));

    // Naming other entries: the diff of the version names those added and removed.
    let mut body = proposal("cyber attack", definition);
    body["entry_ids"] = json!([de_attack, us_attack, de_malware]);
    let r = app.put_json(&path, &c.de, Some(&etag_of(&app, &id).await), &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    let p: Value = r.json().await.unwrap();
    let diff = &p["diffs"][1];
    assert_eq!((diff["from_version"].as_u64(), diff["to_version"].as_u64()), (Some(2), Some(3)));
    assert_eq!(diff["entry_ids_added"], json!([de_malware]));
    assert_eq!(diff["entry_ids_removed"], json!([fr_attack]));
    assert_eq!(diff["definition"], json!([{"op": "equal", "text": definition}]), "the text did not change");
    assert_eq!(p["current"]["cluster_id"], cluster_id.as_str(), "the cluster it was drafted from is kept");
    let mut now = vec![de_attack.clone(), de_malware.clone(), us_attack.clone()];
    now.sort();
    assert_eq!(provenance(&p), now);
    // So does the audit record of the edit.
    let edit = audit_of(&app, &id).await.last().unwrap().clone();
    assert_eq!(edit["action"], "proposal.edit");
    assert_eq!(edit["detail"]["entry_ids_added"], json!([de_malware]), "{edit}");
    assert_eq!(edit["detail"]["entry_ids_removed"], json!([fr_attack]), "{edit}");

    // An explicit empty list clears them.
    body["entry_ids"] = json!([]);
    let r = app.put_json(&path, &c.de, Some(&etag_of(&app, &id).await), &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["current"]["entry_ids"], json!([]));
    assert_eq!(p["provenance"], json!([]));
    assert_eq!(p["diffs"][2]["entry_ids_removed"], json!([de_attack, us_attack, de_malware]));
}

#[tokio::test]
async fn an_unknown_cluster_is_an_invalid_request_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.admin.clone();
    let mut body = proposal("botnet", "A network of compromised machines.");
    body["cluster_id"] = json!("c999-999");
    let before = app.audit_total().await;
    let b = problem(app.post_json("/v1/proposals", Some(&admin), &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(b["type"], "/problems/invalid-request");
    assert_eq!(b["title"], "The request was refused");
    assert_eq!(b["errors"].as_array().unwrap().len(), 1, "{b}");
    assert_eq!(b["errors"][0]["field"], "cluster_id");
    assert_eq!(b["errors"][0]["row"], Value::Null);
    assert!(b["errors"][0]["reason"].as_str().unwrap().contains("c999-999"), "{b}");
    assert_eq!(app.audit_total().await, before, "a refused proposal leaves no audit record");

    // The same answer when an edit names it to take its entries.
    let id = id_of(&app.propose(&admin, &proposal("botnet", "A network of compromised machines.")).await);
    let n = app.audit_total().await;
    let r = app.put_json(&format!("/v1/proposals/{id}"), &admin, Some(&etag_of(&app, &id).await), &body).await;
    let b = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(b["type"], "/problems/invalid-request");
    assert_eq!(b["errors"][0]["field"], "cluster_id");
    assert_eq!(app.proposal(&id).await["version"], 1);
    assert_eq!(app.audit_total().await, n);
}
