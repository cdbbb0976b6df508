//! TBX (ISO 30042, TermBase eXchange) national lists: TBX v3 (`<tbx>` root,
//! `conceptEntry` / `langSec` / `termSec`; TBX-Basic and TBX-Core, DCA or DCT
//! style) and TBX v2 (`<martif>` root, `termEntry` / `langSet` / `tig` /
//! `ntig`). The v3 namespace may be `urn:iso:std:iso:30042:ed-2`,
//! `urn:iso:std:iso:30042:ed:3.0` or absent.
//!
//! Reading is in two steps: the XML becomes [`Concept`]s (every data category
//! kept), then each concept becomes one entry through [`concept::to_draft`].
//! Rows are concept entry numbers, counted from 1.
//!
//! Safety first: a DOCTYPE with an internal subset (and so any entity
//! declaration) is refused before anything else is read, so no entity is
//! ever expanded; a bare reference to an external DTD (`<!DOCTYPE martif
//! SYSTEM "TBXcoreStructV02.dtd">`, which every TBX v2 file has) is ignored
//! with a warning, never fetched. Only the five predefined entities and
//! character references are understood. Nesting deeper than [`MAX_DEPTH`]
//! or more than [`MAX_ELEMENTS`] elements are refused too.
//!
//! Whitespace: text wrapped over lines is read as one line (a term or a
//! subject field: every run of whitespace is one space; other text: a line
//! break and its indentation are one space, a blank line a line break).
//! Character references (`&#10;`) are kept as written, which is how the
//! writer keeps a value's own line breaks, tabs and edge spaces.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::concept::{self, Concept, ConceptDoc, Datum, LangSec, TermSec};
use super::{Read, ReadResult};
use crate::domain::{LanguageTag, ListDraft, RowError, Warning};

/// Elements nested deeper than this are refused (TBX needs about 10).
pub const MAX_DEPTH: usize = 64;
/// More elements than this in one file are refused.
pub const MAX_ELEMENTS: u64 = 2_000_000;

/// The namespaces a TBX root may declare (or none).
pub const NAMESPACES: [&str; 2] = ["urn:iso:std:iso:30042:ed-2", "urn:iso:std:iso:30042:ed:3.0"];

/// Why a TBX body was not read.
#[derive(Debug)]
pub enum Refusal {
    /// Unsafe to read at all (a DTD or entity declarations, limits): the body
    /// is refused unread, a 400.
    Unsafe(RowError),
    /// Read, but wrong: every problem found, a 422.
    Invalid(Vec<RowError>),
}

impl From<Vec<RowError>> for Refusal {
    fn from(errors: Vec<RowError>) -> Self {
        Self::Invalid(errors)
    }
}

/// Reads a TBX list. `language` (from `?language=` or `--language`) names the
/// list's language; without it, the one language other than English that the
/// file holds, else English.
/// With `skip_incomplete`, a concept entry that cannot become an entry is
/// left out (and named in a warning) instead of refusing the list.
pub fn read(body: &[u8], language: Option<&str>, skip_incomplete: bool) -> Result<Read, Refusal> {
    let parsed = concepts(body)?;
    entries(parsed, language, skip_incomplete).map_err(Refusal::Invalid)
}

/// The concept entries of a TBX file, every data category kept, with what
/// reading them left out.
#[derive(Debug, Default)]
pub struct Parsed {
    pub concepts: Vec<Concept>,
    /// What was left out or changed while reading: message → concept entries.
    pub notes: std::collections::BTreeMap<String, Vec<u64>>,
    /// The `id`s of the file's concept entries and terms → the concept entry.
    pub ids: std::collections::HashMap<String, u64>,
}

/// Reads the concept entries of a TBX file, every data category kept.
pub fn concepts(body: &[u8]) -> Result<Parsed, Refusal> {
    if body.starts_with(&[0xFE, 0xFF]) || body.starts_with(&[0xFF, 0xFE]) {
        return Err(Refusal::Invalid(vec![RowError::new(
            None,
            "encoding",
            "the file is UTF-16: save the TBX file as UTF-8",
        )]));
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let (line, column) = line_column(body, at);
            return Err(Refusal::Invalid(vec![RowError::new(
                concept_at(body, at),
                "encoding",
                format!("not valid UTF-8 at line {line}, column {column} (byte {}); save the file as UTF-8", at + 1),
            )]));
        }
    };
    Parser::new(text).run()
}

/// The 1-based number of the concept entry that byte `at` falls in, if any.
fn concept_at(body: &[u8], at: usize) -> Option<u64> {
    let before = &body[..at.min(body.len())];
    let mut n = 0u64;
    for name in [&b"<conceptEntry"[..], b"<termEntry"] {
        n += before.windows(name.len()).filter(|w| *w == name).count() as u64;
    }
    (n > 0).then_some(n)
}

fn line_column(body: &[u8], at: usize) -> (usize, usize) {
    let before = &body[..at.min(body.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, column)
}

/// What an open element is to the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `tbx` / `martif`.
    Root,
    /// `text`, `body`: structure leading to the concept entries.
    Pass,
    /// Anything the reader does not look into (headers, `back`, unknown).
    Skip,
    Concept,
    Lang,
    /// `termSec`, `tig`, `ntig`, and `termGrp` inside them.
    Term,
    /// The `term` element itself.
    TermText,
    /// `descripGrp`, `adminGrp`, `transacGrp`, ...: their members count at
    /// the level the group sits at.
    Group,
    /// A data category whose text is being collected.
    Datum,
    /// Markup inside a term or data category (`hi`, `foreign`, ...): its
    /// text belongs to the enclosing one.
    Inline,
}

/// The data categories that DCT-style files write as elements of their own,
/// with the DCA element each one is.
const DCT: [(&str, &str); 17] = [
    ("definition", "descrip"),
    ("subjectField", "descrip"),
    ("context", "descrip"),
    ("source", "admin"),
    ("customerSubset", "admin"),
    ("projectSubset", "admin"),
    ("administrativeStatus", "termNote"),
    ("partOfSpeech", "termNote"),
    ("termType", "termNote"),
    ("grammaticalGender", "termNote"),
    ("geographicalUsage", "termNote"),
    ("termLocation", "termNote"),
    ("crossReference", "ref"),
    ("externalCrossReference", "xref"),
    ("xGraphic", "xref"),
    ("transactionType", "transac"),
    ("responsibility", "transacNote"),
];

