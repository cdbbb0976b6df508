//! A narrated walk through the service, as a program: the CBM 9 process from
//! national lists to an agreed glossary entry, through the same service
//! methods the REST API, the command line and the pages call.
//!
//!     cargo run --example walkthrough
//!
//! It works in a temporary directory and moves the service's clock past the
//! silence period instead of waiting two weeks. `cargo test --examples` runs it.

use std::collections::BTreeMap;

use consensus_glossary::clock::Clock;
use consensus_glossary::domain::proposal::{PositionDraft, ProposalDraft};
use consensus_glossary::domain::{Actor, Role, StateCode};
use consensus_glossary::service::{Glossary, ListFormat, ListInput, SearchRequest};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("cg-walkthrough-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let result = walk(&dir, &mut |line| println!("{line}"));
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Two States' lists, in their own languages with English translations.
const GERMANY: &str = r#"{"year": 2024, "language": "de", "entries": [
  {"term": "Schadprogramm", "definition": "Programm, das entwickelt wurde, um unerwünschte und schädliche Funktionen auszuführen.",
   "term_en": "malware", "definition_en": "Software designed to perform unwanted and harmful functions on a computer system."},
  {"term": "Sicherheitslücke", "definition": "Schwachstelle eines IT-Systems, die ausgenutzt werden kann.",
   "term_en": "vulnerability", "definition_en": "A weakness of an IT system that can be exploited."}]}"#;
const FRANCE: &str = r#"{"year": 2024, "language": "fr", "entries": [
  {"term": "logiciel malveillant", "definition": "Logiciel conçu pour exécuter des fonctions nuisibles et non désirées sur un système informatique.",
   "term_en": "malware", "definition_en": "Software designed to carry out harmful and unwanted functions on a computer system."}]}"#;

fn walk(dir: &std::path::Path, say: &mut dyn FnMut(String)) -> Result<()> {
    // 1. Open a service: a store (the truth) and a search index derived from it.
    let clock = Clock::system();
    let mut glossary = Glossary::open(dir, clock.clone())?;
    glossary.open_index()?;
    let operator = Actor::operator();
    say("An empty service is open; the 57 OSCE participating States are known.".into());

    // 2. Each State's delegate submits its own State's list (and no other's).
    let de = StateCode::parse("DE")?;
    let fr = StateCode::parse("FR")?;
    let de_delegate = Actor { name: "de-delegate".into(), role: Role::Delegate, state: Some(de.clone()) };
    let fr_delegate = Actor { name: "fr-delegate".into(), role: Role::Delegate, state: Some(fr.clone()) };
    for (actor, state, body) in [(&de_delegate, &de, GERMANY), (&fr_delegate, &fr, FRANCE)] {
        let input = ListInput {
            format: ListFormat::Json,
            body: body.as_bytes(),
            language: None,
            year: None,
            distribution: None,
        };
        let receipt = glossary.submit(actor, state, input)?;
        let s = &receipt.stored.submission;
        say(format!("{state} submitted its {} list: {} entries, revision {}.", s.year, s.entry_count, s.revision));
    }
    let refused = glossary.submit(
        &de_delegate,
        &fr,
        ListInput { format: ListFormat::Json, body: FRANCE.as_bytes(), language: None, year: None, distribution: None },
    );
    say(format!("Germany's delegate may not submit for France: {}", refused.err().ok_or("a foreign list was taken")?));

    // 3. Search crosses languages: the English translations are searched too.
    let hits = glossary.search(&operator, &SearchRequest { q: "malware".into(), limit: 10, ..Default::default() })?;
    say(format!("Searching 'malware' finds {} entries:", hits.total));
    for h in &hits.hits {
        say(format!("  {} {} ({}) score {:.2}", h.entry.state, h.entry.term, h.entry.language, h.score));
    }
    if hits.total < 2 {
        return Err("search did not find both States' entries".into());
    }

    // 4. Clusters group near-equivalent entries; compare shows them side by side.
    let stats = glossary.rebuild_clusters(&operator)?;
    say(format!("Clustering: {} entries in {} clusters.", stats.entries, stats.clusters));
    let comparison = glossary.compare(&operator, "malware")?;
    say(format!(
        "Compare 'malware': {} States define it, {} have no entry.",
        comparison.rows.len(),
        comparison.states_without_entry.len()
    ));
    let cluster_id = comparison.clusters.first().cloned().ok_or("'malware' is in no cluster")?;

    // 5. An editor drafts a consensus entry from the cluster and puts it under review.
    let editor = Actor { name: "editor".into(), role: Role::Editor, state: None };
    let draft = ProposalDraft {
        term: Some("malware".into()),
        definition: Some("Software designed to perform unwanted and harmful functions on a computer system.".into()),
        cluster_id: Some(cluster_id),
        translations: BTreeMap::new(),
        ..Default::default()
    };
    let proposal = glossary.create_proposal(&editor, draft)?;
    let id = proposal.record.id;
    say(format!("Proposal {id} drafted; it reconciles {} national entries.", proposal.provenance.len()));
    let under_review = glossary.submit_proposal(&editor, id, None)?;
    say(format!(
        "Under review; the silence period ends {}.",
        under_review.record.silence_until.map(consensus_glossary::clock::format).unwrap_or_default()
    ));

    // 6. States record positions; France supports with an interpretative statement.
    for (actor, stance, statement) in
        [(&de_delegate, "support", None), (&fr_delegate, "support", Some("France reads 'system' broadly."))]
    {
        let position = PositionDraft {
            state: actor.state.as_ref().map(StateCode::to_string),
            position: Some(stance.into()),
            reason: None,
            statement: statement.map(str::to_owned),
        };
        glossary.record_position(actor, id, position)?;
        say(format!("{} recorded '{stance}'.", actor.state.as_ref().map(StateCode::as_str).unwrap_or("?")));
    }
    let early = glossary.approve_proposal(&editor, id);
    say(format!("Approving before the silence period ends is refused: {}", early.err().ok_or("approved early")?));

    // 7. The silence period passes with no objection: the editor approves.
    clock.advance(glossary.silence_period() + time::Duration::minutes(1));
    let agreed = glossary.approve_proposal(&editor, id)?;
    say(format!("Approved: proposal {id} is now {}.", agreed.record.status));

    // 8. The published glossary holds it, with its provenance.
    let page = glossary.glossary(&operator, None, 0, 20)?;
    for e in &page.entries {
        say(format!(
            "Glossary: '{}' — {} (reconciles {} national entries)",
            e.proposal.text.term,
            e.proposal.text.definition,
            e.provenance.len()
        ));
    }
    if page.total != 1 {
        return Err("the agreed entry is not in the glossary".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_walkthrough_runs_from_lists_to_an_agreed_entry() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut lines = Vec::new();
        super::walk(dir.path(), &mut |l| lines.push(l)).expect("the walkthrough");
        assert!(lines.iter().any(|l| l.starts_with("Glossary: 'malware'")), "{lines:#?}");
    }
}
