//! The web pages in a real browser: Debian's headless Chromium driven
//! through chromedriver (WebDriver) against the real server on port 0 with
//! a temporary data directory and the test clock. The flows click and type
//! as a person would, with JavaScript turned off in the browser (the pages
//! need none); a second pass, with JavaScript on, runs axe-core in every
//! page (0 WCAG 2.2 A/AA violations), walks every page by keyboard, and
//! saves a screenshot of each into `target/screenshots/`.
//!
//! Chromium and chromedriver come from Debian (`.ci/run` installs them).
//! Without them the tests say so and pass, except under CI (`CI` set) or
//! with `GLOSSARY_BROWSER_TESTS=1`, where a missing browser fails them.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::LazyLock;

use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{TestApp, data_dir, spawn_app_with};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// One browser at a time: two cores are shared with every other test.
static ONE_BROWSER: LazyLock<tokio::sync::Mutex<()>> = LazyLock::new(|| tokio::sync::Mutex::new(()));

/// A WebDriver session on its own chromedriver and Chromium profile.
struct Browser {
    client: Client,
    driver: Child,
    _profile: TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn required() -> bool {
    std::env::var_os("CI").is_some() || std::env::var("GLOSSARY_BROWSER_TESTS").is_ok_and(|v| v == "1")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("address").port()
}

/// A browser, or `None` (after saying why) where Chromium is not installed
/// and the tests are not required.
async fn browser(javascript: bool) -> Option<Browser> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(
            !required(),
            "the browser tests need {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
        );
        eprintln!("browser tests skipped: {CHROMIUM} or {CHROMEDRIVER} is not installed");
        return None;
    }
    let port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    // Wait until chromedriver answers (bounded: 200 tries).
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http.get(format!("{url}/status")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let profile = tempfile::tempdir().expect("profile dir");
    let mut prefs = serde_json::Map::new();
    if !javascript {
        prefs.insert("profile.managed_default_content_settings.javascript".into(), json!(2));
    }
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--disable-sync", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": prefs,
        }
    });
    let caps: serde_json::Map<String, Value> = match caps {
        Value::Object(m) => m,
        _ => unreachable!("an object"),
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector).capabilities(caps).connect(&url).await.expect("a WebDriver session");
    Some(Browser { client, driver, _profile: profile })
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

impl Browser {
    async fn go(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => {
                let source = self.client.source().await.unwrap_or_default();
                let file = screenshots().join("failure.html");
                let _ = std::fs::write(&file, source);
                panic!("no element '{css}' on {} (page saved to {}): {e}", self.path().await, file.display())
            }
        }
    }

    /// Clicks something that loads a new page, and waits until it has
    /// (the old document gone stale, then the new one's body there).
    async fn click_to_page(&self, e: Element) {
        let old = self.client.find(Locator::Css("html")).await.expect("the page");
        e.click().await.expect("click");
        for _ in 0..400 {
            if old.tag_name().await.is_err() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        self.client.wait().for_element(Locator::Css("body")).await.expect("the new page");
    }

    async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap_or_else(|e| panic!("find '{css}': {e}"))
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    async fn page_text(&self) -> String {
        self.text("body").await
    }

    async fn link(&self, text: &str) -> Element {
        self.client.find(Locator::LinkText(text)).await.unwrap_or_else(|e| panic!("no link '{text}': {e}"))
    }

    /// Waits until `old` (an element of the previous page) is gone.
    async fn wait_stale(&self, old: Element) {
        for _ in 0..400 {
            if old.tag_name().await.is_err() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        self.client.wait().for_element(Locator::Css("body")).await.expect("the new page");
    }

    /// Follows the link with this text.
    async fn follow(&self, text: &str) {
        let l = self.link(text).await;
        self.click_to_page(l).await;
    }

    async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.expect("clear");
        e.send_keys(text).await.expect("type");
    }

    /// Clicks the submit button of the form that holds `css`.
    async fn submit(&self, form_css: &str) {
        let button = self.find(&format!("{form_css} button[type=submit]")).await;
        self.click_to_page(button).await;
    }

    async fn path(&self) -> String {
        let u = self.client.current_url().await.expect("url");
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        }
    }

    async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(screenshots().join(format!("{name}.png")), png).expect("write screenshot");
    }

    /// Presses a key on the keyboard (whatever has the focus gets it).
    async fn press(&self, key: Key) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let value = char::from(key);
        let keys = KeyActions::new("keyboard".into()).then(KeyAction::Down { value }).then(KeyAction::Up { value });
        self.client.perform_actions(keys).await.expect("press");
    }

    /// The focused element's tag, id and text, for keyboard walks.
    async fn focused(&self) -> (String, String, String) {
        let a = self.client.active_element().await.expect("active element");
        let tag = a.tag_name().await.unwrap_or_default();
        let id = a.attr("id").await.ok().flatten().unwrap_or_default();
        let text = a.text().await.unwrap_or_default();
        (tag, id, text)
    }

    /// Tabs until the focused element satisfies `is`; panics after `max` presses.
    async fn tab_to(&self, max: usize, is: impl Fn(&(String, String, String)) -> bool) {
        for _ in 0..max {
            self.press(Key::Tab).await;
            if is(&self.focused().await) {
                return;
            }
        }
        panic!("not reached by {max} presses of Tab");
    }

    async fn login(&self, app: &TestApp, token: &str) {
        self.go(&app.url("/login")).await;
        self.fill("#token", token).await;
        self.submit("form[action='/login']").await;
        let header = self.text(".who").await;
        assert!(header.contains("Signed in as"), "not signed in: {header}");
    }

    async fn logout(&self) {
        let button = self.find(".who form button").await;
        self.click_to_page(button).await;
        assert!(self.text(".who").await.contains("Log in"));
    }

    async fn close(self) {
        let Browser { client, .. } = &self;
        let _ = client.clone().close().await;
    }
}