/// DCA elements that carry a data category.
const DCA: [&str; 9] = ["descrip", "admin", "termNote", "note", "ref", "xref", "transac", "transacNote", "date"];

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    text: &'a str,
    stack: Vec<Role>,
    elements: u64,
    concepts: Vec<Concept>,
    errors: Vec<RowError>,
    concept: Option<Concept>,
    lang: Option<LangSec>,
    term: Option<TermSec>,
    /// The term element's text, while inside it.
    term_text: Option<String>,
    /// The data category being read, and how deep its element is.
    datum: Option<(Datum, usize)>,
    /// The text of the term or data category being read.
    acc: Option<TextAcc>,
    saw_root: bool,
    /// The root's `xml:lang`.
    root_lang: Option<String>,
    /// Transaction groups opened so far in the concept, the language
    /// section and the term being read.
    transactions: [u32; 3],
    /// The transaction group open now: its number, whether its `transac`
    /// was seen, and its depth.
    transaction: Option<(u32, bool, usize)>,
    notes: std::collections::BTreeMap<String, Vec<u64>>,
    examples: std::collections::BTreeMap<String, Vec<String>>,
    ids: std::collections::HashMap<String, u64>,
}

/// How a text's literal whitespace is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spacing {
    /// A term, a subject field: every run of whitespace is one space.
    Line,
    /// Other text: a run holding one line break (with its indentation) is a
    /// space, a run holding a blank line is a line break; other runs stay.
    Block,
}

/// Collects an element's text: literal whitespace normalised (and dropped
/// at both ends), character references kept as written.
#[derive(Debug)]
struct TextAcc {
    out: String,
    pending: String,
    spacing: Spacing,
}

fn xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

impl TextAcc {
    fn new(spacing: Spacing) -> Self {
        Self { out: String::new(), pending: String::new(), spacing }
    }

    fn literal(&mut self, s: &str) {
        for c in s.chars() {
            if xml_space(c) {
                self.pending.push(c);
            } else {
                self.flush();
                self.out.push(c);
            }
        }
    }

