//! Equivalent English terms and acronyms of the field: a curated table
//! (`data/equivalents.tsv`, embedded in the binary), read from a string.
//!
//! Format: UTF-8 text, one class of equivalent terms per line, the terms
//! separated by TABs, the first one the class's canonical name; blank lines
//! and lines starting with `#` are ignored. Terms are compared by their
//! matching key ([`normalize::key`]: case, accents, hyphens and spaces
//! folded). A term may belong to one class only; repeating a term within its
//! own class is harmless.
//!
//! Clustering uses the table as a term-similarity signal and a blocking key:
//! [`Equivalents::canonical`] rewrites every class member found as whole
//! words inside a term into the class's canonical name, so "DoS attack" and
//! "denial-of-service attack" meet, and says which substitutions it made, so
//! a link can name the equivalence that bridged two different words.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::normalize;

/// The table shipped with the project.
pub const BUILTIN: &str = include_str!("../../data/equivalents.tsv");

/// The project's table of words that mean the same in definitions
/// (`data/definition-words.tsv`, same format): clustering compares
/// definitions through it, never terms.
pub const DEFINITION_WORDS: &str = include_str!("../../data/definition-words.tsv");

#[derive(Debug, Clone, Default)]
pub struct Equivalents {
    /// Each class's member keys; the first is the canonical name.
    classes: Vec<Vec<String>>,
    /// Member key → class.
    by_key: HashMap<String, usize>,
    /// The most words a member has.
    max_words: usize,
}

/// A term rewritten into canonical names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonical {
    /// The key with every class member replaced by its canonical name.
    pub key: String,
    /// What was replaced: (member as found, canonical name).
    pub replaced: Vec<(String, String)>,
}

impl Equivalents {
    /// Parses the table; an error names the line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut out = Self::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let class = out.classes.len();
            let mut members: Vec<String> = Vec::new();
            for raw in line.split('\t') {
                let key = normalize::key(raw);
                if key.is_empty() {
                    if raw.trim().is_empty() {
                        continue;
                    }
                    return Err(format!("line {}: '{raw}' has no letters or digits", n + 1));
                }
                match out.by_key.get(&key) {
                    Some(&c) if c == class => continue,
                    Some(&c) => {
                        return Err(format!(
                            "line {}: '{key}' is already in the class of '{}'",
                            n + 1,
                            out.classes[c][0]
                        ));
                    }
                    None => {}
                }
                out.max_words = out.max_words.max(key.split(' ').count());
                out.by_key.insert(key.clone(), class);
                members.push(key);
            }
            if members.len() < 2 {
                return Err(format!("line {}: a class needs two or more terms", n + 1));
            }
            out.classes.push(members);
        }
        Ok(out)
    }

    /// The project's table (`data/equivalents.tsv`), parsed once.
    pub fn builtin() -> &'static Self {
        static TABLE: OnceLock<Equivalents> = OnceLock::new();
        Self::shipped(&TABLE, BUILTIN, "data/equivalents.tsv")
    }

    /// The project's table of definition words (`data/definition-words.tsv`), parsed once.
    pub fn definition_words() -> &'static Self {
        static TABLE: OnceLock<Equivalents> = OnceLock::new();
        Self::shipped(&TABLE, DEFINITION_WORDS, "data/definition-words.tsv")
    }

    /// A table compiled into the binary, parsed on first use.
    fn shipped(cell: &'static OnceLock<Self>, text: &str, file: &str) -> &'static Self {
        // A unit test parses the same text, so a build whose tests passed never panics here.
        cell.get_or_init(|| Self::parse(text).unwrap_or_else(|e| panic!("{file}: {e}")))
    }

    /// How many classes the table holds.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    /// The class of a whole key, if it is a member of one.
    pub fn class_of(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    /// The members of a class, canonical name first.
    pub fn members(&self, class: usize) -> &[String] {
        self.classes.get(class).map_or(&[], Vec::as_slice)
    }

    /// Rewrites `key` (a matching key) with every member found as whole
    /// words replaced by its class's canonical name, longest match first,
    /// left to right.
    pub fn canonical(&self, key: &str) -> Canonical {
        let words: Vec<&str> = key.split(' ').filter(|w| !w.is_empty()).collect();
        let mut out: Vec<&str> = Vec::with_capacity(words.len());
        let mut replaced = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let mut matched = None;
            for len in (1..=self.max_words.min(words.len() - i)).rev() {
                let phrase = words[i..i + len].join(" ");
                if let Some(&c) = self.by_key.get(&phrase) {
                    matched = Some((len, c, phrase));
                    break;
                }
            }
            match matched {
                Some((len, c, phrase)) => {
                    let canonical = &self.classes[c][0];
                    out.extend(canonical.split(' '));
                    if phrase != *canonical {
                        replaced.push((phrase, canonical.clone()));
                    }
                    i += len;
                }
                None => {
                    out.push(words[i]);
                    i += 1;
                }
            }
        }
        Canonical { key: out.join(" "), replaced }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_table_parses_and_holds_the_usual_equivalents() {
        let t = Equivalents::parse(BUILTIN).expect("data/equivalents.tsv parses");
        assert!(t.len() >= 40);
        assert_eq!(t.class_of("malware"), t.class_of("malicious software"));
        assert!(t.class_of("malware").is_some());
        assert_eq!(t.class_of("it system"), t.class_of("computer system"));
        assert_ne!(t.class_of("denial of service"), t.class_of("distributed denial of service"));
    }

    #[test]
    fn the_definition_words_parse_apart_from_the_terms() {
        let t = Equivalents::parse(DEFINITION_WORDS).expect("data/definition-words.tsv parses");
        assert!(t.len() >= 5);
        assert_eq!(t.class_of("apparatus"), t.class_of("device"));
        assert!(t.class_of("device").is_some());
        assert_ne!(t.class_of("device"), t.class_of("harm"));
        // Terms are not compared through it: its words are no terms of the table of equivalents.
        let terms = Equivalents::parse(BUILTIN).expect("data/equivalents.tsv parses");
        for class in 0..t.len() {
            for m in t.members(class) {
                assert!(terms.class_of(m).is_none(), "'{m}' is in both tables");
            }
        }
    }

    #[test]
    fn members_inside_a_term_are_rewritten_longest_first() {
        let t = Equivalents::parse("denial of service\tDoS\ndistributed denial of service\tDDoS\n").unwrap();
        let dos = t.canonical("dos attack");
        assert_eq!(dos.key, "denial of service attack");
        assert_eq!(dos.replaced, vec![("dos".to_owned(), "denial of service".to_owned())]);
        assert_eq!(t.canonical("ddos attack").key, "distributed denial of service attack");
        assert_eq!(t.canonical("distributed denial of service attack").replaced, vec![]);
        assert_eq!(t.canonical("phishing").key, "phishing");
    }

    #[test]
    fn a_term_in_two_classes_or_a_lonely_term_is_refused_with_its_line() {
        let err = Equivalents::parse("# c\nmalware\tmalicious code\nvirus\tMalware\n").unwrap_err();
        assert!(err.starts_with("line 3:"), "{err}");
        let err = Equivalents::parse("malware\n").unwrap_err();
        assert!(err.starts_with("line 1:"), "{err}");
        // Repeats inside a class, blank fields, CRLF and comments are fine.
        let t = Equivalents::parse("\n# x\r\nDoS\tdenial of service\tDoS\t\r\n").unwrap();
        assert_eq!(t.canonical(&normalize::key("denial-of-service")).key, "dos");
    }
}
