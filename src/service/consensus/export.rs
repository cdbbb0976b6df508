//! The published glossary as a document of concepts, for the TBX, CSV and
//! JSON writers: each agreed entry in force is one concept, its consensus term
//! preferred (with its definition and translations), the national terms it
//! reconciles admitted in their own languages with their State in a note, and
//! the States' interpretative statements as notes.

use time::OffsetDateTime;

use crate::clock;
use crate::domain::Actor;
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