    fn reference(&mut self, s: &str) {
        self.flush();
        self.out.push_str(s);
    }

    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        if !self.out.is_empty() {
            let breaks = self.pending.chars().filter(|c| *c == '\n').count();
            match self.spacing {
                Spacing::Line => self.out.push(' '),
                Spacing::Block if breaks >= 2 => self.out.push('\n'),
                Spacing::Block if breaks == 1 || self.pending.contains(['\t', '\r']) => self.out.push(' '),
                Spacing::Block => self.out.push_str(&self.pending),
            }
        }
        self.pending.clear();
    }

    fn finish(self) -> String {
        self.out
    }
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        Self {
            reader,
            text,
            stack: Vec::new(),
            elements: 0,
            concepts: Vec::new(),
            errors: Vec::new(),
            concept: None,
            lang: None,
            term: None,
            term_text: None,
            datum: None,
            acc: None,
            saw_root: false,
            root_lang: None,
            transactions: [0; 3],
            transaction: None,
            notes: Default::default(),
            examples: Default::default(),
            ids: Default::default(),
        }
    }

    /// Something left out or changed, for the warnings, with the first
    /// example of it.
    fn note_example(&mut self, message: String, example: &str) {
        let example = format!("'{}'", crate::domain::codes::clip(example));
        let known = self.examples.entry(message.clone()).or_default();
        if known.len() < 3 && !known.contains(&example) {
            known.push(example);
        }
        self.note(message);
    }

    /// Something left out or changed, for the warnings.
    fn note(&mut self, message: String) {
        let rows = self.notes.entry(message).or_default();
        if let Some(row) = self.concept.as_ref().map(|c| c.row)
            && rows.last() != Some(&row)
        {
            rows.push(row);
        }
    }

    /// The row of the concept being read, if inside one.
    fn row(&self) -> Option<u64> {
        self.concept.as_ref().map(|c| c.row)
    }

    fn position(&self, at: u64) -> String {
        let (line, column) = line_column(self.text.as_bytes(), at as usize);
        format!("line {line}, column {column}")
    }

    fn unsafe_input(&self, reason: String) -> Refusal {
        Refusal::Unsafe(RowError::new(self.row(), "xml", reason))
    }

    fn run(mut self) -> Result<Parsed, Refusal> {
        loop {
            let event = match self.reader.read_event() {
                Ok(e) => e,
                Err(e) => {
                    let at = self.reader.error_position();
                    let reason = format!("the XML is not well-formed at {}: {e}", self.position(at));
                    let row = concept_at(self.text.as_bytes(), at as usize).or(self.row());
                    self.errors.push(RowError::new(row, "xml", reason));
                    return Err(Refusal::Invalid(self.errors));
                }
            };
            match event {
                Event::DocType(d) => {
                    let declared = String::from_utf8_lossy(&d).into_owned();
                    if declared.contains(['[', '<', '%', '&']) || declared.contains("ENTITY") {
                        return Err(self.unsafe_input(
                            "the file has a DOCTYPE with declarations: internal DTD subsets and entity declarations are refused (nothing was expanded or fetched); remove them from the <!DOCTYPE …> declaration".into(),
                        ));
                    }
                    self.note(format!(
                        "the DOCTYPE's reference to an external DTD ({}) was ignored: it was neither fetched nor read",
                        crate::domain::codes::clip(declared.trim())
                    ));
                }
                Event::Decl(decl) => {
                    if let Some(Ok(encoding)) = decl.encoding() {
                        let encoding = String::from_utf8_lossy(&encoding).to_ascii_lowercase();
                        if encoding != "utf-8" && encoding != "utf8" {
                            return Err(Refusal::Invalid(vec![RowError::new(
                                None,
                                "encoding",
                                format!("the file declares the encoding '{encoding}': save the TBX file as UTF-8"),
                            )]));
                        }
                    }
                }
                Event::Start(e) => self.start(&e, false)?,
                Event::Empty(e) => self.start(&e, true)?,
                Event::End(_) => self.end(),
                Event::Text(t) => match t.xml10_content() {
                    Ok(s) => self.push_text(&s, true),
                    Err(e) => self.errors.push(RowError::new(self.row(), "xml", format!("unreadable text: {e}"))),
                },
                Event::CData(t) => self.push_text(&String::from_utf8_lossy(&t), false),
                Event::GeneralRef(r) => {
                    let name = String::from_utf8_lossy(&r).into_owned();
                    let ch = match name.as_str() {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "apos" => Some('\''),
                        "quot" => Some('"'),
                        _ => r.resolve_char_ref().ok().flatten(),
                    };
                    match ch {
                        Some(c) => self.push_text(c.encode_utf8(&mut [0; 4]), false),
                        None => {
                            // Kept as written, so the error is not followed by an "empty term" one.
                            self.push_text(&format!("&{name};"), false);
                            self.errors.push(RowError::new(
                            self.row(),
                            "xml",
                            format!(
                                "the entity '&{}' at {} is not defined (TBX files use no entities but &lt; &gt; &amp; &apos; &quot; and character references)",
                                crate::domain::codes::clip(&name),
                                self.position(self.reader.buffer_position())
                            ),
                        ));
                        }
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => break,
            }
        }
        if !self.saw_root {
            self.errors.push(RowError::new(None, "xml", "the body holds no XML element: expected a TBX file"));
        } else if self.concepts.is_empty() && self.errors.is_empty() {
            self.errors.push(RowError::new(
                None,
                "entries",
                "the file holds no concept entry (conceptEntry, or termEntry in TBX v2)",
            ));
        }
        if self.errors.is_empty() {
            let mut notes = std::collections::BTreeMap::new();
            for (message, rows) in self.notes {
                let message = match self.examples.get(&message) {
                    Some(e) => format!("{message}, e.g. {}", e.join(", ")),
                    None => message,
                };
                notes.insert(message, rows);
            }
            Ok(Parsed { concepts: self.concepts, notes, ids: self.ids })
        } else {
            Err(Refusal::Invalid(self.errors))
        }
    }

    /// Text of the term or data category being read: `literal` text as
    /// written (its whitespace normalised), else a reference or CDATA.
    fn push_text(&mut self, s: &str, literal: bool) {
        if let Some(acc) = &mut self.acc {
            if literal { acc.literal(s) } else { acc.reference(s) }
        }
    }

    /// Remembers the element's `id`, if it has one, as naming this concept.
    fn remember_id(&mut self, e: &BytesStart<'_>) {
        if let (Some(id), Some(row)) = (self.attribute(e, &["id"]), self.row())
            && !id.is_empty()
        {
            self.ids.entry(id).or_insert(row);
        }
    }

    fn attribute(&mut self, e: &BytesStart<'_>, names: &[&str]) -> Option<String> {
        for attr in e.attributes().with_checks(true) {
            let attr = match attr {
                Ok(a) => a,
                Err(err) => {
                    self.errors.push(RowError::new(self.row(), "xml", format!("a malformed attribute: {err}")));
                    return None;
                }
            };
            if names.iter().any(|n| attr.key.as_ref() == n.as_bytes()) {
                match attr.unescape_value() {
                    Ok(v) => return Some(v.trim().to_owned()),
                    Err(err) => {
                        self.errors.push(RowError::new(
                            self.row(),
                            "xml",
                            format!("the attribute {} cannot be read: {err}", names[0]),
                        ));
                        return None;
                    }
                }
            }
        }
        None
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), Refusal> {
        self.elements += 1;
        if self.elements > MAX_ELEMENTS {
            return Err(self.unsafe_input(format!("the file has more than {MAX_ELEMENTS} elements")));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.unsafe_input(format!(
                "elements are nested more than {MAX_DEPTH} deep at {}",
                self.position(self.reader.buffer_position())
            )));
        }
        let qname = e.name();
        let prefixed = qname.prefix().is_some();
        let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        let parent = self.stack.last().copied();
        let role = match parent {
            None => self.root(e, &local)?,
            Some(Role::Root | Role::Pass) => match local.as_str() {
                "text" | "body" => Role::Pass,
                "conceptEntry" | "termEntry" => {
                    let row = self.concepts.len() as u64 + 1;
                    self.concept = Some(Concept { row, ..Default::default() });
                    self.transactions = [0; 3];
                    self.remember_id(e);
                    Role::Concept
                }
                _ => Role::Skip,
            },
            Some(Role::Skip) => Role::Skip,
            Some(Role::Concept | Role::Lang | Role::Term | Role::Group) => {
                let level = self.level();
                match (level, local.as_str()) {
                    (Role::Concept, "langSec" | "langSet") if !prefixed => {
                        let lang = self.attribute(e, &["xml:lang", "lang"]).unwrap_or_default();
                        if lang.is_empty() {
                            self.errors.push(RowError::new(
                                self.row(),
                                "xml:lang",
                                "a language section without xml:lang: every langSec names its language",
                            ));
                        }
                        self.lang = Some(LangSec { lang, ..Default::default() });
                        self.transactions[1] = 0;
                        self.transactions[2] = 0;
                        Role::Lang
                    }
                    (Role::Lang, "termSec" | "tig" | "ntig") if !prefixed => {
                        self.term = Some(TermSec::default());
                        self.transactions[2] = 0;
                        self.remember_id(e);
                        Role::Term
                    }
                    (Role::Term, "termGrp") if !prefixed => Role::Term,
                    (Role::Term, "term") if !prefixed => {
                        if self.term_text.is_some() || self.term.as_ref().is_some_and(|t| !t.term.is_empty()) {
                            self.errors.push(RowError::new(self.row(), "term", "a term section with two terms"));
                        }
                        self.remember_id(e);
                        self.term_text = Some(String::new());
                        self.acc = Some(TextAcc::new(Spacing::Line));
                        Role::TermText
                    }
                    (_, name) if !prefixed && name.ends_with("Grp") => {
                        if name == "transacGrp" {
                            let at = match level {
                                Role::Concept => 0,
                                Role::Lang => 1,
                                _ => 2,
                            };
                            self.transactions[at] += 1;
                            self.transaction = Some((self.transactions[at], false, self.stack.len()));
                        }
                        Role::Group
                    }
                    (_, name) => {
                        let (element, kind) = if !prefixed && DCA.contains(&name) {
                            (name.to_owned(), self.attribute(e, &["type"]))
                        } else {
                            // DCT style (`<basic:definition>`), or an element
                            // this reader does not know: kept by its name.
                            let element = DCT.iter().find(|(c, _)| *c == name).map_or("descrip", |(_, el)| el);
                            (element.to_owned(), Some(name.to_owned()))
                        };
                        let kind = kind.map(|k| k.split_whitespace().collect::<Vec<_>>().join(" "));
                        let kind = match kind {
                            Some(k) if !extra_type_ok(&k) => {
                                self.note_example(
                                    format!("a {element} whose type cannot be kept (1 to 64 characters without '/', '#' or '@') was left out"),
                                    &k,
                                );
                                None
                            }
                            other => other,
                        };
                        let mut datum = Datum::new(&element, kind.as_deref(), String::new());
                        if matches!(element.as_str(), "ref" | "xref") {
                            datum.target = self.attribute(e, &["target"]).filter(|t| !t.is_empty());
                        }
                        if level == Role::Concept {
                            datum.lang = self.attribute(e, &["xml:lang"]).or_else(|| self.root_lang.clone());
                        }
                        let spacing = if datum.category() == "subjectField" { Spacing::Line } else { Spacing::Block };
                        self.acc = Some(TextAcc::new(spacing));
                        self.datum = Some((datum, self.stack.len()));
                        Role::Datum
                    }
                }
            }
            Some(Role::Datum | Role::TermText | Role::Inline) => Role::Inline,
        };
        self.stack.push(role);
        if empty {
            self.end();
        }
        Ok(())
    }

    /// The innermost structural level open: concept, language or term.
    fn level(&self) -> Role {
        self.stack
            .iter()
            .rev()
            .copied()
            .find(|r| matches!(r, Role::Concept | Role::Lang | Role::Term))
            .unwrap_or(Role::Concept)
    }

    fn root(&mut self, e: &BytesStart<'_>, local: &str) -> Result<Role, Refusal> {
        self.saw_root = true;
        if local != "tbx" && local != "martif" {
            return Err(Refusal::Invalid(vec![RowError::new(
                None,
                "xml",
                format!(
                    "the root element is <{}>: a TBX file starts with <tbx> (TBX v3) or <martif> (TBX v2)",
                    crate::domain::codes::clip(local)
                ),
            )]));
        }
        if let Some(ns) = self.attribute(e, &["xmlns"])
            && !ns.is_empty()
            && !NAMESPACES.contains(&ns.as_str())
        {
            return Err(Refusal::Invalid(vec![RowError::new(
                None,
                "xml",
                format!(
                    "the TBX namespace '{}' is not one this service reads: use {} or none",
                    crate::domain::codes::clip(&ns),
                    NAMESPACES.join(" or ")
                ),
            )]));
        }
        self.root_lang = self.attribute(e, &["xml:lang", "lang"]).filter(|l| !l.is_empty());
        Ok(Role::Root)
    }

    fn end(&mut self) {
        let depth = self.stack.len();
        let Some(role) = self.stack.pop() else { return };
        match role {
            Role::Datum => {
                let text = self.acc.take().map(TextAcc::finish).unwrap_or_default();
                if let Some((mut datum, _)) = self.datum.take() {
                    datum.value = text;
                    if let Some(datum) = self.checked(datum) {
                        if let Some(term) = &mut self.term {
                            term.data.push(datum);
                        } else if let Some(lang) = &mut self.lang {
                            lang.data.push(datum);
                        } else if let Some(concept) = &mut self.concept {
                            concept.data.push(datum);
                        }
                    }
                }
            }
            Role::TermText => {
                let text = self.acc.take().map(TextAcc::finish).unwrap_or_default();
                if let (Some(_), Some(term)) = (self.term_text.take(), &mut self.term) {
                    term.term = text;
                }
            }
            Role::Group => {
                if let Some((group, seen, at)) = self.transaction
                    && at + 1 == depth
                {
                    self.transaction = None;
                    if !seen {
                        // A transaction group without its transaction: its
                        // date and notes cannot be written back.
                        let keep = |d: &Datum| !(concept::in_transaction(&d.element) && d.group == Some(group));
                        let before = self.level_data().map_or(0, |d| d.len());
                        if let Some(data) = self.level_data() {
                            data.retain(keep);
                        }
                        if self.level_data().map_or(0, |d| d.len()) < before {
                            self.note("a transacGrp without a transac: its date and notes were left out".into());
                        }
                    }
                }
            }
            Role::Term if self.stack.last() == Some(&Role::Lang) => {
                if let Some(term) = self.term.take()
                    && let Some(lang) = &mut self.lang
                {
                    // An empty term is an error only in a language that is imported.
                    lang.terms.push(term);
                }
            }
            Role::Lang => {
                if let (Some(lang), Some(concept)) = (self.lang.take(), &mut self.concept) {
                    concept.langs.push(lang);
                }
            }
            Role::Concept => {
                if let Some(concept) = self.concept.take() {
                    self.concepts.push(concept);
                }
            }
            _ => {}
        }
    }

    /// The data of the innermost level open (term, language section, concept).
    fn level_data(&mut self) -> Option<&mut Vec<Datum>> {
        if let Some(term) = &mut self.term {
            Some(&mut term.data)
        } else if let Some(lang) = &mut self.lang {
            Some(&mut lang.data)
        } else {
            self.concept.as_mut().map(|c| &mut c.data)
        }
    }

    /// A data category as TBX allows it, or `None` (with a warning) for what
    /// could not be written back as valid TBX: an element without the type
    /// it needs, a termNote outside a term, a date that is not a date, an
    /// xref that points nowhere.
    fn checked(&mut self, mut datum: Datum) -> Option<Datum> {
        if datum.value.is_empty() && datum.target.is_none() {
            return None;
        }
        let element = datum.element.clone();
        if concept::typed(&element) && datum.kind.is_none() {
            self.note(format!("a {element} without a type was left out"));
            return None;
        }
        if !concept::typed(&element) {
            datum.kind = None;
        }
        if element == "termNote" && self.term.is_none() {
            self.note(format!("a termNote ('{}') outside a term section was left out", datum.category()));
            return None;
        }
        if element == "date" {
            match concept::normalise_date(&datum.value) {
                Some(date) => datum.value = date,
                None => {
                    self.note_example("a date that is not an ISO date was left out".into(), &datum.value.clone());
                    return None;
                }
            }
        }
        if element == "xref" {
            match datum.target.clone() {
                Some(t) if concept::is_uri(&t) => {}
                None if concept::is_uri(&datum.value) => datum.target = Some(datum.value.clone()),
                _ => {
                    self.note("an xref without an http(s) URI as its target was left out".into());
                    return None;
                }
            }
        }
        if concept::in_transaction(&element) {
            match &mut self.transaction {
                Some((group, seen, _)) => {
                    datum.group = Some(*group);
                    if element == "transac" {
                        *seen = true;
                    }
                }
                None => {
                    // Outside a transacGrp: a transac opens a group of its own,
                    // a date or note joins the last one at this level.
                    let at = if self.term.is_some() {
                        2
                    } else if self.lang.is_some() {
                        1
                    } else {
                        0
                    };
                    if element == "transac" {
                        self.transactions[at] += 1;
                    }
                    if self.transactions[at] == 0 {
                        self.note(format!("a {element} outside a transaction was left out"));
                        return None;
                    }
                    datum.group = Some(self.transactions[at]);
                }
            }
        }
        Some(datum)
    }
}

