//! The published glossary: the agreed entries in force at a moment. Nothing
//! is overwritten (an agreed entry's text and positions never change; it only
//! gains a `superseded_at`), so the glossary of any past moment is the set of
//! entries agreed by then and not yet superseded then.

use time::OffsetDateTime;

use crate::clock;
use crate::domain::Actor;
use crate::error::Result;
use crate::service::Glossary;
use crate::store::{EntryRecord, ProposalRecord};

/// One entry of the published glossary.
pub struct GlossaryEntry {
    pub proposal: ProposalRecord,
    /// The national entries it reconciles.
    pub provenance: Vec<EntryRecord>,
}

/// A page of the glossary as it stood at `as_of`.
pub struct GlossaryPage {
    pub as_of: OffsetDateTime,
    pub total: usize,
    pub entries: Vec<GlossaryEntry>,
}

/// Reads `as_of`: an RFC 3339 instant, or a date meaning the end of that day
/// (UTC): "the glossary as it stood on 2025-03-01" includes what was agreed
/// that day.
pub fn parse_as_of(raw: &str) -> Option<OffsetDateTime> {
    let raw = raw.trim();
    if raw.len() == 10 {
        let start = clock::parse(raw)?;
        return Some(start + time::Duration::days(1) - time::Duration::nanoseconds(1));
    }
    clock::parse(raw)
}

impl Glossary {
    /// The entries in force at `as_of` (now when `None`), by English term.
    pub fn glossary(
        &self,
        reader: &Actor,
        as_of: Option<OffsetDateTime>,
        offset: usize,
        limit: usize,
    ) -> Result<GlossaryPage> {
        let as_of = as_of.unwrap_or_else(|| self.clock.now());
        let mut in_force = Vec::new();
        for p in self.store.all_proposals() {
            let p = p?;
            if p.in_force_at(as_of) {
                in_force.push(p);
            }
        }
        in_force.sort_by(|a, b| a.text.term_key.cmp(&b.text.term_key).then(a.id.cmp(&b.id)));
        let total = in_force.len();
        let mut entries = Vec::new();
        for proposal in in_force.into_iter().skip(offset).take(limit) {
            let provenance = self.entries_by_id(reader, &proposal.text.entry_ids)?;
            entries.push(GlossaryEntry { proposal, provenance });
        }
        Ok(GlossaryPage { as_of, total, entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_means_the_end_of_that_day() {
        let t = parse_as_of("2025-03-01").unwrap();
        assert!(t > clock::parse("2025-03-01T23:59:59Z").unwrap());
        assert!(t < clock::parse("2025-03-02T00:00:00Z").unwrap());
        assert_eq!(parse_as_of("2025-03-01T10:00:00Z"), clock::parse("2025-03-01T10:00:00Z"));
        assert!(parse_as_of("yesterday").is_none());
        assert!(parse_as_of("2025-13-01").is_none());
    }
}
