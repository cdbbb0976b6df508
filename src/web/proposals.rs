//! `/proposals` and `/proposals/{id}`: consensus entries in the making. The
//! list by status; one proposal with its status bar (the end of the silence
//! period in UTC and the time left), current text, a word diff of any two
//! versions, the 57-State position board with totals, interpretative
//! statements tied to their version and State, and the timeline. Forms
//! (each with the session's CSRF token) appear only to those the service
//! would let act: a delegate records their own State's position; the
//! proposer or an editor edits, submits, withdraws; editors approve and
//! reject; anyone signed in comments.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use time::OffsetDateTime;

use super::view::{self, Form, Pager, Problem, Run};
use super::{Chrome, Ctx, Failure, render, render_status, see_other};
use crate::clock;
use crate::domain::Role;
use crate::domain::proposal::{PositionDraft, ProposalDraft, Status, TRANSLATION_LANGUAGES, TranslationDraft};
use crate::error::Error;
use crate::service::consensus::ProposalDetail;
use crate::service::{ProposalEvent, ProposalRecord, ProposalTextRecord, StateRecord};

const PAGE: usize = 20;

// ---- The list ----

pub struct Summary {
    pub id: u64,
    pub term: String,
    pub status: String,
    pub version: u32,
    pub updated: String,
    pub silence_until: String,
}

impl From<&ProposalRecord> for Summary {
    fn from(p: &ProposalRecord) -> Self {
        Self {
            id: p.id,
            term: p.text.term.clone(),
            status: p.status.as_str().to_owned(),
            version: p.version,
            updated: view::when(&p.updated_at),
            silence_until: p.silence_until.as_ref().map(view::when).unwrap_or_default(),
        }
    }
}

pub struct Tab {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "proposals.html")]
struct ListPage {
    c: Chrome,
    tabs: Vec<Tab>,
    items: Vec<Summary>,
    pager: Pager,
    may_propose: bool,
}

pub async fn list(ctx: Ctx, Query(q): Query<std::collections::HashMap<String, String>>) -> Result<Response, Failure> {
    let ctx = ctx.section("proposals");
    let raw_status = q.get("status").map(|s| s.trim().to_owned()).unwrap_or_default();
    let status = if raw_status.is_empty() {
        None
    } else {
        Some(Status::parse(&raw_status).map_err(|e| ctx.fail(Error::bad_param("status", e)))?)
    };
    let offset = q.get("offset").and_then(|o| o.parse::<usize>().ok()).unwrap_or(0);
    let (total, page) = ctx.call(move |g, a| g.proposals(a, status, offset, PAGE)).await?;
    let mut tabs =
        vec![Tab { label: ctx.chrome.t("proposals.all"), href: "/proposals".into(), current: status.is_none() }];
    for s in Status::ALL {
        tabs.push(Tab {
            label: ctx.chrome.status_name(s.as_str()),
            href: view::url("/proposals", &[("status", s.as_str())]),
            current: status == Some(s),
        });
    }
    let pager = Pager::new(total, offset, PAGE, |o| {
        view::url("/proposals", &[("status", &raw_status), ("offset", &o.to_string())])
    });
    let may_propose = ctx.signed_in && ctx.actor.role != Role::Reader;
    let page = ListPage { c: ctx.chrome, tabs, items: page.iter().map(Summary::from).collect(), pager, may_propose };
    Ok(render(&page))
}

// ---- Drafting ----

/// The fields of a proposal's text as a form shows them.
#[derive(Default, Clone)]
pub struct TextFields {
    pub term: String,
    pub definition: String,
    pub rationale: String,
    pub entry_ids: String,
    pub cluster_id: String,
    pub supersedes: String,
    /// (language, term, definition) for each official language besides English.
    pub translations: Vec<(String, String, String)>,
}

impl TextFields {
    fn empty() -> Self {
        Self {
            translations: TRANSLATION_LANGUAGES
                .iter()
                .map(|l| ((*l).to_owned(), String::new(), String::new()))
                .collect(),
            ..Self::default()
        }
    }

    fn of(t: &ProposalTextRecord) -> Self {
        let mut f = Self::empty();
        f.term = t.term.clone();
        f.definition = t.definition.clone();
        f.rationale = t.rationale.clone().unwrap_or_default();
        f.entry_ids = t.entry_ids.join(", ");
        f.cluster_id = t.cluster_id.clone().unwrap_or_default();
        f.supersedes = t.supersedes.map(|s| s.to_string()).unwrap_or_default();
        for (lang, term, def) in &mut f.translations {
            if let Some(tr) = t.translations.get(lang.as_str()) {
                *term = tr.term.clone();
                *def = tr.definition.clone();
            }
        }
        f
    }

