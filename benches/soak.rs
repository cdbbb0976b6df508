//! Soak: a real server under mixed load for a bounded time, loopback only.
//!
//! ```text
//! cargo bench --bench soak                      # 600 s
//! CG_SOAK_SECS=60 cargo bench --bench soak      # a short run
//! CG_STORE_CACHE_MB=16 cargo bench --bench soak # serve --store-cache-mb 16
//! ```
//!
//! Starts `glossary serve` (this build's binary, or `CG_BIN`) on 127.0.0.1
//! with a temporary data directory holding the sample lists, a 2 s header
//! timeout and a 5 s body timeout, and runs until `CG_SOAK_SECS` (default
//! 600, at most 1,800) have passed or `CG_SOAK_MAX_REQUESTS` (default
//! 10,000,000) requests were sent, whichever comes first:
//!
//! - 4 searchers: `/v1/search` with words, misspellings, phrases and
//!   filters, one request at a time each;
//! - 1 reader: a page of a list's entries, `/v1/entries`, `/v1/glossary`, a
//!   CSV export of a list;
//! - 1 submitter: a 25-entry list every second, for one of 8 States in turn
//!   (so each State's list gains revisions);
//! - 1 proposal editor: reads a proposal, edits it with `If-Match` (a new
//!   version), comments on it; a new proposal every 20 edits;
//! - slow clients: 16 connections at a time that send half a request head
//!   and stall, and one at a time that sends half a body and stalls; each
//!   must be closed by the server (within its timeout plus 5 s), then is
//!   opened again.
//!
//! Every answer other than the expected status, and every connection error,
//! is an error; so is a slow client the server did not close in time.
//! Reports per kind: requests, throughput, p50 / p99 latency, errors; the
//! server's RSS at the start (samples loaded, before the load), at the end
//! of a warm-up of the same load (`CG_SOAK_WARMUP_SECS`, default 180: the
//! time the store's page cache and the allocator take to fill up to their
//! bounds), its lowest and highest from then on, and at the end (sampled
//! every 10 s). The run lasts the warm-up plus `CG_SOAK_SECS`.
//! `CG_SOAK_WRITES=0` leaves out the submitter and the proposal editor, so
//! that the stored data stays as it is. Targets: 0
//! errors; RSS at the end within 10 % of RSS after the warm-up. Prints one
//! `SOAK_JSON {...}` line, which BENCHMARKS.md quotes.

#[path = "server/mod.rs"]
mod server;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use server::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Mutex;

const HEADER_TIMEOUT_SECS: u64 = 2;
const BODY_TIMEOUT_SECS: u64 = 5;
const QUERIES: [&str; 16] = [
    "cyber attack",
    "malware",
    "malwre",
    "information security",
    "sécurité",
    "информационная безопасность",
    "\"critical infrastructure\"",
    "phishing",
    "firewal",
    "Schadsoftware",
    "incident response",
    "ciberataque",
    "botnet",
    "encryption key",
    "vulnerability",
    "soak term",
];
const STATES: [&str; 8] = ["DE", "FR", "IT", "ES", "PL", "NL", "SE", "AT"];

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// What one kind of request saw.
#[derive(Default)]
struct Kind {
    latencies_ms: Vec<f64>,
    errors: u64,
    first_errors: Vec<String>,
}

#[derive(Clone)]
struct Ctx {
    client: reqwest::Client,
    base: String,
    addr: String,
    admin: String,
    deadline: Instant,
    sent: Arc<AtomicU64>,
    max_requests: u64,
    stats: Arc<Mutex<std::collections::BTreeMap<&'static str, Kind>>>,
}

impl Ctx {
    fn going(&self) -> bool {
        Instant::now() < self.deadline && self.sent.load(Ordering::Relaxed) < self.max_requests
    }

    async fn record(&self, kind: &'static str, started: Instant, ok: Result<(), String>) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let mut stats = self.stats.lock().await;
        let k = stats.entry(kind).or_default();
        k.latencies_ms.push(started.elapsed().as_secs_f64() * 1e3);
        if let Err(e) = ok {
            k.errors += 1;
            if k.first_errors.len() < 5 {
                k.first_errors.push(e);
            }
        }
    }

