//! `/healthz`: is the service up and its store readable?

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::problem::AppResult;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: 200 while the service answers.
#[utoipa::path(get, path = "/healthz", tag = "service", responses((status = 200, body = Health)))]
pub async fn healthz(State(_app): State<AppState>) -> AppResult<Json<Health>> {
    Ok(Json(Health { status: "ok".to_owned() }))
}