/// A `type` value that can stand in an extra key (and so be written back).
fn extra_type_ok(kind: &str) -> bool {
    (1..=64).contains(&kind.chars().count())
        && kind.trim() == kind
        && !kind.chars().any(|c| c.is_control() || matches!(c, '/' | '#' | '@'))
}

/// Maps concepts to the entries of a list in `language` (or the language the
/// concepts imply), with warnings for what went to `extra` or was left out.
/// With `skip_incomplete`, concepts that cannot become an entry are left out
/// and named in a warning; without, they refuse the list.
pub fn entries(parsed: Parsed, language: Option<&str>, skip_incomplete: bool) -> ReadResult {
    let Parsed { concepts, notes, ids } = parsed;
    let language = match language {
        Some(raw) => LanguageTag::parse(raw).map_err(|e| vec![RowError::new(None, "language", e)])?,
        None => implied_language(&concepts)?,
    };
    let lang = language.as_str();
    let mut errors = Vec::new();
    let mut entries = Vec::with_capacity(concepts.len());
    let mut extra_rows: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    let mut other_languages: Vec<(String, u64)> = Vec::new();
    let mut dropped_en: Vec<u64> = Vec::new();
    let mut dropped_synonym_data: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    let mut unknown_status: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    for c in &concepts {
        match concept::to_draft(c, lang) {
            Ok((draft, left)) => {
                for key in left.extra_keys {
                    extra_rows.entry(key).or_default().push(c.row);
                }
                for l in left.other_languages {
                    other_languages.push((l, c.row));
                }
                if left.dropped_english_terms > 0 {
                    dropped_en.push(c.row);
                }
                for d in left.dropped_synonym_data {
                    dropped_synonym_data.entry(d).or_default().push(c.row);
                }
                if let Some(status) = left.unknown_status {
                    unknown_status.entry(status).or_default().push(c.row);
                }
                entries.push(draft);
            }
            Err(e) => errors.push(e),
        }
    }
    let mut warnings = Vec::new();
    if !errors.is_empty() {
        if !skip_incomplete || entries.is_empty() {
            return Err(errors);
        }
        let skipped: Vec<String> = errors.iter().map(|e| e.reason.clone()).collect();
        warnings.push(Warning {
            row: None,
            field: "entries".into(),
            message: format!(
                "{} incomplete concept entries were skipped (skip_incomplete): {}",
                errors.len(),
                skipped.join("; ")
            ),
        });
    }
    // A ref to another concept of the file points to where that concept's
    // entry will be in this list (c1, c2, ... as exports number them).
    let position: std::collections::HashMap<u64, usize> =
        entries.iter().enumerate().map(|(i, e)| (e.row, i + 1)).collect();
    let mut lost_targets = Vec::new();
    for e in &mut entries {
        let targets: Vec<String> =
            e.extra.keys().filter(|k| k.ends_with("@target") && k.contains("/ref/")).cloned().collect();
        for key in targets {
            let target = e.extra[&key].clone();
            if concept::is_uri(&target) {
                continue;
            }
            match ids.get(&target).and_then(|row| position.get(row)) {
                Some(p) => {
                    e.extra.insert(key, format!("c{p}"));
                }
                None => {
                    e.extra.remove(&key);
                    lost_targets.push(e.row);
                }
            }
        }
    }
    for (message, rows) in notes {
        let message =
            if rows.is_empty() { message } else { format!("{message} (concept entries {})", rows_list(&rows)) };
        warnings.push(Warning { row: None, field: "xml".into(), message });
    }
    if !lost_targets.is_empty() {
        warnings.push(Warning {
            row: None,
            field: "extra".into(),
            message: format!(
                "a ref whose target is not a concept entry of the list lost its target (concept entries {})",
                rows_list(&lost_targets)
            ),
        });
    }
    for (status, rows) in unknown_status {
        warnings.push(Warning {
            row: None,
            field: "administrative_status".into(),
            message: format!(
                "the administrativeStatus '{}' is not preferred, admitted, deprecated or superseded: it was kept in `extra` as term/termNote/administrativeStatus (concept entries {})",
                crate::domain::codes::clip(&status),
                rows_list(&rows)
            ),
        });
    }
    if !extra_rows.is_empty() {
        let listed: Vec<String> =
            extra_rows.iter().map(|(k, rows)| format!("{k} (concept entries {})", rows_list(rows))).collect();
        warnings.push(Warning {
            row: None,
            field: "extra".into(),
            message: format!(
                "data categories without a field of their own were kept in each entry's `extra`: {}",
                listed.join("; ")
            ),
        });
    }
    if !other_languages.is_empty() {
        let mut langs: Vec<&str> = other_languages.iter().map(|(l, _)| l.as_str()).collect();
        langs.sort_unstable();
        langs.dedup();
        let rows: Vec<u64> = other_languages.iter().map(|(_, r)| *r).collect();
        warnings.push(Warning {
            row: None,
            field: "language".into(),
            message: format!(
                "language sections in {} were not imported (concept entries {}): a list keeps its own language ({lang}) and English",
                langs.join(", "),
                rows_list(&rows)
            ),
        });
    }
    if !dropped_en.is_empty() {
        warnings.push(Warning {
            row: None,
            field: "term_en".into(),
            message: format!(
                "only the preferred (else first) English term is kept as term_en; other English terms were left out (concept entries {})",
                rows_list(&dropped_en)
            ),
        });
    }
    for (category, rows) in dropped_synonym_data {
        warnings.push(Warning {
            row: None,
            field: "synonyms".into(),
            message: format!(
                "synonyms keep their text only: their '{category}' was left out (concept entries {})",
                rows_list(&rows)
            ),
        });
    }
    Ok(Read {
        draft: ListDraft { language: Some(lang.to_owned()), year: None, entries },
        warnings,
        state: None,
        distribution: None,
    })
}

