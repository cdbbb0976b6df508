//! `/v1/inquiries`: a State asks another State about an entry or a list of
//! theirs, and the two talk it through (Decision 1106's direct dialogue). The
//! rules are the service's (`service::inquiries`).

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
use crate::domain::EntryId;
use crate::error::Error;
use crate::service::{InquiryDraft, InquiryFilter, InquiryRecord, InquiryStatus, MessageRecord, Visibility};

/// A question to another State.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInquiry {
    /// The entry asked about (give this or `submission_id`).
    #[schema(example = "12-3")]
    pub entry_id: Option<String>,
    /// The list asked about (give this or `entry_id`).
    #[schema(example = "12")]
    pub submission_id: Option<String>,
    #[schema(example = "Does 'critical infrastructure' in your list include the health sector?")]
    pub question: String,
    /// `parties` (the two States, editors and admins; the default) or
    /// `participating_states` (every participating State too).
    #[schema(example = "parties")]
    pub visibility: Option<String>,
}

/// A reply in a thread.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReply {
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    /// The token name that wrote it.
    pub by: String,
    pub role: String,
    /// The State it speaks for.
    pub state: String,
    pub text: String,
    pub at: String,
}

impl From<MessageRecord> for MessageView {
    fn from(m: MessageRecord) -> Self {
        Self { by: m.by, role: m.role.to_string(), state: m.state.to_string(), text: m.text, at: clock::format(m.at) }
    }
}

/// A thread: the question, its replies and its status.
#[derive(Debug, Serialize, ToSchema)]
pub struct InquiryView {
    #[schema(example = "1")]
    pub id: String,
    /// open (waiting for the asked State), answered, or closed.
    #[schema(example = "open")]
    pub status: String,
    /// The State that asks.
    #[schema(example = "FR")]
    pub asked_by: String,
    /// The State whose list it is, which answers.
    #[schema(example = "DE")]
    pub addressed_to: String,
    pub entry_id: Option<String>,
    pub submission_id: String,
    /// parties or participating_states.
    pub visibility: String,
    /// The question.
    pub question: String,
    /// Every message, the question first.
    pub messages: Vec<MessageView>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
}

impl From<InquiryRecord> for InquiryView {
    fn from(r: InquiryRecord) -> Self {
        Self {
            id: r.id.to_string(),
            status: r.status.as_str().to_owned(),
            asked_by: r.asked_by.to_string(),
            addressed_to: r.addressed_to.to_string(),
            entry_id: r.entry_id,
            submission_id: r.submission_id.to_string(),
            visibility: r.visibility.as_str().to_owned(),
            question: r.messages.first().map(|m| m.text.clone()).unwrap_or_default(),
            messages: r.messages.into_iter().map(MessageView::from).collect(),
            created_at: clock::format(r.created_at),
            updated_at: clock::format(r.updated_at),
            closed_at: r.closed_at.map(clock::format),
            closed_by: r.closed_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InquiryList {
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
    pub inquiries: Vec<InquiryView>,
}

fn id_param(raw: &str) -> Result<u64, Error> {
    raw.trim()
        .parse()
        .map_err(|_| Error::bad_param("id", format!("'{}' is not an inquiry id", crate::domain::codes::clip(raw))))
}

/// Asks another State about one of its entries or lists (a delegate, for its own State).
#[utoipa::path(post, path = "/v1/inquiries", tag = "inquiries", request_body = NewInquiry,
    responses((status = 201, body = InquiryView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Not a delegate"),
        (status = 404, body = Problem, description = "No such entry or list (or not readable by the caller)"),
        (status = 422, body = Problem, description = "No target, both targets, an own list, an empty question")),
    security(("bearer" = [])))]
pub async fn create_inquiry(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(body): JsonBody<NewInquiry>,
) -> AppResult<(StatusCode, Json<InquiryView>)> {
    let entry_id = body
        .entry_id
        .as_deref()
        .map(|raw| raw.parse::<EntryId>().map_err(|e| Error::bad_param("entry_id", e.to_string())))
        .transpose()?;
    let submission_id = body
        .submission_id
        .as_deref()
        .map(|raw| {
            raw.trim().parse::<u64>().map_err(|_| {
                Error::bad_param("submission_id", format!("'{}' is not a list id", crate::domain::codes::clip(raw)))
            })
        })
        .transpose()?;
    let visibility = match body.visibility.as_deref() {
        None => Visibility::Parties,
        Some(raw) => Visibility::parse(raw).map_err(|e| Error::bad_param("visibility", e))?,
    };
    let draft = InquiryDraft { entry_id, submission_id, question: body.question, visibility };
    let stored = blocking(move || app.glossary.ask(&actor, draft)).await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// Replies in a thread, for the caller's State (the asked State's delegate
/// answers; the asking State's may follow up).
#[utoipa::path(post, path = "/v1/inquiries/{id}/replies", tag = "inquiries", request_body = NewReply,
    params(("id" = String, Path, description = "Inquiry id")),
    responses((status = 201, body = InquiryView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Not a delegate of either State"), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The thread is closed"), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn reply_inquiry(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewReply>,
) -> AppResult<(StatusCode, Json<InquiryView>)> {
    let id = id_param(&id)?;
    let stored = blocking(move || app.glossary.reply(&actor, id, &body.text)).await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

/// Closes a thread (the asking State's delegate, or an editor).
#[utoipa::path(post, path = "/v1/inquiries/{id}/close", tag = "inquiries",
    params(("id" = String, Path, description = "Inquiry id")),
    responses((status = 200, body = InquiryView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "Already closed")),
    security(("bearer" = [])))]
pub async fn close_inquiry(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> AppResult<Json<InquiryView>> {
    let id = id_param(&id)?;
    let stored = blocking(move || app.glossary.close_inquiry(&actor, id)).await?;
    Ok(Json(stored.into()))
}

/// The threads the caller may read, latest activity first: `state` keeps
/// those a State asked or was asked, `status` those in one status.
#[utoipa::path(get, path = "/v1/inquiries", tag = "inquiries",
    params(
        ("state" = Option<String>, Query, description = "Threads this State asked or was asked"),
        ("status" = Option<String>, Query, description = "open, answered or closed"),
        ("limit" = Option<usize>, Query), ("offset" = Option<usize>, Query),
    ),
    responses((status = 200, body = InquiryList), (status = 400, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_inquiries(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    params: Params,
) -> AppResult<Json<InquiryList>> {
    let (offset, limit) = params.page()?;
    let filter = InquiryFilter {
        state: params.state("state")?,
        status: params
            .get("status")
            .map(|raw| InquiryStatus::parse(raw).map_err(|e| Error::bad_param("status", e)))
            .transpose()?,
    };
    let all = blocking(move || app.glossary.inquiries(&actor, &filter)).await?;
    let total = all.len();
    let inquiries = all.into_iter().skip(offset).take(limit).map(InquiryView::from).collect();
    Ok(Json(InquiryList { total, limit, offset, inquiries }))
}

/// One thread, if the caller may read it.
#[utoipa::path(get, path = "/v1/inquiries/{id}", tag = "inquiries",
    params(("id" = String, Path, description = "Inquiry id")),
    responses((status = 200, body = InquiryView), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get_inquiry(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> AppResult<Json<InquiryView>> {
    let id = id_param(&id)?;
    let thread = blocking(move || app.glossary.inquiry(&actor, id)).await?;
    Ok(Json(thread.into()))
}
