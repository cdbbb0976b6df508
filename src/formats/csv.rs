//! CSV lists (RFC 4180): a header row naming the columns (`term`,
//! `definition`, `term_en`, `definition_en`, `source`, `note`, `domains` with
//! `;` between domains, `synonyms` with `;` between them,
//! `administrative_status`, and `extra` as a JSON object), one entry per record. Rows are the line numbers a
//! spreadsheet shows: the header is line 1.
//!
//! The reader is strict where the common readers are lenient: a stray quote in
//! an unquoted field, text after a closing quote, or a quote left open at the
//! end of the file is an error naming its line, never a silently merged row.

use super::{ENTRY_FIELDS, Read, ReadResult, extra_map, split_domains, split_synonyms, status_word};
use crate::domain::{EntryDraft, ListDraft, RowError, Warning};

/// One record: its first line and its raw fields.
struct Record {
    line: u64,
    fields: Vec<Vec<u8>>,
}

/// Splits `body` into records, RFC 4180 style. Errors name the line.
fn records(body: &[u8]) -> Result<Vec<Record>, Vec<RowError>> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut line: u64 = 1;
    let mut i = 0;
    let n = body.len();
    // The header's column names, once read, name the field of later errors.
    let mut names: Vec<String> = Vec::new();
    let name_of = |names: &Vec<String>, column: usize| -> String {
        names.get(column).cloned().unwrap_or_else(|| "csv".to_owned())
    };
    while i < n {
        let record_line = line;
        let mut fields = Vec::new();
        let mut field = Vec::new();
        let mut bad = false;
        loop {
            // At the start of a field.
            if i < n && body[i] == b'"' {
                let quote_line = line;
                i += 1;
                let mut closed = false;
                while i < n {
                    match body[i] {
                        b'"' if i + 1 < n && body[i + 1] == b'"' => {
                            field.push(b'"');
                            i += 2;
                        }
                        b'"' => {
                            i += 1;
                            closed = true;
                            break;
                        }
                        b'\n' => {
                            line += 1;
                            field.push(b'\n');
                            i += 1;
                        }
                        c => {
                            field.push(c);
                            i += 1;
                        }
                    }
                }
                if !closed {
                    errors.push(RowError::new(
                        Some(quote_line),
                        &name_of(&names, fields.len()),
                        format!("a quoted field opened on line {quote_line} is never closed"),
                    ));
                    return Err(errors);
                }
                if i < n && !matches!(body[i], b',' | b'\n' | b'\r') {
                    if !bad {
                        errors.push(RowError::new(
                            Some(line),
                            &name_of(&names, fields.len()),
                            "text after a closing quote: a quote inside a quoted field must be doubled (\"\")",
                        ));
                    }
                    bad = true;
                    while i < n && !matches!(body[i], b',' | b'\n') {
                        i += 1;
                    }
                }
            } else {
                while i < n && !matches!(body[i], b',' | b'\n' | b'\r') {
                    if body[i] == b'"' && !bad {
                        errors.push(RowError::new(
                            Some(line),
                            &name_of(&names, fields.len()),
                            "a quote inside an unquoted field: quote the whole field and double the inner quote",
                        ));
                        bad = true;
                    }
                    field.push(body[i]);
                    i += 1;
                }
            }
            fields.push(std::mem::take(&mut field));
            // After a field: a comma, a line end, or the end of the body.
            if i < n && body[i] == b',' {
                i += 1;
                continue;
            }
            if i < n && body[i] == b'\r' {
                i += 1;
            }
            if i < n && body[i] == b'\n' {
                i += 1;
                line += 1;
            }
            break;
        }
        let blank = fields.len() == 1 && fields[0].is_empty();
        if names.is_empty() && !blank {
            names = fields.iter().map(|f| String::from_utf8_lossy(f).trim().to_ascii_lowercase()).collect();
        }
        if !blank && !bad {
            out.push(Record { line: record_line, fields });
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Reads a CSV list; `language` and `year` come from the query string.
pub fn read(body: &[u8], language: Option<String>, year: Option<i64>) -> ReadResult {
    let records = records(body)?;
    let mut records = records.into_iter();
    let Some(header) = records.next() else {
        return Err(vec![RowError::new(Some(1), "csv", "the file is empty: a header row is required")]);
    };
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut columns: Vec<Option<usize>> = Vec::with_capacity(header.fields.len());
    for raw in &header.fields {
        let name = match std::str::from_utf8(raw) {
            Ok(s) => s.trim().to_ascii_lowercase(),
            Err(_) => {
                errors.push(RowError::new(Some(header.line), "csv", "the header row is not valid UTF-8"));
                return Err(errors);
            }
        };
        match ENTRY_FIELDS.iter().position(|f| *f == name) {
            Some(p) if columns.contains(&Some(p)) => {
                errors.push(RowError::new(Some(header.line), &name, format!("the column '{name}' appears twice")));
                columns.push(None);
            }
            Some(p) => columns.push(Some(p)),
            None => {
                warnings.push(Warning {
                    row: Some(header.line),
                    field: name.clone(),
                    message: format!("unknown column '{name}' ignored"),
                });
                columns.push(None);
            }
        }
    }
    for required in ["term", "definition"] {
        let p = ENTRY_FIELDS.iter().position(|f| *f == required);
        if !columns.contains(&p) {
            errors.push(RowError::new(Some(header.line), required, format!("the header has no '{required}' column")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut entries = Vec::new();
    for record in records {
        let row = record.line;
        if record.fields.len() != columns.len() {
            errors.push(RowError::new(
                Some(row),
                "csv",
                format!("{} fields where the header has {}", record.fields.len(), columns.len()),
            ));
            continue;
        }
        let mut cells: [Option<String>; ENTRY_FIELDS.len()] = Default::default();
        for (raw, column) in record.fields.into_iter().zip(&columns) {
            let Some(p) = column else { continue };
            match String::from_utf8(raw) {
                Ok(s) => cells[*p] = Some(restore(s)),
                Err(e) => errors.push(RowError::new(
                    Some(row),
                    ENTRY_FIELDS[*p],
                    format!(
                        "not valid UTF-8 (byte {} of the field); save the file as UTF-8",
                        e.utf8_error().valid_up_to() + 1
                    ),
                )),
            }
        }
        let [term, definition, term_en, definition_en, source, note, domains, synonyms, administrative_status, extra] =
            cells;
        let extra = match extra.as_deref().map(str::trim) {
            None | Some("") => Default::default(),
            Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Object(obj)) => extra_map(row, obj, &mut errors),
                _ => {
                    errors.push(RowError::new(
                        Some(row),
                        "extra",
                        "the extra column holds a JSON object of strings, e.g. {\"term/termNote/partOfSpeech\":\"noun\"}",
                    ));
                    Default::default()
                }
            },
        };
        entries.push(EntryDraft {
            row,
            term,
            definition,
            term_en,
            definition_en,
            source,
            note,
            domains: domains.as_deref().map(split_domains).unwrap_or_default(),
            synonyms: synonyms.as_deref().map(split_synonyms).unwrap_or_default(),
            administrative_status,
            extra,
        });
    }
    for e in &entries {
        errors.extend(super::concept::check_extra(e.row, &e.extra, entries.len()));
    }
    if errors.is_empty() {
        Ok(Read { draft: ListDraft { language, year, entries }, warnings, state: None, distribution: None })
    } else {
        Err(errors)
    }
}

/// The media type of CSV exports.
pub const MEDIA_TYPE: &str = "text/csv; charset=utf-8";

/// Writes `doc` as a CSV list that this module reads back: RFC 4180 (fields
/// quoted when needed, quotes doubled, CRLF line ends), a header row with
/// every column of [`ENTRY_FIELDS`], one row per concept; `domains` and
/// `synonyms` joined with "; ", `extra` as a JSON object. With `bom`, a UTF-8
/// byte order mark first, for spreadsheets that need it to see UTF-8. Cells
/// that a spreadsheet would take for a formula are neutralised ([`neutralise`]).
pub fn write(doc: &super::concept::ConceptDoc, bom: bool) -> crate::error::Result<Vec<u8>> {
    let rows = doc.rows().into_iter().map(row).collect::<crate::error::Result<Vec<_>>>()?;
    write_table(&ENTRY_FIELDS, &rows, bom)
}

/// The cells of one list entry, in the order of [`ENTRY_FIELDS`] (not yet
/// neutralised).
pub fn row(e: EntryDraft) -> crate::error::Result<Vec<String>> {
    let extra = if e.extra.is_empty() { String::new() } else { serde_json::to_string(&e.extra)? };
    Ok(vec![
        e.term.unwrap_or_default(),
        e.definition.unwrap_or_default(),
        e.term_en.unwrap_or_default(),
        e.definition_en.unwrap_or_default(),
        e.source.unwrap_or_default(),
        e.note.unwrap_or_default(),
        e.domains.join("; "),
        e.synonyms.join("; "),
        e.administrative_status.map(|s| status_word(&s)).unwrap_or_default(),
        extra,
    ])
}

/// A CSV writer that hands out what it has written so far: the rows of a
/// long table leave in pieces, each as [`write_table`] would write them.
pub struct TableWriter {
    out: Vec<u8>,
}

impl TableWriter {
    /// Starts a table (a byte order mark first with `bom`) with its header.
    pub fn new<S: AsRef<str>>(header: &[S], bom: bool) -> crate::error::Result<Self> {
        let mut w = Self { out: if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() } };
        w.record(header.iter().map(AsRef::as_ref))?;
        Ok(w)
    }

    fn record<'a>(&mut self, cells: impl Iterator<Item = &'a str>) -> crate::error::Result<()> {
        let mut w = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .buffer_capacity(1024)
            .from_writer(std::mem::take(&mut self.out));
        w.write_record(cells)?;
        self.out = w.into_inner().map_err(|e| crate::error::Error::Encoding(format!("CSV: {e}")))?;
        Ok(())
    }

    /// Adds a row, every cell neutralised ([`neutralise`]).
    pub fn row(&mut self, row: &[String]) -> crate::error::Result<()> {
        let cells: Vec<std::borrow::Cow<'_, str>> = row.iter().map(|cell| neutralise(cell)).collect();
        self.record(cells.iter().map(|c| c.as_ref()))
    }

    /// What was written since the last call.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

/// Writes a header and rows as RFC 4180 CSV (CRLF line ends, a UTF-8 byte
/// order mark first with `bom`), every cell neutralised ([`neutralise`]).
pub fn write_table<S: AsRef<str>>(header: &[S], rows: &[Vec<String>], bom: bool) -> crate::error::Result<Vec<u8>> {
    let mut w = TableWriter::new(header, bom)?;
    for row in rows {
        w.row(row)?;
    }
    Ok(w.take())
}

/// The characters that make a spreadsheet read a cell as a formula (or, for
/// tab and carriage return, hide what follows).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn needs_guard(cell: &str) -> bool {
    let mut chars = cell.chars();
    match chars.next() {
        Some(c) if FORMULA_STARTS.contains(&c) => true,
        // A cell that already starts with the guard gets one more, so that
        // `restore` can tell the two apart.
        Some('\'') => chars.next().is_some_and(|c| c == '\'' || FORMULA_STARTS.contains(&c)),
        _ => false,
    }
}

/// OWASP's defence against CSV injection: a cell that a spreadsheet would
/// read as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage
/// return) is written with a single quote in front, which spreadsheets show
/// as text. A cell starting with a quote followed by one of those (or by
/// another quote) gets one too, so [`restore`] undoes exactly what was added.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if needs_guard(cell) { format!("'{cell}").into() } else { cell.into() }
}

/// The inverse of [`neutralise`]: a cell starting with a quote followed by a
/// formula character or another quote loses that first quote. Any other
/// cell (`'t Hooft`) is kept as it is.
pub fn restore(cell: String) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with('\'') || rest.starts_with(FORMULA_STARTS) => rest.to_owned(),
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(body: &str) -> Vec<(u64, Option<String>)> {
        read(body.as_bytes(), Some("en".into()), Some(2014))
            .unwrap()
            .draft
            .entries
            .into_iter()
            .map(|e| (e.row, e.term))
            .collect()
    }

    #[test]
    fn rows_are_line_numbers_even_across_quoted_newlines() {
        let body = "term,definition\r\n\"a, b\",\"x\ny\"\nc,\"say \"\"hi\"\"\"\n";
        assert_eq!(rows(body), vec![(2, Some("a, b".into())), (4, Some("c".into()))]);
    }

    #[test]
    fn stray_and_unclosed_quotes_are_errors() {
        let e = read(b"term,definition\na\"b,c\n", None, None).unwrap_err();
        assert_eq!(e[0].row, Some(2));
        let e = read(b"term,definition\na,b\nc,\"never closed\nmore\n", None, None).unwrap_err();
        assert_eq!(e[0].row, Some(3));
        let e = read(b"term,definition\n\"a\"x,b\n", None, None).unwrap_err();
        assert_eq!(e[0].row, Some(2));
    }

    #[test]
    fn invalid_utf8_names_row_and_field() {
        let e = read(b"term,definition\na,b\nc,d\xFF\n", None, None).unwrap_err();
        assert_eq!((e[0].row, e[0].field.as_str()), (Some(3), "definition"));
    }

    #[test]
    fn missing_column_and_ragged_rows() {
        let e = read(b"term,note\na,b\n", None, None).unwrap_err();
        assert_eq!(e[0].field, "definition");
        let e = read(b"term,definition\na,b,c\n", None, None).unwrap_err();
        assert_eq!(e[0].row, Some(2));
    }

    #[test]
    fn formula_cells_are_neutralised_and_restored_exactly() {
        for cell in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-x",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "'=x",
            "''x",
            "'",
            "'t Hooft",
            "plain",
            "",
            "a=b",
        ] {
            let out = neutralise(cell);
            assert!(!out.starts_with(FORMULA_STARTS), "{cell:?} → {out:?}");
            assert_eq!(restore(out.into_owned()), cell, "{cell:?}");
        }
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("'t Hooft"), "'t Hooft");
        // A hand-made CSV that guards a formula with a quote reads as the formula's text.
        let read = read(b"term,definition\n'=x,'@y\n", Some("en".into()), Some(2014)).unwrap();
        assert_eq!(read.draft.entries[0].term.as_deref(), Some("=x"));
        assert_eq!(read.draft.entries[0].definition.as_deref(), Some("@y"));
    }

    #[test]
    fn bom_and_blank_lines_are_fine() {
        assert_eq!(rows("\u{feff}term,definition\n\na,b\n"), vec![(3, Some("a".into()))]);
    }
}
