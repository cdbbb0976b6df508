//! JSON lists: `{"year", "language", "entries": [{"term", "definition", ...}]}`.
//! Rows are array positions + 1. Type errors are row errors, not a failed parse.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{ENTRY_FIELDS, Read, ReadResult, extra_map, kind, split_domains, split_synonyms};
use crate::domain::{EntryDraft, ListDraft, RowError, Warning};

pub fn read(body: &[u8]) -> ReadResult {
    if let Err(dup) = no_duplicate_keys(body) {
        // `entries[3].term` is row 4's field `term`.
        let row = dup.path.strip_prefix("entries[").and_then(|rest| rest.split(']').next()?.parse::<u64>().ok());
        return Err(vec![match row {
            Some(i) => RowError::new(
                Some(i + 1),
                &dup.key,
                format!("the key '{}' appears twice in this entry; say it once", dup.key),
            ),
            None => RowError::new(None, &dup.key, dup.to_string()),
        }]);
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            let reason = if e.is_eof() {
                format!("the JSON body ends early (line {}, column {})", e.line(), e.column())
            } else if e.is_data() || e.is_syntax() {
                format!("the body is not valid JSON: {e}")
            } else {
                format!("the body could not be read as JSON: {e}")
            };
            return Err(vec![RowError::new(None, "body", reason)]);
        }
    };
    let Value::Object(mut obj) = value else {
        return Err(vec![RowError::new(
            None,
            "body",
            "the body must be a JSON object with year, language and entries",
        )]);
    };
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let year = match obj.remove("year") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
        Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => s.trim().parse().ok(),
        Some(other) => {
            errors.push(RowError::new(None, "year", format!("the year must be a whole number, not {}", kind(&other))));
            None
        }
    };
    let language = match obj.remove("language") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            errors.push(RowError::new(
                None,
                "language",
                format!("the language must be a string, not {}", kind(&other)),
            ));
            None
        }
    };
    let raw_entries = match obj.remove("entries") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => {
            errors.push(RowError::new(None, "entries", "the list has no entries array"));
            Vec::new()
        }
        Some(other) => {
            errors.push(RowError::new(None, "entries", format!("entries must be an array, not {}", kind(&other))));
            Vec::new()
        }
    };
    let state = match obj.remove("state") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            errors.push(RowError::new(None, "state", format!("state must be a string, not {}", kind(&other))));
            None
        }
    };
    let distribution = match obj.remove("distribution") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            errors.push(RowError::new(
                None,
                "distribution",
                format!("distribution must be a string, not {}", kind(&other)),
            ));
            None
        }
    };
    for key in obj.keys() {
        {
            warnings.push(Warning { row: None, field: key.clone(), message: format!("unknown field '{key}' ignored") });
        }
    }
    let mut entries = Vec::with_capacity(raw_entries.len());
    for (i, raw) in raw_entries.into_iter().enumerate() {
        let row = i as u64 + 1;
        match raw {
            Value::Object(map) => entries.push(entry(row, map, &mut errors, &mut warnings)),
            other => errors.push(RowError::new(
                Some(row),
                "entry",
                format!("an entry must be an object, not {}", kind(&other)),
            )),
        }
    }
    for e in &entries {
        errors.extend(super::concept::check_extra(e.row, &e.extra, entries.len()));
    }
    if errors.is_empty() {
        Ok(Read { draft: ListDraft { language, year, entries }, warnings, state, distribution })
    } else {
        Err(errors)
    }
}

