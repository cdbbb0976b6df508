//! `/v1/states/{state}/submissions` and `/v1/submissions/{id}`: national lists
//! going in (JSON or CSV) and coming back out, every revision readable.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::{Authenticated, Reader};
use super::entries::EntryView;
use super::extract::state_code;
use super::extract::{Body, Params, media_type};
use super::problem::{AppResult, Problem};
use super::{AppState, blocking};
use crate::domain::Warning;
use crate::error::Error;
use crate::service::{
    Download, ExportFormat, ListFormat, ListInput, Payload, SubmissionRecord, SubmitOptions, WarningRecord,
};

/// Something worth knowing about a stored list that did not stop it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningView {
    pub row: Option<u64>,
    pub field: String,
    pub message: String,
}

impl From<Warning> for WarningView {
    fn from(w: Warning) -> Self {
        Self { row: w.row, field: w.field, message: w.message }
    }
}

impl From<WarningRecord> for WarningView {
    fn from(w: WarningRecord) -> Self {
        Self { row: w.row, field: w.field, message: w.message }
    }
}

/// The answer to a stored list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionReceipt {
    #[schema(example = "7")]
    pub id: String,
    #[schema(example = "DE")]
    pub state: String,
    pub year: i32,
    /// 1 for the first list of a State and year, then 2, 3, ...
    pub revision: u32,
    pub language: String,
    pub entry_count: u32,
    /// The revision this one replaced as current.
    pub replaces: Option<String>,
    /// Who may read it: public, participating_states or restricted.
    #[schema(value_type = String, example = "participating_states")]
    pub distribution: crate::domain::Distribution,
    /// True when the list was the current revision word for word: nothing
    /// new was stored (status 200, not 201) and this is that revision.
    pub unchanged: bool,
    pub warnings: Vec<WarningView>,
}

/// A national list without its entries.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubmissionSummary {
    pub id: String,
    pub state: String,
    pub year: i32,
    pub revision: u32,
    pub language: String,
    pub entry_count: u32,
    /// Is this the current revision for its State and year?
    pub current: bool,
    /// "json", "csv" or "tbx".
    pub format: String,
    pub created_at: String,
    pub created_by: String,
    pub replaces: Option<String>,
    /// Who may read it: public, participating_states or restricted.
    #[schema(value_type = String, example = "public")]
    pub distribution: crate::domain::Distribution,
    /// A withdrawal: the State withdrew its list for this year (no entries).
    pub withdrawn: bool,
}

