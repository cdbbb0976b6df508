//! Loading a JSON-lines file of definitions (`{"source", "term", "definition",
//! "concept"?}` per line) into a fresh service, one party per `source`. Shared
//! by the evaluation examples; the file itself is never part of the project.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use consensus_glossary::clock::Clock;
use consensus_glossary::domain::{Actor, StateCode, normalize};
use consensus_glossary::service::{Glossary, ListFormat, ListInput, NewState};
use serde_json::{Value, json};

#[allow(dead_code)] // each example reads the fields it needs
pub struct Row {
    pub source: String,
    pub term: String,
    pub definition: String,
    pub concept: Option<String>,
}

/// Reads the rows of `path`, grouped by source.
pub fn read(path: &Path) -> Result<BTreeMap<String, Vec<Row>>, Box<dyn std::error::Error>> {
    let mut by_source: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for line in std::fs::read_to_string(path)?.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)?;
        let (Some(source), Some(term), Some(definition)) =
            (v["source"].as_str(), v["term"].as_str(), v["definition"].as_str())
        else {
            continue;
        };
        by_source.entry(source.to_owned()).or_default().push(Row {
            source: source.to_owned(),
            term: term.to_owned(),
            definition: definition.chars().take(7_900).collect(),
            concept: v["concept"].as_str().map(str::to_owned),
        });
    }
    Ok(by_source)
}

/// A loaded service, the party code of each source, and its temporary directory.
pub type Loaded = (Glossary, BTreeMap<String, String>, std::path::PathBuf);

/// Opens a service in a fresh temporary directory (with its index) and loads
/// every source as a party with one English list. Returns the service, the
/// party code of each source, and the directory (to remove afterwards).
pub fn load(by_source: &BTreeMap<String, Vec<Row>>) -> Result<Loaded, Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("cg-eval-{}-{}", std::process::id(), by_source.len()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut glossary = Glossary::open(&dir, Clock::system())?;
    glossary.open_index()?;
    let actor = Actor::operator();
    let mut codes = BTreeMap::new();
    for (i, (source, rows)) in by_source.iter().enumerate() {
        let code = StateCode::parse(&format!("P{:03}", i + 1)).map_err(|e| e.to_string())?;
        glossary
            .create_state(&actor, NewState { code: code.clone(), name: source.clone(), forum: Some("EVAL".into()) })?;
        let mut seen = HashSet::new();
        let entries: Vec<Value> = rows
            .iter()
            .filter(|r| seen.insert(normalize::key(&r.term)))
            .map(|r| json!({"term": r.term, "definition": r.definition}))
            .collect();
        let body = serde_json::to_vec(&json!({"year": 2020, "language": "en", "entries": entries}))?;
        glossary.submit(
            &actor,
            &code,
            ListInput { format: ListFormat::Json, body: &body, language: None, year: None },
        )?;
        codes.insert(source.clone(), code.to_string());
    }
    Ok((glossary, codes, dir))
}
