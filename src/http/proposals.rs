//! `/v1/proposals`: consensus entries in the making. Drafting and editing
//! (every edit a new version, guarded by ETag / If-Match), review with a
//! silence period, States' positions and statements, approval, rejection,
//! withdrawal, comments. The rules live in `domain::proposal`, the workflow in
//! `consensus`; these handlers only translate.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Authenticated, Reader};
use super::extract::{JsonBody, OptionalJsonBody, Params};
use super::problem::{AppResult, Problem};
use super::{AppState, blocking};
use crate::clock;
use crate::domain::diff::{sources_diff, word_diff};
use crate::domain::proposal::{PositionDraft, ProposalDraft, Status, TranslationDraft};
use crate::error::Error;
use crate::service::Glossary;
use crate::service::consensus::ProposalDetail;
use crate::service::{
    EntryRecord, PositionRecord, ProposalEvent, ProposalEventRecord, ProposalRecord, ProposalTextRecord, etag,
};

// ---- Wire types: in ----

/// A translation of the term and definition into another official language.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslationInput {
    #[schema(required = true)]
    pub term: Option<String>,
    #[schema(required = true)]
    pub definition: Option<String>,
}

/// The text of a proposal: the body of POST /v1/proposals and of PUT (which
/// replaces the text with a new version; what the proposal reconciles is kept
/// unless named: see `entry_ids` and `cluster_id`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    /// The preferred English term, at most 256 characters.
    #[schema(example = "cyber attack", required = true)]
    pub term: Option<String>,
    /// The English definition, at most 8 000 characters.
    #[schema(required = true)]
    pub definition: Option<String>,
    /// `en` (the default): a consensus entry is drafted in English.
    #[schema(example = "en")]
    pub language: Option<String>,
    /// Translations keyed by language: fr, de, it, ru, es.
    pub translations: Option<BTreeMap<String, TranslationInput>>,
    /// The national entries it reconciles (each must exist), e.g. `["3-12", "5-1"]`.
    /// Absent (or empty) with a `cluster_id` on POST: the cluster's current
    /// entries. Absent on PUT: the current version's are kept (or, if PUT
    /// names another cluster, that cluster's current entries are taken);
    /// `[]` on PUT clears them.
    pub entry_ids: Option<Vec<String>>,
    /// The cluster it was drafted from (see GET /v1/clusters; an unknown one is
    /// a 422 when its entries are to be taken). Absent on PUT: the current
    /// version's is kept; `""` clears it.
    pub cluster_id: Option<String>,
    pub rationale: Option<String>,
    /// The id of an agreed entry this one is meant to replace when agreed
    /// (besides any entry in force with the same English term).
    pub supersedes: Option<String>,
}

impl From<ProposalInput> for ProposalDraft {
    fn from(i: ProposalInput) -> Self {
        Self {
            term: i.term,
            definition: i.definition,
            language: i.language,
            translations: i
                .translations
                .unwrap_or_default()
                .into_iter()
                .map(|(l, t)| (l, TranslationDraft { term: t.term, definition: t.definition }))
                .collect(),
            entry_ids: i.entry_ids,
            cluster_id: i.cluster_id,
            rationale: i.rationale,
            supersedes: i.supersedes,
        }
    }
}

/// The body of POST /v1/proposals/{id}/submit (may be empty).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitInput {
    /// The end of the silence period: an RFC 3339 time or a date (its first
    /// instant, UTC). Default and minimum: now plus the server's silence
    /// period (14 days); only an admin may set an earlier end, and no one an
    /// end in the past.
    #[schema(example = "2026-01-31T12:00:00Z")]
    pub silence_until: Option<String>,
}

/// A State's position on a proposal under review.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionInput {
    /// The State whose position this is; a delegate may only name its own,
    /// and may omit it (its own State); editors and admins must name it.
    #[schema(example = "DE")]
    pub state: Option<String>,
    /// support, abstain or object.
    #[schema(example = "support", required = true)]
    pub position: Option<String>,
    /// Required for an objection.
    pub reason: Option<String>,
    /// An interpretative statement, published with the agreed entry.
    pub statement: Option<String>,
}

/// The body of reject and withdraw.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    #[schema(required = true)]
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    #[schema(required = true)]
    pub text: Option<String>,
}

