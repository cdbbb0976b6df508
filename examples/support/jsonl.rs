//! Loading a JSON-lines file of definitions into a fresh service. Shared by
//! the evaluation examples; the file itself is never part of the project.
//!
//! Two shapes are read:
//! - `{"source", "term", "definition", "concept"?}` (an English glossary
//!   extract): one party per `source`, each with one English list;
//! - `{"state", "language", "year", "term", "definition", "term_en"?,
//!   "definition_en"?, "concept"?, "source"?}` (national definitions in their
//!   own languages with English translations): one party per `state`. A
//!   national list has one language and one year, so each State gets one
//!   list per (language, source, year) group, the groups in order of their
//!   year, with exchange years the service accepts (2013, 2014, ...) in that
//!   order. Two entries of one list never share a cluster; entries of one
//!   State in two lists are compared like any others.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use consensus_glossary::clock::Clock;
use consensus_glossary::domain::{Actor, StateCode, normalize};
use consensus_glossary::service::{Glossary, ListFormat, ListInput, NewState};
use serde_json::{Value, json};

#[allow(dead_code)] // each example reads the fields it needs
#[derive(Debug, Clone)]
pub struct Row {
    pub source: String,
    pub state: Option<String>,
    pub language: String,
    pub year: Option<i64>,
    pub term: String,
    pub definition: String,
    pub term_en: Option<String>,
    pub definition_en: Option<String>,
    pub concept: Option<String>,
}

/// A field's text, trimmed, without soft hyphens (the service refuses
/// invisible characters; a soft hyphen is only a hint where to break a line,
/// and some published glossaries carry them).
fn text(v: &Value, field: &str) -> Option<String> {
    v[field].as_str().map(|s| s.replace('\u{00AD}', "")).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Reads the rows of `path`, grouped by party: by `state` when rows carry
/// one, else by `source`.
pub fn read(path: &Path) -> Result<BTreeMap<String, Vec<Row>>, Box<dyn std::error::Error>> {
    let mut by_party: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for line in std::fs::read_to_string(path)?.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)?;
        let (Some(term), Some(definition)) = (text(&v, "term"), text(&v, "definition")) else {
            continue;
        };
        let state = text(&v, "state");
        let source = text(&v, "source").unwrap_or_default();
        let language = text(&v, "language").or_else(|| text(&v, "lang")).unwrap_or_else(|| "en".to_owned());
        let party = state.clone().unwrap_or_else(|| source.clone());
        by_party.entry(party).or_default().push(Row {
            source,
            state,
            language: language.to_ascii_lowercase(),
            year: v["year"].as_i64(),
            term,
            definition: definition.chars().take(7_900).collect(),
            term_en: text(&v, "term_en"),
            definition_en: text(&v, "definition_en").map(|d| d.chars().take(7_900).collect()),
            concept: text(&v, "concept"),
        });
    }
    Ok(by_party)
}

/// One loaded row: the party code and exchange year it was filed under.
#[allow(dead_code)]
#[derive(Debug, Clone)]
pub struct Placed {
    pub state: String,
    pub year: i32,
    pub row: Row,
}

/// A loaded service, where each row went, and its temporary directory.
#[allow(dead_code)] // each example reads the fields it needs
pub struct Loaded {
    pub glossary: Glossary,
    /// Every row that was stored (a row repeating a term of its list is not).
    pub placed: Vec<Placed>,
    pub dir: std::path::PathBuf,
}

/// Opens a service in a fresh temporary directory (with its index) and loads
/// every party's lists (see the module comment).
pub fn load(by_party: &BTreeMap<String, Vec<Row>>) -> Result<Loaded, Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("cg-eval-{}-{}", std::process::id(), by_party.len()));
    load_into(by_party, dir)
}

/// [`load`] into the data directory `dir` (emptied first).
pub fn load_into(by_party: &BTreeMap<String, Vec<Row>>, dir: PathBuf) -> Result<Loaded, Box<dyn std::error::Error>> {
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut glossary = Glossary::open(&dir, Clock::system())?;
    glossary.open_index()?;
    let actor = Actor::operator();
    let mut placed = Vec::new();
    let mut bodies: Vec<(StateCode, i32, String, Vec<u8>)> = Vec::new();
    for (i, (party, rows)) in by_party.iter().enumerate() {
        let national = rows.iter().any(|r| r.state.is_some());
        let code = if national {
            StateCode::parse(party).map_err(|e| e.to_string())?
        } else {
            StateCode::parse(&format!("P{:03}", i + 1)).map_err(|e| e.to_string())?
        };
        // The 57 OSCE participating States exist already; other parties are created.
        let _ = glossary.create_state(
            &actor,
            NewState { code: code.clone(), name: party.chars().take(200).collect(), forum: Some("EVAL".into()) },
        );
        // (original year, language, source) → rows, in that order.
        let mut groups: BTreeMap<(i64, String, String), Vec<&Row>> = BTreeMap::new();
        for r in rows {
            let key = if national {
                (r.year.unwrap_or(0), r.language.clone(), r.source.clone())
            } else {
                (0, "en".to_owned(), String::new())
            };
            groups.entry(key).or_default().push(r);
        }
        if groups.len() > 14 {
            return Err(format!("{party}: {} lists; at most 14 exchange years (2013-2026)", groups.len()).into());
        }
        for (g, ((_, language, _), rows)) in groups.into_iter().enumerate() {
            let year = 2013 + g as i32;
            let mut seen = HashSet::new();
            let mut entries = Vec::new();
            for r in rows {
                if !seen.insert(normalize::key(&r.term)) {
                    continue;
                }
                let mut e = json!({"term": r.term, "definition": r.definition});
                if language != "en" {
                    e["term_en"] = json!(r.term_en.clone().unwrap_or_else(|| r.term.clone()));
                    e["definition_en"] = json!(r.definition_en.clone().unwrap_or_else(|| r.definition.clone()));
                }
                entries.push(e);
                placed.push(Placed { state: code.to_string(), year, row: r.clone() });
            }
            let body = serde_json::to_vec(&json!({"year": year, "language": language, "entries": entries}))?;
            bodies.push((code.clone(), year, language, body));
        }
    }
    let lists: Vec<(StateCode, ListInput<'_>)> = bodies
        .iter()
        .map(|(code, _, _, body)| {
            (code.clone(), ListInput { format: ListFormat::Json, body, language: None, year: None, distribution: None })
        })
        .collect();
    glossary.submit_many(&actor, lists).map_err(|(i, e)| match e {
        consensus_glossary::error::Error::Invalid(rows) => format!("list {i}: {} error(s): {rows:?}", rows.len()),
        e => format!("list {i}: {e}"),
    })?;
    Ok(Loaded { glossary, placed, dir })
}
