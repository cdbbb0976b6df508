//! `/v1/states`: the parties that submit national lists.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Authenticated, Reader, require_admin};
use super::extract::JsonBody;
use super::problem::{AppResult, Problem};
use super::{AppState, blocking};
use crate::domain::StateCode;
use crate::error::Error;
use crate::store::StateRecord;

/// A party: an OSCE participating State or a party of another forum.
#[derive(Debug, Serialize, ToSchema)]
pub struct StateView {
    /// ISO 3166-1 alpha-2 for States, or a code an admin chose.
    #[schema(example = "DE")]
    pub code: String,
    #[schema(example = "Germany")]
    pub name: String,
    #[schema(example = "OSCE")]
    pub forum: String,
    pub added_at: String,
}

impl From<StateRecord> for StateView {
    fn from(r: StateRecord) -> Self {
        Self { code: r.code, name: r.name, forum: r.forum, added_at: r.added_at }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StateList {
    pub total: usize,
    pub states: Vec<StateView>,
}

/// A party to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewState {
    /// 2 to 12 characters of A-Z, 0-9 and '-'.
    #[schema(example = "ARF-SG")]
    pub code: String,
    #[schema(example = "Singapore (ARF)")]
    pub name: String,
    /// The forum the party belongs to; "OSCE" when omitted.
    #[schema(example = "ARF")]
    pub forum: Option<String>,
}

/// Lists every known party, OSCE participating States first seeded.
#[utoipa::path(get, path = "/v1/states", tag = "states",
    responses((status = 200, body = StateList), (status = 401, body = Problem)))]
pub async fn list_states(State(app): State<AppState>, _reader: Reader) -> AppResult<Json<StateList>> {
    let states: Vec<StateView> = app.glossary.store.states()?.into_iter().map(StateView::from).collect();
    Ok(Json(StateList { total: states.len(), states }))
}

/// Adds a party of another forum, or a test party (admin).
#[utoipa::path(post, path = "/v1/states", tag = "states", request_body = NewState,
    responses((status = 201, body = StateView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_state(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(body): JsonBody<NewState>,
) -> AppResult<(StatusCode, Json<StateView>)> {
    require_admin(&actor)?;
    let code = StateCode::parse(&body.code).map_err(|e| Error::bad_param("code", e))?;
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(Error::bad_param("name", "a name is 1 to 200 printable characters"));
    }
    let forum = body.forum.as_deref().map(str::trim).filter(|f| !f.is_empty()).unwrap_or("OSCE").to_owned();
    if forum.chars().count() > 40 || forum.chars().any(char::is_control) {
        return Err(Error::bad_param("forum", "a forum is at most 40 printable characters"));
    }
    let record = blocking(move || {
        let g = &app.glossary;
        let record = g.store.add_state(&code, &name, &forum, &actor, &g.now())?;
        g.store.flush()?;
        Ok(record)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(record.into())))
}