async fn app_with_samples() -> TestApp {
    spawn_app_with(|c| c.samples = Some(data_dir())).await
}

// ---- The flows (JavaScript off) ----

#[tokio::test]
async fn search_with_a_typo_then_the_entry_then_compare() {
    let _one = ONE_BROWSER.lock().await;
    let Some(b) = browser(false).await else { return };
    let app = app_with_samples().await;
    b.go(&app.url("/")).await;
    b.shot("home").await;
    // By keyboard: the skip link comes first, then the search box is reached by Tab.
    b.press(Key::Tab).await;
    let (tag, _, text) = b.focused().await;
    assert_eq!((tag.as_str(), text.as_str()), ("a", "Skip to main content"));
    b.tab_to(40, |(_, id, _)| id == "q").await;
    let q = b.client.active_element().await.expect("search box");
    q.send_keys("cyber atack").await.expect("type");
    let old = b.find("html").await;
    q.send_keys(&char::from(Key::Enter).to_string()).await.expect("enter");
    b.wait_stale(old).await;
    assert!(b.path().await.starts_with("/search?q=cyber+atack"), "{}", b.path().await);
    let heading = b.text("#results-h").await;
    assert!(heading.ends_with("entries found"), "{heading}");
    let n: usize = heading.split_whitespace().next().and_then(|w| w.parse().ok()).expect("a count");
    assert!(n >= 5, "{heading}");
    assert!(b.page_text().await.contains("Did you mean"));
    assert!(!b.find_all("ol.hits mark").await.is_empty(), "matched words are highlighted");
    assert!(!b.find_all(".facets ul.facet a").await.is_empty(), "facets with counts");
    b.shot("search").await;
    // The table layout is a link (a URL), not a script.
    b.follow("table").await;
    assert!(b.path().await.contains("layout=table"));
    assert!(b.find_all("table.hits tbody tr").await.len() >= 5);
    // A facet narrows the hits to its count, at an address of its own.
    let year = b.find("ul[aria-labelledby=facet-year] li a").await;
    let count = year.find(Locator::Css(".count")).await.expect("a count").text().await.expect("text");
    b.click_to_page(year).await;
    assert!(b.path().await.contains("year="), "{}", b.path().await);
    let heading = b.text("#results-h").await;
    assert_eq!(format!("({})", heading.split_whitespace().next().unwrap_or_default()), count, "{heading}");
    assert!(b.text("ul[aria-labelledby=facet-year]").await.contains('✓'), "the chosen year is marked");
    b.client.back().await.expect("back");
    // Back to the list and into the first hit, by keyboard alone: Tab to its
    // link, Enter.
    b.follow("list").await;
    let href = b.find("ol.hits li h3 a").await.attr("href").await.expect("href").expect("a link");
    let mut reached = false;
    for _ in 0..200 {
        b.press(Key::Tab).await;
        let focus = b.client.active_element().await.expect("the focus");
        if focus.attr("href").await.ok().flatten().as_deref() == Some(href.as_str()) {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab reaches the first hit's link");
    let old = b.find("html").await;
    b.press(Key::Enter).await;
    b.wait_stale(old).await;
    assert_eq!(b.path().await, href);
    let h1 = b.find("main h1").await;
    assert!(h1.attr("lang").await.expect("lang").is_some(), "the term carries its language");
    assert!(b.page_text().await.contains("The same notion elsewhere"));
    b.shot("entry").await;
    // Compare every State.
    b.follow("Compare every State's definition").await;
    assert!(b.path().await.starts_with("/compare?term="));
    let rows = b.find_all("table.compare tbody th[scope=row]").await;
    assert!(rows.len() >= 57, "every participating State has a row: {}", rows.len());
    assert!(!b.find_all("table.compare tr.without").await.is_empty(), "States without an entry are greyed");
    // Choose a baseline and compare again: the differences are marked in words, not colour only.
    let baseline = b.find("#baseline").await;
    let options = b.find_all("#baseline option").await;
    assert!(options.len() >= 3);
    baseline.select_by_index(2).await.expect("a baseline");
    b.submit("form[action='/compare']").await;
    assert!(b.path().await.contains("baseline="));
    assert!(!b.find_all("table.compare ins").await.is_empty() || !b.find_all("table.compare del").await.is_empty());
    assert!(b.page_text().await.contains("Differences are shown against"));
    b.shot("compare").await;
    b.close().await;
}

/// A JSON list of DE for 2014 whose second row has no definition (or has one).
fn de_list(broken: bool) -> Vec<u8> {
    let second = if broken { "" } else { "Eine Definition, die in der Korrektur ergänzt wurde." };
    serde_json::to_vec(&json!({
        "year": 2014, "language": "de",
        "entries": [
            {"term": "Cyberangriff", "definition": "Gezielter Angriff über Datennetze auf IT-Systeme.",
             "term_en": "cyber attack", "definition_en": "A targeted attack on IT systems over data networks."},
            {"term": "Cyberraum", "definition": second, "term_en": "cyberspace",
             "definition_en": "The virtual space of all IT systems connected at data level."},
        ]
    }))
    .expect("JSON")
}

#[tokio::test]
async fn a_delegate_uploads_a_list_with_a_bad_row_reads_the_error_fixes_it_and_sees_the_new_revision() {
    let _one = ONE_BROWSER.lock().await;
    let Some(b) = browser(false).await else { return };
    let app = app_with_samples().await;
    let token = app.token("de-delegate", "delegate", Some("DE")).await;
    let files = tempfile::tempdir().expect("dir");
    let file = files.path().join("DE-2014.json");
    std::fs::write(&file, de_list(true)).expect("write");

    b.go(&app.url("/login")).await;
    b.shot("login").await;
    b.login(&app, &token).await;
    assert!(b.text(".who").await.contains("de-delegate"));
    assert!(b.text(".who").await.contains("delegate, DE"), "who-am-I shows the role and State");
    b.follow("Submit a list").await;
    // A delegate may only choose their own State.
    let states = b.find_all("#state option").await;
    assert_eq!(states.len(), 1);
    b.find("#file").await.send_keys(file.to_str().expect("path")).await.expect("choose the file");
    b.submit("form[action='/upload']").await;
    let alert = b.text(".alert").await;
    assert!(alert.contains("The list was refused"), "{alert}");
    let rows = b.find_all(".problems tbody tr").await;
    assert!(!rows.is_empty());
    let cells = rows[0].text().await.expect("row");
    assert!(cells.contains('2') && cells.contains("definition"), "the bad row is named: {cells}");
    b.shot("upload-refused").await;

    std::fs::write(&file, de_list(false)).expect("write");
    b.find("#file").await.send_keys(file.to_str().expect("path")).await.expect("choose the file");
    b.submit("form[action='/upload']").await;
    assert!(b.path().await.starts_with("/states/DE?uploaded="), "{}", b.path().await);
    let ok = b.text(".ok").await;
    assert!(ok.contains("revision 3"), "DE's 2014 list had two revisions: {ok}");
    let list = b.text("main table").await;
    assert!(list.contains("(current)"));
    b.shot("state").await;
    b.close().await;
}

#[tokio::test]
async fn a_proposal_from_a_cluster_goes_through_review_to_the_glossary() {
    let _one = ONE_BROWSER.lock().await;
    let Some(b) = browser(false).await else { return };
    let app = app_with_samples().await;
    let editor = app.token("editor-1", "editor", None).await;
    let de = app.token("de-delegate", "delegate", Some("DE")).await;
    let fr = app.token("fr-delegate", "delegate", Some("FR")).await;
    let ru = app.token("ru-delegate", "delegate", Some("RU")).await;

    // The editor starts a proposal from a cluster.
    b.login(&app, &editor).await;
    b.follow("Clusters").await;
    b.fill("#min_states", "3").await;
    b.submit("form[action='/clusters']").await;
    assert!(b.path().await.contains("min_states=3"), "{}", b.path().await);
    b.shot("clusters").await;
    let first = b.find("main table tbody tr td a").await;
    b.click_to_page(first).await;
    assert!(b.path().await.starts_with("/clusters/"));
    assert!(!b.find_all("svg.graph line").await.is_empty(), "the links are drawn");
    b.shot("cluster").await;
    b.follow("Start a proposal from this cluster").await;
    let term = b.find("#term").await.prop("value").await.expect("value").unwrap_or_default();
    assert!(!term.is_empty(), "the term is pre-filled from the cluster");
    assert!(!b.find("#entry_ids").await.prop("value").await.expect("value").unwrap_or_default().is_empty());
    b.fill("#term", "cyber incident response").await;
    b.fill(
        "#definition",
        "The organised handling of a cyber incident: detection, containment, recovery and lessons learned.",
    )
    .await;
    b.submit("form[action='/proposals']").await;
    let path = b.path().await;
    assert!(path.starts_with("/proposals/"), "{path}");
    let id = path.trim_start_matches("/proposals/").split('?').next().expect("id").to_owned();
    assert!(b.text(".status-bar").await.contains("draft"));
    // Submit for review with the default silence period.
    b.submit(&format!("form[action='/proposals/{id}/submit']")).await;
    assert!(b.text(".ok").await.contains("under review"));
    assert!(b.text("#silence-end").await.ends_with("UTC"));
    assert!(b.text("#time-left").await.contains("days"));
    b.logout().await;

    // Delegates record positions: one objection, with a statement.
    b.login(&app, &de).await;
    record_position(&b, &app, &id, "support", None, None).await;
    b.logout().await;
    b.login(&app, &ru).await;
    record_position(
        &b,
        &app,
        &id,
        "support",
        None,
        Some("The Russian Federation understands this term within its national law."),
    )
    .await;
    b.logout().await;
    b.login(&app, &fr).await;
    // An objection without a reason is refused, and the page says why.
    b.go(&app.url(&format!("/proposals/{id}"))).await;
    b.find("#pos-object").await.click().await.expect("object");
    b.submit(&format!("form[action='/proposals/{id}/position']")).await;
    assert!(b.text(".alert").await.contains("reason"), "{}", b.text(".alert").await);
    record_position(&b, &app, &id, "object", Some("The definition omits attribution."), None).await;
    assert!(b.text(".board li.object").await.contains("FR"));
    b.shot("proposal-objection").await;
    // The objection is withdrawn: France supports now.
    record_position(&b, &app, &id, "support", None, None).await;
    assert!(b.find_all(".board li.object").await.is_empty());
    b.logout().await;

    // The editor cannot approve before the silence period ends ...
    b.login(&app, &editor).await;
    b.go(&app.url(&format!("/proposals/{id}"))).await;
    b.submit(&format!("form[action='/proposals/{id}/approve']")).await;
    assert!(b.text(".alert").await.contains("silence"), "{}", b.text(".alert").await);
    // ... and can once it has (the test clock moves past it).
    app.clock.advance(time::Duration::days(15));
    // Twelve-hour sessions do not outlast that: signed out, the editor signs in again.
    b.go(&app.url(&format!("/proposals/{id}"))).await;
    assert!(b.text(".who").await.contains("Log in"), "the session has expired");
    assert!(b.find_all(&format!("form[action='/proposals/{id}/approve']")).await.is_empty());
    b.login(&app, &editor).await;
    b.go(&app.url(&format!("/proposals/{id}"))).await;
    assert!(b.text("#time-left").await.contains("over"));
    b.submit(&format!("form[action='/proposals/{id}/approve']")).await;
    assert!(b.text(".ok").await.contains("agreed"), "{}", b.page_text().await);
    let totals = b.text(".totals").await;
    assert!(totals.contains("3 support"), "{totals}");
    b.shot("proposal").await;

    // The glossary shows it with its statement; a day earlier it was not there.
    b.follow("Glossary").await;
    let text = b.page_text().await;
    assert!(text.contains("cyber incident response"), "{text}");
    assert!(text.contains("The Russian Federation understands this term"));
    b.shot("glossary").await;
    // A day earlier, chosen in the page's date field (typed as Chromium's
    // en-US date field reads it: month, day, year).
    let day_before = (app.clock.now() - time::Duration::days(1)).date();
    let typed = format!("{:02}{:02}{:04}", u8::from(day_before.month()), day_before.day(), day_before.year());
    b.find("#as_of").await.send_keys(&typed).await.expect("type a date");
    b.submit("form[action='/glossary']").await;
    assert!(b.path().await.contains(&format!("as_of={day_before}")), "{}", b.path().await);
    b.shot("glossary-as-of").await;
    assert!(b.text(".banner").await.contains("as it stood on"));
    assert!(!b.page_text().await.contains("cyber incident response"));
    b.close().await;
}

/// A delegate records their State's position in the form (the only State it offers).
async fn record_position(
    b: &Browser,
    app: &TestApp,
    id: &str,
    stance: &str,
    reason: Option<&str>,
    statement: Option<&str>,
) {
    // From the list of proposals, as a delegate finds it.
    b.go(&app.url("/")).await;
    b.follow("Proposals").await;
    let link = b.find(&format!("main a[href='/proposals/{id}']")).await;
    b.click_to_page(link).await;
    let options = b.find_all("input[name=state]").await;
    assert_eq!(options.len(), 1, "a delegate records only their own State's position");
    b.find(&format!("#pos-{stance}")).await.click().await.expect("choose");
    if let Some(r) = reason {
        b.fill("#reason", r).await;
    }
    if let Some(s) = statement {
        b.fill("#statement", s).await;
    }
    b.submit(&format!("form[action='/proposals/{id}/position']")).await;
    assert!(b.text(".ok").await.contains("recorded"), "{}", b.page_text().await);
}

#[tokio::test]
async fn logins_are_limited_and_forms_need_their_csrf_token() {
    let _one = ONE_BROWSER.lock().await;
    let Some(b) = browser(false).await else { return };
    let app = crate::helpers::spawn_app().await;
    for _ in 0..10 {
        b.go(&app.url("/login")).await;
        b.fill("#token", "cg_not-a-token").await;
        b.submit("form[action='/login']").await;
        assert!(b.text(".alert").await.contains("not valid"));
    }
    // The eleventh attempt is refused even with the right token.
    b.go(&app.url("/login")).await;
    b.fill("#token", &app.admin).await;
    b.submit("form[action='/login']").await;
    assert!(b.text(".alert").await.contains("Too many"));
    assert!(b.text(".who").await.contains("Log in"));
    b.close().await;
    // A form posted without the session's token writes nothing.
    let r = app
        .client
        .post(app.url("/proposals"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("term=x&definition=y")
        .send()
        .await
        .expect("POST");
    assert_eq!(r.url().path(), "/login", "no session: to the login page");
    let (total, _) = (app.get_json("/v1/proposals").await["total"].as_u64(), ());
    assert_eq!(total, Some(0), "nothing was written");
}

// ---- Every page: axe-core, keyboard, JavaScript off, screenshots ----

/// Every page of a populated server, signed in as an editor (so the forms
/// that write are there too).
pub(crate) async fn every_page(app: &TestApp) -> Vec<(&'static str, String)> {
    let p = app.agree(&crate::helpers::proposal("cyber attack", "An attempt to harm ICT systems.")).await;
    let agreed = p["id"].as_str().expect("id").to_owned();
    let draft = app.propose(&app.admin, &crate::helpers::proposal("botnet", "A network of hijacked computers.")).await;
    let draft = draft["id"].as_str().expect("id").to_owned();
    let clusters = app.get_json("/v1/clusters?min_states=2&limit=1").await;
    let cluster = clusters["clusters"][0]["id"].as_str().expect("a cluster").to_owned();
    vec![
        ("home", "/".to_owned()),
        ("search", "/search?q=cyber+attack".to_owned()),
        ("search-table", "/search?q=malware&layout=table".to_owned()),
        ("entry", "/entries/5-1".to_owned()),
        ("compare", "/compare?term=cyber+attack&baseline=DE".to_owned()),
        ("glossary", "/glossary".to_owned()),
        ("glossary-as-of", "/glossary?as_of=2000-01-01&since=1999-01-01".to_owned()),
        ("clusters", "/clusters".to_owned()),
        ("cluster", format!("/clusters/{cluster}")),
        ("coverage", "/coverage".to_owned()),
        ("states", "/states".to_owned()),
        ("state", "/states/DE".to_owned()),
        ("proposals", "/proposals".to_owned()),
        ("proposal-agreed", format!("/proposals/{agreed}")),
        ("proposal-draft", format!("/proposals/{draft}")),
        ("proposal-new", format!("/proposals/new?cluster={cluster}")),
        ("upload", "/upload".to_owned()),
        ("help", "/help".to_owned()),
        ("accessibility", "/accessibility".to_owned()),
        ("not-found", "/entries/999-1".to_owned()),
        ("unknown-address", "/no-such-page".to_owned()),
    ]
}

const AXE: &str = include_str!("../../web/test/axe-core/axe.min.js");

async fn axe_violations(b: &Browser) -> Vec<Value> {
    b.client.execute(AXE, vec![]).await.expect("axe-core loads");
    let result = b
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})
                  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                      nodes: v.nodes.map(n => n.html.slice(0, 160))}))))
                  .catch(e => done([{id: 'axe-error', help: String(e)}]));"#,
            vec![],
        )
        .await
        .expect("axe runs");
    match result {
        Value::Array(v) => v,
        other => panic!("axe-core did not answer with its violations: {other}"),
    }
}

