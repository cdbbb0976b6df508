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

#[tokio::test]
async fn an_unknown_address_is_the_not_found_page_and_an_unknown_api_address_a_problem() {
    let app = spawn_app().await;
    for path in ["/no-such-page", "/entries", "/static", "/v1x", "/openapi.json.bak"] {
        let r = app.client.get(app.url(path)).header("accept-language", "ru").send().await.expect("GET");
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8", "{path}");
        let csp = r.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: the pages' headers: {csp}");
        let html = r.text().await.expect("html");
        assert!(html.contains("<html lang=\"ru\">"), "{path}: in the visitor's language");
        assert!(html.contains("<h1>Не найдено</h1>"), "{path}: {html}");
        assert!(html.contains(path), "{path}: the page names the address");
    }
    // The English page, with a way home.
    let html = app.get("/nothing/here?x=<b>").await.text().await.expect("html");
    assert!(html.contains("<h1>Not found</h1>") && html.contains("href=\"/\""), "{html}");
    // Under the API the answer stays a problem, whatever the client accepts.
    for path in ["/v1", "/v1/nothing-here", "/v1/states/DE/nothing", "/openapi.json/x", "/healthz/x"] {
        let r = app.client.get(app.url(path)).header("accept", "text/html").send().await.expect("GET");
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{path}");
        let p: serde_json::Value = r.json().await.expect("problem");
        assert_eq!(p["status"], 404, "{path}");
    }
}

/// The facet links of a search page's sidebar: (facet, label, count, href).
fn facet_links(html: &str) -> Vec<(String, String, u64, String)> {
    let mut out = Vec::new();
    for block in html.split("<ul class=\"facet\" aria-labelledby=\"facet-").skip(1) {
        let facet = block.split('"').next().expect("facet name").to_owned();
        let list = block.split("</ul>").next().expect("list");
        for item in list.split("<a href=\"").skip(1) {
            let href = unescape(item.split('"').next().expect("href"));
            let inner = item.split_once('>').map(|(_, t)| t).unwrap_or_default();
            let text = strip_tags(inner.split("<span class=\"count\">").next().unwrap_or_default());
            let count = item.split("<span class=\"count\">(").nth(1).and_then(|t| t.split(')').next());
            let count = count.and_then(|c| c.parse().ok()).expect("a count");
            out.push((facet.clone(), unescape(text.trim()), count, href));
        }
    }
    out
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&#38;", "&").replace("&amp;", "&").replace("&#34;", "\"").replace("&#39;", "'")
}

/// The number in a search page's "N entries found".
fn total_of(html: &str) -> u64 {
    let at = html.find("id=\"results-h\">").expect("the results heading") + "id=\"results-h\">".len();
    html[at..].split_whitespace().next().and_then(|n| n.parse().ok()).expect("a total")
}