// ---- Wire types: out ----

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TranslationView {
    pub term: String,
    pub definition: String,
}

/// The text of one version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TextView {
    pub term: String,
    pub definition: String,
    pub language: String,
    pub translations: BTreeMap<String, TranslationView>,
    pub entry_ids: Vec<String>,
    pub cluster_id: Option<String>,
    pub rationale: Option<String>,
    pub supersedes: Option<String>,
}

impl From<ProposalTextRecord> for TextView {
    fn from(t: ProposalTextRecord) -> Self {
        Self {
            term: t.term,
            definition: t.definition,
            language: t.language,
            translations: t
                .translations
                .into_iter()
                .map(|(l, t)| (l, TranslationView { term: t.term, definition: t.definition }))
                .collect(),
            entry_ids: t.entry_ids,
            cluster_id: t.cluster_id,
            rationale: t.rationale,
            supersedes: t.supersedes.map(|s| s.to_string()),
        }
    }
}

/// A proposal in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalSummary {
    #[schema(example = "1")]
    pub id: String,
    /// draft, under_review, agreed, rejected, withdrawn or superseded.
    #[schema(example = "draft")]
    pub status: String,
    pub version: u32,
    /// The ETag of the current version (what PUT's If-Match needs).
    #[schema(example = "\"1.1\"")]
    pub etag: String,
    pub term: String,
    pub language: String,
    pub created_at: String,
    /// The token that proposed it.
    pub created_by: String,
    pub updated_at: String,
    /// The end of the silence period, once submitted for review.
    pub silence_until: Option<String>,
    pub agreed_at: Option<String>,
    pub superseded_by: Option<String>,
}