fn entry(row: u64, mut map: Map<String, Value>, errors: &mut Vec<RowError>, warnings: &mut Vec<Warning>) -> EntryDraft {
    let mut text = |field: &str| -> Option<String> {
        match map.remove(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                errors.push(RowError::new(Some(row), field, format!("{field} must be a string, not {}", kind(&other))));
                None
            }
        }
    };
    let term = text("term");
    let definition = text("definition");
    let term_en = text("term_en");
    let definition_en = text("definition_en");
    let source = text("source");
    let note = text("note");
    let administrative_status = text("administrative_status");
    let synonyms = string_list(row, "synonyms", "synonym", map.remove("synonyms"), split_synonyms, errors);
    let extra = match map.remove("extra") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(obj)) => extra_map(row, obj, errors),
        Some(other) => {
            errors.push(RowError::new(
                Some(row),
                "extra",
                format!("extra must be an object of strings, not {}", kind(&other)),
            ));
            BTreeMap::new()
        }
    };
    let domains = string_list(row, "domains", "domain", map.remove("domains"), split_domains, errors);
    for key in map.keys() {
        if !ENTRY_FIELDS.contains(&key.as_str()) && key != "id" {
            warnings.push(Warning {
                row: Some(row),
                field: key.clone(),
                message: format!("unknown field '{key}' ignored"),
            });
        }
    }
    EntryDraft {
        row,
        term,
        definition,
        term_en,
        definition_en,
        source,
        note,
        domains,
        synonyms,
        administrative_status,
        extra,
    }
}

/// A list of strings: a JSON array of strings, or one string that `split`
/// divides (the one-cell form of CSV). Anything else is a row error on `field`.
fn string_list(
    row: u64,
    field: &str,
    singular: &str,
    value: Option<Value>,
    split: fn(&str) -> Vec<String>,
    errors: &mut Vec<RowError>,
) -> Vec<String> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|d| match d {
                Value::String(s) => Some(s),
                other => {
                    errors.push(RowError::new(
                        Some(row),
                        field,
                        format!("each {singular} must be a string, not {}", kind(&other)),
                    ));
                    None
                }
            })
            .collect(),
        Some(Value::String(s)) => split(&s),
        Some(other) => {
            errors.push(RowError::new(
                Some(row),
                field,
                format!("{field} must be an array of strings, not {}", kind(&other)),
            ));
            Vec::new()
        }
    }
}

/// A key given twice in one JSON object. A JSON parser keeps one of the two
/// values (serde_json the last) without a word, so what was meant is
/// unknown: such a body is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// Where the object is: `""` for the top level, `entries[3]`, `translations`.
    pub path: String,
    pub key: String,
}

impl DuplicateKey {
    /// The duplicate's full path, e.g. `entries[3].term` or `year`.
    pub fn full_path(&self) -> String {
        if self.path.is_empty() { self.key.clone() } else { format!("{}.{}", self.path, self.key) }
    }
}

impl std::fmt::Display for DuplicateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = crate::domain::codes::clip(&self.key);
        if self.path.is_empty() {
            write!(f, "the key '{key}' appears twice in the body; say it once")
        } else {
            write!(f, "the key '{key}' appears twice in {}; say it once", crate::domain::codes::clip(&self.path))
        }
    }
}

/// Checks that no object of a JSON document gives a key twice. A body that
/// is not JSON passes: the parser that reads it says what is wrong.
pub fn no_duplicate_keys(body: &[u8]) -> Result<(), DuplicateKey> {
    let mut found = None;
    let mut de = serde_json::Deserializer::from_slice(body);
    let _ = serde::de::DeserializeSeed::deserialize(KeyCheck { path: String::new(), found: &mut found }, &mut de);
    found.map_or(Ok(()), Err)
}

/// Walks a JSON value, remembering the first duplicate key; stops there.
struct KeyCheck<'a> {
    path: String,
    found: &'a mut Option<DuplicateKey>,
}

impl<'de> serde::de::DeserializeSeed<'de> for KeyCheck<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeyCheck<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        loop {
            let path = format!("{}[{i}]", self.path);
            if seq.next_element_seed(KeyCheck { path, found: &mut *self.found })?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let key = key.into_owned();
            if seen.contains(&key) {
                *self.found = Some(DuplicateKey { path: self.path, key });
                return Err(serde::de::Error::custom("duplicate key"));
            }
            let path = if self.path.is_empty() { key.clone() } else { format!("{}.{key}", self.path) };
            map.next_value_seed(KeyCheck { path, found: &mut *self.found })?;
            seen.insert(key);
        }
        Ok(())
    }
}

/// The media type of JSON exports.
pub const MEDIA_TYPE: &str = "application/json";

#[derive(serde::Serialize)]
struct ListHead<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    year: Option<i32>,
    language: &'a str,
}

