//! `GET /metrics`: what an operator scrapes, in the Prometheus text format
//! (prometheus-client, the Prometheus project's own Rust client).
//!
//! - `glossary_http_requests_total{method,route,status}` and
//!   `glossary_http_request_duration_seconds{method,route}`: every request, by
//!   its route template (`/v1/entries/{id}`, never the raw path, so the label
//!   set stays small), unknown paths as `unmatched`;
//! - `glossary_search_duration_seconds`: searches alone, in the service;
//! - `glossary_change_log_seq`, `glossary_index_seq` and
//!   `glossary_index_lag_changes`: how far the search index trails the store;
//! - `glossary_store_size_bytes`, `glossary_cluster_runs_total`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::problem::AppResult;
use super::{AppState, blocking};
use crate::error::Error;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// Latency buckets from 0.25 ms to about 8 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// The process's metrics: registered once, updated by the middleware and the
/// search handler, read by `/metrics`.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: HistogramFamily,
    search: Histogram,
    store_seq: Gauge,
    index_seq: Gauge,
    index_lag: Gauge,
    store_bytes: Gauge,
    cluster_runs: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("glossary");
        let requests = Family::<RequestLabels, Counter>::default();
        let durations: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let search = latency_histogram();
        let (store_seq, index_seq, index_lag, store_bytes, cluster_runs) =
            (Gauge::default(), Gauge::default(), Gauge::default(), Gauge::default(), Gauge::default());
        registry.register("http_requests", "HTTP requests by route template, method and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency by route template", durations.clone());
        registry.register("search_duration_seconds", "Search latency (the service's search, no HTTP)", search.clone());
        registry.register("change_log_seq", "The last change the store recorded", store_seq.clone());
        registry.register("index_seq", "The last change the search index applied", index_seq.clone());
        registry.register("index_lag_changes", "Changes recorded but not yet searchable", index_lag.clone());
        registry.register("store_size_bytes", "The store's size on disk", store_bytes.clone());
        // A counter in meaning; kept by the service, so exposed as its current value.
        registry.register("cluster_runs", "Clustering runs (updates and rebuilds) since start", cluster_runs.clone());
        Self { registry, requests, durations, search, store_seq, index_seq, index_lag, store_bytes, cluster_runs }
    }

    /// Notes one search's duration.
    pub fn observe_search(&self, started: Instant) {
        self.search.observe(started.elapsed().as_secs_f64());
    }

    fn observe_request(&self, method: &str, route: &str, status: u16, started: Instant) {
        let route = route.to_owned();
        let method = method.to_owned();
        self.durations
            .get_or_create(&RouteLabels { method: method.clone(), route: route.clone() })
            .observe(started.elapsed().as_secs_f64());
        self.requests.get_or_create(&RequestLabels { method, route, status }).inc();
    }
}

/// Times every request and counts it by route template and status.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let response = next.run(request).await;
    let route = route.as_deref().unwrap_or("unmatched");
    metrics.observe_request(&method, route, response.status().as_u16(), started);
    response
}

/// The service's metrics in the OpenMetrics text format (Prometheus scrapes
/// it): requests and latency by route and status, search latency, index lag
/// behind the change log, store size, clustering runs. Open to every caller
/// that can reach the port: it holds counts, never content.
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "OpenMetrics text", body = String,
        content_type = "application/openmetrics-text")))]
pub async fn metrics(State(app): State<AppState>) -> AppResult<Response> {
    let glossary = app.glossary.clone();
    let ops = blocking(move || glossary.operations()).await?;
    let m = &app.metrics;
    let as_gauge = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    m.store_seq.set(as_gauge(ops.store_seq));
    m.store_bytes.set(as_gauge(ops.store_bytes));
    m.cluster_runs.set(as_gauge(ops.cluster_runs));
    if let Some(index_seq) = ops.index_seq {
        m.index_seq.set(as_gauge(index_seq));
        m.index_lag.set(as_gauge(ops.store_seq.saturating_sub(index_seq)));
    }
    let mut body = String::new();
    encode(&mut body, &m.registry).map_err(|e| Error::Internal(format!("metrics could not be written: {e}")))?;
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    Ok(response)
}