impl From<&ProposalRecord> for ProposalSummary {
    fn from(p: &ProposalRecord) -> Self {
        Self {
            id: p.id.to_string(),
            status: p.status.as_str().to_owned(),
            version: p.version,
            etag: etag(p.id, p.version),
            term: p.text.term.clone(),
            language: p.text.language.clone(),
            created_at: crate::clock::format(p.created_at),
            created_by: p.created_by.clone(),
            updated_at: crate::clock::format(p.updated_at),
            silence_until: p.silence_until.map(crate::clock::format),
            agreed_at: p.agreed_at.map(crate::clock::format),
            superseded_by: p.superseded_by.map(|s| s.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalList {
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
    pub proposals: Vec<ProposalSummary>,
}

/// One version of the text, with who wrote it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub version: u32,
    pub at: String,
    pub by: String,
    pub role: String,
    pub text: TextView,
}

/// A run of words: `equal`, `insert` (in the newer version only) or `delete`
/// (in the older only).
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffPieceView {
    #[schema(example = "insert")]
    pub op: String,
    pub text: String,
}

fn diff(old: &str, new: &str) -> Vec<DiffPieceView> {
    word_diff(old, new).into_iter().map(|p| DiffPieceView { op: p.op.as_str().to_owned(), text: p.text }).collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TranslationDiffView {
    pub term: Vec<DiffPieceView>,
    pub definition: Vec<DiffPieceView>,
}

/// The word-level difference between two consecutive versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffView {
    pub from_version: u32,
    pub to_version: u32,
    pub term: Vec<DiffPieceView>,
    pub definition: Vec<DiffPieceView>,
    pub rationale: Vec<DiffPieceView>,
    /// Every translation present in either version.
    pub translations: BTreeMap<String, TranslationDiffView>,
    pub entry_ids_added: Vec<String>,
    pub entry_ids_removed: Vec<String>,
}

impl DiffView {
    fn between(from: (u32, &ProposalTextRecord), to: (u32, &ProposalTextRecord)) -> Self {
        let (a, b) = (from.1, to.1);
        let mut translations = BTreeMap::new();
        for lang in a.translations.keys().chain(b.translations.keys()) {
            let side = |t: &ProposalTextRecord| {
                t.translations.get(lang).map(|t| (t.term.clone(), t.definition.clone())).unwrap_or_default()
            };
            let (old, new) = (side(a), side(b));
            translations.insert(
                lang.clone(),
                TranslationDiffView { term: diff(&old.0, &new.0), definition: diff(&old.1, &new.1) },
            );
        }
        let sources = sources_diff(&a.entry_ids, &b.entry_ids);
        Self {
            from_version: from.0,
            to_version: to.0,
            term: diff(&a.term, &b.term),
            definition: diff(&a.definition, &b.definition),
            rationale: diff(a.rationale.as_deref().unwrap_or_default(), b.rationale.as_deref().unwrap_or_default()),
            translations,
            entry_ids_added: sources.added,
            entry_ids_removed: sources.removed,
        }
    }
}

/// A State's position.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PositionView {
    #[schema(example = "DE")]
    pub state: String,
    /// support, abstain or object.
    pub position: String,
    pub reason: Option<String>,
    pub statement: Option<String>,
    pub at: String,
    /// The token that recorded it.
    pub recorded_by: String,
    pub recorded_by_role: String,
    /// Recorded by an editor or admin for the State.
    pub on_behalf: bool,
    /// The version it was recorded on.
    pub version: u32,
    /// The review round (a new version during review starts a new round).
    pub round: u32,
}

impl From<PositionRecord> for PositionView {
    fn from(r: PositionRecord) -> Self {
        Self {
            state: r.state,
            position: r.position.as_str().to_owned(),
            reason: r.reason,
            statement: r.statement,
            at: crate::clock::format(r.at),
            recorded_by: r.recorded_by,
            recorded_by_role: r.recorded_by_role,
            on_behalf: r.on_behalf,
            version: r.version,
            round: r.round,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PositionsView {
    /// The standing position of each State in the current round.
    pub current: Vec<PositionView>,
    /// Every position ever recorded, oldest first (replaced and reset ones too).
    pub history: Vec<PositionView>,
}

/// An interpretative statement of a State.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementView {
    pub state: String,
    pub statement: String,
    /// The position it accompanies.
    pub position: String,
    pub at: String,
    pub recorded_by: String,
}

impl StatementView {
    fn of(r: &PositionRecord) -> Option<Self> {
        Some(Self {
            state: r.state.clone(),
            statement: r.statement.clone()?,
            position: r.position.as_str().to_owned(),
            at: crate::clock::format(r.at),
            recorded_by: r.recorded_by.clone(),
        })
    }
}

/// The statements attached to the standing positions.
pub fn statements(p: &ProposalRecord) -> Vec<StatementView> {
    p.positions.values().filter_map(StatementView::of).collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    /// Its number in the proposal's history.
    pub n: u32,
    pub at: String,
    pub author: String,
    pub role: String,
    pub author_state: Option<String>,
    pub text: String,
}

/// A step in the proposal's status history: a status change, or a review
/// restarted by a new version (`to` equals `from`, positions reset).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChangeView {
    pub at: String,
    pub by: String,
    pub role: String,
    /// "status" or "review_restarted".
    pub kind: String,
    pub from: String,
    pub to: String,
    pub reason: Option<String>,
    pub silence_until: Option<String>,
    /// For `superseded`: the proposal that superseded it.
    pub successor: Option<String>,
    /// For `agreed`: the entries it superseded.
    pub superseded: Vec<String>,
    /// For a restart: the version that restarted it.
    pub version: Option<u32>,
    /// For a restart: the States whose positions were set aside.
    pub positions_reset: Vec<String>,
}

/// A national entry that a proposal reconciles.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProvenanceView {
    #[schema(example = "5-1")]
    pub entry_id: String,
    pub state: String,
    pub language: String,
    pub term: String,
    pub term_en: Option<String>,
    pub year: i32,
    pub revision: u32,
}

impl From<EntryRecord> for ProvenanceView {
    fn from(e: EntryRecord) -> Self {
        Self {
            entry_id: e.id(),
            state: e.state,
            language: e.language,
            term: e.text.term,
            term_en: e.text.term_en,
            year: e.year,
            revision: e.revision,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposerView {
    pub name: String,
    pub role: String,
    pub state: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalLinks {
    #[serde(rename = "self")]
    #[schema(example = "/v1/proposals/1")]
    pub self_: String,
    /// The proposal that superseded this one.
    pub successor: Option<String>,
    /// The entries this one superseded.
    pub predecessors: Vec<String>,
    /// The audit records of this proposal (editors and admins).
    #[schema(example = "/v1/audit?proposal=1")]
    pub audit: String,
}

/// A proposal with its whole history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    #[serde(flatten)]
    pub summary: ProposalSummary,
    /// The current version's text.
    pub current: TextView,
    pub proposer: ProposerView,
    /// Has the silence period passed (while under review)?
    pub silence_over: Option<bool>,
    pub superseded_at: Option<String>,
    pub closed_at: Option<String>,
    /// Why it was rejected or withdrawn.
    pub close_reason: Option<String>,
    /// Every version, oldest first.
    pub versions: Vec<VersionView>,
    /// Word-level differences between consecutive versions.
    pub diffs: Vec<DiffView>,
    pub positions: PositionsView,
    /// Interpretative statements attached to the standing positions.
    pub statements: Vec<StatementView>,
    pub comments: Vec<CommentView>,
    pub status_history: Vec<StatusChangeView>,
    /// The national entries the current version reconciles.
    pub provenance: Vec<ProvenanceView>,
    pub links: ProposalLinks,
}

impl ProposalView {
    fn new(d: ProposalDetail, now: time::OffsetDateTime) -> Self {
        let p = d.record;
        let mut versions: Vec<VersionView> = Vec::new();
        let mut texts: Vec<(u32, ProposalTextRecord)> = Vec::new();
        let mut history = Vec::new();
        let mut comments = Vec::new();
        let mut status_history = Vec::new();
        for ProposalEventRecord { n, at, actor, role, actor_state, event, .. } in d.events {
            match event {
                ProposalEvent::Version { version, text } => {
                    texts.push((version, text.clone()));
                    versions.push(VersionView {
                        version,
                        at: crate::clock::format(at),
                        by: actor,
                        role: role.to_string(),
                        text: text.into(),
                    });
                }
                ProposalEvent::Status { from, to, reason, silence_until, successor, superseded } => {
                    status_history.push(StatusChangeView {
                        at: crate::clock::format(at),
                        by: actor,
                        role: role.to_string(),
                        kind: "status".into(),
                        from: from.as_str().into(),
                        to: to.as_str().into(),
                        reason,
                        silence_until: silence_until.map(crate::clock::format),
                        successor: successor.map(|s| s.to_string()),
                        superseded: superseded.iter().map(u64::to_string).collect(),
                        version: None,
                        positions_reset: Vec::new(),
                    });
                }
                ProposalEvent::ReviewRestarted { version, silence_until, positions_reset } => {
                    status_history.push(StatusChangeView {
                        at: crate::clock::format(at),
                        by: actor,
                        role: role.to_string(),
                        kind: "review_restarted".into(),
                        from: Status::UnderReview.as_str().into(),
                        to: Status::UnderReview.as_str().into(),
                        reason: Some(format!("version {version} restarted the silence period")),
                        silence_until: Some(crate::clock::format(silence_until)),
                        successor: None,
                        superseded: Vec::new(),
                        version: Some(version),
                        positions_reset,
                    });
                }
                ProposalEvent::Position(r) => history.push(PositionView::from(r)),
                ProposalEvent::Comment { text } => comments.push(CommentView {
                    n,
                    at: crate::clock::format(at),
                    author: actor,
                    role: role.to_string(),
                    author_state: actor_state.as_ref().map(ToString::to_string),
                    text,
                }),
            }
        }
        let diffs = texts.windows(2).map(|w| DiffView::between((w[0].0, &w[0].1), (w[1].0, &w[1].1))).collect();
        let silence_over =
            (p.status == Status::UnderReview).then(|| p.silence_until.map(|until| now >= until)).flatten();
        Self {
            summary: ProposalSummary::from(&p),
            current: p.text.clone().into(),
            proposer: ProposerView {
                name: p.created_by.clone(),
                role: p.created_by_role.to_string(),
                state: p.created_by_state.as_ref().map(ToString::to_string),
            },
            silence_over,
            superseded_at: p.superseded_at.map(crate::clock::format),
            closed_at: p.closed_at.map(crate::clock::format),
            close_reason: p.close_reason.clone(),
            versions,
            diffs,
            positions: PositionsView {
                current: p.positions.values().cloned().map(PositionView::from).collect(),
                history,
            },
            statements: statements(&p),
            comments,
            status_history,
            provenance: d.provenance.into_iter().map(ProvenanceView::from).collect(),
            links: ProposalLinks {
                self_: format!("/v1/proposals/{}", p.id),
                successor: p.superseded_by.map(|s| format!("/v1/proposals/{s}")),
                predecessors: p.replaced.iter().map(|s| format!("/v1/proposals/{s}")).collect(),
                audit: format!("/v1/audit?proposal={}", p.id),
            },
        }
    }
}

// ---- Helpers ----

fn proposal_id(raw: &str) -> Result<u64, Error> {
    raw.parse::<u64>().ok().filter(|id| *id > 0).ok_or_else(|| Error::not_found("proposal", raw))
}

/// The proposal as JSON with its ETag (and, for 201, its Location).
/// Runs one proposal call of the service on a blocking thread and answers
/// with the proposal as it then stands.
async fn act(
    app: AppState,
    id: &str,
    status: StatusCode,
    call: impl FnOnce(&Glossary, u64) -> Result<ProposalDetail, Error> + Send + 'static,
) -> AppResult<Response> {
    let id = proposal_id(id)?;
    let g = app.glossary.clone();
    let detail = blocking(move || call(&g, id)).await?;
    Ok(respond(&app, status, detail))
}

fn respond(app: &AppState, status: StatusCode, detail: ProposalDetail) -> Response {
    let (id, version) = (detail.record.id, detail.record.version);
    let view = ProposalView::new(detail, app.glossary.clock().now());
    let mut response = (status, Json(view)).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag(id, version)) {
        response.headers_mut().insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED
        && let Ok(v) = HeaderValue::from_str(&format!("/v1/proposals/{id}"))
    {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// The versions of proposal `id` that `If-Match` names. Missing → 428; `*`
/// → 428 too (an edit must say which version it edited); weak or foreign
/// ETags match nothing (→ 412).
fn if_match_versions(headers: &HeaderMap, id: u64) -> Result<Vec<u32>, Error> {
    let required = || {
        Error::PreconditionRequired(format!(
            "PUT needs an If-Match header with the ETag of the version you edited (GET /v1/proposals/{id} shows it)"
        ))
    };
    let values: Vec<&HeaderValue> = headers.get_all(header::IF_MATCH).iter().collect();
    if values.is_empty() {
        return Err(required());
    }
    let mut versions = Vec::new();
    for value in values {
        let raw = value.to_str().map_err(|_| Error::PreconditionFailed("the If-Match header is not ASCII".into()))?;
        for tag in raw.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if tag == "*" {
                return Err(required());
            }
            let Some(inner) = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else { continue };
            if let Some((tag_id, version)) = inner.split_once('.')
                && tag_id.parse::<u64>().ok() == Some(id)
                && let Ok(version) = version.parse::<u32>()
            {
                versions.push(version);
            }
        }
    }
    Ok(versions)
}

// ---- Handlers ----

/// Drafts a consensus entry (delegates, editors, admins). The text is English;
/// translations are optional; every named national entry must exist.
#[utoipa::path(post, path = "/v1/proposals", tag = "consensus", request_body = ProposalInput,
    responses(
        (status = 201, body = ProposalView, description = "A draft at version 1",
            headers(("ETag" = String, description = "The version's ETag, for If-Match"),
                ("Location" = String))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 415, body = Problem),
        (status = 422, body = Problem, description = "`errors` names every bad field (and every unknown entry id)"),
    ),
    security(("bearer" = [])))]
pub async fn create_proposal(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    JsonBody(body): JsonBody<ProposalInput>,
) -> AppResult<Response> {
    let g = app.glossary.clone();
    let detail = blocking(move || g.create_proposal(&actor, body.into())).await?;
    Ok(respond(&app, StatusCode::CREATED, detail))
}

/// Proposals, by id, optionally of one status.
#[utoipa::path(get, path = "/v1/proposals", tag = "consensus",
    params(
        ("status" = Option<String>, Query,
            description = "draft, under_review, agreed, rejected, withdrawn or superseded"),
        ("limit" = Option<usize>, Query, description = "At most 200; default 20"),
        ("offset" = Option<usize>, Query),
    ),
    responses((status = 200, body = ProposalList), (status = 400, body = Problem)))]
pub async fn list_proposals(
    State(app): State<AppState>,
    Reader(reader): Reader,
    params: Params,
) -> AppResult<Json<ProposalList>> {
    let (offset, limit) = params.page()?;
    let status = params.get("status").map(Status::parse).transpose().map_err(|e| Error::bad_param("status", e))?;
    let g = app.glossary.clone();
    let (total, page) = blocking(move || g.proposals(&reader, status, offset, limit)).await?;
    Ok(Json(ProposalList { total, limit, offset, proposals: page.iter().map(ProposalSummary::from).collect() }))
}

/// One proposal: its current version, every version with word-level diffs,
/// positions (standing and history), statements, comments and status history.
#[utoipa::path(get, path = "/v1/proposals/{id}", tag = "consensus",
    params(("id" = String, Path, description = "Proposal id")),
    responses(
        (status = 200, body = ProposalView, headers(("ETag" = String, description = "The current version's ETag"))),
        (status = 404, body = Problem),
    ))]
