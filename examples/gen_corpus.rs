//! Writes a synthetic benchmark corpus for the search benchmarks.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --entries 100000 --seed 42 --out /tmp/corpus
//! ```
//!
//! Writes into `--out`:
//! - `lists/STATE-YEAR.json`: `{"state", "year", "language", "entries": [...]}`,
//!   the body of `POST /v1/states/{state}/submissions` plus "state";
//! - `typo_queries.jsonl`: `{"q": "...", "expect_term": "..."}` per line;
//! - `mixed_queries.txt`: `kind<TAB>query string` per line;
//! - `corpus.tsv`: `id, state, year, language, term, definition, term_en,
//!   definition_en` per entry, tab-separated, id = `STATE-YEAR-index`, for the
//!   SQLite and PostgreSQL peers in `benches/peers/`.
//!
//! The same `--entries` and `--seed` always give byte-identical files.

#[path = "../benches/common/corpus.rs"]
mod corpus;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str =
    "usage: gen_corpus --out DIR [--entries N (100000)] [--seed S (42)] [--typos N (500)] [--mixed N (1000)]";

struct Args {
    out: PathBuf,
    entries: usize,
    seed: u64,
    typos: usize,
    mixed: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut out = None;
    let (mut entries, mut seed, mut typos, mut mixed) = (100_000usize, 42u64, 500usize, 1_000usize);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.to_owned());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || value.replace('_', "").parse::<u64>().map_err(|e| format!("{flag} {value}: {e}"));
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(&value)),
            "--entries" => entries = number()? as usize,
            "--seed" => seed = number()?,
            "--typos" => typos = number()? as usize,
            "--mixed" => mixed = number()? as usize,
            _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
        }
    }
    let out = out.ok_or_else(|| format!("--out is required\n{USAGE}"))?;
    Ok(Args { out, entries, seed, typos, mixed })
}

/// Appends `text` as a JSON string literal.
fn json_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn list_json(list: &corpus::GenList) -> String {
    let mut out = String::with_capacity(list.entries.len() * 400);
    out.push_str("{\"state\": ");
    json_str(&mut out, &list.state);
    out.push_str(&format!(", \"year\": {}, \"language\": ", list.year));
    json_str(&mut out, &list.language);
    out.push_str(", \"entries\": [");
    for (i, e) in list.entries.iter().enumerate() {
        out.push_str(if i == 0 { "\n  " } else { ",\n  " });
        out.push_str("{\"term\": ");
        json_str(&mut out, &e.term);
        out.push_str(", \"definition\": ");
        json_str(&mut out, &e.definition);
        if let Some(t) = &e.term_en {
            out.push_str(", \"term_en\": ");
            json_str(&mut out, t);
        }
        if let Some(d) = &e.definition_en {
            out.push_str(", \"definition_en\": ");
            json_str(&mut out, d);
        }
        if !e.domains.is_empty() {
            out.push_str(", \"domains\": [");
            for (j, d) in e.domains.iter().enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                json_str(&mut out, d);
            }
            out.push(']');
        }
        out.push('}');
    }
    out.push_str("\n]}\n");
    out
}

/// Text for one TSV cell: tabs and line breaks become spaces.
fn tsv_cell(text: &str) -> String {
    text.chars().map(|c| if matches!(c, '\t' | '\n' | '\r') { ' ' } else { c }).collect()
}

fn write_all(args: &Args, lists: &[corpus::GenList]) -> std::io::Result<(usize, usize)> {
    let lists_dir = args.out.join("lists");
    fs::create_dir_all(&lists_dir)?;
    // A rerun into the same directory must not leave lists of an older corpus behind.
    for old in fs::read_dir(&lists_dir)? {
        let path = old?.path();
        if path.extension().is_some_and(|e| e == "json") {
            fs::remove_file(path)?;
        }
    }
    let mut tsv = BufWriter::with_capacity(1 << 20, File::create(args.out.join("corpus.tsv"))?);
    let mut rows = 0;
    for list in lists {
        fs::write(lists_dir.join(format!("{}-{}.json", list.state, list.year)), list_json(list))?;
        for (i, e) in list.entries.iter().enumerate() {
            writeln!(
                tsv,
                "{}-{}-{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                list.state,
                list.year,
                i,
                list.state,
                list.year,
                list.language,
                tsv_cell(&e.term),
                tsv_cell(&e.definition),
                tsv_cell(e.term_en.as_deref().unwrap_or("")),
                tsv_cell(e.definition_en.as_deref().unwrap_or("")),
            )?;
            rows += 1;
        }
    }
    tsv.flush()?;
    let typos = corpus::typo_queries(args.seed, lists, args.typos);
    let mut out = BufWriter::new(File::create(args.out.join("typo_queries.jsonl"))?);
    for (q, expect) in &typos {
        let mut line = String::from("{\"q\": ");
        json_str(&mut line, q);
        line.push_str(", \"expect_term\": ");
        json_str(&mut line, expect);
        line.push('}');
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    let mixed = corpus::mixed_queries(args.seed, lists, args.mixed);
    let mut out = BufWriter::new(File::create(args.out.join("mixed_queries.txt"))?);
    for (kind, qs) in &mixed {
        writeln!(out, "{kind}\t{qs}")?;
    }
    out.flush()?;
    Ok((rows, typos.len() + mixed.len()))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let lists = corpus::generate(args.seed, args.entries);
    let generated = started.elapsed();
    let written = Instant::now();
    match write_all(&args, &lists) {
        Ok((rows, queries)) => {
            let languages = corpus::LANGUAGES
                .iter()
                .map(|l| format!("{l}={}", lists.iter().filter(|x| x.language == *l).count()))
                .collect::<Vec<_>>()
                .join(" ");
            eprintln!(
                "gen_corpus: {rows} entries in {} lists ({languages}), {queries} queries; generated in {:.2}s, written in {:.2}s, to {}",
                lists.len(),
                generated.as_secs_f64(),
                written.elapsed().as_secs_f64(),
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_corpus: writing {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