    /// Sends `request`, expects `status`; returns the body (and ETag) when it was.
    async fn call(
        &self,
        kind: &'static str,
        request: reqwest::RequestBuilder,
        status: u16,
    ) -> Option<(Value, Option<String>)> {
        let started = Instant::now();
        let outcome = match request.send().await {
            Ok(r) => {
                let got = r.status().as_u16();
                let etag = r.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned);
                let text = r.text().await.unwrap_or_default();
                if got == status {
                    Ok((serde_json::from_str(&text).unwrap_or(Value::Null), etag))
                } else {
                    Err(format!("{kind}: {got} {}", text.chars().take(200).collect::<String>()))
                }
            }
            Err(e) => Err(format!("{kind}: {e}")),
        };
        match outcome {
            Ok(v) => {
                self.record(kind, started, Ok(())).await;
                Some(v)
            }
            Err(e) => {
                self.record(kind, started, Err(e)).await;
                None
            }
        }
    }
}

async fn searcher(ctx: Ctx, n: usize) {
    let mut i = n;
    while ctx.going() {
        let q = QUERIES[i % QUERIES.len()];
        let mut url = reqwest::Url::parse(&format!("{}/v1/search", ctx.base)).expect("URL");
        url.query_pairs_mut().append_pair("q", q).append_pair("limit", "10");
        match i % 5 {
            1 => {
                url.query_pairs_mut().append_pair("state", STATES[i % STATES.len()]);
            }
            2 => {
                url.query_pairs_mut().append_pair("field", "term");
            }
            3 => {
                url.query_pairs_mut().append_pair("offset", "10");
            }
            _ => {}
        }
        ctx.call("search", ctx.client.get(url), 200).await;
        i += 7;
    }
}

async fn reader(ctx: Ctx) {
    let mut i = 0u64;
    while ctx.going() {
        // The 17 sample lists are submissions 1 to 17.
        let id = 1 + i % 17;
        ctx.call("read", ctx.client.get(format!("{}/v1/submissions/{id}?limit=50", ctx.base)), 200).await;
        ctx.call("read", ctx.client.get(format!("{}/v1/entries?limit=20&offset={}", ctx.base, i % 100)), 200).await;
        ctx.call("read", ctx.client.get(format!("{}/v1/glossary", ctx.base)), 200).await;
        if i.is_multiple_of(10) {
            ctx.call("export", ctx.client.get(format!("{}/v1/submissions/{id}?format=csv", ctx.base)), 200).await;
        }
        i += 1;
    }
}

async fn submitter(ctx: Ctx) {
    let mut n = 0usize;
    while ctx.going() {
        let started = Instant::now();
        let state = STATES[n % STATES.len()];
        let entries: Vec<Value> = (0..25)
            .map(|k| {
                json!({"term": format!("soak term {n} {k}"),
                       "definition": format!("Definition {k} of soak list {n}, submitted for {state} under load.")})
            })
            .collect();
        let body = json!({"year": 2025, "language": "en", "entries": entries});
        ctx.call(
            "submit",
            ctx.client.post(format!("{}/v1/states/{state}/submissions", ctx.base)).bearer_auth(&ctx.admin).json(&body),
            201,
        )
        .await;
        n += 1;
        tokio::time::sleep(Duration::from_secs(1).saturating_sub(started.elapsed())).await;
    }
}

async fn editor(ctx: Ctx) {
    let mut edits = 0usize;
    let mut current: Option<(String, String)> = None;
    while ctx.going() {
        let (id, etag) = match current.take() {
            Some(c) if !edits.is_multiple_of(20) => c,
            _ => {
                let body = json!({"term": format!("soak proposal {edits}"), "definition": "A first definition.", "language": "en"});
                let created = ctx
                    .call(
                        "proposal",
                        ctx.client.post(format!("{}/v1/proposals", ctx.base)).bearer_auth(&ctx.admin).json(&body),
                        201,
                    )
                    .await;
                match created {
                    Some((p, Some(etag))) => (p["id"].as_str().unwrap_or_default().to_owned(), etag),
                    _ => {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        edits += 1;
                        continue;
                    }
                }
            }
        };
        ctx.call("proposal", ctx.client.get(format!("{}/v1/proposals/{id}", ctx.base)), 200).await;
        let body = json!({"term": format!("soak proposal {id}"), "definition": format!("Definition, version {edits}."), "language": "en"});
        let edited = ctx
            .call(
                "proposal",
                ctx.client
                    .put(format!("{}/v1/proposals/{id}", ctx.base))
                    .bearer_auth(&ctx.admin)
                    .header("if-match", &etag)
                    .json(&body),
                200,
            )
            .await;
        ctx.call(
            "proposal",
            ctx.client
                .post(format!("{}/v1/proposals/{id}/comments", ctx.base))
                .bearer_auth(&ctx.admin)
                .json(&json!({"text": format!("Comment {edits}.")})),
            201,
        )
        .await;
        edits += 1;
        current = match edited {
            Some((_, Some(new_tag))) => Some((id, new_tag)),
            _ => None,
        };
    }
}