impl SubmissionSummary {
    pub(super) fn new(r: SubmissionRecord, current: bool) -> Self {
        Self {
            id: r.id.to_string(),
            state: r.state,
            year: r.year,
            revision: r.revision,
            language: r.language,
            entry_count: r.entry_count,
            current,
            format: r.format,
            created_at: crate::clock::format(r.created_at),
            created_by: r.created_by,
            replaces: r.replaces.map(|id| id.to_string()),
            distribution: r.distribution,
            withdrawn: r.withdrawn,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionList {
    pub total: usize,
    pub submissions: Vec<SubmissionSummary>,
}

/// A national list with one page of its entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionDetail {
    #[serde(flatten)]
    pub summary: SubmissionSummary,
    pub warnings: Vec<WarningView>,
    /// How many entries the list holds (`entry_count`): the pages' total.
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
    /// The entries from `offset` on, at most `limit`, in list order.
    pub entries: Vec<EntryView>,
}

/// Submits one consolidated national list for an exchange year. A second list
/// for the same State and year is its next revision and becomes current.
///
/// JSON: `{"year", "language", "entries": [...]}`. CSV (`text/csv`): a header
/// row with the entry field names, `year` and `language` as query parameters.
/// TBX (`application/x-tbx+xml`, `application/tbx+xml`, `application/xml`,
/// `text/xml`; v3 `<tbx>` or v2 `<martif>`): one entry per concept entry, its
/// row the concept entry number; `year` as a query parameter, `language` too
/// unless the file holds one language besides English. A TBX file with a
/// DOCTYPE holding declarations (an internal subset, entities) is refused
/// unread (400); a bare reference to an external DTD is ignored, never
/// fetched. With `skip_incomplete=true`, entries that cannot be taken in are
/// left out and named in the warnings.
/// A list with any bad row is refused whole (422) with every bad row named.
#[utoipa::path(post, path = "/v1/states/{state}/submissions", tag = "national lists",
    params(
        ("state" = String, Path, description = "State code, e.g. DE"),
        ("year" = Option<i32>, Query, description = "Exchange year (CSV and TBX bodies)"),
        ("language" = Option<String>, Query, description = "Language of the list (CSV bodies; TBX bodies holding several languages besides English)"),
        ("skip_incomplete" = Option<bool>, Query, description = "Keep the complete entries and name the skipped ones in `warnings`, instead of refusing the list (default false)"),
        ("distribution" = Option<String>, Query, description = "Who may read the list: public, participating_states or restricted (CSV and TBX bodies; a JSON body's own `distribution` wins; default: the server's)"),
    ),
    request_body(description = "The list: JSON (ListBody); CSV (RFC 4180, UTF-8, a header row naming the \
        entry fields, `year` and `language` as query parameters); or TBX v3 / v2 (UTF-8 XML, no DOCTYPE \
        with declarations). Without a Content-Type the first byte decides.",
        content(
        (crate::http::openapi::ListBody = "application/json"),
        (String = "text/csv", example = "term,definition\r\nphishing,Fraudulent messages that trick people into giving away secrets.\r\n"),
        (String = "application/csv"),
        (String = "application/x-tbx+xml"),
        (String = "application/tbx+xml"),
        (String = "application/xml"),
        (String = "text/xml"),
    )),
    responses(
        (status = 201, body = SubmissionReceipt, description = "Stored durably; it is the current revision"),
        (status = 400, body = Problem, description = "A bad parameter, or XML refused unread (DOCTYPE, limits)"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "Refused whole; `errors` names every bad row"),
    ),
    security(("bearer" = [])))]
pub async fn create_submission(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(state): Path<String>,
    params: Params,
    headers: HeaderMap,
    Body(body): Body,
) -> AppResult<Response> {
    let code = state_code("state", &state)?;
    let format = body_format(media_type(&headers).as_deref(), &body)?;
    let language = params.get("language").map(str::to_owned);
    let distribution = params.get("distribution").map(str::to_owned);
    let year = match params.get("year") {
        None => None,
        Some(raw) => Some(raw.trim().parse::<i64>().map_err(|_| {
            Error::Invalid(vec![crate::domain::RowError::new(
                None,
                "year",
                format!("the year must be a whole number, not '{}'", crate::domain::codes::clip(raw)),
            )])
        })?),
    };
    let options = SubmitOptions { skip_incomplete: params.bool("skip_incomplete")? };
    let receipt = blocking(move || {
        let g = &app.glossary;
        let state = g.known_state(code.as_str(), "state")?;
        g.submit_with(&actor, &state, ListInput { format, body: &body, language, year, distribution }, options)
    })
    .await?;
    let unchanged = receipt.unchanged;
    let s = receipt.stored.submission;
    let location = format!("/v1/submissions/{}", s.id);
    let body = SubmissionReceipt {
        id: s.id.to_string(),
        state: s.state,
        year: s.year,
        revision: s.revision,
        language: s.language,
        entry_count: s.entry_count,
        replaces: s.replaces.map(|id| id.to_string()),
        distribution: s.distribution,
        unchanged,
        warnings: receipt.warnings.into_iter().map(WarningView::from).collect(),
    };
    let status = if unchanged { StatusCode::OK } else { StatusCode::CREATED };
    let mut response = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// Picks the reader from the Content-Type, or from the first byte when none is given.
fn body_format(media: Option<&str>, body: &[u8]) -> Result<ListFormat, Error> {
    match media {
        Some("application/json") => Ok(ListFormat::Json),
        Some(m) if m.ends_with("+json") => Ok(ListFormat::Json),
        Some("text/csv" | "application/csv") => Ok(ListFormat::Csv),
        Some("application/x-tbx+xml" | "application/tbx+xml" | "application/xml" | "text/xml") => Ok(ListFormat::Tbx),
        Some(m) if m.ends_with("+xml") => Ok(ListFormat::Tbx),
        Some("text/plain") | None => {
            let first = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body).iter().find(|b| !b.is_ascii_whitespace());
            match first {
                Some(b'{') => Ok(ListFormat::Json),
                Some(b'<') => Ok(ListFormat::Tbx),
                _ => Ok(ListFormat::Csv),
            }
        }
        Some(other) => Err(Error::UnsupportedMediaType(format!(
            "a national list is application/json, text/csv or TBX (application/x-tbx+xml), not {other}"
        ))),
    }
}

