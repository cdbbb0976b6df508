//! `/compare?term=`: what every State means by a notion, one row per State
//! (all of them; those without an entry greyed, saying whether they sent a
//! list at all), the original definition beside the English one, and a word
//! diff of the English text against a chosen baseline (a State's entry or a
//! proposal's text) with `<ins>`/`<del>` and text labels. Two to four States
//! can be pinned side by side.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::Query;
use axum::response::Response;

use super::view::{self, Run};
use super::{Chrome, Ctx, Failure, render};
use crate::domain::normalize;
use crate::error::Error;

/// At most this many States pinned side by side.
const MAX_PINS: usize = 4;

pub struct Cell {
    pub id: String,
    pub term: String,
    pub language: String,
    pub definition: String,
    pub term_en: Option<String>,
    pub definition_en: Option<String>,
    pub diff: Vec<Run>,
    pub differs: bool,
}

pub struct Row {
    pub state: String,
    pub name: String,
    pub cells: Vec<Cell>,
    /// For a State without an entry: has it sent any list?
    pub has_submitted: bool,
    pub baseline: bool,
    pub pinned: bool,
    pub pin_href: String,
}

pub struct BaselineOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "compare.html")]
struct ComparePage {
    c: Chrome,
    term: String,
    asked: bool,
    rows: Vec<Row>,
    with_entry: usize,
    baselines: Vec<BaselineOption>,
    baseline_label: String,
    pins: Vec<Row>,
    basis: String,
}

pub async fn compare(ctx: Ctx, Query(pairs): Query<Vec<(String, String)>>) -> Result<Response, Failure> {
    let ctx = ctx.section("compare");
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let term = get("term");
    let baseline = get("baseline");
    let mut pins: Vec<String> = Vec::new();
    for (k, v) in &pairs {
        if k == "pin" {
            let code = crate::domain::StateCode::parse(v)
                .map_err(|e| ctx.fail(Error::bad_param("pin", e.to_string())))?
                .to_string();
            if !pins.contains(&code) && pins.len() < MAX_PINS {
                pins.push(code);
            }
        }
    }
    if term.is_empty() {
        let page = ComparePage {
            c: ctx.chrome,
            term,
            asked: false,
            rows: Vec::new(),
            with_entry: 0,
            baselines: Vec::new(),
            baseline_label: String::new(),
            pins: Vec::new(),
            basis: String::new(),
        };
        return Ok(render(&page));
    }
    let asked = term.clone();
    let (cmp, proposals) = ctx
        .call(move |g, a| {
            let cmp = g.compare(a, &asked)?;
            let key = normalize::key(&asked);
            let (_, all) = g.proposals(a, None, 0, usize::MAX)?;
            let proposals: Vec<_> = all.into_iter().filter(|p| p.text.term_key == key).collect();
            Ok((cmp, proposals))
        })
        .await?;
    let english = |e: &crate::service::EntryView| -> String {
        e.text
            .definition_en
            .clone()
            .unwrap_or_else(|| if e.language == "en" { e.text.definition.clone() } else { String::new() })
    };
    // The baseline: "p{id}" for a proposal, else a State code.
    let mut baselines = Vec::new();
    let mut base_text: Option<String> = None;
    let mut baseline_label = String::new();
    for p in proposals.iter().rev() {
        let value = format!("p{}", p.id);
        let selected = baseline == value;
        let label = ctx.chrome.tf2("compare.baseline_proposal", p.id, ctx.chrome.t(&format!("status.{}", p.status)));
        if selected {
            base_text = Some(p.text.definition.clone());
            baseline_label = label.clone();
        }
        baselines.push(BaselineOption { value, label, selected });
    }
    for r in &cmp.rows {
        if let Some(first) = r.entries.first() {
            let selected = baseline == r.state;
            let label = format!("{} — {}", r.state, r.name);
            if selected {
                base_text = Some(english(&first.entry));
                baseline_label = label.clone();
            }
            baselines.push(BaselineOption { value: r.state.clone(), label, selected });
        }
    }
    let here = |pins: &[String]| {
        let mut params: Vec<(&str, &str)> = vec![("term", &term), ("baseline", &baseline)];
        for p in pins {
            params.push(("pin", p));
        }
        view::url("/compare", &params)
    };
    let mut by_state: BTreeMap<String, Row> = BTreeMap::new();
    for r in cmp.rows {
        let cells = r
            .entries
            .into_iter()
            .map(|ce| {
                let e = ce.entry;
                let en = english(&e);
                let diff = match &base_text {
                    Some(b) if !en.is_empty() => view::diff_runs(b, &en),
                    _ => Vec::new(),
                };
                Cell {
                    differs: view::changed(&diff),
                    diff,
                    id: e.id,
                    term: e.text.term,
                    language: e.language,
                    definition: e.text.definition,
                    term_en: e.text.term_en,
                    definition_en: e.text.definition_en,
                }
            })
            .collect();
        by_state.insert(
            r.state.clone(),
            Row {
                baseline: baseline == r.state,
                pinned: pins.contains(&r.state),
                pin_href: String::new(),
                state: r.state,
                name: r.name,
                cells,
                has_submitted: true,
            },
        );
    }
    let with_entry = by_state.len();
    for s in cmp.states_without_entry {
        by_state.insert(
            s.state.clone(),
            Row {
                baseline: false,
                pinned: false,
                pin_href: String::new(),
                state: s.state,
                name: s.name,
                cells: Vec::new(),
                has_submitted: s.has_submitted,
            },
        );
    }
    let mut rows: Vec<Row> = by_state.into_values().collect();
    for r in &mut rows {
        if !r.cells.is_empty() {
            let mut next = pins.clone();
            if r.pinned {
                next.retain(|p| *p != r.state);
                r.pin_href = here(&next);
            } else if next.len() < MAX_PINS {
                next.push(r.state.clone());
                r.pin_href = here(&next);
            }
        }
    }
    let mut pinned = Vec::new();
    for p in &pins {
        if let Some(i) = rows.iter().position(|r| &r.state == p && !r.cells.is_empty()) {
            let r = &rows[i];
            pinned.push(Row {
                state: r.state.clone(),
                name: r.name.clone(),
                cells: r
                    .cells
                    .iter()
                    .map(|c| Cell {
                        id: c.id.clone(),
                        term: c.term.clone(),
                        language: c.language.clone(),
                        definition: c.definition.clone(),
                        term_en: c.term_en.clone(),
                        definition_en: c.definition_en.clone(),
                        diff: c.diff.clone(),
                        differs: c.differs,
                    })
                    .collect(),
                has_submitted: true,
                baseline: r.baseline,
                pinned: true,
                pin_href: r.pin_href.clone(),
            });
        }
    }
    let page = ComparePage {
        basis: cmp.basis,
        c: ctx.chrome,
        term,
        asked: true,
        rows,
        with_entry,
        baselines,
        baseline_label,
        pins: pinned,
    };
    Ok(render(&page))
}
