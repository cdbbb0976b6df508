//! The published glossary as linked data (SKOS, `formats::skos`): every entry
//! agreed by the moment asked for, those in force and those superseded by
//! then (deprecated, with their successor), each with the national entries
//! it reconciles (close matches, each with its State as publisher).

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::domain::Actor;
use crate::domain::proposal::Stance;
use crate::error::Result;
use crate::formats::skos::{AgreedConcept, LangText, NationalConcept, Scheme, StateAgent, Syntax};
use crate::service::{Download, Glossary};
use crate::store::{EntryRecord, ProposalRecord};

impl Glossary {
    /// The glossary at `as_of` (now when `None`) with the entries superseded
    /// by then, as a SKOS concept scheme. Nothing in it depends on when it
    /// is asked for beyond `as_of`: two exports of the same moment are equal.
    pub fn glossary_skos(&self, reader: &Actor, as_of: Option<OffsetDateTime>) -> Result<Scheme> {
        let (as_of, entries) = self.glossary_with_superseded(reader, as_of)?;
        let mut concepts = Vec::with_capacity(entries.len());
        let mut sources: BTreeMap<(u64, u32), NationalConcept> = BTreeMap::new();
        for entry in entries {
            let p = &entry.proposal;
            concepts.push(agreed_concept(p, &entry.provenance, as_of));
            for e in &entry.provenance {
                sources.entry((e.submission_id, e.ordinal)).or_insert_with(|| national_concept(e));
            }
        }
        let mut states: BTreeMap<String, StateAgent> = BTreeMap::new();
        for e in sources.values() {
            if !states.contains_key(&e.state) {
                let name = self.store.state(&e.state)?.map_or_else(|| e.state.clone(), |s| s.name);
                states.insert(e.state.clone(), StateAgent { code: e.state.clone(), name });
            }
        }
        Ok(Scheme {
            title: "Consensus glossary".to_owned(),
            description: "The agreed entries of the consensus glossary: those in force, and those superseded \
                          (deprecated, with the entries that replaced them), with the national entries they \
                          reconcile."
                .to_owned(),
            concepts,
            sources: sources.into_values().collect(),
            states: states.into_values().collect(),
        })
    }

    /// `glossary_skos` written as Turtle or JSON-LD.
    pub fn glossary_linked_data(
        &self,
        reader: &Actor,
        as_of: Option<OffsetDateTime>,
        syntax: Syntax,
    ) -> Result<Download> {
        let body = syntax.write(&self.glossary_skos(reader, as_of)?)?;
        Ok(Download {
            media: syntax.media_type(),
            file_name: format!("consensus-glossary.{}", syntax.extension()),
            body: crate::service::Payload::Whole(body),
        })
    }
}

fn agreed_concept(p: &ProposalRecord, provenance: &[EntryRecord], as_of: OffsetDateTime) -> AgreedConcept {
    let t = &p.text;
    let mut labels = vec![LangText::new(t.language.clone(), t.term.clone())];
    let mut definitions = vec![LangText::new(t.language.clone(), t.definition.clone())];
    for (lang, tr) in &t.translations {
        labels.push(LangText::new(lang.clone(), tr.term.clone()));
        definitions.push(LangText::new(lang.clone(), tr.definition.clone()));
    }
    // Only entries agreed by `as_of` come here; one superseded later is in force then.
    let accepted = p.agreed_at.unwrap_or(p.updated_at);
    let superseded = p.superseded_at.filter(|s| *s <= as_of);
    let states = |stance: Stance| -> String {
        let s: Vec<&str> = p.positions.values().filter(|r| r.position == stance).map(|r| r.state.as_str()).collect();
        if s.is_empty() { "none".to_owned() } else { s.join(", ") }
    };
    let history = format!(
        "Agreed on {} (version {}); supported by: {}; abstaining: {}.",
        crate::clock::format(accepted),
        p.version,
        states(Stance::Support),
        states(Stance::Abstain),
    );
    AgreedConcept {
        id: p.id.to_string(),
        labels,
        definitions,
        created: p.created_at,
        accepted,
        modified: superseded.unwrap_or(accepted),
        close_matches: provenance.iter().map(EntryRecord::id).collect(),
        replaces: p.replaced.iter().map(u64::to_string).collect(),
        superseded: superseded.is_some(),
        replaced_by: superseded.and(p.superseded_by).map(|s| s.to_string()),
        history,
        notes: p
            .positions
            .values()
            .filter_map(|r| r.statement.as_ref().map(|s| format!("Interpretative statement of {}: {s}", r.state)))
            .collect(),
    }
}

fn national_concept(e: &EntryRecord) -> NationalConcept {
    let mut labels = vec![LangText::new(e.language.clone(), e.term.clone())];
    let mut definitions = vec![LangText::new(e.language.clone(), e.definition.clone())];
    if e.language != "en" {
        if let Some(term_en) = &e.term_en {
            labels.push(LangText::new("en", term_en.clone()));
        }
        if let Some(definition_en) = &e.definition_en {
            definitions.push(LangText::new("en", definition_en.clone()));
        }
    }
    NationalConcept {
        id: e.id(),
        state: e.state.clone(),
        labels,
        definitions,
        note: format!("{} national list {}, revision {}", e.state, e.year, e.revision),
    }
}
