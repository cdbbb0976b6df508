//! Loading a JSON-lines file of national definitions in several languages
//! (`{"state", "language", "term", "definition", "term_en"?,
//! "definition_en"?, "concept"?}` per line) into a fresh service: one party
//! per `state`, one list per language of it, each entry with its English
//! translation as the file gives it. The file itself is never part of the
//! project.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use consensus_glossary::clock::Clock;
use consensus_glossary::domain::{Actor, StateCode, normalize};
use consensus_glossary::service::{Glossary, ListFormat, ListInput, NewState};
use serde_json::{Value, json};

#[allow(dead_code)] // each example reads the fields it needs
pub struct Row {
    pub state: String,
    pub language: String,
    pub term: String,
    pub definition: String,
    pub term_en: Option<String>,
    pub definition_en: Option<String>,
    pub concept: Option<String>,
}

/// Rows by State, then by language.
pub type ByState = BTreeMap<String, BTreeMap<String, Vec<Row>>>;

/// Reads the rows of `path`, grouped by State and then language.
pub fn read(path: &Path) -> Result<ByState, Box<dyn std::error::Error>> {
    let mut out: ByState = BTreeMap::new();
    for line in std::fs::read_to_string(path)?.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)?;
        let text = |k: &str| v[k].as_str().map(str::to_owned);
        let (Some(state), Some(language), Some(term), Some(definition)) =
            (text("state"), text("language"), text("term"), text("definition"))
        else {
            continue;
        };
        let row = Row {
            state: state.clone(),
            language: language.clone(),
            term,
            definition: definition.chars().take(7_900).collect(),
            term_en: text("term_en"),
            definition_en: text("definition_en").map(|d| d.chars().take(7_900).collect()),
            concept: text("concept"),
        };
        out.entry(state).or_default().entry(language).or_default().push(row);
    }
    Ok(out)
}

/// A loaded service, the party code of each State, and its temporary directory.
pub type Loaded = (Glossary, BTreeMap<String, String>, std::path::PathBuf);

/// Opens a service in a fresh temporary directory (with its index) and loads
/// each State as a party (`X-<state>`) with one list per language (years
/// 2013, 2014, ... in language order: one current list per State and year).
/// A term repeated within one list is kept once (its first row).
pub fn load(rows: &ByState) -> Result<Loaded, Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("cg-eval-ml-{}-{}", std::process::id(), rows.len()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut glossary = Glossary::open(&dir, Clock::system())?;
    glossary.open_index()?;
    let actor = Actor::operator();
    let mut codes = BTreeMap::new();
    for (state, languages) in rows {
        let code = StateCode::parse(&format!("X-{state}")).map_err(|e| e.to_string())?;
        glossary
            .create_state(&actor, NewState { code: code.clone(), name: state.clone(), forum: Some("EVAL".into()) })?;
        for (i, (language, list)) in languages.iter().enumerate() {
            let mut seen = HashSet::new();
            let entries: Vec<Value> = list
                .iter()
                .filter(|r| seen.insert(normalize::key(&r.term)))
                .map(|r| {
                    let mut e = json!({"term": r.term, "definition": r.definition});
                    if let Some(t) = &r.term_en {
                        e["term_en"] = json!(t);
                    }
                    if let Some(d) = &r.definition_en {
                        e["definition_en"] = json!(d);
                    }
                    e
                })
                .collect();
            let year = 2013 + i as i64;
            let body = serde_json::to_vec(&json!({"year": year, "language": language, "entries": entries}))?;
            glossary.submit(
                &actor,
                &code,
                ListInput { format: ListFormat::Json, body: &body, language: None, year: None, distribution: None },
            )?;
        }
        codes.insert(state.clone(), code.to_string());
    }
    Ok((glossary, codes, dir))
}
