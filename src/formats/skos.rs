//! SKOS: the agreed glossary as linked data, written as Turtle or JSON-LD.
//!
//! The service fills a `Scheme` (the agreed entries, in force or superseded,
//! the national entries they reconcile and those entries' States); this
//! module turns it into RDF statements and writes them in either syntax. It
//! reads nothing and imports no other format.
//!
//! URIs are names, minted under one fixed base, [`BASE`]
//! (`urn:consensus-glossary:`), so the same entry has the same URI in every
//! export, from every server:
//!
//! - the glossary, a `skos:ConceptScheme`: `urn:consensus-glossary:glossary`;
//! - an agreed entry, a `skos:Concept` of that scheme:
//!   `urn:consensus-glossary:glossary:{id}`, where `{id}` is the id of the
//!   proposal that was agreed (it never changes; a newer agreed text of the
//!   same notion is a new entry with its own id, and the old one stays, with
//!   `owl:deprecated true` and `dct:isReplacedBy` its successor);
//! - a national entry it reconciles (`skos:closeMatch`):
//!   `urn:consensus-glossary:entry:{entry id}` (`{submission}-{position}`);
//! - a State, the `dct:publisher` of its entries:
//!   `urn:consensus-glossary:state:{code}`.
//!
//! Every agreed entry carries `skos:prefLabel` and `skos:definition` in each
//! of its languages (language-tagged literals), `dct:created` (the proposal
//! was drafted), `dct:dateAccepted` (agreed) and `dct:modified` (agreed, or
//! superseded), all `xsd:dateTime`.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::clock;
use crate::error::Result;

/// The base every URI of the export is minted under.
pub const BASE: &str = "urn:consensus-glossary:";
pub const TURTLE_MEDIA_TYPE: &str = "text/turtle; charset=utf-8";
pub const JSONLD_MEDIA_TYPE: &str = "application/ld+json";

/// The vocabularies the export speaks, by the prefix it gives them.
const PREFIXES: [(&str, &str); 6] = [
    ("dct", "http://purl.org/dc/terms/"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];

/// Text in a language (a BCP 47 tag).
#[derive(Debug, Clone, PartialEq)]
pub struct LangText {
    pub lang: String,
    pub text: String,
}

impl LangText {
    pub fn new(lang: impl Into<String>, text: impl Into<String>) -> Self {
        Self { lang: lang.into(), text: text.into() }
    }
}

/// The agreed glossary with its history: what the export holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Scheme {
    pub title: String,
    pub description: String,
    /// In force or superseded, in the glossary's order.
    pub concepts: Vec<AgreedConcept>,
    /// The national entries the concepts reconcile, each once.
    pub sources: Vec<NationalConcept>,
    /// The States of those entries, each once.
    pub states: Vec<StateAgent>,
}

/// One agreed entry of the glossary.
#[derive(Debug, Clone, PartialEq)]
pub struct AgreedConcept {
    /// The agreed proposal's id.
    pub id: String,
    /// The term in each language: the consensus language first, then the translations.
    pub labels: Vec<LangText>,
    pub definitions: Vec<LangText>,
    /// When its proposal was drafted.
    pub created: OffsetDateTime,
    /// When it was agreed.
    pub accepted: OffsetDateTime,
    /// Its last change: agreed, or superseded.
    pub modified: OffsetDateTime,
    /// Ids of the national entries it reconciles.
    pub close_matches: Vec<String>,
    /// Ids of the agreed entries it superseded.
    pub replaces: Vec<String>,
    /// Superseded (no longer in force): deprecated.
    pub superseded: bool,
    /// The id of the entry that superseded it.
    pub replaced_by: Option<String>,
    /// How it was agreed (version, supporting and abstaining States), in English.
    pub history: String,
    /// States' interpretative statements, each introduced by its State.
    pub notes: Vec<String>,
}

