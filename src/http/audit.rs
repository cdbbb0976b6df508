//! `/v1/audit`: who did what, when (editors and admins).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Authenticated;
use super::extract::Params;
use super::problem::{AppResult, Problem};
use super::{AppState, blocking};
use crate::clock;
use crate::error::Error;
use crate::service::{AuditFilter, AuditRecord};

/// One attributed action.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: String,
    pub at: String,
    /// The token name that acted.
    pub actor: String,
    pub role: String,
    pub actor_state: Option<String>,
    #[schema(example = "submission.create")]
    pub action: String,
    #[schema(example = "submissions/7")]
    pub target: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<AuditRecord> for AuditView {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id.to_string(),
            at: crate::clock::format(r.at),
            actor: r.actor,
            role: r.role.to_string(),
            actor_state: r.actor_state,
            action: r.action,
            target: r.target,
            detail: r.detail,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
    pub records: Vec<AuditView>,
}

/// The audit log, oldest first, filtered by time, actor, action, target or proposal.
#[utoipa::path(get, path = "/v1/audit", tag = "audit and access",
    params(
        ("since" = Option<String>, Query, description = "RFC 3339 time or date; records at or after it"),
        ("until" = Option<String>, Query, description = "RFC 3339 time or date; records at or before it"),
        ("actor" = Option<String>, Query, description = "Token name"),
        ("action" = Option<String>, Query, description = "Action or action prefix, e.g. submission"),
        ("target" = Option<String>, Query, description = "e.g. submissions/7"),
        ("proposal" = Option<String>, Query, description = "A proposal id: the same as target=proposals/ID"),
        ("limit" = Option<usize>, Query), ("offset" = Option<usize>, Query),
    ),
    responses((status = 200, body = AuditList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_audit(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> AppResult<Json<AuditList>> {
    let (offset, limit) = params.page()?;
    let time = |name: &str| -> Result<Option<time::OffsetDateTime>, Error> {
        params
            .get(name)
            .map(|raw| {
                clock::parse(raw).ok_or_else(|| {
                    Error::bad_param(name, format!("{name} must be an RFC 3339 time or a date (YYYY-MM-DD)"))
                })
            })
            .transpose()
    };
    let filter = AuditFilter {
        since: time("since")?,
        until: time("until")?,
        actor: params.get("actor").map(str::to_owned),
        action: params.get("action").map(str::to_owned),
        target: match (params.get("target"), params.get("proposal")) {
            (Some(_), Some(_)) => return Err(Error::bad_param("proposal", "give target or proposal, not both")),
            (None, Some(id)) => {
                let id = id.trim().parse::<u64>().map_err(|_| {
                    Error::bad_param("proposal", format!("'{}' is not a proposal id", crate::domain::codes::clip(id)))
                })?;
                Some(format!("proposals/{id}"))
            }
            (target, None) => target.map(str::to_owned),
        },
    };
    let (total, page) = blocking(move || app.glossary.audit(&actor, &filter, offset, limit)).await?;
    Ok(Json(AuditList { total, limit, offset, records: page.into_iter().map(AuditView::from).collect() }))
}
