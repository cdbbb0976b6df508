//! Parties, national lists, entries, search, the audit log, tokens and
//! backups: what the service reads and the few plain writes beside them.

use std::io::Write;

use super::Glossary;
use crate::auth::{self, Minted};
use crate::backup;
use crate::domain::proposal::Status;
use crate::domain::states::OSCE;
use crate::domain::{Actor, Audience, EntryId, Role, StateCode};
use crate::error::{Error, Result};
use crate::formats;
use crate::index::{SearchRequest, SearchResults};
use crate::store::{
    AuditFilter, AuditRecord, EntryFilter, EntryRecord, ProposalRecord, StateRecord, SubmissionRecord, TokenRecord,
};

/// A token to mint.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// Who holds it: it names them in the audit log.
    pub name: String,
    pub role: Role,
    /// The State a delegate acts for (delegates only).
    pub state: Option<StateCode>,
    /// When it stops opening anything; none: it does not expire.
    pub expires_at: Option<time::OffsetDateTime>,
}

/// A party to add (another forum's, or a test party).
#[derive(Debug, Clone)]
pub struct NewState {
    pub code: StateCode,
    pub name: String,
    /// "OSCE" when none is given.
    pub forum: Option<String>,
}

/// A stored list with one page of its entries.
#[derive(Debug, Clone)]
pub struct SubmissionDetail {
    pub record: SubmissionRecord,
    /// Is it the current revision of its State and year?
    pub current: bool,
    /// The entries from `offset` on, at most `limit` (of `record.entry_count`).
    pub entries: Vec<EntryRecord>,
}

/// The formats a list or the glossary can be downloaded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Json,
    Csv {
        bom: bool,
    },
    /// TBX v3 (ISO 30042:2019).
    Tbx,
    /// TBX v2 (`<martif>`, ISO 30042:2008), what translate-toolkit reads.
    Tbx2,
}

impl ExportFormat {
    /// `json`, `csv`, `tbx` or `tbx2` (`bom` applies to CSV only).
    pub fn parse(raw: &str, bom: bool) -> Option<Self> {
        match raw {
            "json" => Some(Self::Json),
            "csv" => Some(Self::Csv { bom }),
            "tbx" => Some(Self::Tbx),
            "tbx2" => Some(Self::Tbx2),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Csv { .. } => "csv",
            Self::Tbx => "tbx",
            Self::Tbx2 => "v2.tbx",
        }
    }

    /// The streaming layout of this format.
    pub fn layout(self) -> formats::export::Layout {
        use formats::export::Layout;
        match self {
            Self::Json => Layout::Json,
            Self::Csv { bom } => Layout::Csv { bom },
            Self::Tbx => Layout::Tbx(formats::tbx::Version::V3),
            Self::Tbx2 => Layout::Tbx(formats::tbx::Version::V2),
        }
    }

    /// The media type of a file in this format.
    pub fn media(self) -> &'static str {
        match self {
            Self::Json => formats::json::MEDIA_TYPE,
            Self::Csv { .. } => formats::csv::MEDIA_TYPE,
            Self::Tbx | Self::Tbx2 => formats::tbx::MEDIA_TYPE,
        }
    }

    /// Writes a document of concepts in this format.
    pub fn write(self, doc: &formats::concept::ConceptDoc) -> Result<Download> {
        let body = match self {
            Self::Csv { bom } => formats::csv::write(doc, bom)?,
            Self::Tbx => formats::tbx::write(doc).into_bytes(),
            Self::Tbx2 => formats::tbx::write_v2(doc).into_bytes(),
            Self::Json => formats::json::write(doc)?,
        };
        Ok(Download { media: self.media(), file_name: String::new(), body: Payload::Whole(body) })
    }
}

/// A file to save: its media type, a name for it, and its bytes.
pub struct Download {
    pub media: &'static str,
    pub file_name: String,
    pub body: Payload,
}