    fn read(form: &Form) -> Self {
        let get = |k: &str| form.get(k).unwrap_or_default().to_owned();
        Self {
            term: get("term"),
            definition: get("definition"),
            rationale: get("rationale"),
            entry_ids: get("entry_ids"),
            cluster_id: get("cluster_id"),
            supersedes: get("supersedes"),
            translations: TRANSLATION_LANGUAGES
                .iter()
                .map(|l| ((*l).to_owned(), get(&format!("term_{l}")), get(&format!("definition_{l}"))))
                .collect(),
        }
    }

    fn draft(&self) -> ProposalDraft {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        ProposalDraft {
            term: opt(&self.term),
            definition: opt(&self.definition),
            language: Some("en".to_owned()),
            translations: self
                .translations
                .iter()
                .filter(|(_, t, d)| !t.trim().is_empty() || !d.trim().is_empty())
                .map(|(l, t, d)| (l.clone(), TranslationDraft { term: opt(t), definition: opt(d) }))
                .collect(),
            // The form shows the current entries: what it sends is the new list.
            entry_ids: Some(
                self.entry_ids
                    .split([',', ' ', '\n'])
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.trim().to_owned())
                    .collect(),
            ),
            cluster_id: opt(&self.cluster_id),
            rationale: opt(&self.rationale),
            supersedes: opt(&self.supersedes),
        }
    }
}

#[derive(Template)]
#[template(path = "proposal_new.html")]
struct NewPage {
    c: Chrome,
    f: TextFields,
    members: Vec<(String, String, String)>,
    problems: Vec<Problem>,
    error: Option<String>,
}

