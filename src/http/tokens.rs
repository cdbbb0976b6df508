//! `/v1/tokens`: minting bearer tokens (admin). The token is shown once.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Authenticated;
use super::extract::JsonBody;
use super::problem::{AppResult, Problem};
use super::{AppState, blocking};
use crate::domain::Role;
use crate::error::Error;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// Who holds the token: it names them in the audit log.
    #[schema(example = "de-delegate")]
    pub name: String,
    /// reader, delegate, editor or admin.
    #[schema(example = "delegate")]
    pub role: String,
    /// Required for delegates (and only for them): the State they act for.
    #[schema(example = "DE")]
    pub state: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    /// The secret, shown only in this response; the server keeps its hash.
    pub token: String,
    pub name: String,
    pub role: String,
    pub state: Option<String>,
    pub created_at: String,
}

/// Mints a token (admin).
#[utoipa::path(post, path = "/v1/tokens", tag = "audit and access", request_body = NewToken,
    responses((status = 201, body = TokenCreated), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem, description = "A token with that name exists")),
    security(("bearer" = [])))]
pub async fn create_token(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(body): JsonBody<NewToken>,
) -> AppResult<(StatusCode, Json<TokenCreated>)> {
    let role = Role::parse(&body.role).map_err(|e| Error::bad_param("role", e))?;
    let state = body.state.as_deref().map(|raw| super::extract::state_code("state", raw)).transpose()?;
    let minted = blocking(move || app.glossary.mint_token(&actor, &body.name, role, state)).await?;
    let r = minted.record;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated {
            token: minted.token,
            name: r.name,
            role: r.role.to_string(),
            state: r.state.map(|s| s.to_string()),
            created_at: crate::clock::format(r.created_at),
        }),
    ))
}