pub async fn get_proposal(
    State(app): State<AppState>,
    Reader(reader): Reader,
    Path(id): Path<String>,
) -> AppResult<Response> {
    act(app, &id, StatusCode::OK, move |g, id| g.proposal(&reader, id)).await
}

/// A new version of the text (its proposer, editors, admins), in draft or
/// under review. `If-Match` must carry the current ETag: a stale one gets 412
/// and nothing changes; none gets 428. Under review, the silence period
/// restarts and the standing positions are reset.
#[utoipa::path(put, path = "/v1/proposals/{id}", tag = "consensus", request_body = ProposalInput,
    params(
        ("id" = String, Path, description = "Proposal id"),
        ("If-Match" = String, Header, description = "The ETag of the version being edited, e.g. \"1.2\""),
    ),
    responses(
        (status = 200, body = ProposalView, headers(("ETag" = String, description = "The new version's ETag"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not editable in its status: `current_status`, `allowed`"),
        (status = 412, body = Problem, description = "If-Match names a version that is not current"),
        (status = 422, body = Problem), (status = 428, body = Problem, description = "No If-Match"),
    ),
    security(("bearer" = [])))]
pub async fn update_proposal(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ProposalInput>,
) -> AppResult<Response> {
    let versions = if_match_versions(&headers, proposal_id(&id)?)?;
    act(app, &id, StatusCode::OK, move |g, id| g.edit_proposal(&actor, id, &versions, body.into())).await
}

/// Puts a draft under review (its proposer, editors, admins). The silence
/// period ends at `silence_until`, or after the server's default (14 days),
/// which is also its minimum: only an admin may end it sooner (audited as
/// `shortened_silence`), and no one in the past.
#[utoipa::path(post, path = "/v1/proposals/{id}/submit", tag = "consensus", request_body = SubmitInput,
    params(("id" = String, Path, description = "Proposal id")),
    responses(
        (status = 200, body = ProposalView),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not a draft: `current_status`, `allowed`"),
        (status = 422, body = Problem, description = "`silence_until` in the past, or before the minimum review \
            time and not set by an admin"),
    ),
    security(("bearer" = [])))]