/// Every revision of every year of one State's lists, oldest first.
#[utoipa::path(get, path = "/v1/states/{state}/submissions", tag = "national lists",
    params(("state" = String, Path, description = "State code")),
    responses((status = 200, body = SubmissionList), (status = 404, body = Problem)))]
pub async fn list_submissions(
    State(app): State<AppState>,
    Reader(reader): Reader,
    Path(state): Path<String>,
) -> AppResult<Json<SubmissionList>> {
    let code = state_code("state", &state)?;
    let listed = blocking(move || app.glossary.submissions_of(&reader, &code)).await?;
    let submissions: Vec<SubmissionSummary> =
        listed.into_iter().map(|(s, current)| SubmissionSummary::new(s, current)).collect();
    Ok(Json(SubmissionList { total: submissions.len(), submissions }))
}

/// One national list with a page of its entries; or, with `format`, the
/// whole list as a file to download in that format.
///
/// Without `format`: the JSON view below (ids, revision, warnings, and the
/// entries paged with `limit`, default 20, at most 200, and `offset`; `total`
/// is the list's entry count).
/// `format=json`: the list as the JSON body a submission takes; `format=csv`:
/// the CSV list a submission takes (RFC 4180, a header row, `bom=true` for a
/// UTF-8 byte order mark, formula cells guarded by a leading quote);
/// `format=tbx`: TBX v3, TBX-Basic when every data category fits it (one
/// conceptEntry per entry, the list language's section with the term as
/// given, its status, source and note, the synonyms as admitted terms, and an
/// English section); `format=tbx2`: the same in TBX v2 (`<martif>`).
/// Each re-imports as the same list, and exporting that again gives the same
/// bytes: the files hold no ids, revisions or times.
#[utoipa::path(get, path = "/v1/submissions/{id}", tag = "national lists",
    params(
        ("id" = String, Path, description = "Submission id"),
        ("format" = Option<crate::http::openapi::ListFileFormat>, Query, description = "The list as a file in this format (default: the JSON view)"),
        ("bom" = Option<bool>, Query, description = "CSV only: start with a UTF-8 byte order mark"),
        ("limit" = Option<usize>, Query, description = "Entries per page (JSON view): at most 200; default 20"),
        ("offset" = Option<usize>, Query, description = "Entries to skip (JSON view)"),
    ),
    responses(
        (status = 200, description = "The list: the JSON view without `format`; with `format`, a file \
            (`Content-Disposition: attachment`) in that format", content(
            (crate::http::openapi::SubmissionJson = "application/json"),
            (String = "text/csv"),
            (String = "application/x-tbx+xml"),
        )),
        (status = 400, body = Problem, description = "An unknown format"),
        (status = 404, body = Problem),
    ))]
