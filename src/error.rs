//! The one error type of the crate. Every layer returns it; `http::problem`
//! turns it into an RFC 9457 problem+json response.

use crate::domain::RowError;
use crate::domain::proposal::{Blocked, TransitionError};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what} '{id}' does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("{0}")]
    Conflict(String),
    /// A body that was read but broke the rules: every bad row is named.
    #[error("the submission has {} error(s)", .0.len())]
    Invalid(Vec<RowError>),
    /// A body refused unread because reading it would be unsafe (a DTD or
    /// entity declarations in XML, nesting or size past the limits).
    #[error("{}", .0.reason)]
    UnsafeInput(RowError),
    /// A request parameter or body that could not be read at all.
    #[error("{reason}")]
    BadRequest { param: Option<String>, reason: String },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// A request body that did not arrive in time (`what` = "body", 408), or
    /// a request not answered in time (`what` = "answer", 503).
    #[error("{}", timeout_detail(.what, .limit))]
    RequestTimeout { limit: std::time::Duration, what: &'static str },
    #[error("storage: {0}")]
    Storage(#[from] sled::Error),
    #[error("index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// Stored bytes that do not decode: a bug or a damaged store, never user input.
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// A value the service made could not be written as JSON or CSV.
    #[error("encoding: {0}")]
    Encoding(String),
    /// A thread panicked while holding `what`: the process should restart.
    #[error("the {0} lock is poisoned")]
    Poisoned(&'static str),
    /// A worker thread or blocking task died.
    #[error("a worker failed: {0}")]
    Worker(String),
    /// A call that needs the search index, in a process that did not open it.
    #[error("this process has no search index open")]
    NoIndex,
    /// What should not happen and has no better name.
    #[error("{0}")]
    Internal(String),
    /// Request fields that broke the rules (422), every one named; like
    /// `Invalid`, but for a request that is not a national list.
    #[error("the request has {} error(s)", .0.len())]
    Unprocessable(Vec<RowError>),
    /// An action the proposal's status does not allow (409, naming the
    /// current status and the allowed ones).
    #[error("{0}")]
    Transition(TransitionError),
    /// Approval refused: the silence period runs or a State objects (409).
    #[error("{0}")]
    NoConsensus(Blocked),
    /// If-Match names a version that is no longer current (412).
    #[error("{0}")]
    PreconditionFailed(String),
    /// A write that needs If-Match came without it (428).
    #[error("{0}")]
    PreconditionRequired(String),
}

fn timeout_detail(what: &str, limit: &std::time::Duration) -> String {
    let secs = limit.as_secs_f64();
    if what == "body" {
        format!("the request body did not arrive whole within {secs} s; nothing was stored")
    } else {
        format!(
            "the request was not answered within {secs} s; a write it asked for may still complete, so check before repeating it"
        )
    }
}

impl Error {
    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound { what, id: id.into() }
    }

    pub fn bad_param(param: &str, reason: impl std::fmt::Display) -> Self {
        Self::BadRequest { param: Some(param.to_owned()), reason: reason.to_string() }
    }

    pub fn bad_request(reason: impl std::fmt::Display) -> Self {
        Self::BadRequest { param: None, reason: reason.to_string() }
    }

    /// Is this the store's directory lock, held by another process (a
    /// running server)?
    pub fn is_lock_error(&self) -> bool {
        matches!(self, Self::Storage(sled::Error::Io(io)) if crate::store::is_lock_error(io))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self::Encoding(e.to_string())
    }
}

impl From<::csv::Error> for Error {
    fn from(e: ::csv::Error) -> Self {
        Self::Encoding(format!("CSV: {e}"))
    }
}

impl From<sled::transaction::TransactionError<Error>> for Error {
    fn from(e: sled::transaction::TransactionError<Error>) -> Self {
        match e {
            sled::transaction::TransactionError::Abort(e) => e,
            sled::transaction::TransactionError::Storage(e) => Error::Storage(e),
        }
    }
}