pub async fn submit_proposal(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    OptionalJsonBody(body): OptionalJsonBody<SubmitInput>,
) -> AppResult<Response> {
    let until = body
        .silence_until
        .as_deref()
        .map(|raw| {
            clock::parse(raw.trim()).ok_or_else(|| {
                Error::bad_param("silence_until", "silence_until must be an RFC 3339 time or a date (YYYY-MM-DD)")
            })
        })
        .transpose()?;
    act(app, &id, StatusCode::OK, move |g, id| g.submit_proposal(&actor, id, until)).await
}

/// Records a State's position on a proposal under review: a delegate for its
/// own State, an editor or admin on behalf of any. An objection needs a
/// reason; a statement is published with the agreed entry. A later position
/// of the same State replaces the earlier one (both stay in the history).
#[utoipa::path(post, path = "/v1/proposals/{id}/positions", tag = "consensus", request_body = PositionInput,
    params(("id" = String, Path, description = "Proposal id")),
    responses(
        (status = 201, body = ProposalView),
        (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "A delegate naming another State"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not under review: `current_status`, `allowed`"),
        (status = 422, body = Problem, description = "E.g. an objection without a reason, an unknown State"),
    ),
    security(("bearer" = [])))]
pub async fn create_position(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PositionInput>,
) -> AppResult<Response> {
    let draft =
        PositionDraft { state: body.state, position: body.position, reason: body.reason, statement: body.statement };
    act(app, &id, StatusCode::CREATED, move |g, id| g.record_position(&actor, id, draft)).await
}

