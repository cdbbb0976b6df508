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
    /// Every bad row of a refused list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<RowProblem>>,
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
            Error::Storage(_) | Error::Index(_) | Error::Io(_) | Error::Corrupt(_) | Error::Internal(_) => {
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
        let mut response = Problem::from(self).into_response();
        if response.status() == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// What every handler returns.
pub type AppResult<T> = Result<T, Error>;
