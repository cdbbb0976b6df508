//! `/v1/states`: the parties that submit national lists.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Authenticated, Reader};
use super::extract::JsonBody;
use super::problem::{AppResult, Problem};
use super::submissions::SubmissionSummary;
use super::{AppState, blocking};
use crate::service::StateRecord;

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
        Self { code: r.code, name: r.name, forum: r.forum, added_at: crate::clock::format(r.added_at) }
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
pub async fn list_states(State(app): State<AppState>, Reader(reader): Reader) -> AppResult<Json<StateList>> {
    let states = blocking(move || app.glossary.states(&reader)).await?;
    let states: Vec<StateView> = states.into_iter().map(StateView::from).collect();
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
    let code = super::extract::state_code("code", &body.code)?;
    let new = crate::service::NewState { code, name: body.name, forum: body.forum };
    let record = blocking(move || app.glossary.create_state(&actor, new)).await?;
    Ok((StatusCode::CREATED, Json(record.into())))
}

/// A party with its national lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct StateDetail {
    #[serde(flatten)]
    pub state: StateView,
    /// The current revision of each year's list, by year.
    pub current: Vec<SubmissionSummary>,
    /// Every revision of every year, oldest first.
    pub submissions: Vec<SubmissionSummary>,
    /// When its latest list arrived; null if it has none.
    pub last_submission_at: Option<String>,
}

/// One party: its name and forum, and its lists (current and every revision).
#[utoipa::path(get, path = "/v1/states/{state}", tag = "states",
    params(("state" = String, Path, description = "State code")),
    responses((status = 200, body = StateDetail), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_state(
    State(app): State<AppState>,
    Reader(reader): Reader,
    Path(code): Path<String>,
) -> AppResult<Json<StateDetail>> {
    let code = super::extract::state_code("state", &code)?;
    let (record, listed) = blocking(move || app.glossary.state(&reader, &code)).await?;
    let last_submission_at = listed.iter().map(|(s, _)| s.created_at).max().map(crate::clock::format);
    let submissions: Vec<SubmissionSummary> =
        listed.into_iter().map(|(s, current)| SubmissionSummary::new(s, current)).collect();
    let mut current: Vec<SubmissionSummary> = submissions.iter().filter(|s| s.current).cloned().collect();
    current.sort_by_key(|s| s.year);
    Ok(Json(StateDetail { state: record.into(), current, submissions, last_submission_at }))
}
