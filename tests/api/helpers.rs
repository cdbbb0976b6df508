//! `spawn_app` and the small HTTP vocabulary the tests share.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use consensus_glossary::clock::Clock;
use consensus_glossary::http::HttpConfig;
use consensus_glossary::{Application, Config};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;

pub struct TestApp {
    pub base: String,
    pub dir: TempDir,
    pub admin: String,
    pub client: Client,
    /// The server's clock: `app.clock.advance(time::Duration::days(15))` moves
    /// the server past a silence period.
    pub clock: Clock,
}

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

pub fn invalid_file(name: &str) -> Vec<u8> {
    std::fs::read(data_dir().join("invalid").join(name)).expect("data/invalid file")
}

/// A fresh server with no sample lists and open reads.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A fresh server whose config `adjust` may change first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::local(dir.path());
    config.http = HttpConfig::default();
    adjust(&mut config);
    let clock = Clock::system();
    let app = Application::build_with_clock(config, clock.clone()).await.expect("application builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let token_file = app.admin_token_file.clone().expect("a new store mints an admin token");
    let admin = std::fs::read_to_string(token_file).expect("admin token file").trim().to_owned();
    tokio::spawn(app.run_until_stopped());
    TestApp { base, dir, admin, client: Client::new(), clock }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_as(&self, path: &str, token: &str) -> Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.expect("GET")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().await.expect("JSON body")
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("POST")
    }

    /// PUT with a JSON body and, if given, an If-Match header.
    pub async fn put_json(&self, path: &str, token: &str, if_match: Option<&str>, body: &Value) -> Response {
        let mut req = self.client.put(self.url(path)).bearer_auth(token).json(body);
        if let Some(tag) = if_match {
            req = req.header("if-match", tag);
        }
        req.send().await.expect("PUT")
    }

    /// POST without a body.
    pub async fn post_empty(&self, path: &str, token: &str) -> Response {
        self.client.post(self.url(path)).bearer_auth(token).send().await.expect("POST")
    }

    pub async fn post_raw(&self, path: &str, token: Option<&str>, content_type: &str, body: Vec<u8>) -> Response {
        let mut req = self.client.post(self.url(path)).header("content-type", content_type).body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("POST")
    }

    /// Mints a token through the API with the admin token.
    pub async fn token(&self, name: &str, role: &str, state: Option<&str>) -> String {
        let r =
            self.post_json("/v1/tokens", Some(&self.admin), &json!({"name": name, "role": role, "state": state})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.expect("token JSON");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Submits a JSON list for `state` as admin and returns the receipt.
    pub async fn submit(&self, state: &str, list: &Value) -> Value {
        let r = self.post_json(&format!("/v1/states/{state}/submissions"), Some(&self.admin), list).await;
        let status = r.status();
        let body: Value = r.json().await.expect("receipt JSON");
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    pub async fn audit_total(&self) -> u64 {
        let r = self.get_as("/v1/audit?limit=1", &self.admin).await;
        let body: Value = r.json().await.expect("audit JSON");
        body["total"].as_u64().expect("total")
    }
}

/// A small valid English list.
pub fn english_list(year: i64, terms: &[&str]) -> Value {
    let entries: Vec<Value> = terms
        .iter()
        .map(|t| json!({"term": t, "definition": format!("A definition of {t} written for the tests.")}))
        .collect();
    json!({"year": year, "language": "en", "entries": entries})
}

/// Asserts a problem+json response and returns its body.
pub async fn problem(r: Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status);
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(ct, "application/problem+json");
    let body: Value = r.json().await.expect("problem JSON");
    assert_eq!(body["status"].as_u64(), Some(u64::from(status.as_u16())));
    for field in ["type", "title", "detail"] {
        assert!(body[field].is_string(), "problem lacks {field}: {body}");
    }
    body
}

/// The (row, field) pairs of a 422's `errors`.
pub fn row_fields(problem: &Value) -> Vec<(Option<u64>, String)> {
    problem["errors"]
        .as_array()
        .expect("errors array")
        .iter()
        .map(|e| (e["row"].as_u64(), e["field"].as_str().unwrap_or_default().to_owned()))
        .collect()
}

/// Starts the real `glossary serve` binary on a free port without samples.
/// Returns the child, its base URL, and its stderr lines as they come.
pub fn start_binary(dir: &Path) -> (Child, String, Arc<Mutex<Vec<String>>>) {
    start_binary_logging(dir, "info")
}

/// [`start_binary`] with `RUST_LOG` set to `filter`.
pub fn start_binary_logging(dir: &Path, filter: &str) -> (Child, String, Arc<Mutex<Vec<String>>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_glossary"))
        .args(["--data-dir", dir.to_str().unwrap(), "serve", "--addr", "127.0.0.1:0", "--no-samples"])
        .env("RUST_LOG", filter)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("glossary starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let log = Arc::new(Mutex::new(Vec::new()));
    let base = loop {
        let line = lines.next().expect("the server says where it listens").expect("stderr line");
        log.lock().unwrap().push(line.clone());
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep draining stderr so the child never blocks on a full pipe.
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    (child, base, log)
}

// ---- Proposals ----

/// A proposal body with an English term and definition.
pub fn proposal(term: &str, definition: &str) -> Value {
    json!({"term": term, "definition": definition, "language": "en"})
}

impl TestApp {
    /// Creates a proposal as `token`; asserts 201 and returns the body.
    pub async fn propose(&self, token: &str, body: &Value) -> Value {
        let r = self.post_json("/v1/proposals", Some(token), body).await;
        let status = r.status();
        let body: Value = r.json().await.expect("proposal JSON");
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// POSTs an action (`submit`, `approve`, ...) and returns (status, body).
    pub async fn act(&self, id: &str, action: &str, token: &str, body: Option<&Value>) -> (StatusCode, Value) {
        let path = format!("/v1/proposals/{id}/{action}");
        let r = match body {
            Some(b) => self.post_json(&path, Some(token), b).await,
            None => self.post_empty(&path, token).await,
        };
        let status = r.status();
        (status, r.json().await.expect("JSON body"))
    }

    /// Drafts, submits for review and approves a proposal as admin, moving
    /// the server's clock past the silence period in between; returns the
    /// agreed proposal.
    pub async fn agree(&self, body: &Value) -> Value {
        let p = self.propose(&self.admin.clone(), body).await;
        let id = p["id"].as_str().expect("id").to_owned();
        let (s, b) = self.act(&id, "submit", &self.admin, None).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        self.pass_silence(&b);
        let (s, b) = self.act(&id, "approve", &self.admin, None).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["status"], "agreed");
        b
    }

    /// Moves the server's clock just past the end of the silence period of
    /// `proposal` (a proposal as the API returns it).
    pub fn pass_silence(&self, proposal: &Value) {
        let until = proposal["silence_until"].as_str().expect("silence_until");
        let until = time::OffsetDateTime::parse(until, &time::format_description::well_known::Rfc3339)
            .expect("silence_until is RFC 3339");
        let left = until - self.clock.now();
        if left.is_positive() {
            self.clock.advance(left + time::Duration::seconds(1));
        }
    }

    pub async fn proposal(&self, id: &str) -> Value {
        self.get_json(&format!("/v1/proposals/{id}")).await
    }
}
