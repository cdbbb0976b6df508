//! The REST API (axum): router, extractors, problem+json errors, and one
//! module per noun. Handlers are thin: extract, check the role, call the
//! service, map the answer. They never touch sled or tantivy directly.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod cache;
pub mod clusters;
pub mod compare;
pub mod entries;
pub mod extract;
pub mod glossary;
pub mod health;
pub mod inquiries;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod proposals;
pub mod search;
pub mod server;
pub mod states;
pub mod submissions;
pub mod tokens;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::Error;
use crate::service::Glossary;
use problem::Problem;

/// Settings of the HTTP side.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Reads without a token (the local demo's default).
    pub open_reads: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a request head may take to arrive (and a kept-alive
    /// connection may stay idle) before the connection is closed.
    pub header_timeout: Duration,
    /// How long a request body may take to arrive whole, from its head (408).
    pub body_timeout: Duration,
    /// How long a request may take, from its head to its answer (503).
    pub request_timeout: Duration,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
}

/// The defaults of [`HttpConfig`] (and of `glossary serve`'s flags).
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;
pub const DEFAULT_BODY_TIMEOUT_SECS: u64 = 60;
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 300;
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            open_reads: true,
            body_limit: 16 * 1024 * 1024,
            header_timeout: Duration::from_secs(DEFAULT_HEADER_TIMEOUT_SECS),
            body_timeout: Duration::from_secs(DEFAULT_BODY_TIMEOUT_SECS),
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub glossary: Glossary,
    pub config: Arc<HttpConfig>,
    /// Recent `/v1/search` response bodies, valid until the next index commit.
    pub search_cache: Arc<cache::ResponseCache>,
    /// What the web pages keep (the login attempt limiter).
    pub web: Arc<crate::web::WebState>,
    /// Request, search and store figures for `GET /metrics`.
    pub metrics: Arc<metrics::Metrics>,
}

/// Every route, registered once: the router and its OpenAPI document come
/// from the same list.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(metrics::metrics))
        .routes(routes!(states::list_states, states::create_state))
        .routes(routes!(states::get_state))
        .routes(routes!(submissions::create_submission, submissions::list_submissions))
        .routes(routes!(submissions::get_submission))
        .routes(routes!(submissions::withdraw_submission))
        .routes(routes!(entries::list_entries))
        .routes(routes!(entries::get_entry))
        .routes(routes!(search::search))
        .routes(routes!(compare::compare))
        .routes(routes!(compare::compare_entries))
        .routes(routes!(compare::coverage))
        .routes(routes!(clusters::rebuild_clusters))
        .routes(routes!(clusters::list_clusters))
        .routes(routes!(clusters::merge_clusters))
        .routes(routes!(clusters::get_cluster))
        .routes(routes!(clusters::split_cluster))
        .routes(routes!(clusters::pin_entry))
        .routes(routes!(audit::list_audit))
        .routes(routes!(tokens::create_token, tokens::list_tokens))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(proposals::create_proposal, proposals::list_proposals))
        .routes(routes!(proposals::get_proposal, proposals::update_proposal))
        .routes(routes!(proposals::submit_proposal))
        .routes(routes!(proposals::create_position))
        .routes(routes!(proposals::approve_proposal))
        .routes(routes!(proposals::reject_proposal))
        .routes(routes!(proposals::withdraw_proposal))
        .routes(routes!(proposals::create_comment))
        .routes(routes!(glossary::get_glossary))
        .routes(routes!(glossary::export_glossary))
        .routes(routes!(backup::get_backup))
        .routes(routes!(inquiries::create_inquiry, inquiries::list_inquiries))
        .routes(routes!(inquiries::get_inquiry))
        .routes(routes!(inquiries::reply_inquiry))
        .routes(routes!(inquiries::close_inquiry))
}

/// The OpenAPI document of the API as the code defines it.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    openapi::finish(routes().split_for_parts().1)
}

/// The whole application: routes, docs, limits, and errors in one shape.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let request_timeout = state.config.request_timeout;
    let tracked = state.metrics.clone();
    let (router, api) = routes().split_for_parts();
    let api = openapi::finish(api);
    router
        .merge(SwaggerUi::new("/docs").url("/openapi.json", api))
        .merge(crate::web::routes())
        // Inside the router, where the matched route template is known.
        .route_layer(axum::middleware::from_fn_with_state(tracked, metrics::track))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            tracing::error!("a handler panicked");
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "the server could not complete the request; the cause is in its log",
            )
            .into_response()
        }))
        .layer(axum::middleware::from_fn_with_state(request_timeout, request_deadline))
        .layer(axum::middleware::from_fn(head_limits))
        .layer(TraceLayer::new_for_http())
}

/// The longest request target answered (longer: 414).
pub const MAX_URI_BYTES: usize = 32 * 1024;
/// The most header bytes answered (more: 431).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Refuses an over-long request target (414) or over-large headers (431) as
/// problem+json, well below the limits at which the HTTP parser itself
/// answers with an empty body.
async fn head_limits(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let uri = request.uri().to_string().len();
    if uri > MAX_URI_BYTES {
        return Problem::new(
            StatusCode::URI_TOO_LONG,
            "uri-too-long",
            "URI too long",
            format!("the request target has {uri} bytes; at most {MAX_URI_BYTES} are read"),
        )
        .into_response();
    }
    let headers: usize = request.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    if headers > MAX_HEADER_BYTES {
        return Problem::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers-too-large",
            "Request header fields too large",
            format!("the request has {headers} bytes of headers; at most {MAX_HEADER_BYTES} are read"),
        )
        .into_response();
    }
    next.run(request).await
}

/// Answers 503 (problem+json, connection closed) when a request takes
/// longer than the request timeout, from its head to its answer. Work
/// already handed to the store goes on: a write may still complete, which
/// the answer says.
async fn request_deadline(
    axum::extract::State(limit): axum::extract::State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Error::RequestTimeout { limit, what: "answer" }.into_response(),
    }
}

/// An address no route serves: under the API (`/v1`, `/openapi.json`,
/// `/docs`, `/healthz`) a problem, anywhere else the pages' not-found page.
async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> Response {
    let path = req.uri().path();
    let api = ["/v1", "/docs", "/healthz", "/metrics", "/openapi.json"]
        .iter()
        .any(|p| path == *p || path.strip_prefix(p).is_some_and(|rest| rest.starts_with('/')));
    if api {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", format!("no route for {path}")).into_response()
    } else {
        crate::web::not_found(state, req).await
    }
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
    .into_response()
}

/// Runs store work (sled reads and writes, fsync) off the async threads.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::Worker(e.to_string()))?
}