/// Agrees the proposal (editors, admins): only once the silence period has
/// passed and no objection stands. It then supersedes the agreed entry in
/// force for the same English term and the one named in `supersedes`.
#[utoipa::path(post, path = "/v1/proposals/{id}/approve", tag = "consensus",
    params(("id" = String, Path, description = "Proposal id")),
    responses(
        (status = 200, body = ProposalView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not under review (`current_status`, `allowed`), or no \
            consensus yet (`silence_until`, `silence_over`, `objections`)"),
    ),
    security(("bearer" = [])))]
pub async fn approve_proposal(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> AppResult<Response> {
    act(app, &id, StatusCode::OK, move |g, id| g.approve_proposal(&actor, id)).await
}

/// Rejects a proposal under review (editors, admins), with a reason.
#[utoipa::path(post, path = "/v1/proposals/{id}/reject", tag = "consensus", request_body = ReasonInput,
    params(("id" = String, Path, description = "Proposal id")),
    responses(
        (status = 200, body = ProposalView),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not under review: `current_status`, `allowed`"),
        (status = 422, body = Problem, description = "No reason"),
    ),
    security(("bearer" = [])))]
pub async fn reject_proposal(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    OptionalJsonBody(body): OptionalJsonBody<ReasonInput>,
) -> AppResult<Response> {
    act(app, &id, StatusCode::OK, move |g, id| g.reject_proposal(&actor, id, body.reason.as_deref())).await
}