pub async fn new_form(
    ctx: Ctx,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, Failure> {
    let ctx = ctx.section("proposals");
    ctx.require_session()?;
    let mut f = TextFields::empty();
    let mut members = Vec::new();
    if let Some(cluster) = q.get("cluster").filter(|c| !c.trim().is_empty()).cloned() {
        let view = ctx.call(move |g, a| g.cluster(a, &cluster)).await?;
        // The English name most of its members share.
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for m in &view.members {
            let name = if m.language == "en" { Some(m.term.clone()) } else { m.term_en.clone() };
            if let Some(n) = name {
                *counts.entry(n.to_lowercase()).or_default() += 1;
            }
            members.push((m.entry_id.clone(), m.state.clone(), m.term.clone()));
        }
        f.term = counts.into_iter().max_by_key(|(_, n)| *n).map(|(t, _)| t).unwrap_or_default();
        f.cluster_id = view.id;
        f.entry_ids = view.members.iter().map(|m| m.entry_id.clone()).collect::<Vec<_>>().join(", ");
    }
    Ok(render(&NewPage { c: ctx.chrome, f, members, problems: Vec::new(), error: None }))
}

pub async fn create(ctx: Ctx, body: Bytes) -> Result<Response, Failure> {
    let ctx = ctx.section("proposals");
    let form = Form::parse(&body);
    ctx.check_csrf(&form)?;
    let f = TextFields::read(&form);
    let draft = f.draft();
    match ctx.call_raw(move |g, a| g.create_proposal(a, draft)).await? {
        Ok(detail) => Ok(see_other(&format!("/proposals/{}", detail.record.id))),
        Err(e) if super::status_of(&e).is_client_error() => {
            let status = super::status_of(&e);
            let page = NewPage {
                c: ctx.chrome.clone(),
                f,
                members: Vec::new(),
                problems: view::problems_of(&e),
                error: Some(e.to_string()),
            };
            Ok(render_status(status, &page))
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

// ---- One proposal ----

pub struct Step {
    pub label: &'static str,
    /// "done", "now" or "".
    pub state: &'static str,
}

pub struct BoardCell {
    pub state: String,
    pub name: String,
    /// support, abstain, object or none.
    pub stance: String,
    pub label: &'static str,
    pub reason: Option<String>,
}

pub struct StatementView {
    pub state: String,
    pub version: u32,
    pub position: String,
    pub text: String,
    pub at: String,
    pub standing: bool,
}

pub struct TimelineItem {
    pub at: String,
    pub who: String,
    pub what: String,
    pub detail: Option<String>,
}

pub struct DiffView {
    pub from: u32,
    pub to: u32,
    pub term: Vec<Run>,
    pub definition: Vec<Run>,
    pub rationale: Vec<Run>,
}

pub struct Provenance {
    pub id: String,
    pub state: String,
    pub term: String,
    pub language: String,
}

#[derive(Template)]
#[template(path = "proposal.html")]
struct DetailPage {
    c: Chrome,
    p: ProposalRecord,
    steps: Vec<Step>,
    silence_until: String,
    time_left: String,
    silence_over: bool,
    text: TextFields,
    provenance: Vec<Provenance>,
    board: Vec<BoardCell>,
    totals: Vec<(&'static str, &'static str, usize)>,
    statements: Vec<StatementView>,
    timeline: Vec<TimelineItem>,
    versions: Vec<u32>,
    diff: Option<DiffView>,
    /// What the signed-in person may do here.
    may_position_for: Vec<(String, String)>,
    may_edit: bool,
    may_submit: bool,
    may_withdraw: bool,
    may_decide: bool,
    may_comment: bool,
    own_position: Option<String>,
    problems: Vec<Problem>,
    error: Option<String>,
    done: Option<&'static str>,
}

fn time_left(c: &Chrome, until: OffsetDateTime, now: OffsetDateTime) -> String {
    let left = until - now;
    if left <= time::Duration::ZERO {
        return c.t("proposal.silence_over").to_owned();
    }
    let days = left.whole_days();
    let hours = left.whole_hours() - days * 24;
    let minutes = left.whole_minutes() - left.whole_hours() * 60;
    if days > 0 { c.tf2("proposal.left_days", days, hours) } else { c.tf2("proposal.left_hours", hours, minutes) }
}

fn status_steps(c: &Chrome, status: &str) -> Vec<Step> {
    let order = ["draft", "under_review"];
    let mut steps: Vec<Step> = order
        .iter()
        .map(|s| Step {
            label: c.status_name(s),
            state: if *s == status {
                "now"
            } else if status != "draft" && (*s == "draft" || status != "under_review") {
                "done"
            } else {
                ""
            },
        })
        .collect();
    match status {
        "draft" | "under_review" => steps.push(Step { label: c.t("proposal.outcome"), state: "" }),
        other => steps.push(Step { label: c.status_name(other), state: "now" }),
    }
    steps
}

struct Extra {
    problems: Vec<Problem>,
    error: Option<String>,
    done: Option<&'static str>,
    status: StatusCode,
    /// The text to show in the edit form (what was sent, when refused).
    text: Option<TextFields>,
}

async fn detail_page(
    ctx: &Ctx,
    id: u64,
    from: Option<u32>,
    to: Option<u32>,
    extra: Extra,
) -> Result<Response, Failure> {
    let (d, states, now) = ctx
        .call(move |g, a| {
            let d: ProposalDetail = g.proposal_detail(a, id)?;
            let states: Vec<StateRecord> = g.states(a)?;
            Ok((d, states, g.clock().now()))
        })
        .await?;
    let c = &ctx.chrome;
    let p = d.record;
    // Versions of the text, by number.
    let mut versions: BTreeMap<u32, ProposalTextRecord> = BTreeMap::new();
    let mut statements = Vec::new();
    let mut timeline = Vec::new();
    for ev in &d.events {
        let who = match &ev.actor_state {
            Some(s) => format!("{} ({}, {s})", ev.actor, c.t(&format!("role.{}", ev.role))),
            None => format!("{} ({})", ev.actor, c.t(&format!("role.{}", ev.role))),
        };
        let (what, detail) = match &ev.event {
            ProposalEvent::Version { version, text } => {
                versions.insert(*version, text.clone());
                (c.tf1("timeline.version", version), None)
            }
            ProposalEvent::Status { from, to, reason, silence_until, .. } => {
                let mut detail = reason.clone();
                if let Some(u) = silence_until {
                    detail = Some(c.tf1("timeline.silence_until", view::when(u)));
                }
                (c.tf2("timeline.status", c.status_name(from.as_str()), c.status_name(to.as_str())), detail)
            }
            ProposalEvent::ReviewRestarted { version, silence_until, positions_reset } => (
                c.tf1("timeline.restarted", version),
                Some(format!(
                    "{}{}",
                    c.tf1("timeline.silence_until", view::when(silence_until)),
                    if positions_reset.is_empty() {
                        String::new()
                    } else {
                        format!(" · {}", c.tf1("timeline.reset", positions_reset.join(", ")))
                    }
                )),
            ),
            ProposalEvent::Position(pos) => {
                if let Some(s) = &pos.statement {
                    let standing = p.positions.get(&pos.state).is_some_and(|cur| cur.at == pos.at);
                    statements.push(StatementView {
                        state: pos.state.clone(),
                        version: pos.version,
                        position: pos.position.as_str().to_owned(),
                        text: s.clone(),
                        at: view::when(&pos.at),
                        standing,
                    });
                }
                let what = c.tf2("timeline.position", &pos.state, c.stance_name(pos.position.as_str()));
                (what, pos.reason.clone())
            }
            ProposalEvent::Comment { text } => (c.t("timeline.comment").to_owned(), Some(text.clone())),
        };
        timeline.push(TimelineItem { at: view::when(&ev.at), who, what, detail });
    }
    let numbers: Vec<u32> = versions.keys().copied().collect();
    let to_v = to.filter(|v| versions.contains_key(v)).unwrap_or(p.version);
    let from_v = from.filter(|v| versions.contains_key(v)).unwrap_or(to_v.saturating_sub(1));
    let diff = match (versions.get(&from_v), versions.get(&to_v)) {
        (Some(a), Some(b)) if from_v != to_v => Some(DiffView {
            from: from_v,
            to: to_v,
            term: view::diff_runs(&a.term, &b.term),
            definition: view::diff_runs(&a.definition, &b.definition),
            rationale: view::diff_runs(
                a.rationale.as_deref().unwrap_or_default(),
                b.rationale.as_deref().unwrap_or_default(),
            ),
        }),
        _ => None,
    };
    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    let board: Vec<BoardCell> = states
        .iter()
        .map(|s| {
            let pos = p.positions.get(&s.code);
            let stance = pos.map_or("none", |r| r.position.as_str()).to_owned();
            *totals
                .entry(match stance.as_str() {
                    "support" => "support",
                    "abstain" => "abstain",
                    "object" => "object",
                    _ => "none",
                })
                .or_default() += 1;
            BoardCell {
                label: c.stance_name(&stance),
                state: s.code.clone(),
                name: s.name.clone(),
                stance,
                reason: pos.and_then(|r| r.reason.clone()),
            }
        })
        .collect();
    let totals = ["support", "abstain", "object", "none"]
        .into_iter()
        .map(|k| (k, c.stance_name(k), totals.get(k).copied().unwrap_or(0)))
        .collect();
    let status = p.status.as_str();
    let a = &ctx.actor;
    let signed = ctx.signed_in;
    let open = status == "draft" || status == "under_review";
    let proposer_or_editor = signed && (a.is_editor() || (a.role != Role::Reader && a.name == p.created_by));
    let may_position_for: Vec<(String, String)> = if signed && status == "under_review" {
        states
            .iter()
            .filter(|s| match a.role {
                Role::Editor | Role::Admin => true,
                Role::Delegate => a.state.as_ref().is_some_and(|own| own.as_str() == s.code),
                Role::Reader => false,
            })
            .map(|s| (s.code.clone(), s.name.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let own_position =
        a.state.as_ref().and_then(|s| p.positions.get(s.as_str())).map(|r| r.position.as_str().to_owned());
    let (silence_until, left, over) = match p.silence_until {
        Some(u) => (view::utc(u), time_left(c, u, now), u <= now),
        None => (String::new(), String::new(), false),
    };
    let provenance = d
        .provenance
        .into_iter()
        .map(|e| Provenance { id: e.id(), state: e.state, term: e.text.term, language: e.language })
        .collect();
    let page = DetailPage {
        c: c.clone(),
        steps: status_steps(c, status),
        silence_until,
        time_left: left,
        silence_over: over,
        text: extra.text.unwrap_or_else(|| TextFields::of(&p.text)),
        provenance,
        board,
        totals,
        statements,
        timeline,
        versions: numbers,
        diff,
        may_position_for,
        may_edit: proposer_or_editor && open,
        may_submit: proposer_or_editor && status == "draft",
        may_withdraw: proposer_or_editor && open,
        may_decide: signed && a.is_editor() && status == "under_review",
        may_comment: signed,
        own_position,
        problems: extra.problems,
        error: extra.error,
        done: extra.done,
        p,
    };
    Ok(render_status(extra.status, &page))
}

fn proposal_id(ctx: &Ctx, raw: &str) -> Result<u64, Failure> {
    raw.parse::<u64>().map_err(|_| ctx.fail(Error::not_found("proposal", raw)))
}

pub async fn detail(
    ctx: Ctx,
    Path(raw): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, Failure> {
    let ctx = ctx.section("proposals");
    let id = proposal_id(&ctx, &raw)?;
    let from = q.get("from").and_then(|v| v.parse().ok());
    let to = q.get("to").and_then(|v| v.parse().ok());
    let done = match q.get("done").map(String::as_str) {
        Some("created") => Some("done.created"),
        Some("edit") => Some("done.edit"),
        Some("submit") => Some("done.submit"),
        Some("position") => Some("done.position"),
        Some("approve") => Some("done.approve"),
        Some("reject") => Some("done.reject"),
        Some("withdraw") => Some("done.withdraw"),
        Some("comment") => Some("done.comment"),
        _ => None,
    };
    detail_page(
        &ctx,
        id,
        from,
        to,
        Extra { problems: Vec::new(), error: None, done, status: StatusCode::OK, text: None },
    )
    .await
}

/// POST /proposals/{id}/{action}: edit, submit, position, approve, reject,
/// withdraw, comment. On success back to the proposal (303); refused, the
/// proposal again with what was wrong beside the forms.
pub async fn act(ctx: Ctx, Path((raw, action)): Path<(String, String)>, body: Bytes) -> Result<Response, Failure> {
    let ctx = ctx.section("proposals");
    let id = proposal_id(&ctx, &raw)?;
    let form = Form::parse(&body);
    ctx.check_csrf(&form)?;
    let mut sent_text = None;
    let result = match action.as_str() {
        "edit" => {
            let f = TextFields::read(&form);
            let draft = f.draft();
            sent_text = Some(f);
            let version: Vec<u32> = form.get("version").and_then(|v| v.parse().ok()).into_iter().collect();
            ctx.call_raw(move |g, a| g.edit_proposal(a, id, &version, draft).map(|_| ())).await?
        }
        "submit" => {
            let until = match form.text("silence_until") {
                None => None,
                Some(raw) => match clock::parse(&raw) {
                    Some(t) => Some(t),
                    None => {
                        let e = Error::bad_param("silence_until", "a date (YYYY-MM-DD) or an RFC 3339 time");
                        return refused(&ctx, id, e, None).await;
                    }
                },
            };
            ctx.call_raw(move |g, a| g.submit_proposal(a, id, until).map(|_| ())).await?
        }
        "position" => {
            let draft = PositionDraft {
                state: form.text("state"),
                position: form.text("position"),
                reason: form.text("reason"),
                statement: form.text("statement"),
            };
            ctx.call_raw(move |g, a| g.record_position(a, id, draft).map(|_| ())).await?
        }
        "approve" => ctx.call_raw(move |g, a| g.approve_proposal(a, id).map(|_| ())).await?,
        "reject" => {
            let reason = form.text("reason");
            ctx.call_raw(move |g, a| g.reject_proposal(a, id, reason.as_deref()).map(|_| ())).await?
        }
        "withdraw" => {
            let reason = form.text("reason");
            ctx.call_raw(move |g, a| g.withdraw_proposal(a, id, reason.as_deref()).map(|_| ())).await?
        }
        "comment" => {
            let text = form.text("text");
            ctx.call_raw(move |g, a| g.comment_proposal(a, id, text.as_deref()).map(|_| ())).await?
        }
        other => Err(Error::not_found("proposal action", other)),
    };
    match result {
        Ok(()) => Ok(see_other(&view::url(&format!("/proposals/{id}"), &[("done", &action)]))),
        Err(e) => refused(&ctx, id, e, sent_text).await,
    }
}

async fn refused(ctx: &Ctx, id: u64, e: Error, text: Option<TextFields>) -> Result<Response, Failure> {
    let status = super::status_of(&e);
    if !status.is_client_error() {
        return Err(ctx.fail(e));
    }
    let extra = Extra { problems: view::problems_of(&e), error: Some(e.to_string()), done: None, status, text };
    detail_page(ctx, id, None, None, extra).await
}
