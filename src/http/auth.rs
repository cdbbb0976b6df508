//! Who is calling: the bearer token, resolved to an `Actor`. A bad token is
//! always 401, even where reads are open; a missing one is 401 only where the
//! endpoint needs one.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::AppState;
use crate::domain::Actor;
use crate::error::Error;

/// The caller, if a token was presented.
async fn caller(parts: &Parts, state: &AppState) -> Result<Option<Actor>, Error> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| Error::Unauthorized("the Authorization header is not ASCII".into()))?;
    let Some(token) = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")) else {
        return Err(Error::Unauthorized("use 'Authorization: Bearer <token>'".into()));
    };
    let glossary = state.glossary.clone();
    let token = token.trim().to_owned();
    match super::blocking(move || glossary.authenticate(&token)).await? {
        Some(actor) => Ok(Some(actor)),
        None => Err(Error::Unauthorized("the token is not valid".into())),
    }
}

/// Someone allowed to read: any token holder, or anyone when reads are open.
pub struct Reader(pub Actor);

impl FromRequestParts<AppState> for Reader {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match caller(parts, state).await? {
            Some(actor) => Ok(Self(actor)),
            None if state.config.open_reads => Ok(Self(Actor::anonymous())),
            None => Err(Error::Unauthorized("this server needs a token for reads".into())),
        }
    }
}

/// A token holder; what they may do is checked by the handler or service.
pub struct Authenticated(pub Actor);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match caller(parts, state).await? {
            Some(actor) => Ok(Self(actor)),
            None => Err(Error::Unauthorized("this endpoint needs a bearer token".into())),
        }
    }
}