pub async fn get_submission(
    State(app): State<AppState>,
    Reader(reader): Reader,
    Path(id): Path<String>,
    params: Params,
) -> AppResult<Response> {
    let format = match params.get("format") {
        None => None,
        Some(f) => Some(ExportFormat::parse(f, params.bool("bom")?).ok_or_else(|| {
            Error::bad_param(
                "format",
                format!("format must be json, csv, tbx or tbx2, not '{}'", crate::domain::codes::clip(f)),
            )
        })?),
    };
    let n: u64 = id.parse().map_err(|_| Error::not_found("submission", &id))?;
    let (offset, limit) = params.page()?;
    let g = app.glossary;
    match format {
        Some(format) => download(blocking(move || g.export_submission(&reader, n, format)).await?).await,
        None => {
            let d = blocking(move || g.submission(&reader, n, offset, limit)).await?;
            let warnings = d.record.warnings.iter().cloned().map(WarningView::from).collect();
            let entries = d.entries.into_iter().map(EntryView::from).collect();
            let total = d.record.entry_count as usize;
            let summary = SubmissionSummary::new(d.record, d.current);
            Ok(Json(SubmissionDetail { summary, warnings, total, limit, offset, entries }).into_response())
        }
    }
}

/// A file to save, with its media type and a file name for it. A file
/// written while it is sent goes out in chunks (`Transfer-Encoding:
/// chunked`), each written on the blocking pool only when the client has
/// taken the one before: a slow reader holds no thread and the server never
/// holds more than a few chunks of it. Its first two chunks are written
/// before answering, so an error there is a problem answer and a file of
/// one chunk is sent whole, with its length.
pub(crate) async fn download(file: Download) -> Result<Response, Error> {
    let body = match file.body {
        Payload::Whole(bytes) => axum::body::Body::from(bytes),
        Payload::Chunks(mut chunks) => {
            let (first, second, chunks) = blocking(move || {
                let first = chunks.next().transpose()?.unwrap_or_default();
                let second = chunks.next().transpose()?;
                Ok((first, second, chunks))
            })
            .await?;
            match second {
                None => axum::body::Body::from(first),
                Some(second) => {
                    let head = futures_util::stream::iter([Ok(Bytes::from(first)), Ok(Bytes::from(second))]);
                    axum::body::Body::from_stream(head.chain(rest(chunks)))
                }
            }
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.media));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

type ChunkIter = Box<dyn Iterator<Item = crate::error::Result<Vec<u8>>> + Send>;

/// The remaining chunks of a download, each written when it is asked for.
/// An error ends the body early (the client sees a broken transfer, never a
/// file that looks complete).
fn rest(chunks: ChunkIter) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::unfold(Some(chunks), |state| async move {
        let mut chunks = state?;
        match tokio::task::spawn_blocking(move || (chunks.next(), chunks)).await {
            Ok((Some(Ok(bytes)), chunks)) => Some((Ok(Bytes::from(bytes)), Some(chunks))),
            Ok((None, _)) => None,
            Ok((Some(Err(e)), _)) => {
                tracing::error!(error = %e, "an export failed while it was sent");
                Some((Err(std::io::Error::other(e.to_string())), None))
            }
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
        }
    })
}

/// Withdraws a State's current list for its year (its delegate, an editor or
/// an admin): a new revision without entries, marked withdrawn, becomes
/// current. Search and clustering drop the list; its earlier revisions stay
/// readable; agreed entries that reconciled it keep the reference.
#[utoipa::path(post, path = "/v1/submissions/{id}/withdraw", tag = "national lists",
    params(("id" = String, Path, description = "The current revision's submission id")),
    responses((status = 201, body = SubmissionSummary, description = "The new, withdrawn revision"),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not the current revision, or already a withdrawal")),
    security(("bearer" = [])))]
pub async fn withdraw_submission(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = id
        .trim()
        .parse::<u64>()
        .map_err(|_| Error::bad_param("id", format!("'{}' is not a submission id", crate::domain::codes::clip(&id))))?;
    let stored = blocking(move || app.glossary.withdraw_submission(&actor, id)).await?;
    let s = stored.submission;
    let location = format!("/v1/submissions/{}", s.id);
    let mut response = (StatusCode::CREATED, Json(SubmissionSummary::new(s, true))).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}