/// A slow client: half a head (or, with `body`, a head and half a body),
/// then silence; the server must close it within its timeout plus 5 s.
async fn slow_client(ctx: Ctx, body: bool) {
    while ctx.going() {
        let started = Instant::now();
        let outcome = async {
            let mut s = tokio::net::TcpStream::connect(&ctx.addr).await.map_err(|e| format!("connect: {e}"))?;
            let (request, limit) = if body {
                (
                    format!(
                        "POST /v1/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"name\":",
                        ctx.admin
                    ),
                    BODY_TIMEOUT_SECS,
                )
            } else {
                ("GET /v1/search?q=slow HTTP/1.1\r\nHost: x\r\nX-Slow: hal".to_owned(), HEADER_TIMEOUT_SECS)
            };
            s.write_all(request.as_bytes()).await.map_err(|e| format!("write: {e}"))?;
            let mut buf = [0u8; 1024];
            let mut got = Vec::new();
            let closed = tokio::time::timeout(Duration::from_secs(limit + 5), async {
                loop {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
            })
            .await;
            if closed.is_err() {
                return Err(format!("a slow client ({}) was still open after {} s", if body { "body" } else { "head" }, limit + 5));
            }
            if body && !got.starts_with(b"HTTP/1.1 408") {
                return Err(format!("a stalled body got: {}", String::from_utf8_lossy(&got).chars().take(80).collect::<String>()));
            }
            Ok(())
        }
        .await;
        ctx.record(if body { "slow body" } else { "slow head" }, started, outcome).await;
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let secs: u64 = env_or("CG_SOAK_SECS", 600u64).clamp(10, 1_800);
    let warmup: u64 = env_or("CG_SOAK_WARMUP_SECS", 180u64).clamp(0, 1_800);
    // `CG_SOAK_WRITES=0`: no submitter and no proposal editor, so the stored
    // data does not grow (to tell memory that follows the data from a leak).
    let writes = env_or("CG_SOAK_WRITES", 1u8) != 0;
    let max_requests: u64 = env_or("CG_SOAK_MAX_REQUESTS", 10_000_000u64).clamp(1, 10_000_000);
    let header = HEADER_TIMEOUT_SECS.to_string();
    let body = BODY_TIMEOUT_SECS.to_string();
    let cache: Option<String> = std::env::var("CG_STORE_CACHE_MB").ok();
    let mut args = vec!["--samples", "data", "--header-timeout", &header, "--body-timeout", &body];
    if let Some(mb) = &cache {
        args.extend(["--store-cache-mb", mb.as_str()]);
    }
    let mut server = Server::start(&args);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss_start, anon_start) = server.rss();
    println!(
        "soak: {warmup} s of warm-up, then {secs} s (or {max_requests} requests in all) against {}; RSS at start {rss_start:.0} MiB",
        server.base
    );

    let started = Instant::now();
    let ctx = Ctx {
        client,
        base: server.base.clone(),
        addr: server.addr().to_owned(),
        admin: server.admin.clone(),
        deadline: started + Duration::from_secs(warmup + secs),
        sent: Arc::default(),
        max_requests,
        stats: Arc::default(),
    };
    let mut tasks = Vec::new();
    for n in 0..4 {
        tasks.push(tokio::spawn(searcher(ctx.clone(), n)));
    }
    tasks.push(tokio::spawn(reader(ctx.clone())));
    if writes {
        tasks.push(tokio::spawn(submitter(ctx.clone())));
        tasks.push(tokio::spawn(editor(ctx.clone())));
    }
    for _ in 0..16 {
        tasks.push(tokio::spawn(slow_client(ctx.clone(), false)));
    }
    tasks.push(tokio::spawn(slow_client(ctx.clone(), true)));

    let mut samples = Vec::new();
    let mut rss_warm = None;
    let (mut rss_min, mut rss_max) = (f64::MAX, 0.0f64);
    while ctx.going() {
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(server.alive(), "the server died");
        let (rss, anon) = server.rss();
        let t = started.elapsed().as_secs();
        if t >= warmup {
            rss_warm.get_or_insert(rss);
            (rss_min, rss_max) = (rss_min.min(rss), rss_max.max(rss));
        }
        println!("  {t:>4} s: {} requests, RSS {rss:.0} MiB (anonymous {anon:.0})", ctx.sent.load(Ordering::Relaxed));
        samples.push(json!({"t": t, "rss_mib": rss.round(), "anon_mib": anon.round()}));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (rss_end, anon_end) = server.rss();
    let rss_warm = rss_warm.unwrap_or(rss_start);
    (rss_min, rss_max) = (rss_min.min(rss_end), rss_max.max(rss_end));
    let spread = (rss_max - rss_min) / rss_warm.max(1.0) * 100.0;
    let store_mib = server.store_bytes() as f64 / (1024.0 * 1024.0);

    let mut kinds = serde_json::Map::new();
    let mut errors = 0;
    let mut all = Vec::new();
    println!("{:<10} {:>9} {:>9} {:>9} {:>9} {:>7}", "kind", "requests", "per s", "p50 ms", "p99 ms", "errors");
    for (kind, k) in ctx.stats.lock().await.iter_mut() {
        k.latencies_ms.sort_by(f64::total_cmp);
        let n = k.latencies_ms.len();
        let (p50, p99) = (percentile(&k.latencies_ms, 0.5), percentile(&k.latencies_ms, 0.99));
        println!("{kind:<10} {n:>9} {:>9.1} {p50:>9.1} {p99:>9.1} {:>7}", n as f64 / elapsed, k.errors);
        for e in &k.first_errors {
            println!("    error: {e}");
        }
        errors += k.errors;
        if !kind.starts_with("slow") {
            all.extend_from_slice(&k.latencies_ms);
        }
        kinds.insert(
            (*kind).to_owned(),
            json!({"requests": n, "per_s": (n as f64 / elapsed * 10.0).round() / 10.0,
                   "p50_ms": (p50 * 10.0).round() / 10.0, "p99_ms": (p99 * 10.0).round() / 10.0, "errors": k.errors}),
        );
    }
    all.sort_by(f64::total_cmp);
    let drift = (rss_end - rss_warm) / rss_warm.max(1.0) * 100.0;
    println!(
        "all but slow clients: {} requests, {:.1}/s, p99 {:.1} ms; errors (all kinds) {errors}",
        all.len(),
        all.len() as f64 / elapsed,
        percentile(&all, 0.99)
    );
    println!(
        "RSS: start {rss_start:.0} MiB, after the {warmup} s warm-up {rss_warm:.0} MiB, end {rss_end:.0} MiB ({drift:+.1} % from the warm-up; target within 10 %), {rss_min:.0} to {rss_max:.0} MiB after the warm-up ({spread:.1} % of it); the store's files: {store_mib:.0} MiB at the end"
    );
    println!(
        "SOAK_JSON {}",
        json!({
            "store_cache_mb": cache, "writes": writes, "secs": elapsed.round(), "requests": ctx.sent.load(Ordering::Relaxed), "errors": errors,
            "kinds": kinds, "p99_ms_all": (percentile(&all, 0.99) * 10.0).round() / 10.0,
            "per_s_all": (all.len() as f64 / elapsed * 10.0).round() / 10.0,
            "rss_start_mib": rss_start.round(), "anon_start_mib": anon_start.round(),
            "warmup_secs": warmup, "rss_warm_mib": rss_warm.round(), "rss_min_mib": rss_min.round(), "rss_max_mib": rss_max.round(), "rss_end_mib": rss_end.round(), "anon_end_mib": anon_end.round(),
            "rss_drift_pct": (drift * 10.0).round() / 10.0, "store_files_mib": store_mib.round(), "samples": samples,
        })
    );
}
