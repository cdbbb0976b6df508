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
//! Safety first: a DOCTYPE (and so any entity declaration) is refused before
//! anything else is read, so no entity is ever expanded and nothing is ever
//! fetched; only the five predefined entities and character references are
//! understood. Nesting deeper than [`MAX_DEPTH`] or more than
//! [`MAX_ELEMENTS`] elements are refused too.

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
pub fn read(body: &[u8], language: Option<&str>) -> Result<Read, Refusal> {
    let concepts = concepts(body)?;
    entries(concepts, language).map_err(Refusal::Invalid)
}

/// Reads the concept entries of a TBX file, every data category kept.
pub fn concepts(body: &[u8]) -> Result<Vec<Concept>, Refusal> {
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
    saw_root: bool,
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
            saw_root: false,
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

    fn run(mut self) -> Result<Vec<Concept>, Refusal> {
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
                Event::DocType(_) => {
                    return Err(self.unsafe_input(
                        "the file has a DOCTYPE: DTDs and entity declarations are refused (nothing was expanded or fetched); remove the <!DOCTYPE …> declaration".into(),
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
                    Ok(s) => self.push_text(&s),
                    Err(e) => self.errors.push(RowError::new(self.row(), "xml", format!("unreadable text: {e}"))),
                },
                Event::CData(t) => self.push_text(&String::from_utf8_lossy(&t)),
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
                        Some(c) => self.push_text(c.encode_utf8(&mut [0; 4])),
                        None => {
                            // Kept as written, so the error is not followed by an "empty term" one.
                            self.push_text(&format!("&{name};"));
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
        if self.errors.is_empty() { Ok(self.concepts) } else { Err(Refusal::Invalid(self.errors)) }
    }

    fn push_text(&mut self, s: &str) {
        if let Some((datum, _)) = &mut self.datum {
            datum.value.push_str(s);
        } else if let Some(term) = &mut self.term_text {
            term.push_str(s);
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
                        Role::Lang
                    }
                    (Role::Lang, "termSec" | "tig" | "ntig") if !prefixed => {
                        self.term = Some(TermSec::default());
                        Role::Term
                    }
                    (Role::Term, "termGrp") if !prefixed => Role::Term,
                    (Role::Term, "term") if !prefixed => {
                        if self.term_text.is_some() || self.term.as_ref().is_some_and(|t| !t.term.is_empty()) {
                            self.errors.push(RowError::new(self.row(), "term", "a term section with two terms"));
                        }
                        self.term_text = Some(String::new());
                        Role::TermText
                    }
                    (_, name) if !prefixed && name.ends_with("Grp") => Role::Group,
                    (_, name) => {
                        let (element, kind) = if !prefixed && DCA.contains(&name) {
                            (name.to_owned(), self.attribute(e, &["type"]))
                        } else {
                            // DCT style (`<basic:definition>`), or an element
                            // this reader does not know: kept by its name.
                            let element = DCT.iter().find(|(c, _)| *c == name).map_or("descrip", |(_, el)| el);
                            (element.to_owned(), Some(name.to_owned()))
                        };
                        let kind = kind.filter(|k| extra_type_ok(k));
                        self.datum = Some((Datum { element, kind, value: String::new() }, self.stack.len()));
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
        Ok(Role::Root)
    }

    fn end(&mut self) {
        let Some(role) = self.stack.pop() else { return };
        match role {
            Role::Datum => {
                if let Some((mut datum, _)) = self.datum.take() {
                    datum.value = datum.value.trim().to_owned();
                    if !datum.value.is_empty() {
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
                if let (Some(text), Some(term)) = (self.term_text.take(), &mut self.term) {
                    term.term = text.trim().to_owned();
                }
            }
            Role::Term if self.stack.last() == Some(&Role::Lang) => {
                if let Some(term) = self.term.take() {
                    if term.term.is_empty() {
                        self.errors.push(RowError::new(self.row(), "term", "a term section without a term"));
                    } else if let Some(lang) = &mut self.lang {
                        lang.terms.push(term);
                    }
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
}

/// A `type` value that can stand in an extra key (and so be written back).
fn extra_type_ok(kind: &str) -> bool {
    (1..=64).contains(&kind.len())
        && kind.starts_with(|c: char| c.is_ascii_alphabetic())
        && kind.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Maps concepts to the entries of a list in `language` (or the language the
/// concepts imply), with warnings for what went to `extra` or was left out.
pub fn entries(concepts: Vec<Concept>, language: Option<&str>) -> ReadResult {
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
                entries.push(draft);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut warnings = Vec::new();
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
    let mut errors = Vec::new();
    for c in concepts {
        let mut here: Vec<String> = Vec::new();
        for l in &c.langs {
            match LanguageTag::parse(&l.lang) {
                Ok(tag) if !tag.is_english() && !here.iter().any(|h| h == tag.as_str()) => {
                    here.push(tag.as_str().to_owned())
                }
                Ok(_) => {}
                Err(e) => errors.push(RowError::new(Some(c.row), "xml:lang", e)),
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

/// Writes `doc` as TBX v3, TBX-Basic dialect, DCA style: one `conceptEntry`
/// per concept (ids `c1`, `c2`, ... by position), language sections in the
/// concept's order, data categories in the order TBX-Basic wants them
/// (term notes, then descriptions, administrative data, transactions, notes,
/// references). The output depends on `doc` alone: writing what was read from
/// a written document gives the same bytes.
pub fn write(doc: &ConceptDoc) -> String {
    let mut w = Writer { out: String::with_capacity(1024 + doc.concepts.len() * 1024) };
    w.line(0, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    w.line(
        0,
        &format!(r#"<tbx type="TBX-Basic" style="dca" xml:lang="{}" xmlns="{}">"#, attr(&doc.language), NAMESPACES[0]),
    );
    w.line(1, "<tbxHeader>");
    w.line(2, "<fileDesc>");
    w.line(3, "<titleStmt>");
    w.element(4, "title", None, &doc.title);
    w.line(3, "</titleStmt>");
    w.line(3, "<sourceDesc>");
    w.element(4, "p", None, &doc.description);
    w.line(3, "</sourceDesc>");
    w.line(2, "</fileDesc>");
    w.line(1, "</tbxHeader>");
    w.line(1, "<text>");
    w.line(2, "<body>");
    for (i, concept) in doc.concepts.iter().enumerate() {
        w.line(3, &format!(r#"<conceptEntry id="c{}">"#, i + 1));
        w.data(4, &concept.data);
        for lang in &concept.langs {
            w.line(4, &format!(r#"<langSec xml:lang="{}">"#, attr(&lang.lang)));
            w.data(5, &lang.data);
            for term in &lang.terms {
                w.line(5, "<termSec>");
                w.element(6, "term", None, &term.term);
                w.data(6, &term.data);
                w.line(5, "</termSec>");
            }
            w.line(4, "</langSec>");
        }
        w.line(3, "</conceptEntry>");
    }
    w.line(2, "</body>");
    w.line(1, "</text>");
    w.line(0, "</tbx>");
    w.out
}

struct Writer {
    out: String,
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

    fn element(&mut self, depth: usize, name: &str, kind: Option<&str>, value: &str) {
        let open = match kind {
            Some(k) => format!(r#"<{name} type="{}">"#, attr(k)),
            None => format!("<{name}>"),
        };
        self.line(depth, &format!("{open}{}</{name}>", text(value.trim())));
    }

    fn data(&mut self, depth: usize, data: &[Datum]) {
        let mut sorted: Vec<&Datum> = data.iter().collect();
        sorted.sort_by_key(|d| rank(&d.element));
        let (transactions, others): (Vec<&Datum>, Vec<&Datum>) =
            sorted.into_iter().partition(|d| rank(&d.element) == 3);
        for d in others.iter().filter(|d| rank(&d.element) < 3) {
            self.element(depth, &d.element, d.kind.as_deref(), &d.value);
        }
        if !transactions.is_empty() {
            // A transaction group: the transaction, its date, its notes.
            self.line(depth, "<transacGrp>");
            let mut ordered = transactions;
            ordered.sort_by_key(|d| match d.element.as_str() {
                "transac" => 0,
                "date" => 1,
                _ => 2,
            });
            for d in ordered {
                self.element(depth + 1, &d.element, d.kind.as_deref(), &d.value);
            }
            self.line(depth, "</transacGrp>");
        }
        for d in others.iter().filter(|d| rank(&d.element) > 3) {
            self.element(depth, &d.element, d.kind.as_deref(), &d.value);
        }
    }
}

/// Escapes element text: `&`, `<`, `>`, and carriage returns (which an XML
/// reader would otherwise turn into line feeds).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
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
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c => out.push_str(&text(c.encode_utf8(&mut [0; 4]))),
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
        let read = read(V3.as_bytes(), None).unwrap();
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
        assert!(matches!(read(body.as_bytes(), None), Err(Refusal::Unsafe(_))));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let body = format!("<tbx>{}{}</tbx>", "<a>".repeat(100), "</a>".repeat(100));
        assert!(matches!(read(body.as_bytes(), None), Err(Refusal::Unsafe(_))));
    }

    #[test]
    fn errors_name_the_concept() {
        let body = V3.replace("<term>malware</term>", "<term>mal&ware;</term>");
        let Err(Refusal::Invalid(e)) = read(body.as_bytes(), None) else { panic!("refused") };
        assert_eq!(e[0].row, Some(1));
        let mut bytes = V3.as_bytes().to_vec();
        let at = V3.find("Störungen").unwrap();
        bytes[at + 2] = 0xFF;
        let Err(Refusal::Invalid(e)) = read(&bytes, None) else { panic!("refused") };
        assert_eq!((e[0].row, e[0].field.as_str()), (Some(1), "encoding"));
    }
}
