//! The one error type of the crate. Every layer returns it; `http::problem`
//! turns it into an RFC 9457 problem+json response.

use crate::domain::RowError;

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
    #[error("storage: {0}")]
    Storage(#[from] sled::Error),
    #[error("index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// Stored bytes that do not decode: a bug or a damaged store, never user input.
    #[error("corrupt record: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound { what, id: id.into() }
    }

    pub fn bad_param(param: &str, reason: impl Into<String>) -> Self {
        Self::BadRequest { param: Some(param.to_owned()), reason: reason.into() }
    }

    pub fn bad_request(reason: impl Into<String>) -> Self {
        Self::BadRequest { param: None, reason: reason.into() }
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