/// A national entry that an agreed entry reconciles.
#[derive(Debug, Clone, PartialEq)]
pub struct NationalConcept {
    /// Its entry id, "12-5".
    pub id: String,
    /// Its State's code.
    pub state: String,
    /// Its term in its list's language, and the State's English translation, if any.
    pub labels: Vec<LangText>,
    pub definitions: Vec<LangText>,
    /// Where it comes from ("DE national list 2014, revision 1"), in English.
    pub note: String,
}

/// A State that published national entries.
#[derive(Debug, Clone, PartialEq)]
pub struct StateAgent {
    pub code: String,
    pub name: String,
}

/// The two RDF syntaxes of the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Turtle,
    JsonLd,
}

impl Syntax {
    /// `ttl` or `jsonld`, as the `format` parameter names them.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "ttl" => Some(Self::Turtle),
            "jsonld" => Some(Self::JsonLd),
            _ => None,
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Turtle => TURTLE_MEDIA_TYPE,
            Self::JsonLd => JSONLD_MEDIA_TYPE,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Turtle => "ttl",
            Self::JsonLd => "jsonld",
        }
    }

    pub fn write(self, scheme: &Scheme) -> Result<Vec<u8>> {
        let nodes = graph(scheme);
        Ok(match self {
            Self::Turtle => turtle(&nodes).into_bytes(),
            Self::JsonLd => {
                let mut body = serde_json::to_vec_pretty(&json_ld(&nodes))?;
                body.push(b'\n');
                body
            }
        })
    }
}

/// The URI of the glossary itself.
pub fn scheme_uri() -> String {
    format!("{BASE}glossary")
}

/// The URI of the agreed entry `id`.
pub fn concept_uri(id: &str) -> String {
    format!("{BASE}glossary:{}", segment(id))
}

/// The URI of the national entry `id`.
pub fn entry_uri(id: &str) -> String {
    format!("{BASE}entry:{}", segment(id))
}

/// The URI of the State `code`.
pub fn state_uri(code: &str) -> String {
    format!("{BASE}state:{}", segment(code))
}

