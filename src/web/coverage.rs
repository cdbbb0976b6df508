//! `/coverage`: the CBM 9 picture. A States × notions matrix (a notion is a
//! cluster of two or more States' entries; each cell says submitted, with
//! English, or missing, in words as well as colour), per-State totals and
//! last submission, the notions few States cover, a server-drawn SVG chart,
//! and `/coverage.csv` with the whole matrix.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::Query;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::view::{self, Pager};
use super::{Chrome, Ctx, Failure, render};
use crate::error::Error;
use crate::service::{ClusterFilter, ClusterView};

/// Notions (matrix columns) per page.
const COLUMNS: usize = 20;

/// A cell: "en" (an entry with English), "yes" (an entry), "no".
pub struct Notion {
    pub id: String,
    pub label: String,
    pub states: usize,
    cells: HashMap<String, &'static str>,
}

impl Notion {
    pub fn cell(&self, state: &str) -> &'static str {
        self.cells.get(state).copied().unwrap_or("no")
    }
}

fn notion(c: &ClusterView) -> Notion {
    let label = c
        .members
        .iter()
        .find_map(|m| if m.language == "en" { Some(m.term.clone()) } else { m.term_en.clone() })
        .or_else(|| c.members.first().map(|m| m.term.clone()))
        .unwrap_or_else(|| c.id.clone());
    let mut cells: HashMap<String, &'static str> = HashMap::new();
    for m in &c.members {
        let kind = if m.language == "en" || m.term_en.is_some() { "en" } else { "yes" };
        let cell = cells.entry(m.state.clone()).or_insert(kind);
        if kind == "en" {
            *cell = "en";
        }
    }
    Notion { id: c.id.clone(), label, states: c.states.len(), cells }
}

pub struct StateLine {
    pub code: String,
    pub name: String,
    pub entries: u64,
    pub notions: usize,
    pub last: String,
    /// Bar of the chart: y position and width.
    pub y: usize,
    pub width: usize,
}

struct Data {
    states: Vec<StateLine>,
    not_submitted: Vec<(String, String)>,
    notions: Vec<Notion>,
}

async fn data(ctx: &Ctx) -> Result<Data, Failure> {
    let (coverage, clusters, latest, names) = ctx
        .call(|g, a| {
            let coverage = g.coverage(a, 0, 0)?;
            let (_, clusters) = g.clusters(a, &ClusterFilter { min_states: 2, state: None }, 0, usize::MAX)?;
            let latest = g.latest_submissions(a, usize::MAX)?;
            let names: BTreeMap<String, String> = g.states(a)?.into_iter().map(|s| (s.code, s.name)).collect();
            Ok((coverage, clusters, latest, names))
        })
        .await?;
    let mut notions: Vec<Notion> = clusters.iter().map(notion).collect();
    notions.sort_by(|a, b| b.states.cmp(&a.states).then(a.label.cmp(&b.label)));
    let mut last: HashMap<String, String> = HashMap::new();
    for (s, _) in &latest {
        last.entry(s.state.clone()).or_insert_with(|| view::when(&s.created_at));
    }
    let max = coverage.states.iter().map(|s| s.entry_count).max().unwrap_or(1).max(1);
    let states = coverage
        .states
        .iter()
        .enumerate()
        .map(|(i, s)| StateLine {
            code: s.state.clone(),
            name: s.name.clone(),
            entries: s.entry_count,
            notions: notions.iter().filter(|n| n.cell(&s.state) != "no").count(),
            last: last.get(&s.state).cloned().unwrap_or_default(),
            y: i * 22,
            width: (s.entry_count as usize * 400) / max as usize,
        })
        .collect();
    let not_submitted =
        coverage.not_submitted.iter().map(|c| (c.clone(), names.get(c).cloned().unwrap_or_default())).collect();
    Ok(Data { states, not_submitted, notions })
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    c: Chrome,
    states: Vec<StateLine>,
    not_submitted: Vec<(String, String)>,
    columns: Vec<Notion>,
    few: Vec<Notion>,
    total_notions: usize,
    pager: Pager,
    chart_height: usize,
}

pub async fn coverage(
    ctx: Ctx,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, Failure> {
    let ctx = ctx.section("coverage");
    let offset = match q.get("offset").map(String::as_str) {
        None | Some("") => 0,
        Some(raw) => raw.parse::<usize>().map_err(|_| ctx.fail(Error::bad_param("offset", "a whole number")))?,
    };
    let d = data(&ctx).await?;
    let total_notions = d.notions.len();
    let mut few: Vec<Notion> = Vec::new();
    let mut columns = Vec::new();
    let mut by_few: Vec<(usize, usize)> = d.notions.iter().enumerate().map(|(i, n)| (n.states, i)).collect();
    by_few.sort();
    let few_ids: Vec<usize> = by_few.into_iter().take(10).map(|(_, i)| i).collect();
    for (i, n) in d.notions.into_iter().enumerate() {
        if few_ids.contains(&i) {
            few.push(Notion { id: n.id.clone(), label: n.label.clone(), states: n.states, cells: HashMap::new() });
        }
        if i >= offset && i < offset + COLUMNS {
            columns.push(n);
        }
    }
    few.sort_by(|a, b| a.states.cmp(&b.states).then(a.label.cmp(&b.label)));
    let pager = Pager::new(total_notions, offset, COLUMNS, |o| view::url("/coverage", &[("offset", &o.to_string())]));
    let page = CoveragePage {
        chart_height: d.states.len() * 22 + 10,
        c: ctx.chrome,
        states: d.states,
        not_submitted: d.not_submitted,
        columns,
        few,
        total_notions,
        pager,
    };
    Ok(render(&page))
}

pub async fn coverage_csv(ctx: Ctx) -> Result<Response, Failure> {
    let d = data(&ctx).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["state".to_owned(), "name".to_owned(), "entries".to_owned()];
    header.extend(d.notions.iter().map(|n| format!("{} ({})", n.label, n.id)));
    let write_err = |e: csv::Error| ctx.fail(Error::Encoding(format!("CSV: {e}")));
    w.write_record(&header).map_err(write_err)?;
    for s in &d.states {
        let mut row = vec![s.code.clone(), s.name.clone(), s.entries.to_string()];
        row.extend(d.notions.iter().map(|n| match n.cell(&s.code) {
            "en" => "submitted_with_english".to_owned(),
            "yes" => "submitted".to_owned(),
            _ => "missing".to_owned(),
        }));
        w.write_record(&row).map_err(write_err)?;
    }
    let body = w.into_inner().map_err(|e| ctx.fail(Error::Encoding(format!("CSV: {e}"))))?;
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"coverage.csv\""));
    Ok(r)
}