/// Withdraws a draft or a proposal under review (its proposer, editors,
/// admins), with a reason.
#[utoipa::path(post, path = "/v1/proposals/{id}/withdraw", tag = "consensus", request_body = ReasonInput,
    params(("id" = String, Path, description = "Proposal id")),
    responses(
        (status = 200, body = ProposalView),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Already agreed, rejected, withdrawn or superseded"),
        (status = 422, body = Problem, description = "No reason"),
    ),
    security(("bearer" = [])))]
pub async fn withdraw_proposal(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    OptionalJsonBody(body): OptionalJsonBody<ReasonInput>,
) -> AppResult<Response> {
    act(app, &id, StatusCode::OK, move |g, id| g.withdraw_proposal(&actor, id, body.reason.as_deref())).await
}

/// Comments on a proposal (any token holder, in any status), attributed and
/// timestamped.
#[utoipa::path(post, path = "/v1/proposals/{id}/comments", tag = "consensus", request_body = CommentInput,
    params(("id" = String, Path, description = "Proposal id")),
    responses(
        (status = 201, body = ProposalView),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn create_comment(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CommentInput>,
) -> AppResult<Response> {
    act(app, &id, StatusCode::CREATED, move |g, id| g.comment_proposal(&actor, id, body.text.as_deref())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::IF_MATCH, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn if_match_names_versions_of_this_proposal_only() {
        assert_eq!(if_match_versions(&headers(&["\"3.2\""]), 3).unwrap(), vec![2]);
        assert_eq!(if_match_versions(&headers(&["\"3.2\", \"3.4\"", "\"9.1\""]), 3).unwrap(), vec![2, 4]);
        assert!(if_match_versions(&headers(&["W/\"3.2\""]), 3).unwrap().is_empty());
        assert!(if_match_versions(&headers(&["3.2"]), 3).unwrap().is_empty());
        assert!(matches!(if_match_versions(&headers(&[]), 3), Err(Error::PreconditionRequired(_))));
        assert!(matches!(if_match_versions(&headers(&["*"]), 3), Err(Error::PreconditionRequired(_))));
    }
}