#[tokio::test]
async fn every_page_passes_axe_works_by_keyboard_and_without_javascript() {
    let _one = ONE_BROWSER.lock().await;
    let Some(b) = browser(true).await else { return };
    let app = app_with_samples().await;
    let pages = every_page(&app).await;
    // The check can fail: a page with an image without text and an unlabelled field.
    b.go("data:text/html,<html><body><img src='x.png'><input></body></html>").await;
    let ids: Vec<String> = axe_violations(&b).await.iter().map(|v| v["id"].to_string()).collect();
    assert!(ids.iter().any(|i| i.contains("image-alt")), "axe-core sees a missing alt: {ids:?}");
    b.login(&app, &app.admin).await;
    let mut failures = Vec::new();
    let mut with_javascript = Vec::new();
    for (lang, suffix) in [("en", ""), ("ru", "-ru")] {
        b.go(&app.url(&format!("/ui-language?set={lang}&back=/"))).await;
        for (name, path) in &pages {
            b.go(&app.url(path)).await;
            assert_eq!(b.find("html").await.attr("lang").await.expect("lang").as_deref(), Some(lang));
            assert_eq!(b.find_all("main h1").await.len(), 1, "{path}: one main heading");
            for v in axe_violations(&b).await {
                failures.push(format!("{path} ({lang}): {v}"));
            }
            if lang == "en" {
                with_javascript.push(b.text("main").await);
            }
            b.shot(&format!("page-{name}{suffix}")).await;
        }
    }
    assert!(failures.is_empty(), "axe-core found WCAG 2.2 A/AA violations:\n{}", failures.join("\n"));
    b.close().await;

    // JavaScript off: the browser really runs none (a page whose script
    // would retitle it keeps its title) ...
    let Some(nojs) = browser(false).await else { return };
    nojs.go("data:text/html,<title>static</title><script>document.title='scripted'</script>").await;
    assert_eq!(nojs.client.title().await.expect("title"), "static", "JavaScript is off in this browser");
    nojs.login(&app, &app.admin).await;
    for ((name, path), shown) in pages.iter().zip(&with_javascript) {
        nojs.go(&app.url(path)).await;
        // ... and every page shows what it shows with JavaScript on,
        assert_eq!(&nojs.text("main").await, shown, "{name}: {path} shows the same without JavaScript");
        // every control is a plain form or link that needs none,
        plain_controls(&nojs, path).await;
        // and the keyboard alone reaches every control, with a visible focus.
        keyboard_walk(&nojs, path).await;
    }
    nojs.close().await;
}

