use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn the_57_osce_participating_states_are_seeded() {
    let app = spawn_app().await;
    let body = app.get_json("/v1/states").await;
    assert_eq!(body["total"], 57);
    let states = body["states"].as_array().unwrap();
    let de = states.iter().find(|s| s["code"] == "DE").unwrap();
    assert_eq!(de["name"], "Germany");
    assert_eq!(de["forum"], "OSCE");
    assert!(states.iter().any(|s| s["code"] == "RU"));
    assert!(states.iter().all(|s| s["forum"] == "OSCE"));
}

#[tokio::test]
async fn an_admin_adds_a_party_of_another_forum_once() {
    let app = spawn_app().await;
    let body = json!({"code": "arf-sg", "name": "Singapore (ARF)", "forum": "ARF"});
    let r = app.post_json("/v1/states", Some(&app.admin), &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(created["code"], "ARF-SG");
    assert_eq!(app.get_json("/v1/states").await["total"], 58);

    let again = app.post_json("/v1/states", Some(&app.admin), &body).await;
    problem(again, StatusCode::CONFLICT).await;

    // The new party can submit at once.
    let receipt = app.submit("ARF-SG", &crate::helpers::english_list(2020, &["cyber attack"])).await;
    assert_eq!(receipt["state"], "ARF-SG");
}

#[tokio::test]
async fn bad_party_codes_and_names_are_400_naming_the_field() {
    let app = spawn_app().await;
    for (body, param) in [
        (json!({"code": "X", "name": "too short"}), "code"),
        (json!({"code": "A_B", "name": "underscore"}), "code"),
        (json!({"code": "ABCDEFGHIJKLM", "name": "too long"}), "code"),
        (json!({"code": "OK1", "name": "  "}), "name"),
        (json!({"code": "OK2", "name": 5}), "name"),
    ] {
        let r = app.post_json("/v1/states", Some(&app.admin), &body).await;
        let p = problem(r, StatusCode::BAD_REQUEST).await;
        assert_eq!(p["param"], param, "{body}: {p}");
    }
    assert_eq!(app.get_json("/v1/states").await["total"], 57);
}
