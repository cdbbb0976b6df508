//! `/glossary`: the agreed entries in force, A to Z, with their
//! translations, the States' interpretative statements and the national
//! entries they reconcile; `?as_of=` shows the glossary as it stood then
//! (with a banner saying so), `?since=` what changed between two dates;
//! exports in TBX, CSV and JSON; a print stylesheet.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::Query;
use axum::response::Response;

use super::view;
use super::{Chrome, Ctx, Failure, render};
use crate::domain::proposal::Stance;
use crate::error::Error;
use crate::service::consensus::glossary::{GlossaryEntry, parse_as_of};

pub struct Statement {
    pub state: String,
    pub text: String,
}

pub struct Source {
    pub id: String,
    pub state: String,
    pub term: String,
    pub language: String,
}

pub struct Item {
    pub id: u64,
    pub term: String,
    pub definition: String,
    pub letter: String,
    /// The first entry of its letter (the letter's heading goes before it).
    pub heading: bool,
    pub translations: Vec<(String, String, String)>,
    pub agreed_at: String,
    pub supporting: Vec<String>,
    pub statements: Vec<Statement>,
    pub sources: Vec<Source>,
}

fn item(e: GlossaryEntry) -> Item {
    let p = e.proposal;
    let letter = p.text.term.chars().next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    Item {
        id: p.id,
        letter,
        heading: false,
        term: p.text.term.clone(),
        definition: p.text.definition.clone(),
        translations: p
            .text
            .translations
            .iter()
            .map(|(l, t)| (l.clone(), t.term.clone(), t.definition.clone()))
            .collect(),
        agreed_at: p.agreed_at.as_ref().map(view::when).unwrap_or_default(),
        supporting: p.positions.values().filter(|r| r.position == Stance::Support).map(|r| r.state.clone()).collect(),
        statements: p
            .positions
            .values()
            .filter_map(|r| r.statement.as_ref().map(|s| Statement { state: r.state.clone(), text: s.clone() }))
            .collect(),
        sources: e
            .provenance
            .into_iter()
            .map(|n| Source { id: n.id(), state: n.state, term: n.text.term, language: n.language })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "glossary.html")]
struct GlossaryPage {
    c: Chrome,
    as_of: String,
    as_of_shown: String,
    since: String,
    items: Vec<Item>,
    letters: Vec<String>,
    added: Vec<(u64, String)>,
    removed: Vec<(u64, String)>,
    compared: bool,
    export_query: String,
}

pub async fn glossary(ctx: Ctx, Query(pairs): Query<Vec<(String, String)>>) -> Result<Response, Failure> {
    let ctx = ctx.section("glossary");
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let (as_of, since) = (get("as_of"), get("since"));
    let parse = |name: &str, raw: &str| -> Result<Option<time::OffsetDateTime>, Failure> {
        if raw.is_empty() {
            return Ok(None);
        }
        parse_as_of(raw).map(Some).ok_or_else(|| {
            ctx.fail(Error::bad_param(name, format!("{name} is a date (YYYY-MM-DD) or an RFC 3339 time")))
        })
    };
    let at = parse("as_of", &as_of)?;
    let from = parse("since", &since)?;
    let (page, before) = ctx
        .call(move |g, reader| {
            let page = g.glossary(reader, at, 0, usize::MAX)?;
            let before = match from {
                Some(t) => Some(g.glossary(reader, Some(t), 0, usize::MAX)?),
                None => None,
            };
            Ok((page, before))
        })
        .await?;
    let now: BTreeSet<(u64, String)> =
        page.entries.iter().map(|e| (e.proposal.id, e.proposal.text.term.clone())).collect();
    let (added, removed, compared) = match before {
        Some(b) => {
            let then: BTreeSet<(u64, String)> =
                b.entries.iter().map(|e| (e.proposal.id, e.proposal.text.term.clone())).collect();
            (now.difference(&then).cloned().collect(), then.difference(&now).cloned().collect(), true)
        }
        None => (Vec::new(), Vec::new(), false),
    };
    let mut items: Vec<Item> = page.entries.into_iter().map(item).collect();
    let mut letters: Vec<String> = Vec::new();
    for i in &mut items {
        if letters.last() != Some(&i.letter) {
            letters.push(i.letter.clone());
            i.heading = true;
        }
    }
    let page = GlossaryPage {
        as_of_shown: if as_of.is_empty() { String::new() } else { view::utc(page.as_of) },
        export_query: if as_of.is_empty() { String::new() } else { format!("&as_of={}", form_value(&as_of)) },
        c: ctx.chrome,
        as_of,
        since,
        items,
        letters,
        added,
        removed,
        compared,
    };
    Ok(render(&page))
}

fn form_value(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}