/// The bytes of a download: whole, or chunks written while they are sent
/// (a national list of any length is exported in bounded memory).
pub enum Payload {
    Whole(Vec<u8>),
    Chunks(Box<dyn Iterator<Item = Result<Vec<u8>>> + Send>),
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = match &self.body {
            Payload::Whole(b) => format!("{} bytes", b.len()),
            Payload::Chunks(_) => "chunks".to_owned(),
        };
        f.debug_struct("Download")
            .field("media", &self.media)
            .field("file_name", &self.file_name)
            .field("body", &body)
            .finish()
    }
}

fn require_admin(actor: &Actor) -> Result<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(Error::Forbidden(format!("only an admin may do this; '{}' is {}", actor.name, actor.role.with_article())))
    }
}

pub(super) fn require_editor(actor: &Actor) -> Result<()> {
    if actor.is_editor() {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "only an editor or admin may do this; '{}' is {}",
            actor.name,
            actor.role.with_article()
        )))
    }
}

impl Glossary {
    /// The actor a presented bearer token stands for; `None` for a token that
    /// is not (or no longer) valid.
    pub fn authenticate(&self, token: &str) -> Result<Option<Actor>> {
        auth::authenticate(&self.store, token, self.clock.now())
    }

    /// Mints a token (admins only); the secret is in the answer and nowhere else.
    pub fn mint_token(&self, actor: &Actor, new: NewToken) -> Result<Minted> {
        require_admin(actor)?;
        auth::create(&self.store, &new.name, new.role, new.state, new.expires_at, actor, self.clock.now())
    }

    /// Every token, by name, with its role, State, expiry and last use, never
    /// its secret (admins only).
    pub fn tokens(&self, actor: &Actor) -> Result<Vec<TokenRecord>> {
        require_admin(actor)?;
        self.store.tokens()
    }

    /// Revokes the token named `name` (admins only): it fails at once, and
    /// the web sessions opened with it end.
    pub fn revoke_token(&self, actor: &Actor, name: &str) -> Result<TokenRecord> {
        require_admin(actor)?;
        let record = self.store.revoke_token(name, actor, self.now())?;
        self.store.flush()?;
        Ok(record)
    }

    /// Does the store hold any token (a new store has none, and no way in)?
    pub fn has_tokens(&self) -> bool {
        self.store.token_count() > 0
    }

    /// Every known party, OSCE participating States first seeded.
    pub fn states(&self, _reader: &Actor) -> Result<Vec<StateRecord>> {
        self.store.states()
    }

    /// Adds a party (admins only); 409 when the code exists.
    pub fn create_state(&self, actor: &Actor, new: NewState) -> Result<StateRecord> {
        require_admin(actor)?;
        let name = new.name.trim().to_owned();
        if name.is_empty()
            || name.chars().count() > 200
            || name.chars().any(char::is_control)
            || crate::domain::normalize::misplaced_invisible(&name).is_some()
        {
            return Err(Error::bad_param("name", "a name is 1 to 200 printable characters"));
        }
        let forum = new.forum.as_deref().map(str::trim).filter(|f| !f.is_empty()).unwrap_or("OSCE").to_owned();
        if forum.chars().count() > 40
            || forum.chars().any(char::is_control)
            || crate::domain::normalize::misplaced_invisible(&forum).is_some()
        {
            return Err(Error::bad_param("forum", "a forum is at most 40 printable characters"));
        }
        let record = self.store.add_state(&new.code, &name, &forum, actor, self.now())?;
        self.store.flush()?;
        Ok(record)
    }

    /// One party with every revision of its lists (as [`Glossary::submissions_of`]).
    pub fn state(&self, reader: &Actor, code: &StateCode) -> Result<(StateRecord, Vec<(SubmissionRecord, bool)>)> {
        let record = self.store.state(code.as_str())?.ok_or_else(|| Error::not_found("State", code.as_str()))?;
        let submissions = self.submissions_of(reader, code)?;
        Ok((record, submissions))
    }