/// Writes `doc` as the body `read` takes: `{"state", "year", "language",
/// "entries": [...]}`, pretty-printed, one entry per concept.
pub fn write(doc: &super::concept::ConceptDoc) -> crate::error::Result<Vec<u8>> {
    let mut out = head(doc)?;
    let rows = doc.rows();
    let any = !rows.is_empty();
    for (i, e) in rows.into_iter().enumerate() {
        write_entry(e, i == 0, &mut out)?;
    }
    out.extend_from_slice(tail(any));
    Ok(out)
}

/// The start of a JSON list, up to the opening bracket of its entries.
pub fn head(doc: &super::concept::ConceptDoc) -> crate::error::Result<Vec<u8>> {
    let head = ListHead { state: doc.state.as_deref(), year: doc.year, language: &doc.language };
    let mut out = serde_json::to_vec_pretty(&head)?;
    // `{ … \n}`: the entries go before the closing brace.
    out.truncate(out.len().saturating_sub(2));
    out.extend_from_slice(b",\n  \"entries\": [");
    Ok(out)
}

/// One entry of the list, as `serde_json::to_vec_pretty` writes an element
/// of the `entries` array (`first`: no comma before it). The export always
/// names a term and a definition, and says a term's status in its short form.
pub fn write_entry(mut e: EntryDraft, first: bool, out: &mut Vec<u8>) -> crate::error::Result<()> {
    e.term.get_or_insert_default();
    e.definition.get_or_insert_default();
    e.administrative_status = e.administrative_status.map(|s| super::status_word(&s));
    let text = serde_json::to_string_pretty(&e)?;
    out.extend_from_slice(if first { b"\n" } else { b",\n" });
    // A JSON string never holds a raw line break, so every line of the
    // pretty form is a line of the entry, indented two levels.
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(b"    ");
        out.extend_from_slice(line.as_bytes());
    }
    Ok(())
}

/// The end of a JSON list (`any`: were entries written?).
pub fn tail(any: bool) -> &'static [u8] {
    if any { b"\n  ]\n}\n" } else { b"]\n}\n" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_positions_plus_one() {
        let r =
            read(br#"{"year":2014,"language":"en","entries":[{"term":"a","definition":"b"},{"term":5}]}"#).unwrap_err();
        assert_eq!(r, vec![RowError::new(Some(2), "term", "term must be a string, not a number")]);
    }

    #[test]
    fn duplicate_keys_are_found_wherever_they_are() {
        assert_eq!(no_duplicate_keys(br#"{"a":1,"b":[{"c":1},{"c":2}],"d":{"e":{"f":1}}}"#), Ok(()));
        let dup = no_duplicate_keys(br#"{"year":2023,"year":2024}"#).unwrap_err();
        assert_eq!((dup.path.as_str(), dup.key.as_str()), ("", "year"));
        let dup = no_duplicate_keys(br#"{"t":{"fr":{"term":"a"},"de":{},"fr":{}}}"#).unwrap_err();
        assert_eq!(dup.full_path(), "t.fr");
        // Escapes are compared as the text they stand for.
        let dup = no_duplicate_keys(br#"[0,{"a\u0062":1,"ab":2}]"#).unwrap_err();
        assert_eq!((dup.path.as_str(), dup.key.as_str()), ("[1]", "ab"));
        // Not JSON at all: the reader's parser says so.
        assert_eq!(no_duplicate_keys(b"{not json"), Ok(()));
    }

    #[test]
    fn a_list_with_a_key_twice_is_refused_naming_it() {
        let r = read(br#"{"year":2023,"year":2024,"language":"en","entries":[]}"#).unwrap_err();
        assert_eq!((r[0].row, r[0].field.as_str()), (None, "year"));
        let r =
            read(br#"{"year":2023,"language":"en","entries":[{"term":"a","definition":"b"},{"term":"a","term":"b"}]}"#)
                .unwrap_err();
        assert_eq!((r[0].row, r[0].field.as_str()), (Some(2), "term"));
    }

    #[test]
    fn truncated_json_is_one_clear_error() {
        let r = read(br#"{"year":2014,"entries":[{"#).unwrap_err();
        assert_eq!(r.len(), 1);
        assert!(r[0].reason.contains("ends early"));
    }
}
