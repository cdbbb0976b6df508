//! The sample national lists shipped in `data/`, loaded into an empty store on
//! first start so that the demo has something to search.
//!
//! `lists/STATE-YEAR[-rN].json` hold a JSON list with its `state`;
//! `csv/STATE-YEAR-LANG.csv` hold a CSV list. Files load in name order, so a
//! `-r2` file becomes the current revision.

use std::path::Path;

use crate::domain::Actor;
use crate::error::{Error, Result};
use crate::service::{Glossary, ListFormat, ListInput};

/// Loads every sample list under `dir`; returns how many lists were stored.
pub fn load(glossary: &Glossary, dir: &Path) -> Result<usize> {
    let actor = Actor { name: "samples".into(), ..Actor::operator() };
    let mut loaded = 0;
    for path in sorted_files(&dir.join("lists"), "json")? {
        let body = std::fs::read(&path)?;
        let state = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("state").and_then(|s| s.as_str()).map(str::to_owned))
            .ok_or_else(|| Error::bad_request(format!("{}: no \"state\" field", path.display())))?;
        let state = glossary.known_state(&state, "state").map_err(|e| in_file(&path, e))?;
        let input = ListInput { format: ListFormat::Json, body: &body, language: None, year: None, distribution: None };
        glossary.submit(&actor, &state, input).map_err(|e| in_file(&path, e))?;
        loaded += 1;
    }
    for path in sorted_files(&dir.join("csv"), "csv")? {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let parts: Vec<&str> = stem.split('-').collect();
        let [state, year, language] = parts.as_slice() else {
            return Err(Error::bad_request(format!("{}: expected STATE-YEAR-LANG.csv", path.display())));
        };
        let state = glossary.known_state(state, "state").map_err(|e| in_file(&path, e))?;
        let body = std::fs::read(&path)?;
        let input = ListInput {
            format: ListFormat::Csv,
            body: &body,
            language: Some((*language).to_owned()),
            year: year.parse().ok(),
            distribution: None,
        };
        glossary.submit(&actor, &state, input).map_err(|e| in_file(&path, e))?;
        loaded += 1;
    }
    Ok(loaded)
}

fn sorted_files(dir: &Path, ext: &str) -> Result<Vec<std::path::PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some(ext))
        .collect();
    // By stem: "DE-2014" before "DE-2014-r2" (the full names sort the other way, '-' < '.').
    files.sort_by(|a, b| a.file_stem().cmp(&b.file_stem()));
    Ok(files)
}

fn in_file(path: &Path, e: Error) -> Error {
    match e {
        Error::Invalid(errors) => Error::bad_request(format!(
            "{}: {}",
            path.display(),
            errors.iter().map(|e| format!("row {:?} {}: {}", e.row, e.field, e.reason)).collect::<Vec<_>>().join("; ")
        )),
        other => other,
    }
}