#[tokio::test]
async fn search_facets_count_state_language_year_and_domain_and_each_link_narrows_to_its_count() {
    let app = spawn_app_with(|c| c.samples = Some(data_dir())).await;
    let html = app.get("/search?q=cyber").await.text().await.expect("html");
    let total = total_of(&html);
    let links = facet_links(&html);
    for facet in ["state", "language", "year", "domain"] {
        let of: Vec<_> = links.iter().filter(|l| l.0 == facet).collect();
        assert!(of.len() >= 2, "the {facet} facet offers a choice: {links:?}");
        // Every hit has one State, one language, one year: the counts add up.
        if facet != "domain" {
            assert_eq!(of.iter().map(|l| l.2).sum::<u64>(), total, "{facet}");
        }
    }
    assert!(html.contains("<h3 id=\"facet-year\">Year</h3>") && html.contains("<h3 id=\"facet-domain\">Domain</h3>"));
    // The JSON API counts the same, from the same service call.
    let api = app.get_json("/v1/search?q=cyber").await;
    assert_eq!(api["total"], total);
    for (facet, label, count, href) in &links {
        // The value a link chooses is its parameter (States add to the chosen ones).
        let query = href.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let key =
            form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k == facet).map(|(_, v)| v.into_owned()).last();
        let key = key.unwrap_or_else(|| panic!("{facet} {label}: {href} chooses it"));
        assert_eq!(api["facets"][facet][&key], *count, "{facet} {key}");
    }
    // Each link is a shareable address: opened, it shows exactly its count,
    // and its own link there (now chosen) leads back to every hit.
    for (facet, label, count, href) in &links {
        let page = app.get(href).await.text().await.expect("html");
        assert_eq!(total_of(&page), *count, "{facet} {label}: {href}");
        let again = facet_links(&page);
        let chosen = again.iter().find(|l| &l.0 == facet && l.1.ends_with(label.as_str())).expect("the chosen value");
        assert!(chosen.1.contains('✓'), "{facet} {label} is marked chosen: {}", chosen.1);
        let back = app.get(&chosen.3).await.text().await.expect("html");
        assert_eq!(total_of(&back), total, "{facet} {label}: unchosen again");
    }
    // A domain and a year together narrow both ways, in the API too.
    let domain = links.iter().filter(|l| l.0 == "domain").max_by_key(|l| l.2).expect("a domain");
    let r = app.get_json(&format!("/v1/search?q=cyber&domain={}", domain.1)).await;
    assert_eq!(r["total"], domain.2);
    assert_eq!(r["facets"]["domain"][&domain.1], domain.2);
    let r = app.get(&format!("/v1/search?q=cyber&domain={}", "d".repeat(101))).await;
    crate::helpers::problem(r, StatusCode::BAD_REQUEST).await;
}

/// Every stylesheet, script, icon and image a page loads from this site,
/// and what a stylesheet loads in turn.
fn assets_of(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["href=\"/static/", "src=\"/static/", "url(/static/", "url(\"/static/"] {
        for part in text.split(marker).skip(1) {
            let name: String = part.chars().take_while(|c| !matches!(c, '"' | ')' | '\'' | '?' | '#')).collect();
            out.push(format!("/static/{name}"));
        }
    }
    out
}

#[tokio::test]
async fn no_page_weighs_more_than_150_kb_with_its_assets_before_compression() {
    const LIMIT: usize = 150 * 1000;
    let app = spawn_app_with(|c| c.samples = Some(data_dir())).await;
    let mut pages = crate::browser::every_page(&app).await;
    // The heaviest searches: a common word, twenty hits a page, as a list and as a table.
    pages.push(("search-common", "/search?q=information".to_owned()));
    pages.push(("search-common-table", "/search?q=the&layout=table".to_owned()));
    pages.push(("coverage-csv", "/coverage.csv".to_owned()));
    let session = sign_in(&app, &app.admin).await;
    let c = no_redirects();
    let mut report = Vec::new();
    for (name, path) in &pages {
        let r = c.get(app.url(path)).header("cookie", format!("cg_session={session}")).send().await.expect("GET");
        let status = r.status();
        let missing = matches!(*name, "not-found" | "unknown-address");
        assert_eq!(status, if missing { StatusCode::NOT_FOUND } else { StatusCode::OK }, "{path}");
        let html = r.text().await.expect("body");
        let mut bytes = html.len();
        let mut seen = std::collections::BTreeSet::new();
        let mut todo = assets_of(&html);
        while let Some(asset) = todo.pop() {
            if !seen.insert(asset.clone()) {
                continue;
            }
            let r = app.get(&asset).await;
            assert_eq!(r.status(), StatusCode::OK, "{path} loads {asset}");
            let body = r.bytes().await.expect("asset");
            if asset.ends_with(".css") {
                todo.extend(assets_of(&String::from_utf8_lossy(&body)));
            }
            bytes += body.len();
        }
        assert!(!seen.is_empty() || path.ends_with(".csv"), "{path}: the stylesheet is counted");
        report.push(format!("{path}: {bytes} bytes ({} assets)", seen.len()));
        assert!(
            bytes <= LIMIT,
            "{path} weighs {bytes} bytes with its assets, more than 150 KB:\n{}",
            report.join("\n")
        );
    }
    eprintln!("page weights:\n{}", report.join("\n"));
}
