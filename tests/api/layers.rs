//! The shape of the code, checked by reading it: the service is the one door
//! (no HTTP handler, CLI command or web page reaches the store or the index), the domain
//! imports no framework, the neutral concept model no format, and the service
//! layer no interface.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    if dir.is_file() {
        return vec![dir.to_path_buf()];
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    assert!(!out.is_empty(), "no Rust files under {}", dir.display());
    out
}

/// Every (file, line number, word) where a file under `dir` names one of `words`
/// outside comments: as a whole word where a word starts or ends with a letter
/// (`.store` matches `glossary.store` but not `.stored`).
fn naming(dir: &str, words: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for file in rust_files(&root.join(dir)) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for w in words {
                let word = |c: char| c.is_alphanumeric() || c == '_';
                let whole = code.match_indices(w).any(|(i, _)| {
                    let before = code[..i].chars().next_back();
                    let after = code[i + w.len()..].chars().next();
                    let edge = |c: Option<char>| c.is_none_or(|c| !word(c));
                    (!w.starts_with(word) || edge(before)) && (!w.ends_with(word) || edge(after))
                });
                if whole {
                    found.push(format!(
                        "{}:{}: names {w}: {}",
                        file.strip_prefix(root).unwrap().display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn handlers_and_commands_reach_the_store_and_index_only_through_the_service() {
    // The types, the crates, their modules, and the fields of the service that
    // held them (`glossary.store`, `g.index`, `search_index()`).
    let forbidden =
        ["Store", "SearchIndex", "sled", "tantivy", "store::", "index::", ".store", ".index", "search_index"];
    let mut found = naming("src/http", &forbidden);
    found.extend(naming("src/cli", &forbidden));
    found.extend(naming("src/web", &forbidden));
    assert!(found.is_empty(), "handlers, commands and pages must call the service:\n{}", found.join("\n"));
}

#[test]
fn the_check_above_would_see_a_handler_that_reached_past_the_service() {
    // The same scan over the service itself finds the store: the test can fail.
    assert!(!naming("src/service", &[".store", "SearchIndex"]).is_empty());
}

#[test]
fn the_domain_imports_no_framework_and_the_service_no_interface() {
    let found = naming(
        "src/domain",
        &["axum", "sled", "tantivy", "crate::store", "crate::index", "crate::service", "crate::http"],
    );
    assert!(found.is_empty(), "the domain must stay plain:\n{}", found.join("\n"));
    let found = naming("src/service", &["axum", "crate::http", "crate::cli"]);
    assert!(found.is_empty(), "the service knows no interface:\n{}", found.join("\n"));
}

#[test]
fn the_concept_model_depends_on_no_format() {
    let found = naming("src/formats/concept.rs", &["json", "csv", "tbx"]);
    assert!(found.is_empty(), "formats::concept is the neutral model:\n{}", found.join("\n"));
}
