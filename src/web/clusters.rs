//! `/clusters` and `/clusters/{id}`: near-equivalent national entries of
//! different States. The list (size, States, languages, how tightly they
//! agree); one cluster with its members, the links that hold it (scores and
//! reasons) and a small server-drawn SVG of them. Editors split, merge and
//! pin here (decisions the service keeps across rebuilds), and anyone who
//! may propose starts a proposal from a cluster.

use std::collections::BTreeSet;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::response::Response;

use super::view::{self, Form, Pager};
use super::{Chrome, Ctx, Failure, render, see_other};
use crate::domain::Role;
use crate::error::Error;
use crate::service::{ClusterFilter, ClusterView, PinDecision};

const PAGE: usize = 30;

pub struct ClusterRow {
    pub id: String,
    pub label: String,
    pub size: usize,
    pub states: String,
    pub languages: String,
    pub agreement: String,
}

fn label(c: &ClusterView) -> String {
    c.members
        .iter()
        .find_map(|m| if m.language == "en" { Some(m.term.clone()) } else { m.term_en.clone() })
        .or_else(|| c.members.first().map(|m| m.term.clone()))
        .unwrap_or_else(|| c.id.clone())
}

fn agreement(c: &ClusterView) -> String {
    if c.links.is_empty() {
        return "—".to_owned();
    }
    let mean = c.links.iter().map(|l| l.score).sum::<f32>() / c.links.len() as f32;
    format!("{mean:.2}")
}

fn row(c: &ClusterView) -> ClusterRow {
    let languages: BTreeSet<&str> = c.members.iter().map(|m| m.language.as_str()).collect();
    ClusterRow {
        id: c.id.clone(),
        label: label(c),
        size: c.members.len(),
        states: c.states.join(", "),
        languages: languages.into_iter().collect::<Vec<_>>().join(", "),
        agreement: agreement(c),
    }
}

#[derive(Template)]
#[template(path = "clusters.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<ClusterRow>,
    min_states: usize,
    pager: Pager,
    editor: bool,
}

pub async fn list(ctx: Ctx, Query(q): Query<std::collections::HashMap<String, String>>) -> Result<Response, Failure> {
    let ctx = ctx.section("clusters");
    let min_states = q.get("min_states").and_then(|v| v.parse::<usize>().ok()).unwrap_or(2).min(60);
    let offset = q.get("offset").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let filter = ClusterFilter { min_states, state: None };
    let (total, page) = ctx.call(move |g, a| g.clusters(a, &filter, offset, PAGE)).await?;
    let pager = Pager::new(total, offset, PAGE, |o| {
        view::url("/clusters", &[("min_states", &min_states.to_string()), ("offset", &o.to_string())])
    });
    let editor = ctx.signed_in && ctx.actor.is_editor();
    let page = ListPage { c: ctx.chrome, rows: page.iter().map(row).collect(), min_states, pager, editor };
    Ok(render(&page))
}

pub struct Node {
    pub id: String,
    pub state: String,
    pub x: i32,
    pub y: i32,
    pub lx: i32,
    pub ly: i32,
}

pub struct Edge {
    pub x1: i32,
    pub y1: i32,
    pub x2: i32,
    pub y2: i32,
    pub strong: bool,
}

pub struct LinkRow {
    pub a: String,
    pub a_label: String,
    pub b: String,
    pub b_label: String,
    pub term: String,
    pub definition: String,
    pub score: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "cluster.html")]
struct DetailPage {
    c: Chrome,
    cl: ClusterView,
    title: String,
    agreement: String,
    links: Vec<LinkRow>,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    editor: bool,
    may_propose: bool,
}