/// The list's language when none is named: the one language other than
/// English that every concept entry has (a stray section in a third language
/// does not count), else the one language other than English in the file,
/// else English.
fn implied_language(concepts: &[Concept]) -> Result<LanguageTag, Vec<RowError>> {
    let mut concepts_with: std::collections::BTreeMap<String, usize> = Default::default();
    let errors: Vec<RowError> = Vec::new();
    for c in concepts {
        let mut here: Vec<String> = Vec::new();
        for l in &c.langs {
            match LanguageTag::parse(&l.lang) {
                Ok(tag) if !tag.is_english() && !here.iter().any(|h| h == tag.as_str()) => {
                    here.push(tag.as_str().to_owned())
                }
                Ok(_) => {}
                // A section in no known language is not imported (to_draft says so).
                Err(_) => {}
            }
        }
        for tag in here {
            *concepts_with.entry(tag).or_default() += 1;
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let everywhere: Vec<&String> =
        concepts_with.iter().filter(|(_, n)| **n == concepts.len()).map(|(l, _)| l).collect();
    let chosen = match (everywhere.as_slice(), concepts_with.len()) {
        ([one], _) => Some((*one).clone()),
        (_, 1) => concepts_with.keys().next().cloned(),
        _ => None,
    };
    match chosen {
        Some(tag) => LanguageTag::parse(&tag).map_err(|e| vec![RowError::new(None, "language", e)]),
        None => Ok(LanguageTag::english()),
    }
}

/// "1, 2, 5" or "1, 2, 3, … (40 in all)".
fn rows_list(rows: &[u64]) -> String {
    let shown: Vec<String> = rows.iter().take(10).map(u64::to_string).collect();
    if rows.len() > 10 { format!("{}, … ({} in all)", shown.join(", "), rows.len()) } else { shown.join(", ") }
}

// ---- Writing ----

/// The media type of TBX documents this service writes.
pub const MEDIA_TYPE: &str = "application/x-tbx+xml";

/// The dialect a v3 export declares when a data category of the list is not
/// one TBX-Basic allows (where it allows it): a private dialect, TBX-Basic
/// plus the list's other data categories, in the TBX core structure.
pub const PRIVATE_DIALECT: &str = "TBX-consensus-glossary";

/// The TBX version an export is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// ISO 30042:2019, `<tbx>`, in the namespace `urn:iso:std:iso:30042:ed-2`.
    V3,
    /// ISO 30042:2008, `<martif>` (what translate-toolkit and so Weblate read).
    V2,
}

struct Names {
    root: &'static str,
    header: &'static str,
    concept: &'static str,
    lang: &'static str,
    term: &'static str,
}

impl Version {
    fn names(self) -> Names {
        match self {
            Self::V3 => {
                Names { root: "tbx", header: "tbxHeader", concept: "conceptEntry", lang: "langSec", term: "termSec" }
            }
            Self::V2 => {
                Names { root: "martif", header: "martifHeader", concept: "termEntry", lang: "langSet", term: "tig" }
            }
        }
    }
}

/// Writes `doc` as TBX v3, DCA style: TBX-Basic when every data category is
/// one TBX-Basic allows where it stands (else [`PRIVATE_DIALECT`]); one
/// `conceptEntry` per concept (ids `c1`, `c2`, ... by position), language
/// sections in the concept's order, term notes first, each transaction in a
/// `transacGrp` of its own, a repeated data category as repeated elements.
/// What TBX cannot hold is never written: an element without its type, a
/// term note outside a term, a date that is not ISO, an xref without a URI,
/// a ref target that names nothing. Line breaks, tabs and spaces at the ends
/// of a value or in runs are written as character references, so a reader
/// that normalises wrapped text gets the value back exactly. The output
/// depends on `doc` alone: writing what was read from it gives the same bytes.
pub fn write(doc: &ConceptDoc) -> String {
    write_version(doc, Version::V3)
}

/// Writes `doc` as TBX v2 (`<martif>`, TBX-Basic's v2 form when every data
/// category fits it): the same content as [`write`], in the elements of
/// 2008 (`termEntry`, `langSet`, `tig`) and without a namespace.
pub fn write_v2(doc: &ConceptDoc) -> String {
    write_version(doc, Version::V2)
}

fn write_version(doc: &ConceptDoc, version: Version) -> String {
    let concepts = doc.concepts.len();
    let mut out = head(doc, version, is_basic(&doc.concepts, concepts));
    for (i, concept) in doc.concepts.iter().enumerate() {
        out.push_str(&concept_entry(i + 1, concept, version, concepts));
    }
    out.push_str(&tail(version));
    out
}

/// Does every concept fit TBX-Basic (so that the file may declare it)?
/// `concepts` is how many the whole document has.
pub fn is_basic<'a>(doc: impl IntoIterator<Item = &'a Concept>, concepts: usize) -> bool {
    doc.into_iter().all(|c| fits_basic(c, concepts))
}

