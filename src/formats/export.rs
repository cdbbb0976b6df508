//! Exports that leave in pieces: a document of concepts written as JSON, CSV
//! or TBX while its concepts are still being read, in chunks of about
//! [`CHUNK`] bytes, so that a list of any length is exported in bounded
//! memory. The bytes are those of the whole-document writers
//! (`json::write`, `csv::write`, `tbx::write`, `tbx::write_v2`).

use super::concept::{Concept, ConceptDoc, to_draft};
use super::{csv, json, tbx};
use crate::error::Result;

/// About how many bytes one chunk holds (a concept is never split).
pub const CHUNK: usize = 64 * 1024;

/// The layout an export is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Json,
    Csv { bom: bool },
    Tbx(tbx::Version),
}

/// The chunks of one export: an iterator of byte chunks (or the first error,
/// after which it ends).
pub struct Chunks<I> {
    layout: Layout,
    /// The document's header fields (its `concepts` are not used).
    head: ConceptDoc,
    concepts: I,
    /// How many concepts the document has (what a TBX `ref` may point to).
    total: usize,
    /// May a TBX file declare TBX-Basic ([`tbx::is_basic`] over every concept)?
    basic: bool,
    started: bool,
    finished: bool,
    /// Concepts written so far.
    written: usize,
    /// JSON entries written so far (a concept that is no list entry is not one).
    entries: usize,
    csv: Option<csv::TableWriter>,
}

impl<I: Iterator<Item = Result<Concept>>> Chunks<I> {
    /// An export of `total` concepts with the header of `head`; `basic` as
    /// [`tbx::is_basic`] says for the same concepts (TBX only).
    pub fn new(layout: Layout, head: ConceptDoc, total: usize, basic: bool, concepts: I) -> Self {
        Self {
            layout,
            head,
            concepts,
            total,
            basic,
            started: false,
            finished: false,
            written: 0,
            entries: 0,
            csv: None,
        }
    }

    fn start(&mut self, out: &mut Vec<u8>) -> Result<()> {
        match self.layout {
            Layout::Json => out.extend_from_slice(&json::head(&self.head)?),
            Layout::Csv { bom } => {
                let mut w = csv::TableWriter::new(&super::ENTRY_FIELDS, bom)?;
                out.extend_from_slice(&w.take());
                self.csv = Some(w);
            }
            Layout::Tbx(version) => out.extend_from_slice(tbx::head(&self.head, version, self.basic).as_bytes()),
        }
        Ok(())
    }

