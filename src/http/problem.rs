//! RFC 9457 problem details: the one shape of every error response.
//! A 5xx says nothing specific to the client; its cause goes to the log.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::Error;

/// An error, as `application/problem+json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The query or body parameter at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// Every bad row of a refused list (or bad field of a refused request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<RowProblem>>,
    /// For a refused proposal action: the proposal's status now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "draft")]
    pub current_status: Option<String>,
    /// For a refused proposal action: the statuses it may move to from here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// For a refused proposal action: the actions its status allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<String>>,
    /// For a refused approval: the end of the silence period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub silence_until: Option<String>,
    /// For a refused approval: has the silence period passed?
    #[serde(skip_serializing_if = "Option::is_none")]
    pub silence_over: Option<bool>,
    /// For a refused approval: the standing objections.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objections: Option<Vec<ObjectionProblem>>,
}

/// A State's standing objection.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectionProblem {
    pub state: String,
    pub reason: String,
}

/// One bad row: `row` counts from 1 as the submitter sees it (CSV line, JSON
/// index + 1, TBX entry number); it is null for the list as a whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowProblem {
    pub row: Option<u64>,
    pub field: String,
    pub reason: String,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("/problems/{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            param: None,
            errors: None,
            current_status: None,
            allowed: None,
            allowed_actions: None,
            silence_until: None,
            silence_over: None,
            objections: None,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Self {
        use StatusCode as S;
        match e {
            Error::NotFound { .. } => Problem::new(S::NOT_FOUND, "not-found", "Not found", e.to_string()),
            Error::Conflict(detail) => Problem::new(S::CONFLICT, "conflict", "Conflict", detail),
            Error::Invalid(errors) => {
                let n = errors.len();
                let mut p = Problem::new(
                    S::UNPROCESSABLE_ENTITY,
                    "invalid-list",
                    "The list was refused",
                    format!(
                        "{n} problem(s) found; nothing was stored. Fix every row named in `errors` and submit again."
                    ),
                );
                p.errors = Some(
                    errors.into_iter().map(|e| RowProblem { row: e.row, field: e.field, reason: e.reason }).collect(),
                );
                p
            }
            Error::Unprocessable(errors) => {
                let n = errors.len();
                let mut p = Problem::new(
                    S::UNPROCESSABLE_ENTITY,
                    "invalid-request",
                    "The request was refused",
                    format!(
                        "{n} problem(s) found; nothing was stored. Fix every field named in `errors` and try again."
                    ),
                );
                p.errors = Some(
                    errors.into_iter().map(|e| RowProblem { row: e.row, field: e.field, reason: e.reason }).collect(),
                );
                p
            }
            Error::Transition(t) => {
                let mut p =
                    Problem::new(S::CONFLICT, "illegal-transition", "Not possible in this status", t.to_string());
                p.current_status = Some(t.current.as_str().to_owned());
                p.allowed = Some(t.allowed().into_iter().map(|s| s.as_str().to_owned()).collect());
                p.allowed_actions = Some(t.allowed_actions().into_iter().map(|a| a.as_str().to_owned()).collect());
                p
            }
            Error::NoConsensus(b) => {
                let mut p = Problem::new(S::CONFLICT, "no-consensus", "Consensus not reached", b.to_string());
                p.current_status = Some("under_review".to_owned());
                p.silence_until = Some(crate::clock::format(b.silence_until));
                p.silence_over = Some(b.silence_over);
                p.objections = Some(
                    b.objections.into_iter().map(|o| ObjectionProblem { state: o.state, reason: o.reason }).collect(),
                );
                p
            }
            Error::PreconditionFailed(detail) => {
                Problem::new(S::PRECONDITION_FAILED, "precondition-failed", "Precondition failed", detail)
            }
            Error::PreconditionRequired(detail) => {
                Problem::new(S::PRECONDITION_REQUIRED, "precondition-required", "Precondition required", detail)
            }
            Error::UnsafeInput(error) => {
                let mut p = Problem::new(S::BAD_REQUEST, "unsafe-input", "The body was refused unread", &error.reason);
                p.errors = Some(vec![RowProblem { row: error.row, field: error.field, reason: error.reason }]);
                p
            }
            Error::BadRequest { param, reason } => {
                let mut p = Problem::new(S::BAD_REQUEST, "bad-request", "Bad request", reason);
                p.param = param;
                p
            }
            Error::Unauthorized(detail) => {
                Problem::new(S::UNAUTHORIZED, "unauthorized", "Authentication required", detail)
            }
            Error::Forbidden(detail) => Problem::new(S::FORBIDDEN, "forbidden", "Forbidden", detail),
            Error::UnsupportedMediaType(detail) => {
                Problem::new(S::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type", detail)
            }
            Error::PayloadTooLarge { .. } => {
                Problem::new(S::PAYLOAD_TOO_LARGE, "payload-too-large", "Payload too large", e.to_string())
            }
            Error::RequestTimeout { what: "body", .. } => {
                Problem::new(S::REQUEST_TIMEOUT, "request-timeout", "Request body too slow", e.to_string())
            }
            Error::RequestTimeout { .. } => {
                Problem::new(S::SERVICE_UNAVAILABLE, "request-timeout", "Request took too long", e.to_string())
            }
            Error::Storage(_)
            | Error::Index(_)
            | Error::Io(_)
            | Error::Corrupt(_)
            | Error::Encoding(_)
            | Error::Poisoned(_)
            | Error::Worker(_)
            | Error::NoIndex
            | Error::Internal(_) => {
                tracing::error!(error = %e, "request failed");
                Problem::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "the server could not complete the request; the cause is in its log",
                )
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let close = matches!(self, Error::RequestTimeout { .. });
        let mut response = Problem::from(self).into_response();
        if close {
            // The rest of a late body is not worth reading: end the connection.
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if response.status() == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// What every handler returns.
pub type AppResult<T> = Result<T, Error>;
