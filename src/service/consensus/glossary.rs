//! The published glossary: the agreed entries in force at a moment. Nothing
//! is overwritten (an agreed entry's text and positions never change; it only
//! gains a `superseded_at`), so the glossary of any past moment is the set of
//! entries agreed by then and not yet superseded then. A reader may narrow it
//! to a language and to entries whose text holds some words
//! (`GlossaryFilter`).

use time::OffsetDateTime;

use crate::clock;
use crate::domain::normalize;
use crate::domain::{Actor, LanguageTag};
use crate::error::Result;
use crate::service::Glossary;
use crate::store::proposals::ProposalTextRecord;
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

/// Which agreed entries a reader asks for. Both conditions hold when both
/// are given; the default keeps every entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GlossaryFilter {
    /// Entries with a term in this language: the consensus language or a
    /// translation's.
    language: Option<LanguageTag>,
    /// The words of the text asked for, as matching keys: each must occur in
    /// the entry's term, definition, or a translation's term or definition.
    words: Vec<String>,
}

impl GlossaryFilter {
    /// `text` is compared by matching keys (`normalize::key`): case,
    /// accents, dashes and space runs do not matter, and punctuation around a
    /// word is dropped; every word must occur somewhere in the entry's text
    /// (as a part of a word: "secur" finds "Sécurité"). Blank text asks for
    /// nothing.
    pub fn new(language: Option<LanguageTag>, text: Option<&str>) -> Self {
        let key = text.map(normalize::key).unwrap_or_default();
        let words = key
            .split(' ')
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        Self { language, words }
    }

    /// Does the agreed text `t` pass?
    pub fn matches(&self, t: &ProposalTextRecord) -> bool {
        if let Some(lang) = &self.language
            && t.language != lang.as_str()
            && !t.translations.contains_key(lang.as_str())
        {
            return false;
        }
        if self.words.is_empty() {
            return true;
        }
        let mut keys = vec![normalize::key(&t.term), normalize::key(&t.definition)];
        for tr in t.translations.values() {
            keys.push(normalize::key(&tr.term));
            keys.push(normalize::key(&tr.definition));
        }
        self.words.iter().all(|w| keys.iter().any(|k| k.contains(w.as_str())))
    }
}

/// Reads `as_of`: an RFC 3339 instant, or a date meaning the end of that day
/// (UTC): "the glossary as it stood on 2025-03-01" includes what was agreed
/// that day.
pub fn parse_as_of(raw: &str) -> Option<OffsetDateTime> {
    let raw = raw.trim();
    if raw.len() == 10 {
        let start = clock::parse(raw)?;
        // The day's last instant (computed within the day: 9999-12-31 has no next day).
        return start.date().with_hms_nano(23, 59, 59, 999_999_999).ok().map(time::PrimitiveDateTime::assume_utc);
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
        self.glossary_matching(reader, as_of, &GlossaryFilter::default(), offset, limit)
    }

    /// The entries in force at `as_of` (now when `None`) that pass `filter`,
    /// by English term; `total` counts those that pass.
    pub fn glossary_matching(
        &self,
        reader: &Actor,
        as_of: Option<OffsetDateTime>,
        filter: &GlossaryFilter,
        offset: usize,
        limit: usize,
    ) -> Result<GlossaryPage> {
        let as_of = as_of.unwrap_or_else(|| self.clock.now());
        let in_force = self.proposals_where(|p| p.in_force_at(as_of) && filter.matches(&p.text))?;
        let total = in_force.len();
        let mut entries = Vec::new();
        for proposal in in_force.into_iter().skip(offset).take(limit) {
            entries.push(self.glossary_entry(reader, proposal)?);
        }
        Ok(GlossaryPage { as_of, total, entries })
    }

    /// Every entry agreed by `as_of` (now when `None`), in force then or
    /// superseded by then, by English term: the glossary with its history,
    /// as the SKOS export publishes it.
    pub fn glossary_with_superseded(
        &self,
        reader: &Actor,
        as_of: Option<OffsetDateTime>,
    ) -> Result<(OffsetDateTime, Vec<GlossaryEntry>)> {
        let as_of = as_of.unwrap_or_else(|| self.clock.now());
        let agreed = self.proposals_where(|p| p.agreed_at.is_some_and(|t| t <= as_of))?;
        let entries = agreed.into_iter().map(|p| self.glossary_entry(reader, p)).collect::<Result<_>>()?;
        Ok((as_of, entries))
    }

    /// The proposals `keep` keeps, by English term key, then id.
    fn proposals_where(&self, keep: impl Fn(&ProposalRecord) -> bool) -> Result<Vec<ProposalRecord>> {
        let mut kept = Vec::new();
        for p in self.store.all_proposals() {
            let p = p?;
            if keep(&p) {
                kept.push(p);
            }
        }
        kept.sort_by(|a, b| a.text.term_key.cmp(&b.text.term_key).then(a.id.cmp(&b.id)));
        Ok(kept)
    }

    /// An agreed entry with the national entries it reconciles, as `reader`
    /// sees them.
    fn glossary_entry(&self, reader: &Actor, proposal: ProposalRecord) -> Result<GlossaryEntry> {
        let provenance = self.entries_by_id(reader, &proposal.text.entry_ids)?;
        Ok(GlossaryEntry { proposal, provenance })
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
