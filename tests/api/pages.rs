//! The web pages over plain HTTP (what a browser is sent): security headers
//! and no inline code, CSRF tokens that must match, sessions stored hashed,
//! cached assets, the interface language. The flows in a real browser are in
//! `browser.rs`.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, SET_COOKIE};

use crate::helpers::{TestApp, data_dir, spawn_app, spawn_app_with};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// The value of `name="csrf" value="…"` in a page.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().expect("value").to_owned()
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_owned()))
}

/// Signs in through the login form; the session cookie's value.
pub(crate) async fn sign_in(app: &TestApp, token: &str) -> String {
    let c = no_redirects();
    let r = c.get(app.url("/login")).send().await.expect("GET /login");
    let login_cookie = cookie(r.headers(), "cg_login").expect("the login form's cookie");
    let csrf = csrf_of(&r.text().await.expect("html"));
    let r = c
        .post(app.url("/login"))
        .header("cookie", format!("cg_login={login_cookie}"))
        .form(&[("csrf", csrf.as_str()), ("token", token), ("next", "/")])
        .send()
        .await
        .expect("POST /login");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set = r.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap_or("").to_owned()).collect::<Vec<_>>();
    let session = set.iter().find(|c| c.starts_with("cg_session=")).expect("a session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"), "{session}");
    cookie(r.headers(), "cg_session").expect("session")
}

#[tokio::test]
async fn pages_carry_a_strict_policy_and_no_inline_script_or_style() {
    let app = spawn_app_with(|c| c.samples = Some(data_dir())).await;
    for path in ["/", "/search?q=malware", "/entries/5-1", "/compare?term=malware", "/glossary", "/coverage", "/login"]
    {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let csp = r.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(r.headers()["x-frame-options"], "DENY");
        let html = r.text().await.expect("html");
        assert!(!html.contains("<script"), "{path}: no script at all");
        assert!(!html.contains("<style") && !html.contains(" style="), "{path}: no inline style");
    }
}

#[tokio::test]
async fn text_from_a_list_is_escaped_in_every_page() {
    let app = spawn_app().await;
    let evil = "<script>alert(1)</script>";
    let list = serde_json::json!({"year": 2024, "language": "en", "entries": [
        {"term": "x<b>markup</b>", "definition": format!("A definition with {evil} in it.")}]});
    let receipt = app.submit("DE", &list).await;
    let id = format!("{}-1", receipt["id"].as_str().expect("id"));
    for path in [format!("/entries/{id}"), "/search?q=definition".to_owned()] {
        let html = app.get(&path).await.text().await.expect("html");
        assert!(!html.contains(evil) && !html.contains("<b>markup"), "{path}");
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"), "{path}: shown as text");
    }
}

#[tokio::test]
async fn a_form_without_its_csrf_token_writes_nothing() {
    let app = spawn_app().await;
    let session = sign_in(&app, &app.admin).await;
    let c = no_redirects();
    let post = |csrf: &str| {
        c.post(app.url("/proposals"))
            .header("cookie", format!("cg_session={session}"))
            .form(&[("csrf", csrf), ("term", "botnet"), ("definition", "A network of hijacked computers.")])
            .send()
    };
    let r = post("not-the-token").await.expect("POST");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get_json("/v1/proposals").await["total"], 0);
    // With the session's token (from any page it renders) the draft is made.
    let page = c.get(app.url("/proposals/new")).header("cookie", format!("cg_session={session}")).send().await;
    let csrf = csrf_of(&page.expect("GET").text().await.expect("html"));
    let r = post(&csrf).await.expect("POST");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/proposals/1");
    assert_eq!(app.get_json("/v1/proposals").await["total"], 1);
}

#[tokio::test]
async fn sessions_are_stored_hashed_and_end_at_logout() {
    let app = spawn_app().await;
    let session = sign_in(&app, &app.admin).await;
    let mut files = vec![app.dir.path().join("store")];
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).expect("dir").map(|e| e.expect("entry").path()));
        } else {
            let bytes = std::fs::read(&p).expect("file");
            assert!(!bytes.windows(session.len()).any(|w| w == session.as_bytes()), "{} holds the secret", p.display());
        }
    }
    let c = no_redirects();
    let home = c.get(app.url("/")).header("cookie", format!("cg_session={session}")).send().await.expect("GET");
    let html = home.text().await.expect("html");
    assert!(html.contains("Signed in as"));
    let r = c
        .post(app.url("/logout"))
        .header("cookie", format!("cg_session={session}"))
        .form(&[("csrf", csrf_of(&html))])
        .send()
        .await
        .expect("POST /logout");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let home = c.get(app.url("/")).header("cookie", format!("cg_session={session}")).send().await.expect("GET");
    assert!(!home.text().await.expect("html").contains("Signed in as"), "the session is gone");
}

#[tokio::test]
async fn assets_have_hashed_names_an_etag_and_a_long_cache() {
    let app = spawn_app().await;
    let html = app.get("/help").await.text().await.expect("html");
    let at = html.find("/static/site.").expect("the stylesheet");
    let href = html[at..].split('"').next().expect("href").to_owned();
    let r = app.get(&href).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(r.headers()["content-type"].to_str().expect("ascii").starts_with("text/css"));
    let etag = r.headers()["etag"].to_str().expect("ascii").to_owned();
    let again = app.client.get(app.url(&href)).header("if-none-match", &etag).send().await.expect("GET");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(app.get("/static/site.000000000000.css").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_interface_speaks_the_chosen_language() {
    let app = spawn_app().await;
    let ru = app.client.get(app.url("/help")).header("accept-language", "ru-RU,ru;q=0.9").send().await.expect("GET");
    let html = ru.text().await.expect("html");
    assert!(html.contains("<html lang=\"ru\">") && html.contains("Справка"));
    let c = no_redirects();
    let r = c.get(app.url("/ui-language?set=en&back=%2Fhelp")).send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/help");
    assert_eq!(cookie(r.headers(), "cg_ui").as_deref(), Some("en"));
    let r = c.get(app.url("/ui-language?set=ru&back=https%3A%2F%2Felsewhere.example")).send().await.expect("GET");
    assert_eq!(r.headers()["location"], "/", "never sent to another site");
}
