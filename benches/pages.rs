//! The search page beside the JSON API, in the same run, over HTTP: the
//! real server (`Application`, as `glossary serve` runs it) on a cached
//! bench data directory, `GET /search?…` (the HTML page) and
//! `GET /v1/search?…` (JSON) for the same queries.
//!
//! ```text
//! cargo bench --bench pages                         # 100k
//! CG_BENCH_SIZES=1000000 cargo bench --bench pages  # 1M
//! CG_PAGE_QUERIES=1000 cargo bench --bench pages    # more queries (default 600)
//! ```
//!
//! The queries are the first `CG_PAGE_QUERIES` of the corpus's mixed set
//! (exact, fuzzy, full text, phrase, filtered), reduced to what both
//! answer alike (`q`, `language`, `state`, `year`, `field`): both return
//! their first 20 hits with their total, highlights and facet counts
//! (State, language, year, domain). The server's response cache is off
//! (`search_cache = 0`), so every API request searches, as every page
//! request does. One warm-up pass over the queries, then one timed pass;
//! each query is sent to both, one request at a time on one keep-alive
//! connection each, the order alternating (page first on even queries, API
//! first on odd ones). Latency is the client's: request sent → whole body
//! read. Target: the page within 1.5× the API (p50 and mean). The page's
//! body size (bytes, before compression) is reported too. Prints one JSON
//! line per size (`PAGES_JSON {...}`), which BENCHMARKS.md quotes.

#[path = "common/corpus.rs"]
mod corpus;
#[path = "support/mod.rs"]
mod support;

use std::time::Instant;

use consensus_glossary::{Application, Config};
use serde_json::json;

/// What both the page and the API read from a query string.
const SHARED: [&str; 5] = ["q", "language", "state", "year", "field"];

fn shared_query(qs: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(qs.as_bytes()) {
        if SHARED.contains(&&*k) {
            out.append_pair(&k, &v);
        }
    }
    out.finish()
}

fn summary(samples: &mut [f64]) -> serde_json::Value {
    samples.sort_by(f64::total_cmp);
    let mean = samples.iter().sum::<f64>() / samples.len().max(1) as f64;
    let r = |x: f64| (x * 1000.0).round() / 1000.0;
    json!({
        "n": samples.len(),
        "p50_ms": r(support::percentile(samples, 50.0)),
        "p90_ms": r(support::percentile(samples, 90.0)),
        "p99_ms": r(support::percentile(samples, 99.0)),
        "mean_ms": r(mean),
        "max_ms": r(samples.last().copied().unwrap_or(f64::NAN)),
    })
}

async fn timed(client: &reqwest::Client, url: &str) -> (f64, usize) {
    let t = Instant::now();
    let r = client.get(url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = r.status();
    let body = r.bytes().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let ms = t.elapsed().as_secs_f64() * 1e3;
    assert!(status.is_success(), "GET {url}: {status}: {}", String::from_utf8_lossy(&body));
    (ms, body.len())
}

fn main() {
    let wanted: usize = std::env::var("CG_PAGE_QUERIES").ok().and_then(|v| v.parse().ok()).unwrap_or(600);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    for n in support::sizes() {
        let ds = support::dataset(n, support::SEED, false);
        let queries: Vec<(String, String)> = support::mixed_queries(&ds.dir)
            .into_iter()
            .map(|(kind, qs)| (kind, shared_query(&qs)))
            .take(if support::bench_mode() { wanted } else { 40 })
            .collect();
        drop(ds.lists);
        runtime.block_on(async {
            let mut config = Config::local(&ds.dir);
            config.search_cache = 0;
            let started = Instant::now();
            let app = Application::build(config).await.expect("the server starts on the bench directory");
            let open_s = started.elapsed().as_secs_f64();
            let base = format!("http://127.0.0.1:{}", app.port());
            let server = tokio::spawn(app.run_until_stopped());
            let page_client = reqwest::Client::new();
            let api_client = reqwest::Client::new();
            let urls: Vec<(String, String)> =
                queries.iter().map(|(_, qs)| (format!("{base}/search?{qs}"), format!("{base}/v1/search?{qs}"))).collect();
            for (page, api) in &urls {
                timed(&page_client, page).await;
                timed(&api_client, api).await;
            }
            let (mut page_ms, mut api_ms, mut page_bytes) = (Vec::new(), Vec::new(), Vec::new());
            let mut ratios = Vec::new();
            for (i, (page, api)) in urls.iter().enumerate() {
                let ((p, bytes), (a, _)) = if i % 2 == 0 {
                    let p = timed(&page_client, page).await;
                    (p, timed(&api_client, api).await)
                } else {
                    let a = timed(&api_client, api).await;
                    (timed(&page_client, page).await, a)
                };
                page_ms.push(p);
                api_ms.push(a);
                ratios.push(p / a);
                page_bytes.push(bytes as f64);
            }
            server.abort();
            let page = summary(&mut page_ms);
            let api = summary(&mut api_ms);
            let ratio = |k: &str| {
                (page[k].as_f64().unwrap_or(f64::NAN) / api[k].as_f64().unwrap_or(f64::NAN) * 100.0).round() / 100.0
            };
            let (p50, mean) = (ratio("p50_ms"), ratio("mean_ms"));
            ratios.sort_by(f64::total_cmp);
            page_bytes.sort_by(f64::total_cmp);
            let out = json!({
                "entries": n,
                "queries": urls.len(),
                "server_start_s": (open_s * 100.0).round() / 100.0,
                "page": page,
                "api": api,
                "page_over_api": {"p50": p50, "mean": mean, "p99": ratio("p99_ms"),
                                  "median_of_per_query_ratios": (support::percentile(&ratios, 50.0) * 100.0).round() / 100.0},
                "page_bytes": {"p50": support::percentile(&page_bytes, 50.0), "max": page_bytes.last().copied().unwrap_or(0.0)},
                "target_met": p50 <= 1.5 && mean <= 1.5,
            });
            println!("{n} entries, {} queries (server started in {open_s:.1} s)", urls.len());
            println!("{:<14} {:>9} {:>9} {:>9} {:>9}", "", "p50 ms", "p90 ms", "p99 ms", "mean ms");
            for (name, s) in [("page /search", &out["page"]), ("API /v1/search", &out["api"])] {
                println!(
                    "{name:<14} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
                    s["p50_ms"].as_f64().unwrap_or(f64::NAN),
                    s["p90_ms"].as_f64().unwrap_or(f64::NAN),
                    s["p99_ms"].as_f64().unwrap_or(f64::NAN),
                    s["mean_ms"].as_f64().unwrap_or(f64::NAN)
                );
            }
            println!(
                "page / API: p50 {p50}x, mean {mean}x (target ≤ 1.5x: {}); page size p50 {} bytes, max {} bytes",
                if out["target_met"] == true { "met" } else { "NOT met" },
                out["page_bytes"]["p50"],
                out["page_bytes"]["max"]
            );
            println!("PAGES_JSON {out}");
        });
    }
}
