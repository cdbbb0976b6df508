//! The published glossary as files. For TBX, a document of concepts: each
//! agreed entry in force is one concept, its consensus term preferred (with
//! its definition and translations), the national terms it reconciles
//! admitted in their own languages with their State in a note, the supporting
//! and abstaining States and the States' interpretative statements as notes.
//! For CSV, a table with one row per agreed entry carrying the same: its
//! translations in columns, its States, statements and national entries.

use time::OffsetDateTime;

use crate::clock;
use crate::domain::Actor;
use crate::domain::proposal::Stance;
use crate::error::Result;
use crate::formats::concept::{Concept, ConceptDoc, Datum, LangSec, TermSec, status_value};
use crate::service::Glossary;

impl Glossary {
    /// The glossary in force at `as_of` (now when `None`) as concepts.
    pub fn glossary_document(&self, reader: &Actor, as_of: Option<OffsetDateTime>) -> Result<ConceptDoc> {
        let page = self.glossary(reader, as_of, 0, usize::MAX)?;
        let mut concepts = Vec::with_capacity(page.entries.len());
        for (i, entry) in page.entries.into_iter().enumerate() {
            let p = entry.proposal;
            let mut data = vec![Datum::new(
                "admin",
                Some("source"),
                format!(
                    "consensus glossary entry {} (agreed {})",
                    p.id,
                    p.agreed_at.map(crate::clock::format).as_deref().unwrap_or("?")
                ),
            )];
            for (stance, label) in [(Stance::Support, "supported by"), (Stance::Abstain, "abstaining")] {
                let states: Vec<&str> =
                    p.positions.values().filter(|r| r.position == stance).map(|r| r.state.as_str()).collect();
                if !states.is_empty() {
                    data.push(Datum::new("note", None, format!("{label}: {}", states.join(", "))));
                }
            }
            for (state, position) in &p.positions {
                if let Some(statement) = &position.statement {
                    data.push(Datum::new("note", None, format!("interpretative statement of {state}: {statement}")));
                }
            }
            let preferred = |term: &str| TermSec {
                term: term.to_owned(),
                data: vec![Datum::new("termNote", Some("administrativeStatus"), status_value("preferred"))],
            };
            let mut langs = vec![LangSec {
                lang: p.text.language.clone(),
                data: vec![Datum::new("descrip", Some("definition"), p.text.definition.clone())],
                terms: vec![preferred(&p.text.term)],
            }];
            for (lang, t) in &p.text.translations {
                langs.push(LangSec {
                    lang: lang.clone(),
                    data: vec![Datum::new("descrip", Some("definition"), t.definition.clone())],
                    terms: vec![preferred(&t.term)],
                });
            }
            for e in entry.provenance {
                let national = TermSec {
                    term: e.term.clone(),
                    data: vec![
                        Datum::new("termNote", Some("administrativeStatus"), status_value("admitted")),
                        Datum::new(
                            "note",
                            None,
                            format!("{} national list {}, revision {}", e.state, e.year, e.revision),
                        ),
                    ],
                };
                match langs.iter_mut().find(|l| l.lang == e.language) {
                    Some(sec) if !sec.terms.iter().any(|t| t.term == e.term) => sec.terms.push(national),
                    Some(_) => {}
                    None => langs.push(LangSec { lang: e.language.clone(), data: Vec::new(), terms: vec![national] }),
                }
            }
            concepts.push(Concept { row: i as u64 + 1, data, langs });
        }
        Ok(ConceptDoc {
            title: "Consensus glossary".to_owned(),
            description: format!("The agreed entries in force on {}", clock::format(page.as_of)),
            language: "en".to_owned(),
            state: None,
            year: None,
            concepts,
        })
    }
}

/// The glossary as a table: a header and one row per agreed entry.
pub struct GlossaryTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Glossary {
    /// The glossary in force at `as_of` (now when `None`) as a table, for the
    /// CSV export: `id`, the base `language`, `term` and `definition`, then
    /// `term_{lang}` and `definition_{lang}` for every translation language,
    /// `agreed_at`, `version`, `supporting_states` and `abstaining_states`
    /// ("AT; DE"), `statements` (a JSON object, State → statement),
    /// `national_entries` (a JSON array of the national entries it reconciles),
    /// `supersedes` and `history`.
    pub fn glossary_table(&self, reader: &Actor, as_of: Option<OffsetDateTime>) -> Result<GlossaryTable> {
        let page = self.glossary(reader, as_of, 0, usize::MAX)?;
        let mut languages: Vec<String> = Vec::new();
        for e in &page.entries {
            for lang in e.proposal.text.translations.keys() {
                if !languages.contains(lang) {
                    languages.push(lang.clone());
                }
            }
        }
        languages.sort();
        let mut header: Vec<String> = ["id", "language", "term", "definition"].map(str::to_owned).to_vec();
        for lang in &languages {
            header.push(format!("term_{lang}"));
            header.push(format!("definition_{lang}"));
        }
        header.extend(
            [
                "agreed_at",
                "version",
                "supporting_states",
                "abstaining_states",
                "statements",
                "national_entries",
                "supersedes",
                "history",
            ]
            .map(str::to_owned),
        );
        let mut rows = Vec::with_capacity(page.entries.len());
        for e in page.entries {
            let p = e.proposal;
            let mut row =
                vec![p.id.to_string(), p.text.language.clone(), p.text.term.clone(), p.text.definition.clone()];
            for lang in &languages {
                let t = p.text.translations.get(lang);
                row.push(t.map(|t| t.term.clone()).unwrap_or_default());
                row.push(t.map(|t| t.definition.clone()).unwrap_or_default());
            }
            let with = |stance: Stance| -> String {
                let states: Vec<&str> =
                    p.positions.values().filter(|r| r.position == stance).map(|r| r.state.as_str()).collect();
                states.join("; ")
            };
            let statements: std::collections::BTreeMap<&str, &str> =
                p.positions.values().filter_map(|r| r.statement.as_deref().map(|s| (r.state.as_str(), s))).collect();
            let national: Vec<serde_json::Value> = e
                .provenance
                .iter()
                .map(|n| {
                    serde_json::json!({
                        "entry_id": n.id(), "state": n.state, "year": n.year, "revision": n.revision,
                        "language": n.language, "term": n.text.term,
                    })
                })
                .collect();
            row.push(p.agreed_at.map(clock::format).unwrap_or_default());
            row.push(p.version.to_string());
            row.push(with(Stance::Support));
            row.push(with(Stance::Abstain));
            row.push(if statements.is_empty() { String::new() } else { serde_json::to_string(&statements)? });
            row.push(if national.is_empty() { String::new() } else { serde_json::to_string(&national)? });
            row.push(p.replaced.iter().map(u64::to_string).collect::<Vec<_>>().join("; "));
            row.push(format!("/v1/proposals/{}", p.id));
            rows.push(row);
        }
        Ok(GlossaryTable { header, rows })
    }
}