/// Members on a circle, links as lines (a strong link drawn thicker).
fn graph(c: &ClusterView) -> (Vec<Node>, Vec<Edge>) {
    let n = c.members.len().max(1) as f64;
    let (cx, cy, r) = (160.0, 130.0, 95.0);
    let nodes: Vec<Node> = c
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let angle = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
            let (x, y) = (cx + r * angle.cos(), cy + r * angle.sin());
            let (lx, ly) = (cx + (r + 22.0) * angle.cos() - 8.0, cy + (r + 22.0) * angle.sin() + 4.0);
            Node {
                id: m.entry_id.clone(),
                state: m.state.clone(),
                x: x as i32,
                y: y as i32,
                lx: lx as i32,
                ly: ly as i32,
            }
        })
        .collect();
    let at = |id: &str| nodes.iter().find(|n| n.id == id).map(|n| (n.x, n.y));
    let edges = c
        .links
        .iter()
        .filter_map(|l| {
            let (a, b) = (at(&l.a)?, at(&l.b)?);
            Some(Edge { x1: a.0, y1: a.1, x2: b.0, y2: b.1, strong: l.score >= 0.8 })
        })
        .collect();
    (nodes, edges)
}

pub async fn detail(ctx: Ctx, Path(id): Path<String>) -> Result<Response, Failure> {
    let ctx = ctx.section("clusters");
    let cl = ctx.call(move |g, a| g.cluster(a, &id)).await?;
    let name = |id: &str| {
        cl.members
            .iter()
            .find(|m| m.entry_id == id)
            .map(|m| format!("{} ({})", m.term, m.state))
            .unwrap_or_else(|| id.to_owned())
    };
    let links = cl
        .links
        .iter()
        .map(|l| LinkRow {
            a: l.a.clone(),
            a_label: name(&l.a),
            b: l.b.clone(),
            b_label: name(&l.b),
            term: format!("{:.2}", l.term),
            definition: format!("{:.2}", l.definition),
            score: format!("{:.2}", l.score),
            reason: ctx.chrome.reason(&l.reason),
        })
        .collect();
    let (nodes, edges) = graph(&cl);
    let editor = ctx.signed_in && ctx.actor.is_editor();
    let may_propose = ctx.signed_in && ctx.actor.role != Role::Reader;
    let page = DetailPage {
        title: label(&cl),
        agreement: agreement(&cl),
        links,
        nodes,
        edges,
        editor,
        may_propose,
        c: ctx.chrome,
        cl,
    };
    Ok(render(&page))
}

/// Where to go after a decision: the first cluster it left.
fn after(views: Vec<ClusterView>, fallback: &str) -> Response {
    match views.first() {
        Some(v) => see_other(&format!("/clusters/{}", v.id)),
        None => see_other(fallback),
    }
}

pub async fn split(ctx: Ctx, Path(id): Path<String>, body: Bytes) -> Result<Response, Failure> {
    let ctx = ctx.section("clusters");
    let form = Form::parse(&body);
    ctx.check_csrf(&form)?;
    let entries = form.all("entry_id");
    let cid = id.clone();
    let views = ctx.call(move |g, a| g.split_cluster(a, &cid, entries)).await?;
    Ok(after(views, &format!("/clusters/{id}")))
}

pub async fn pin(ctx: Ctx, Path(id): Path<String>, body: Bytes) -> Result<Response, Failure> {
    let ctx = ctx.section("clusters");
    let form = Form::parse(&body);
    ctx.check_csrf(&form)?;
    let entry = form.text("entry_id").unwrap_or_default();
    let decision = match form.get("pin").unwrap_or_default() {
        "in" => PinDecision::In,
        "out" => PinDecision::Out,
        _ => return Err(ctx.fail(Error::bad_param("pin", "pin is in or out"))),
    };
    let cid = id.clone();
    let views = ctx.call(move |g, a| g.pin_entry(a, &cid, &entry, decision)).await?;
    Ok(after(views, &format!("/clusters/{id}")))
}

pub async fn merge(ctx: Ctx, body: Bytes) -> Result<Response, Failure> {
    let ctx = ctx.section("clusters");
    let form = Form::parse(&body);
    ctx.check_csrf(&form)?;
    let ids = form.all("cluster_id");
    let views = ctx.call(move |g, a| g.merge_clusters(a, ids)).await?;
    Ok(after(views, "/clusters"))
}