/// The start of a TBX file, up to its `<body>`: the dialect it declares
/// (TBX-Basic when `basic`, see [`is_basic`]) and the header.
pub fn head(doc: &ConceptDoc, version: Version, basic: bool) -> String {
    let n = version.names();
    let mut w = Writer { out: String::with_capacity(1024), concepts: 0 };
    w.line(0, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    match version {
        Version::V3 => w.line(
            0,
            &format!(
                r#"<tbx type="{}" style="dca" xml:lang="{}" xmlns="{}">"#,
                if basic { "TBX-Basic" } else { PRIVATE_DIALECT },
                attr(&doc.language),
                NAMESPACES[0]
            ),
        ),
        Version::V2 => w.line(
            0,
            &format!(
                r#"<martif type="{}" xml:lang="{}">"#,
                if basic { "TBX-Basic" } else { "TBX" },
                attr(&doc.language)
            ),
        ),
    }
    w.line(1, &format!("<{}>", n.header));
    w.line(2, "<fileDesc>");
    w.line(3, "<titleStmt>");
    w.element(4, "title", None, None, &doc.title);
    w.line(3, "</titleStmt>");
    w.line(3, "<sourceDesc>");
    w.element(4, "p", None, None, &doc.description);
    w.line(3, "</sourceDesc>");
    w.line(2, "</fileDesc>");
    if version == Version::V2 && basic {
        w.line(2, "<encodingDesc>");
        w.line(3, r#"<p type="XCSURI">TBXBasicXCSV02.xcs</p>"#);
        w.line(2, "</encodingDesc>");
    }
    w.line(1, &format!("</{}>", n.header));
    w.line(1, "<text>");
    w.line(2, "<body>");
    w.out
}

/// One concept entry, the `position`th (from 1) of a document of `concepts`.
pub fn concept_entry(position: usize, concept: &Concept, version: Version, concepts: usize) -> String {
    let n = version.names();
    let mut w = Writer { out: String::with_capacity(1024), concepts };
    w.line(3, &format!(r#"<{} id="c{}">"#, n.concept, position));
    w.data(4, Level::Concept, &concept.data);
    for lang in concept.langs.iter().filter(|l| l.terms.iter().any(|t| !t.term.is_empty())) {
        w.line(4, &format!(r#"<{} xml:lang="{}">"#, n.lang, attr(&lang.lang)));
        w.data(5, Level::Lang, &lang.data);
        for term in lang.terms.iter().filter(|t| !t.term.is_empty()) {
            w.line(5, &format!("<{}>", n.term));
            w.element(6, "term", None, None, &term.term);
            w.data(6, Level::Term, &term.data);
            w.line(5, &format!("</{}>", n.term));
        }
        w.line(4, &format!("</{}>", n.lang));
    }
    w.line(3, &format!("</{}>", n.concept));
    w.out
}

/// The end of a TBX file, after its last concept entry.
pub fn tail(version: Version) -> String {
    let n = version.names();
    let mut w = Writer { out: String::new(), concepts: 0 };
    w.line(2, "</body>");
    w.line(1, "</text>");
    w.line(0, &format!("</{}>", n.root));
    w.out
}

/// Where a data category stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Concept,
    Lang,
    Term,
}

/// Can `d` be written as valid TBX (core structure) at `level`?
fn writable(d: &Datum, level: Level, concepts: usize) -> bool {
    let typed_ok = concept::typed(&d.element) == d.kind.is_some();
    let place_ok = d.element != "termNote" || level == Level::Term;
    let value_ok = match d.element.as_str() {
        "date" => concept::iso_date(&d.value),
        "xref" => xref_target(d).is_some(),
        _ => true,
    };
    let _ = concepts;
    DCA.contains(&d.element.as_str()) && typed_ok && place_ok && value_ok
}

/// The URI an xref points to: its target, else its text if that is one.
fn xref_target(d: &Datum) -> Option<&str> {
    match &d.target {
        Some(t) if concept::is_uri(t) => Some(t),
        Some(_) => None,
        None => concept::is_uri(&d.value).then_some(d.value.as_str()),
    }
}

/// Does every data category of `c` fit TBX-Basic (its categories, the
/// levels it allows them at, its picklists)?
fn fits_basic(c: &Concept, concepts: usize) -> bool {
    let level = |data: &[Datum], level: Level| {
        data.iter().filter(|d| writable(d, level, concepts)).all(|d| basic_allows(d, level))
    };
    level(&c.data, Level::Concept)
        && c.langs.iter().all(|l| level(&l.data, Level::Lang) && l.terms.iter().all(|t| level(&t.data, Level::Term)))
}

/// TBX-Basic's data categories (its DCA Schematron): where each may stand and
/// the values its picklists allow.
fn basic_allows(d: &Datum, level: Level) -> bool {
    use Level::{Concept as C, Lang as L, Term as T};
    let value = d.value.as_str();
    match (d.element.as_str(), d.kind.as_deref()) {
        ("note" | "date", None) => true,
        ("descrip", Some("subjectField")) => level == C,
        ("descrip", Some("context")) => level == T,
        ("descrip", Some("definition")) => matches!(level, C | L),
        ("admin", Some("customerSubset" | "projectSubset")) => matches!(level, C | T),
        ("admin", Some("source")) => true,
        ("ref", Some("crossReference")) => matches!(level, C | T),
        ("xref", Some("externalCrossReference")) => true,
        ("xref", Some("xGraphic")) => matches!(level, C | L),
        ("transac", Some("transactionType")) => matches!(value, "origination" | "modification"),
        ("transacNote", Some("responsibility")) => true,
        ("termNote", Some("administrativeStatus")) => matches!(
            value,
            "admittedTerm-admn-sts" | "deprecatedTerm-admn-sts" | "supersededTerm-admn-sts" | "preferredTerm-admn-sts"
        ),
        ("termNote", Some("partOfSpeech")) => matches!(value, "adjective" | "noun" | "other" | "verb" | "adverb"),
        ("termNote", Some("geographicalUsage")) => true,
        ("termNote", Some("grammaticalGender")) => matches!(value, "masculine" | "feminine" | "neuter" | "other"),
        ("termNote", Some("termLocation")) => matches!(
            value,
            "checkBox"
                | "comboBox"
                | "comboBoxElement"
                | "dialogBox"
                | "groupBox"
                | "informativeMessage"
                | "interactiveMessage"
                | "menuItem"
                | "progressBar"
                | "pushButton"
                | "radioButton"
                | "slider"
                | "spinBox"
                | "tab"
                | "tableText"
                | "textBox"
                | "toolTip"
                | "user-definedType"
        ),
        ("termNote", Some("termType")) => {
            matches!(value, "fullForm" | "acronym" | "abbreviation" | "shortForm" | "variant" | "phrase")
        }
        _ => false,
    }
}

struct Writer {
    out: String,
    /// How many concepts the document has (what a `ref` may point to).
    concepts: usize,
}

/// Where a data category's element goes among its siblings.
fn rank(element: &str) -> u8 {
    match element {
        "termNote" => 0,
        "descrip" => 1,
        "admin" => 2,
        "transac" | "date" | "transacNote" => 3,
        "note" => 4,
        _ => 5,
    }
}

impl Writer {
    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn element(&mut self, depth: usize, name: &str, kind: Option<&str>, target: Option<&str>, value: &str) {
        let mut open = format!("<{name}");
        if let Some(k) = kind {
            open.push_str(&format!(r#" type="{}""#, attr(k)));
        }
        if let Some(t) = target {
            open.push_str(&format!(r#" target="{}""#, attr(t)));
        }
        self.line(depth, &format!("{open}>{}</{name}>", text(value)));
    }

    fn datum(&mut self, depth: usize, d: &Datum) {
        let target = match d.element.as_str() {
            "xref" => xref_target(d),
            "ref" => d.target.as_deref().filter(|t| concept::is_uri(t) || concept::concept_ref(t, self.concepts)),
            _ => None,
        };
        self.element(depth, &d.element, d.kind.as_deref(), target, &d.value);
    }

    fn data(&mut self, depth: usize, level: Level, data: &[Datum]) {
        let mut sorted: Vec<&Datum> = data.iter().filter(|d| writable(d, level, self.concepts)).collect();
        sorted.sort_by_key(|d| rank(&d.element));
        for d in sorted.iter().filter(|d| rank(&d.element) < 3) {
            self.datum(depth, d);
        }
        // Each transaction in a group of its own: the transaction, its dates, its notes.
        let transactions: Vec<&Datum> = sorted.iter().copied().filter(|d| rank(&d.element) == 3).collect();
        let mut groups: Vec<u32> = transactions.iter().map(|d| d.group.unwrap_or(1)).collect();
        groups.sort_unstable();
        groups.dedup();
        for g in groups {
            let members: Vec<&Datum> = transactions.iter().copied().filter(|d| d.group.unwrap_or(1) == g).collect();
            let Some(first) = members.iter().position(|d| d.element == "transac") else { continue };
            self.line(depth, "<transacGrp>");
            self.datum(depth + 1, members[first]);
            for order in ["date", "transacNote"] {
                for d in members.iter().filter(|d| d.element == order) {
                    self.datum(depth + 1, d);
                }
            }
            self.line(depth, "</transacGrp>");
            // A second transaction in the same group gets a group of its own.
            for d in members.iter().skip(first + 1).filter(|d| d.element == "transac") {
                self.line(depth, "<transacGrp>");
                self.datum(depth + 1, d);
                self.line(depth, "</transacGrp>");
            }
        }
        for d in sorted.iter().filter(|d| rank(&d.element) > 3) {
            self.datum(depth, d);
        }
    }
}

/// Escapes element text: `&`, `<`, `>`; and writes as character references
/// every whitespace character that a reader would normalise: line breaks,
/// tabs, carriage returns, and spaces at either end or next to another.
fn text(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::with_capacity(value.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if xml_space(c) => {
                let lone_space =
                    c == ' ' && i > 0 && i + 1 < chars.len() && !xml_space(chars[i - 1]) && !xml_space(chars[i + 1]);
                if lone_space {
                    out.push(' ');
                } else {
                    out.push_str(&format!("&#{};", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value.
fn attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if xml_space(c) && c != ' ' => out.push_str(&format!("&#{};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const V3: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Basic" style="dca" xml:lang="de" xmlns="urn:iso:std:iso:30042:ed-2">
  <tbxHeader><fileDesc><sourceDesc><p>test</p></sourceDesc></fileDesc></tbxHeader>
  <text><body>
    <conceptEntry id="c1">
      <descrip type="subjectField">threats</descrip>
      <langSec xml:lang="de">
        <descrip type="definition">Software, die Schaden &amp; Störungen anrichten soll.</descrip>
        <termSec><term>Schadprogramm</term><termNote type="administrativeStatus">admittedTerm-admn-sts</termNote></termSec>
        <termSec><term>Schadsoftware</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote>
          <termNote type="partOfSpeech">noun</termNote></termSec>
      </langSec>
      <langSec xml:lang="en"><descrip type="definition">Software meant to do harm.</descrip>
        <termSec><term>malware</term></termSec></langSec>
    </conceptEntry>
  </body></text>
</tbx>"#;

    #[test]
    fn a_v3_concept_becomes_one_entry() {
        let read = read(V3.as_bytes(), None, false).unwrap();
        assert_eq!(read.draft.language.as_deref(), Some("de"));
        let e = &read.draft.entries[0];
        assert_eq!(e.row, 1);
        assert_eq!(e.term.as_deref(), Some("Schadsoftware"));
        assert_eq!(e.synonyms, vec!["Schadprogramm".to_owned()]);
        assert_eq!(e.definition.as_deref(), Some("Software, die Schaden & Störungen anrichten soll."));
        assert_eq!(e.term_en.as_deref(), Some("malware"));
        assert_eq!(e.domains, vec!["threats".to_owned()]);
        assert_eq!(e.extra.get("term/termNote/partOfSpeech").map(String::as_str), Some("noun"));
        assert_eq!(read.warnings.len(), 1, "{:?}", read.warnings);
    }

    #[test]
    fn doctype_is_refused_unread() {
        let body = "<?xml version=\"1.0\"?><!DOCTYPE tbx [<!ENTITY a \"b\">]><tbx/>";
        assert!(matches!(read(body.as_bytes(), None, false), Err(Refusal::Unsafe(_))));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let body = format!("<tbx>{}{}</tbx>", "<a>".repeat(100), "</a>".repeat(100));
        assert!(matches!(read(body.as_bytes(), None, false), Err(Refusal::Unsafe(_))));
    }

    #[test]
    fn errors_name_the_concept() {
        let body = V3.replace("<term>malware</term>", "<term>mal&ware;</term>");
        let Err(Refusal::Invalid(e)) = read(body.as_bytes(), None, false) else { panic!("refused") };
        assert_eq!(e[0].row, Some(1));
        let mut bytes = V3.as_bytes().to_vec();
        let at = V3.find("Störungen").unwrap();
        bytes[at + 2] = 0xFF;
        let Err(Refusal::Invalid(e)) = read(&bytes, None, false) else { panic!("refused") };
        assert_eq!((e[0].row, e[0].field.as_str()), (Some(1), "encoding"));
    }
}