    /// Every revision of every year of one State's lists, oldest first, each
    /// with whether it is current.
    pub fn submissions_of(&self, reader: &Actor, state: &StateCode) -> Result<Vec<(SubmissionRecord, bool)>> {
        if self.store.state(state.as_str())?.is_none() {
            return Err(Error::not_found("State", state.as_str()));
        }
        let audience = self.audience(reader)?;
        let mut out = Vec::new();
        for s in self.store.submissions_of(state.as_str())? {
            if !audience.may_read(&s.state, s.distribution) {
                continue;
            }
            let current = self.store.is_current(&s)?;
            out.push((s, current));
        }
        Ok(out)
    }

    /// One stored list with one page of its entries (in list order: the
    /// first `offset` left out, at most `limit`).
    pub fn submission(&self, reader: &Actor, id: u64, offset: usize, limit: usize) -> Result<SubmissionDetail> {
        let record = self.readable_submission(reader, id)?;
        let current = self.store.is_current(&record)?;
        let entries = self.store.entries_page(id, offset, limit)?;
        Ok(SubmissionDetail { record, current, entries })
    }

    /// A list the caller may read; one they may not is as absent as one
    /// that never was (404: its existence is not told).
    pub(super) fn readable_submission(&self, reader: &Actor, id: u64) -> Result<SubmissionRecord> {
        let audience = self.audience(reader)?;
        match self.store.submission(id)? {
            Some(s) if audience.may_read(&s.state, s.distribution) => Ok(s),
            _ => Err(Error::not_found("submission", id.to_string())),
        }
    }

    /// One stored list as a file: the body a submission takes (JSON, CSV) or
    /// TBX, named `{STATE}-{year}-{language}.{ext}`.
    ///
    /// The file is written while it is sent, from the store, a chunk at a
    /// time: a list of any length costs a few chunks of memory. (A TBX file
    /// reads the list twice: once to learn whether it may declare
    /// TBX-Basic, then to write it.)
    pub fn export_submission(&self, reader: &Actor, id: u64, format: ExportFormat) -> Result<Download> {
        let record = self.readable_submission(reader, id)?;
        let total = record.entry_count as usize;
        let basic = match format {
            ExportFormat::Tbx | ExportFormat::Tbx2 => {
                let mut basic = true;
                for c in self.submission_concepts(&record) {
                    if !formats::tbx::is_basic([&c?], total) {
                        basic = false;
                        break;
                    }
                }
                basic
            }
            _ => false,
        };
        let head = self.submission_head(&record);
        let chunks =
            formats::export::Chunks::new(format.layout(), head, total, basic, self.submission_concepts(&record));
        Ok(Download {
            media: format.media(),
            file_name: format!("{}-{}-{}.{}", record.state, record.year, record.language, format.extension()),
            body: Payload::Chunks(Box::new(chunks)),
        })
    }

    /// One national entry by id.
    pub fn entry(&self, reader: &Actor, id: EntryId) -> Result<EntryRecord> {
        let audience = self.audience(reader)?;
        match self.store_entry(id)? {
            Some(e) if self.list_readable(&audience, e.submission_id)? => Ok(e),
            _ => Err(Error::not_found("entry", id.to_string())),
        }
    }

    pub(super) fn store_entry(&self, id: EntryId) -> Result<Option<EntryRecord>> {
        self.store.entry(id.submission, id.ordinal)
    }

    /// Entries of the current revisions (or all), filtered; the total and one page.
    pub fn entries(
        &self,
        reader: &Actor,
        filter: &EntryFilter,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<EntryRecord>)> {
        let filter = EntryFilter { audience: Some(self.audience(reader)?), ..filter.clone() };
        self.store.entries(&filter, offset, limit)
    }

    /// Full-text and fuzzy search over every language, over the lists the
    /// caller may read (hits, totals, facets and bridges alike).
    pub fn search(&self, reader: &Actor, request: &SearchRequest) -> Result<SearchResults> {
        let request = SearchRequest { audience: self.audience(reader)?.tokens(), ..request.clone() };
        self.search_index()?.search(&self.store, &request)
    }

    /// What the caller may read (see `domain::distribution`).
    pub fn audience(&self, reader: &Actor) -> Result<Audience> {
        // Only a delegate's State needs looking up: is it a participating State?
        let participating = match (reader.role, &reader.state) {
            (Role::Delegate, Some(state)) => self.store.state(state.as_str())?.is_some_and(|s| s.forum == OSCE),
            _ => false,
        };
        Ok(Audience::of(reader, |_| participating))
    }