    fn concept(&mut self, c: &Concept, out: &mut Vec<u8>) -> Result<()> {
        self.written += 1;
        match self.layout {
            Layout::Tbx(version) => {
                out.extend_from_slice(tbx::concept_entry(self.written, c, version, self.total).as_bytes())
            }
            // The CSV and JSON writers write what the TBX import would take
            // as the entry (a concept without a term in the language: none).
            Layout::Json => {
                if let Ok((entry, _)) = to_draft(c, &self.head.language) {
                    json::write_entry(entry, self.entries == 0, out)?;
                    self.entries += 1;
                }
            }
            Layout::Csv { .. } => {
                if let (Ok((entry, _)), Some(w)) = (to_draft(c, &self.head.language), self.csv.as_mut()) {
                    w.row(&csv::row(entry)?)?;
                    out.extend_from_slice(&w.take());
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        match self.layout {
            Layout::Json => out.extend_from_slice(json::tail(self.entries > 0)),
            Layout::Csv { .. } => {}
            Layout::Tbx(version) => out.extend_from_slice(tbx::tail(version).as_bytes()),
        }
    }

    fn fill(&mut self, out: &mut Vec<u8>) -> Result<()> {
        if !self.started {
            self.started = true;
            self.start(out)?;
        }
        while out.len() < CHUNK {
            match self.concepts.next() {
                Some(c) => self.concept(&c?, out)?,
                None => {
                    self.finish(out);
                    self.finished = true;
                    break;
                }
            }
        }
        Ok(())
    }
}

impl<I: Iterator<Item = Result<Concept>>> Iterator for Chunks<I> {
    type Item = Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let mut out = Vec::with_capacity(CHUNK + CHUNK / 4);
        match self.fill(&mut out) {
            Ok(()) => Some(Ok(out)),
            Err(e) => {
                self.finished = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EntryDraft;
    use crate::formats::concept::from_draft;

    fn doc(n: usize) -> ConceptDoc {
        let concepts = (0..n)
            .map(|i| {
                let e = EntryDraft {
                    row: i as u64 + 1,
                    term: Some(format!("Begriff {i}")),
                    definition: Some(format!("=Eine Definition Nummer {i}, \"zitiert\"\nmit Zeilenumbruch.")),
                    term_en: Some(format!("term {i}")),
                    definition_en: Some(format!("Definition number {i}.")),
                    domains: vec!["threats".into()],
                    ..Default::default()
                };
                from_draft(&e, "de", i as u64 + 1)
            })
            .collect();
        ConceptDoc {
            title: "A list".into(),
            description: "Where it comes from".into(),
            language: "de".into(),
            state: Some("DE".into()),
            year: Some(2024),
            concepts,
        }
    }

    fn chunked(layout: Layout, d: &ConceptDoc) -> (Vec<u8>, usize) {
        let head = ConceptDoc { concepts: Vec::new(), ..d.clone() };
        let basic = tbx::is_basic(&d.concepts, d.concepts.len());
        let chunks: Vec<Vec<u8>> =
            Chunks::new(layout, head, d.concepts.len(), basic, d.concepts.iter().cloned().map(Ok))
                .collect::<Result<_>>()
                .unwrap();
        (chunks.concat(), chunks.len())
    }

    #[test]
    fn chunks_add_up_to_the_whole_document_in_every_layout() {
        for n in [0, 1, 3, 2000] {
            let d = doc(n);
            let (bytes, pieces) = chunked(Layout::Json, &d);
            assert_eq!(bytes, json::write(&d).unwrap(), "json, {n} concepts");
            if n == 2000 {
                assert!(pieces > 3, "a long list leaves in several chunks, not {pieces}");
            }
            for bom in [false, true] {
                assert_eq!(chunked(Layout::Csv { bom }, &d).0, csv::write(&d, bom).unwrap(), "csv, {n} concepts");
            }
            assert_eq!(chunked(Layout::Tbx(tbx::Version::V3), &d).0, tbx::write(&d).into_bytes(), "tbx, {n}");
            assert_eq!(chunked(Layout::Tbx(tbx::Version::V2), &d).0, tbx::write_v2(&d).into_bytes(), "tbx2, {n}");
        }
    }

    #[test]
    fn the_json_pieces_are_what_serde_writes_for_the_whole_list() {
        for n in [0, 2] {
            let d = doc(n);
            // Every row has a term and a definition and no status: nothing to fill in.
            let rows = d.rows();
            #[derive(serde::Serialize)]
            struct Whole {
                state: &'static str,
                year: i32,
                language: &'static str,
                entries: Vec<EntryDraft>,
            }
            let whole = Whole { state: "DE", year: 2024, language: "de", entries: rows };
            let mut expected = serde_json::to_vec_pretty(&whole).unwrap();
            expected.push(b'\n');
            assert_eq!(String::from_utf8(json::write(&d).unwrap()).unwrap(), String::from_utf8(expected).unwrap());
        }
    }

    #[test]
    fn an_error_ends_the_export() {
        let d = doc(1);
        let head = ConceptDoc { concepts: Vec::new(), ..d.clone() };
        let items = vec![Ok(d.concepts[0].clone()), Err(crate::error::Error::Encoding("broken".into()))];
        let mut chunks = Chunks::new(Layout::Json, head, 2, true, items.into_iter());
        assert!(chunks.next().unwrap().is_err());
        assert!(chunks.next().is_none());
    }
}