/// Every form of the page is a plain HTML form (a method, an address on
/// this site, a submit button); every link has an address (no `#` or
/// `javascript:` placeholders a script would have to bring to life).
async fn plain_controls(b: &Browser, path: &str) {
    for form in b.find_all("form").await {
        let action = form.attr("action").await.expect("action").unwrap_or_default();
        let method = form.attr("method").await.expect("method").unwrap_or_default().to_lowercase();
        assert!(action.starts_with('/'), "{path}: a form posts to this site: '{action}'");
        assert!(method == "get" || method == "post", "{path}: form {action} has a method: '{method}'");
        let buttons = form.find_all(Locator::Css("button[type=submit], input[type=submit]")).await.expect("buttons");
        assert!(!buttons.is_empty(), "{path}: form {action} has a submit button");
    }
    for a in b.find_all("a").await {
        let href = a.attr("href").await.expect("href").unwrap_or_default();
        assert!(!href.is_empty() && !href.starts_with("javascript:"), "{path}: a link without an address");
        assert!(href != "#", "{path}: a link to nowhere");
    }
}

/// Tab from the top of the page: the skip link comes first and moves the
/// focus to the main content; then Tab visits every visible control of the
/// page in document order, each with a visible focus indicator, and reaches
/// the footer (nothing skipped, no keyboard trap).
async fn keyboard_walk(b: &Browser, path: &str) {
    b.press_body().await;
    b.press(Key::Tab).await;
    let (tag, _, text) = b.focused().await;
    assert_eq!((tag.as_str(), text.as_str()), ("a", "Skip to main content"), "{path}: the skip link comes first");
    b.press(Key::Enter).await;
    let url = b.client.current_url().await.expect("url");
    assert_eq!(url.fragment(), Some("main"), "{path}: the skip link leads to the main content");
    // The controls after the skip link, as the document orders them; the
    // walk records which of them the focus lands on, and how it is drawn.
    let controls = b
        .client
        .execute(
            r#"const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex="0"]';
               window.__walk = Array.from(document.querySelectorAll(sel))
                   .filter(e => e.closest('main, footer') && !e.disabled && e.checkVisibility({visibilityProperty: true}))
                   // Of a group of radio buttons Tab stops on one: the chosen one, else the first.
                   .filter((e, _, all) => {
                       if (e.type !== 'radio') return true;
                       const group = all.filter(r => r.type === 'radio' && r.name === e.name && r.form === e.form);
                       return (group.find(r => r.checked) || group[0]) === e;
                   });
               return window.__walk.length;"#,
            vec![],
        )
        .await
        .expect("script")
        .as_u64()
        .expect("a count") as usize;
    let mut visited = vec![false; controls];
    let mut reached_footer = false;
    for _ in 0..(controls + 10) {
        b.press(Key::Tab).await;
        let at = b
            .client
            .execute(
                r#"const e = document.activeElement, s = getComputedStyle(e);
                   const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
                   return [window.__walk.indexOf(e), e.tagName.toLowerCase(), e.id, visible, e.closest('footer') !== null];"#,
                vec![],
            )
            .await
            .expect("script");
        let index = at[0].as_i64().unwrap_or(-1);
        let (tag, id) = (at[1].as_str().unwrap_or_default(), at[2].as_str().unwrap_or_default());
        assert!(index >= 0, "{path}: the focus left the page's controls, on a <{tag} id={id}>");
        assert!(at[3].as_bool() == Some(true), "{path}: the focus on <{tag} id={id}> is not drawn");
        visited[index as usize] = true;
        if at[4].as_bool() == Some(true) {
            reached_footer = true;
            break;
        }
    }
    assert!(reached_footer, "{path}: Tab reaches the footer");
    let footer_at = visited.iter().rposition(|v| *v).unwrap_or(0);
    let skipped: Vec<usize> = (0..footer_at).filter(|i| !visited[*i]).collect();
    if !skipped.is_empty() {
        let described = b
            .client
            .execute(
                "return arguments[0].map(i => window.__walk[i].outerHTML.slice(0, 120));",
                vec![serde_json::to_value(&skipped).expect("json")],
            )
            .await
            .expect("script");
        panic!("{path}: Tab skips {} of {controls} controls: {described:#}", skipped.len());
    }
}

impl Browser {
    /// Puts the focus back on the document, as a page just opened has it.
    async fn press_body(&self) {
        self.client
            .execute("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);", vec![])
            .await
            .expect("blur");
    }
}
