//! `/v1/tokens`: minting, listing and revoking bearer tokens (admin). A
//! token's secret is shown once, when it is minted; the list shows who holds
//! each, what it grants, when it expires and when it was last used.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Authenticated;
use super::extract::{JsonBody, Params};
use super::problem::{AppResult, Problem};
use super::{AppState, blocking};
use crate::clock;
use crate::domain::Role;
use crate::error::Error;
use crate::service::{NewToken as TokenDraft, TokenRecord};

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
    /// RFC 3339 time (or a date, meaning its start in UTC) after which the
    /// token opens nothing; omitted: it does not expire.
    #[schema(example = "2027-12-31T00:00:00Z")]
    pub expires_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    /// The secret, shown only in this response; the server keeps its hash.
    pub token: String,
    pub name: String,
    pub role: String,
    pub state: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
}

/// A token as the list shows it: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    #[schema(example = "de-delegate")]
    pub name: String,
    #[schema(example = "delegate")]
    pub role: String,
    pub state: Option<String>,
    pub created_at: String,
    /// The token name of the admin (or `operator`, the command line) who minted it.
    pub created_by: String,
    pub expires_at: Option<String>,
    /// Has the expiry passed?
    pub expired: bool,
    /// When it last opened a request (to the minute); null if never.
    pub last_used_at: Option<String>,
}

impl TokenView {
    fn new(r: TokenRecord, now: time::OffsetDateTime) -> Self {
        Self {
            expired: r.expires_at.is_some_and(|at| at <= now),
            name: r.name,
            role: r.role.to_string(),
            state: r.state.map(|s| s.to_string()),
            created_at: clock::format(r.created_at),
            created_by: r.created_by,
            expires_at: r.expires_at.map(clock::format),
            last_used_at: r.last_used_at.map(clock::format),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
    pub tokens: Vec<TokenView>,
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
    let expires_at = body
        .expires_at
        .as_deref()
        .map(|raw| {
            clock::parse(raw).ok_or_else(|| {
                Error::bad_param("expires_at", "expires_at must be an RFC 3339 time or a date (YYYY-MM-DD)")
            })
        })
        .transpose()?;
    let draft = TokenDraft { name: body.name, role, state, expires_at };
    let minted = blocking(move || app.glossary.mint_token(&actor, draft)).await?;
    let r = minted.record;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated {
            token: minted.token,
            name: r.name,
            role: r.role.to_string(),
            state: r.state.map(|s| s.to_string()),
            created_at: clock::format(r.created_at),
            expires_at: r.expires_at.map(clock::format),
        }),
    ))
}

/// Lists the tokens by name, without their secrets (admin).
#[utoipa::path(get, path = "/v1/tokens", tag = "audit and access",
    params(("limit" = Option<usize>, Query), ("offset" = Option<usize>, Query)),
    responses((status = 200, body = TokenList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_tokens(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> AppResult<Json<TokenList>> {
    let (offset, limit) = params.page()?;
    let glossary = app.glossary.clone();
    let records = blocking(move || glossary.tokens(&actor)).await?;
    let now = app.glossary.clock().now();
    let total = records.len();
    let tokens = records.into_iter().skip(offset).take(limit).map(|r| TokenView::new(r, now)).collect();
    Ok(Json(TokenList { total, limit, offset, tokens }))
}

/// Revokes a token (admin): it fails at once, and the web sessions opened
/// with it end. Audited as `token.revoke`.
#[utoipa::path(delete, path = "/v1/tokens/{name}", tag = "audit and access",
    params(("name" = String, Path, description = "The token's name")),
    responses((status = 204, description = "Revoked"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn revoke_token(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(name): Path<String>,
) -> AppResult<StatusCode> {
    blocking(move || app.glossary.revoke_token(&actor, &name)).await?;
    Ok(StatusCode::NO_CONTENT)
}
