//! Extractors that reject in the one problem+json shape: JSON bodies whose
//! errors name the field, raw bodies under the size limit, and query
//! parameters whose errors name the parameter.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::AppState;
use crate::domain::{EntryId, LanguageTag, StateCode};
use crate::error::Error;

/// The request body as bytes; over the limit → 413 problem.
pub struct Body(pub Bytes);

impl FromRequest<AppState> for Body {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(Self(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(Error::PayloadTooLarge { limit: state.config.body_limit })
            }
            Err(rejection) => match super::server::is_body_timeout(&rejection) {
                Some(limit) => Err(Error::RequestTimeout { limit, what: "body" }),
                None => Err(Error::bad_request(format!("the request body could not be read: {rejection}"))),
            },
        }
    }
}

/// The media type of a request, lower-cased, without parameters.
pub fn media_type(parts: &axum::http::HeaderMap) -> Option<String> {
    let value = parts.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

/// A JSON body deserialized into `T`; a wrong field is named in the 400.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        require_json(req.headers())?;
        let Body(bytes) = Body::from_request(req, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

fn require_json(headers: &axum::http::HeaderMap) -> Result<(), Error> {
    if let Some(media) = media_type(headers)
        && media != "application/json"
        && !media.ends_with("+json")
    {
        return Err(Error::UnsupportedMediaType(format!("this endpoint reads application/json, not {media}")));
    }
    Ok(())
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    crate::formats::json::no_duplicate_keys(bytes)
        .map_err(|dup| Error::bad_param(&dup.full_path(), dup.to_string()))?;
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path.is_empty() || path == "." {
            Error::bad_request(format!("the body is not the expected JSON: {inner}"))
        } else {
            Error::bad_param(&path, format!("{path}: {inner}"))
        }
    })
}

/// A JSON body that may be left out: an empty body reads as `T::default()`
/// (for actions such as `submit` whose fields are all optional).
pub struct OptionalJsonBody<T>(pub T);

impl<T: DeserializeOwned + Default> FromRequest<AppState> for OptionalJsonBody<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let json = require_json(req.headers());
        let Body(bytes) = Body::from_request(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        json?;
        parse_json(&bytes).map(OptionalJsonBody)
    }
}

/// Query parameters, kept in order and repeatable (`state=DE&state=FR`).
pub struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        Ok(Self(form_urlencoded::parse(query.as_bytes()).into_owned().collect()))
    }
}

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 200;

impl Params {
    /// The last value of `name`, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    /// Every value of a repeatable parameter (comma-separated values are split too).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    pub fn int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, Error> {
        let Some(raw) = self.get(name) else { return Ok(None) };
        match raw.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(Error::bad_param(
                name,
                format!("{name} must be a whole number from {min} to {max}, not '{}'", clip(raw)),
            )),
        }
    }

    pub fn bool(&self, name: &str) -> Result<bool, Error> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None | Some("false" | "0" | "no") => Ok(false),
            Some("true" | "1" | "yes") => Ok(true),
            Some(other) => Err(Error::bad_param(name, format!("{name} must be true or false, not '{}'", clip(other)))),
        }
    }

    /// A State code, if given: a malformed one is a 400 naming the parameter.
    pub fn state(&self, name: &str) -> Result<Option<StateCode>, Error> {
        self.get(name).map(|raw| state_code(name, raw)).transpose()
    }

    /// A language tag, if given (400 naming the parameter when malformed).
    pub fn language(&self, name: &str) -> Result<Option<LanguageTag>, Error> {
        self.get(name).map(|raw| LanguageTag::parse(raw).map_err(|e| Error::bad_param(name, e.to_string()))).transpose()
    }

    /// An entry id (400 naming the parameter when it is none).
    pub fn entry_id(&self, name: &str) -> Result<EntryId, Error> {
        let raw = self.get(name).ok_or_else(|| Error::bad_param(name, format!("{name} (an entry id) is required")))?;
        raw.parse().map_err(|e: crate::domain::ids::BadEntryId| Error::bad_param(name, e.to_string()))
    }

    /// `offset` and `limit` (default 20, at most 200).
    pub fn page(&self) -> Result<(usize, usize), Error> {
        let limit = self.int("limit", 1, MAX_LIMIT as i64)?.map_or(DEFAULT_LIMIT, |n| n as usize);
        let offset = self.int("offset", 0, 10_000_000)?.unwrap_or(0) as usize;
        Ok((offset, limit))
    }
}

/// A State code from a path segment or a parameter: the same 400, naming
/// `param`, wherever a malformed one is given (a well-formed code that no
/// party has is the service's 404).
pub fn state_code(param: &str, raw: &str) -> Result<StateCode, Error> {
    StateCode::parse(raw).map_err(|e| Error::bad_param(param, e.to_string()))
}

fn clip(raw: &str) -> String {
    crate::domain::codes::clip(raw)
}
