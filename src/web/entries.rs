//! `/entries/{id}`: one national entry (term with its `lang`, State, the
//! original definition beside the English one, source, note, domains), the
//! revision history of its list, the same notion in other States' lists
//! (its cluster, with the links' scores and reasons), and downloads of the
//! list. `/lists/{id}/download/{format}`: the list as JSON, CSV or TBX.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;

use super::search::ListItem;
use super::{Chrome, Ctx, Failure, render};
use crate::domain::{EntryId, StateCode};
use crate::error::Error;
use crate::service::{EntryRecord, ExportFormat};

pub struct Related {
    pub id: String,
    pub state: String,
    pub term: String,
    pub language: String,
    pub term_en: Option<String>,
    /// The strongest link between this entry and that one, if a direct one.
    pub score: Option<String>,
    pub reason: Option<String>,
}

#[derive(Template)]
#[template(path = "entry.html")]
struct EntryPage {
    c: Chrome,
    e: EntryRecord,
    id: String,
    state_name: String,
    current: bool,
    history: Vec<ListItem>,
    cluster_id: Option<String>,
    related: Vec<Related>,
    compare_href: String,
}

pub async fn entry(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, Failure> {
    let ctx = ctx.section("search");
    let id: EntryId = raw.parse().map_err(|_| ctx.fail(Error::not_found("entry", &raw)))?;
    let (e, history, cluster, state_name) = ctx
        .call(move |g, a| {
            let e = g.entry(a, id)?;
            let code = StateCode::parse(&e.state).map_err(|err| Error::Corrupt(err.to_string()))?;
            let history = g.submissions_of(a, &code)?;
            let cluster = g.entry_cluster(a, id)?;
            let name = g.states(a)?.into_iter().find(|s| s.code == e.state).map(|s| s.name).unwrap_or_default();
            Ok((e, history, cluster, name))
        })
        .await?;
    let own = id.to_string();
    let current = history.iter().any(|(s, cur)| s.id == e.submission_id && *cur);
    let (cluster_id, related) = match cluster {
        Some(c) => {
            let related = c
                .members
                .iter()
                .filter(|m| m.entry_id != own)
                .map(|m| {
                    let link = c
                        .links
                        .iter()
                        .filter(|l| (l.a == own && l.b == m.entry_id) || (l.b == own && l.a == m.entry_id))
                        .max_by(|x, y| x.score.total_cmp(&y.score));
                    Related {
                        id: m.entry_id.clone(),
                        state: m.state.clone(),
                        term: m.term.clone(),
                        language: m.language.clone(),
                        term_en: m.term_en.clone(),
                        score: link.map(|l| format!("{:.2}", l.score)),
                        reason: link.map(|l| l.reason.clone()),
                    }
                })
                .collect();
            (Some(c.id), related)
        }
        None => (None, Vec::new()),
    };
    let compare_term = e.term_en.clone().unwrap_or_else(|| e.term.clone());
    let page = EntryPage {
        c: ctx.chrome,
        id: own,
        state_name,
        current,
        history: history.into_iter().rev().map(|(s, cur)| ListItem::of(s, cur)).collect(),
        cluster_id,
        related,
        compare_href: super::view::url("/compare", &[("term", &compare_term)]),
        e,
    };
    Ok(render(&page))
}

pub async fn download(ctx: Ctx, Path((id, format)): Path<(String, String)>) -> Result<Response, Failure> {
    let n: u64 = id.parse().map_err(|_| ctx.fail(Error::not_found("submission", &id)))?;
    let format = ExportFormat::parse(&format, false)
        .ok_or_else(|| ctx.fail(Error::bad_param("format", "a list downloads as json, csv or tbx")))?;
    let file = ctx.call(move |g, a| g.export_submission(a, n, format)).await?;
    crate::http::submissions::download(file).await.map_err(|e| ctx.fail(e))
}
