//! `/states` (every party, who sent what), `/states/{code}` (a State's lists
//! and revisions with downloads, its coverage, its positions on proposals)
//! and `/upload` (a delegate sends their State's list as a JSON, CSV or TBX
//! file; a refused list names every bad row, as the API does).

use askama::Template;
use axum::extract::{Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;

use super::search::ListItem;
use super::view::{self, Form, Problem};
use super::{Chrome, Ctx, Failure, render, render_status, see_other};
use crate::domain::StateCode;
use crate::error::Error;
use crate::service::{ListFormat, ListInput, StatePosition, WarningRecord};

pub struct StateRow {
    pub code: String,
    pub name: String,
    pub lists: usize,
    pub entries: u64,
    pub years: String,
}

#[derive(Template)]
#[template(path = "states.html")]
struct StatesPage {
    c: Chrome,
    rows: Vec<StateRow>,
    submitted: usize,
}

pub async fn list(ctx: Ctx) -> Result<Response, Failure> {
    let ctx = ctx.section("states");
    let (states, coverage) = ctx.call(|g, a| Ok((g.states(a)?, g.coverage(a, 0, 0)?))).await?;
    let rows: Vec<StateRow> = states
        .into_iter()
        .map(|s| {
            let cov = coverage.states.iter().find(|c| c.state == s.code);
            StateRow {
                lists: cov.map_or(0, |c| c.years.len()),
                entries: cov.map_or(0, |c| c.entry_count),
                years: cov
                    .map(|c| c.years.iter().map(|y| y.year.to_string()).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default(),
                code: s.code,
                name: s.name,
            }
        })
        .collect();
    let page = StatesPage { submitted: coverage.states.len(), c: ctx.chrome, rows };
    Ok(render(&page))
}

pub struct PositionItem {
    pub proposal_id: u64,
    pub term: String,
    pub status: String,
    pub position: String,
    pub at: String,
    pub statement: Option<String>,
}

impl From<StatePosition> for PositionItem {
    fn from(p: StatePosition) -> Self {
        Self {
            proposal_id: p.proposal_id,
            term: p.term,
            status: p.status.as_str().to_owned(),
            position: p.position.position.as_str().to_owned(),
            at: view::when(&p.position.at),
            statement: p.position.statement,
        }
    }
}

#[derive(Template)]
#[template(path = "state.html")]
struct StatePage {
    c: Chrome,
    code: String,
    name: String,
    lists: Vec<ListItem>,
    entries: u64,
    positions: Vec<PositionItem>,
    uploaded: Option<ListItem>,
    warnings: Vec<WarningRecord>,
    may_upload: bool,
}

pub async fn state(
    ctx: Ctx,
    Path(raw): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, Failure> {
    let ctx = ctx.section("states");
    let code = StateCode::parse(&raw).map_err(|_| ctx.fail(Error::not_found("State", &raw)))?;
    let uploaded: Option<u64> = q.get("uploaded").and_then(|v| v.parse().ok());
    let c2 = code.clone();
    let (name, lists, coverage, positions, detail) = ctx
        .call(move |g, a| {
            let code = g.known_state(c2.as_str(), "code")?;
            let name = g.states(a)?.into_iter().find(|s| s.code == code.as_str()).map(|s| s.name).unwrap_or_default();
            let lists = g.submissions_of(a, &code)?;
            let coverage = g.coverage(a, 0, 0)?;
            let positions = g.state_positions(a, &code)?;
            let detail = match uploaded {
                Some(id) => Some(g.submission(a, id, 0, 0)?),
                None => None,
            };
            Ok((name, lists, coverage, positions, detail))
        })
        .await?;
    let entries = coverage.states.iter().find(|s| s.state == code.as_str()).map_or(0, |s| s.entry_count);
    let (uploaded, warnings) = match detail {
        Some(d) if d.record.state == code.as_str() => {
            let w = d.record.warnings.clone();
            (Some(ListItem::of(d.record, d.current)), w)
        }
        _ => (None, Vec::new()),
    };
    let may_upload = ctx.actor.may_act_for(&code) && ctx.signed_in;
    let page = StatePage {
        c: ctx.chrome,
        code: code.to_string(),
        name,
        lists: lists.into_iter().rev().map(|(s, cur)| ListItem::of(s, cur)).collect(),
        entries,
        positions: positions.into_iter().map(PositionItem::from).collect(),
        uploaded,
        warnings,
        may_upload,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    c: Chrome,
    /// The States this person may submit for: their own, or all (editors).
    states: Vec<(String, String, bool)>,
    year: String,
    language: String,
    format: String,
    file_name: String,
    problems: Vec<Problem>,
    error: Option<String>,
}

async fn upload_page(
    ctx: &Ctx,
    chosen: String,
    form: &Form,
    problems: Vec<Problem>,
    error: Option<String>,
) -> Result<UploadPage, Failure> {
    let own = ctx.actor.state.as_ref().map(StateCode::to_string);
    let states = ctx.call(|g, a| g.states(a)).await?;
    let chosen = if chosen.is_empty() { own.clone().unwrap_or_default() } else { chosen };
    let states: Vec<(String, String, bool)> = states
        .into_iter()
        .filter(|s| own.as_ref().is_none_or(|o| *o == s.code))
        .map(|s| {
            let selected = s.code == chosen;
            (s.code, s.name, selected)
        })
        .collect();
    Ok(UploadPage {
        c: ctx.chrome.clone(),
        states,
        year: form.get("year").unwrap_or_default().to_owned(),
        language: form.get("language").unwrap_or_default().to_owned(),
        format: form.get("format").unwrap_or_default().to_owned(),
        file_name: form.get("file_name").unwrap_or_default().to_owned(),
        problems,
        error,
    })
}

pub async fn upload_form(ctx: Ctx) -> Result<Response, Failure> {
    let ctx = ctx.section("upload");
    ctx.require_session()?;
    let page = upload_page(&ctx, String::new(), &Form::default(), Vec::new(), None).await?;
    Ok(render(&page))
}

pub async fn upload(ctx: Ctx, mut multipart: Multipart) -> Result<Response, Failure> {
    let ctx = ctx.section("upload");
    ctx.require_session()?;
    let mut fields = Vec::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(ctx.fail(Error::bad_request(format!("the upload could not be read: {e}")))),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| ctx.fail(Error::bad_request(format!("the file could not be read: {e}"))))?;
            fields.push(("file_name".to_owned(), file_name.clone()));
            file = Some((file_name, bytes.to_vec()));
        } else {
            let text = field
                .text()
                .await
                .map_err(|e| ctx.fail(Error::bad_request(format!("the field {name} could not be read: {e}"))))?;
            fields.push((name, text));
        }
    }
    let form = Form(fields);
    ctx.check_csrf(&form)?;
    let chosen = form.get("state").unwrap_or_default().to_owned();
    let refuse = |problems: Vec<Problem>, error: String| async {
        let page = upload_page(&ctx, chosen.clone(), &form, problems, Some(error)).await?;
        Ok::<Response, Failure>(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
    };
    let Some((file_name, body)) = file.filter(|(_, b)| !b.is_empty()) else {
        return refuse(Vec::new(), ctx.chrome.t("upload.no_file").to_owned()).await;
    };
    let format = match form.get("format").unwrap_or_default() {
        "json" => ListFormat::Json,
        "csv" => ListFormat::Csv,
        "tbx" => ListFormat::Tbx,
        _ => ListFormat::from_path(std::path::Path::new(&file_name)).unwrap_or_else(|| {
            match body.iter().find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF) {
                Some(b'{') => ListFormat::Json,
                Some(b'<') => ListFormat::Tbx,
                _ => ListFormat::Csv,
            }
        }),
    };
    let year = match form.text("year") {
        None => None,
        Some(raw) => match raw.parse::<i64>() {
            Ok(y) => Some(y),
            Err(_) => {
                let p = Problem { row: None, field: "year".into(), reason: ctx.chrome.t("upload.bad_year").into() };
                return refuse(vec![p], ctx.chrome.t("upload.refused").to_owned()).await;
            }
        },
    };
    let language = form.text("language");
    let distribution = form.text("distribution");
    let state = chosen.clone();
    let result = ctx
        .call_raw(move |g, a| {
            let code = g.known_state(&state, "state")?;
            let receipt = g.submit(a, &code, ListInput { format, body: &body, language, year, distribution })?;
            Ok((code, receipt.stored.submission.id))
        })
        .await?;
    match result {
        Ok((code, id)) => Ok(see_other(&view::url(&format!("/states/{code}"), &[("uploaded", &id.to_string())]))),
        Err(e) if super::status_of(&e).is_client_error() => {
            // A refused list is shown on the form again, every bad row named.
            let problems = view::problems_of(&e);
            let message = match &e {
                Error::Invalid(rows) => ctx.chrome.tf1("upload.refused_rows", rows.len()),
                other => other.to_string(),
            };
            refuse(problems, message).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}