/// `key` with every byte but A-Z a-z 0-9 - . _ ~ percent-encoded, so a URI
/// never holds a character Turtle or an IRI forbids.
fn segment(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

// ---- RDF statements ----

/// The object of a statement.
#[derive(Debug, Clone, PartialEq)]
enum Object {
    Iri(String),
    /// A literal with a language tag.
    Lang(String, String),
    /// A plain literal (xsd:string).
    Plain(String),
    /// An xsd:dateTime literal.
    DateTime(OffsetDateTime),
    Bool(bool),
}

/// One subject with its types (prefixed names) and its statements
/// (prefixed predicate names, in the order written).
#[derive(Debug, Clone, PartialEq)]
struct Node {
    iri: String,
    types: Vec<&'static str>,
    props: Vec<(&'static str, Object)>,
}

impl Node {
    fn new(iri: String, kind: &'static str) -> Self {
        Self { iri, types: vec![kind], props: Vec::new() }
    }

    fn add(&mut self, predicate: &'static str, object: Object) {
        self.props.push((predicate, object));
    }

    fn texts(&mut self, predicate: &'static str, texts: &[LangText]) {
        for t in texts {
            self.add(predicate, Object::Lang(t.text.clone(), t.lang.clone()));
        }
    }
}

/// The scheme as RDF: the scheme, its concepts, the national entries, the States.
fn graph(scheme: &Scheme) -> Vec<Node> {
    let scheme_iri = scheme_uri();
    let mut head = Node::new(scheme_iri.clone(), "skos:ConceptScheme");
    head.add("dct:title", Object::Lang(scheme.title.clone(), "en".into()));
    head.add("dct:description", Object::Lang(scheme.description.clone(), "en".into()));
    if let Some(latest) = scheme.concepts.iter().map(|c| c.modified).max() {
        head.add("dct:modified", Object::DateTime(latest));
    }
    for c in scheme.concepts.iter().filter(|c| !c.superseded) {
        head.add("skos:hasTopConcept", Object::Iri(concept_uri(&c.id)));
    }
    let mut nodes = vec![head];
    for c in &scheme.concepts {
        let mut n = Node::new(concept_uri(&c.id), "skos:Concept");
        n.add("skos:inScheme", Object::Iri(scheme_iri.clone()));
        if !c.superseded {
            n.add("skos:topConceptOf", Object::Iri(scheme_iri.clone()));
        }
        n.add("dct:identifier", Object::Plain(c.id.clone()));
        n.texts("skos:prefLabel", &c.labels);
        n.texts("skos:definition", &c.definitions);
        n.add("dct:created", Object::DateTime(c.created));
        n.add("dct:dateAccepted", Object::DateTime(c.accepted));
        n.add("dct:modified", Object::DateTime(c.modified));
        for id in &c.close_matches {
            n.add("skos:closeMatch", Object::Iri(entry_uri(id)));
        }
        for id in &c.replaces {
            n.add("dct:replaces", Object::Iri(concept_uri(id)));
        }
        if c.superseded {
            n.add("owl:deprecated", Object::Bool(true));
        }
        if let Some(successor) = &c.replaced_by {
            n.add("dct:isReplacedBy", Object::Iri(concept_uri(successor)));
        }
        n.add("skos:historyNote", Object::Lang(c.history.clone(), "en".into()));
        for note in &c.notes {
            n.add("skos:note", Object::Plain(note.clone()));
        }
        nodes.push(n);
    }
    for e in &scheme.sources {
        let mut n = Node::new(entry_uri(&e.id), "skos:Concept");
        n.add("dct:identifier", Object::Plain(e.id.clone()));
        n.texts("skos:prefLabel", &e.labels);
        n.texts("skos:definition", &e.definitions);
        n.add("dct:publisher", Object::Iri(state_uri(&e.state)));
        n.add("skos:note", Object::Lang(e.note.clone(), "en".into()));
        nodes.push(n);
    }
    for s in &scheme.states {
        let mut n = Node::new(state_uri(&s.code), "dct:Agent");
        n.add("dct:identifier", Object::Plain(s.code.clone()));
        n.add("rdfs:label", Object::Lang(s.name.clone(), "en".into()));
        nodes.push(n);
    }
    nodes
}

/// Is `tag` a language tag as Turtle and JSON-LD accept it
/// (`[a-zA-Z]+ ('-' [a-zA-Z0-9]+)*`)? One that is not is written untagged.
fn valid_lang(tag: &str) -> bool {
    let mut parts = tag.split('-');
    parts.next().is_some_and(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphabetic()))
        && parts.all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// An instant as xsd:dateTime lexical form (RFC 3339 in UTC is one).
fn date_time(t: OffsetDateTime) -> String {
    clock::format(t.to_offset(time::UtcOffset::UTC))
}

// ---- Turtle ----

fn turtle(nodes: &[Node]) -> String {
    let mut out = String::new();
    for (prefix, iri) in PREFIXES {
        let _ = writeln!(out, "@prefix {prefix}: <{iri}> .");
    }
    for node in nodes {
        out.push('\n');
        turtle_iri(&node.iri, &mut out);
        out.push_str("\n    a ");
        out.push_str(&node.types.join(", "));
        for (predicate, object) in &node.props {
            out.push_str(" ;\n    ");
            out.push_str(predicate);
            out.push(' ');
            turtle_object(object, &mut out);
        }
        out.push_str(" .\n");
    }
    out
}

fn turtle_object(object: &Object, out: &mut String) {
    match object {
        Object::Iri(iri) => turtle_iri(iri, out),
        Object::Lang(text, lang) => {
            turtle_string(text, out);
            if valid_lang(lang) {
                out.push('@');
                out.push_str(lang);
            }
        }
        Object::Plain(text) => turtle_string(text, out),
        Object::DateTime(t) => {
            turtle_string(&date_time(*t), out);
            out.push_str("^^xsd:dateTime");
        }
        Object::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    }
}

/// `<iri>`; a character an IRI may not hold (space, `<>"{}|^`\` and
/// controls) is percent-encoded (the minted URIs hold none).
fn turtle_iri(iri: &str, out: &mut String) {
    out.push('<');
    for c in iri.chars() {
        if c <= ' ' || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\') {
            let _ = write!(out, "%{:02X}", c as u32);
        } else {
            out.push(c);
        }
    }
    out.push('>');
}

/// A Turtle string literal in double quotes: quote, backslash and line
/// breaks escaped as the grammar requires, other control characters as
/// `\uXXXX`; everything else as UTF-8.
fn turtle_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---- JSON-LD ----

/// A JSON-LD document: an `@context` naming the prefixes, and the nodes in
/// an `@graph`, each predicate once (several objects as an array).
fn json_ld(nodes: &[Node]) -> Value {
    let context: Map<String, Value> = PREFIXES.iter().map(|(p, iri)| ((*p).to_owned(), json!(iri))).collect();
    let graph: Vec<Value> = nodes
        .iter()
        .map(|node| {
            let mut obj = Map::new();
            obj.insert("@id".into(), json!(node.iri));
            let types = if node.types.len() == 1 { json!(node.types[0]) } else { json!(node.types) };
            obj.insert("@type".into(), types);
            let mut order: Vec<&str> = Vec::new();
            let mut values: Map<String, Value> = Map::new();
            for (predicate, object) in &node.props {
                let v = json_object(object);
                match values.get_mut(*predicate) {
                    Some(Value::Array(items)) => items.push(v),
                    Some(_) => {}
                    None => {
                        order.push(predicate);
                        values.insert((*predicate).to_owned(), Value::Array(vec![v]));
                    }
                }
            }
            for predicate in order {
                if let Some(Value::Array(mut items)) = values.remove(predicate) {
                    let v = if items.len() == 1 { items.remove(0) } else { Value::Array(items) };
                    obj.insert(predicate.to_owned(), v);
                }
            }
            Value::Object(obj)
        })
        .collect();
    json!({ "@context": context, "@graph": graph })
}

fn json_object(object: &Object) -> Value {
    match object {
        Object::Iri(iri) => json!({ "@id": iri }),
        Object::Lang(text, lang) if valid_lang(lang) => json!({ "@value": text, "@language": lang }),
        Object::Lang(text, _) | Object::Plain(text) => json!(text),
        Object::DateTime(t) => json!({ "@value": date_time(*t), "@type": "xsd:dateTime" }),
        Object::Bool(b) => json!(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> OffsetDateTime {
        clock::parse(s).unwrap()
    }

    fn sample() -> Scheme {
        Scheme {
            title: "Consensus glossary".into(),
            description: "d".into(),
            concepts: vec![
                AgreedConcept {
                    id: "1".into(),
                    labels: vec![LangText::new("en", "cyber attack")],
                    definitions: vec![LangText::new("en", "old")],
                    created: at("2025-01-01T00:00:00Z"),
                    accepted: at("2025-01-20T00:00:00Z"),
                    modified: at("2025-03-01T00:00:00Z"),
                    close_matches: vec!["3-1".into()],
                    replaces: vec![],
                    superseded: true,
                    replaced_by: Some("2".into()),
                    history: "h".into(),
                    notes: vec![],
                },
                AgreedConcept {
                    id: "2".into(),
                    labels: vec![LangText::new("en", "cyberattack"), LangText::new("fr", "cyberattaque")],
                    definitions: vec![LangText::new("en", "A \"quoted\" \\ back\nslash\tand \u{1} control")],
                    created: at("2025-02-01T00:00:00Z"),
                    accepted: at("2025-03-01T00:00:00Z"),
                    modified: at("2025-03-01T00:00:00Z"),
                    close_matches: vec![],
                    replaces: vec!["1".into()],
                    superseded: false,
                    replaced_by: None,
                    history: "h".into(),
                    notes: vec!["RU: «так»".into()],
                },
            ],
            sources: vec![NationalConcept {
                id: "3-1".into(),
                state: "DE".into(),
                labels: vec![LangText::new("de", "Cyberangriff")],
                definitions: vec![],
                note: "DE national list 2014, revision 1".into(),
            }],
            states: vec![StateAgent { code: "DE".into(), name: "Germany".into() }],
        }
    }

    #[test]
    fn turtle_escapes_what_its_grammar_requires() {
        let mut out = String::new();
        turtle_string("a \"b\" \\ c\nd\re\tf\u{1}g\u{7f}h «ü»", &mut out);
        assert_eq!(out, r#""a \"b\" \\ c\nd\re\tf\u0001g\u007Fh «ü»""#);
        let mut out = String::new();
        turtle_iri("urn:x:a b<c>", &mut out);
        assert_eq!(out, "<urn:x:a%20b%3Cc%3E>");
    }

    #[test]
    fn uris_are_minted_under_the_base_and_hold_nothing_forbidden() {
        assert_eq!(concept_uri("12"), "urn:consensus-glossary:glossary:12");
        assert_eq!(entry_uri("3-1"), "urn:consensus-glossary:entry:3-1");
        assert_eq!(state_uri("DE"), "urn:consensus-glossary:state:DE");
        assert_eq!(state_uri("A B/é"), "urn:consensus-glossary:state:A%20B%2F%C3%A9");
    }

    #[test]
    fn language_tags_are_checked() {
        assert!(valid_lang("en") && valid_lang("sr-Latn") && valid_lang("de-1996"));
        assert!(!valid_lang("") && !valid_lang("e n") && !valid_lang("en-") && !valid_lang("1en"));
    }

    #[test]
    fn turtle_has_one_block_per_subject_and_typed_literals() {
        let ttl = String::from_utf8(Syntax::Turtle.write(&sample()).unwrap()).unwrap();
        assert!(ttl.starts_with("@prefix dct: <http://purl.org/dc/terms/> .\n"));
        assert!(ttl.contains(
            "<urn:consensus-glossary:glossary:1>\n    a skos:Concept ;\n    skos:inScheme <urn:consensus-glossary:glossary> ;"
        ));
        assert!(ttl.contains("owl:deprecated true ;\n    dct:isReplacedBy <urn:consensus-glossary:glossary:2>"));
        assert!(ttl.contains(r#"dct:created "2025-02-01T00:00:00Z"^^xsd:dateTime"#));
        assert!(ttl.contains(r#"skos:prefLabel "cyberattaque"@fr"#));
        assert!(ttl.contains(r#"skos:definition "A \"quoted\" \\ back\nslash\tand \u0001 control"@en"#));
        assert!(ttl.contains("skos:hasTopConcept <urn:consensus-glossary:glossary:2>"));
        assert!(
            !ttl.contains("skos:hasTopConcept <urn:consensus-glossary:glossary:1>"),
            "a superseded entry is no top concept"
        );
        assert_eq!(ttl.matches(" .\n").count(), 1 + 2 + 1 + 1 + PREFIXES.len(), "{ttl}");
    }

    #[test]
    fn json_ld_has_a_context_and_one_key_per_predicate() {
        let doc: Value = serde_json::from_slice(&Syntax::JsonLd.write(&sample()).unwrap()).unwrap();
        assert_eq!(doc["@context"]["skos"], "http://www.w3.org/2004/02/skos/core#");
        let graph = doc["@graph"].as_array().unwrap();
        assert_eq!(graph.len(), 5);
        let newer = &graph[2];
        assert_eq!(newer["@id"], "urn:consensus-glossary:glossary:2");
        assert_eq!(
            newer["skos:prefLabel"],
            json!([{"@value": "cyberattack", "@language": "en"}, {"@value": "cyberattaque", "@language": "fr"}])
        );
        assert_eq!(newer["dct:replaces"], json!({"@id": "urn:consensus-glossary:glossary:1"}));
        assert_eq!(newer["dct:modified"], json!({"@value": "2025-03-01T00:00:00Z", "@type": "xsd:dateTime"}));
        assert_eq!(graph[1]["owl:deprecated"], json!(true));
        assert_eq!(graph[4]["@type"], "dct:Agent");
    }
}