    /// May `audience` read the list `submission`? (A missing list: no.)
    pub(super) fn list_readable(&self, audience: &Audience, submission: u64) -> Result<bool> {
        if *audience == Audience::Everything {
            return Ok(true);
        }
        Ok(self.store.submission(submission)?.is_some_and(|s| audience.may_read(&s.state, s.distribution)))
    }

    /// The last change the search index has applied: a search answered now
    /// reflects at least this much of the store (what caches are stamped with).
    pub fn index_generation(&self) -> Result<u64> {
        Ok(self.search_index()?.applied())
    }

    /// The audit log (editors and admins), filtered; the total and one page.
    pub fn audit(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<AuditRecord>)> {
        require_editor(actor)?;
        self.store.audit(filter, offset, limit)
    }

    /// Writes a consistent backup of the whole store (admins only) to `out`.
    pub fn backup(&self, actor: &Actor, out: &mut impl Write) -> Result<backup::Summary> {
        require_admin(actor)?;
        backup::write(&self.store, self.now(), out)
    }

    /// One page of the proposals (of one status, or all), newest first, and
    /// how many there are.
    pub fn proposals(
        &self,
        _reader: &Actor,
        status: Option<Status>,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<ProposalRecord>)> {
        self.store.proposals(status, offset, limit)
    }

    /// Does the store hold any national list?
    pub fn has_submissions(&self) -> bool {
        self.store.submission_count() > 0
    }
}

/// Which lists one caller may read, with what was looked up kept (a view of
/// many entries asks about the same few lists).
pub(super) struct Readable<'a> {
    glossary: &'a Glossary,
    pub audience: Audience,
    lists: std::collections::HashMap<u64, bool>,
}

impl<'a> Readable<'a> {
    pub fn new(glossary: &'a Glossary, reader: &Actor) -> Result<Self> {
        Ok(Self { glossary, audience: glossary.audience(reader)?, lists: Default::default() })
    }

    pub fn everything(&self) -> bool {
        self.audience == Audience::Everything
    }

    pub fn list(&mut self, submission: u64) -> Result<bool> {
        if self.everything() {
            return Ok(true);
        }
        if let Some(known) = self.lists.get(&submission) {
            return Ok(*known);
        }
        let readable = self.glossary.list_readable(&self.audience, submission)?;
        self.lists.insert(submission, readable);
        Ok(readable)
    }

    /// May the caller read the entry with this id (`{submission}-{n}`)?
    pub fn entry(&mut self, id: &str) -> Result<bool> {
        match id.parse::<EntryId>() {
            Ok(id) => self.list(id.submission),
            Err(_) => Ok(false),
        }
    }

    /// The part of a cluster the caller may read: its readable members, the
    /// links between them, their States; none when no member is readable.
    pub fn cluster(
        &mut self,
        mut c: crate::store::clusters::ClusterRecord,
    ) -> Result<Option<crate::store::clusters::ClusterRecord>> {
        if self.everything() {
            return Ok(Some(c));
        }
        let mut members = Vec::with_capacity(c.members.len());
        for m in std::mem::take(&mut c.members) {
            if self.entry(&m)? {
                members.push(m);
            }
        }
        if members.is_empty() {
            return Ok(None);
        }
        let mut links = Vec::with_capacity(c.links.len());
        for l in std::mem::take(&mut c.links) {
            if self.entry(&l.a)? && self.entry(&l.b)? {
                links.push(l);
            }
        }
        let mut states: Vec<String> = members
            .iter()
            .filter_map(|m| m.parse::<EntryId>().ok())
            .filter_map(|id| self.glossary.store.submission(id.submission).ok().flatten().map(|s| s.state))
            .collect();
        states.sort();
        states.dedup();
        c.members = members;
        c.links = links;
        c.states = states;
        c.near.clear();
        Ok(Some(c))
    }
}
