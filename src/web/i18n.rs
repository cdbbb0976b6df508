//! The interface text of the pages, from one catalogue
//! (`web/i18n/messages.json`: key → English and Russian). The interface
//! language is the person's choice (a cookie set by the language switch),
//! else the browser's Accept-Language, else English; it is separate from
//! the content language a search is filtered by.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::{HeaderMap, header};
use serde::Deserialize;

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ru => "ru",
        }
    }

    /// The language's own name, for the switch.
    pub fn own_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Ru => "Русский",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Self::En),
            "ru" => Some(Self::Ru),
            _ => None,
        }
    }

    /// The first of Accept-Language's languages that the pages speak (in
    /// the order given; weights are not weighed), else English.
    pub fn from_accept(headers: &HeaderMap) -> Self {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .into_iter()
            .flat_map(|v| v.split(','))
            .filter_map(|item| {
                let tag = item.split(';').next().unwrap_or_default().trim();
                Self::parse(tag.split('-').next().unwrap_or_default())
            })
            .next()
            .unwrap_or(Self::En)
    }
}

#[derive(Deserialize)]
struct Texts {
    en: String,
    ru: String,
}

static CATALOGUE: LazyLock<HashMap<String, Texts>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../web/i18n/messages.json")).unwrap_or_else(|e| {
        // The catalogue is part of the build; a unit test parses it, so this
        // is only reached by a build that skipped its tests.
        tracing::error!(error = %e, "the interface catalogue does not parse");
        HashMap::new()
    })
});

/// The text of `key` in `lang`; the key itself when the catalogue lacks it
/// (a test checks that no template names a missing key).
pub fn text(lang: Lang, key: &str) -> &'static str {
    match CATALOGUE.get_key_value(key) {
        Some((_, t)) => match lang {
            Lang::En => t.en.as_str(),
            Lang::Ru => t.ru.as_str(),
        },
        None => {
            tracing::warn!(key, "interface text missing from the catalogue");
            match CATALOGUE.get_key_value("missing") {
                Some((k, _)) => k.as_str(),
                None => "?",
            }
        }
    }
}

/// The text of `key` in `lang`, or `fallback` when the catalogue lacks it
/// (for keys made from data, such as a language code).
pub fn text_or(lang: Lang, key: &str, fallback: &'static str) -> &'static str {
    match CATALOGUE.get(key) {
        Some(_) => text(lang, key),
        None => fallback,
    }
}

/// The text of `key` with `{0}`, `{1}`, ... replaced by `args`.
pub fn format(lang: Lang, key: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = text(lang, key).to_owned();
    for (i, a) in args.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), &a.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> HashMap<String, Texts> {
        serde_json::from_str(include_str!("../../web/i18n/messages.json")).expect("the catalogue parses")
    }

    /// Every key a template or page names literally, in calls of `t` and `tf1` to `tf3`.
    fn keys_used() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["web/templates", "src/web"] {
            for e in std::fs::read_dir(root.join(dir)).expect("dir") {
                files.push(e.expect("entry").path());
            }
        }
        let mut used = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("file");
            for call in [".t(\"", ".tf1(\"", ".tf2(\"", ".tf3(\""] {
                for (i, _) in text.match_indices(call) {
                    let rest = &text[i + call.len()..];
                    if let Some(end) = rest.find('"') {
                        used.push((rest[..end].to_owned(), f.display().to_string()));
                    }
                }
            }
        }
        used
    }

    #[test]
    fn english_and_russian_are_complete() {
        let c = catalogue();
        for (k, t) in &c {
            assert!(!t.en.trim().is_empty(), "{k} has no English text");
            assert!(!t.ru.trim().is_empty(), "{k} has no Russian text");
            let holes = |s: &str| (0..5).filter(|i| s.contains(&format!("{{{i}}}"))).count();
            assert_eq!(holes(&t.en), holes(&t.ru), "{k}: English and Russian fill different places");
        }
        assert!(c.len() > 100);
    }

    #[test]
    fn every_key_a_page_names_is_in_the_catalogue() {
        let c = catalogue();
        let missing: Vec<String> = keys_used()
            .into_iter()
            .filter(|(k, _)| !c.contains_key(k) && !k.contains('{') && !k.is_empty())
            .map(|(k, f)| format!("{k} ({f})"))
            .collect();
        assert!(missing.is_empty(), "keys missing from web/i18n/messages.json:\n{}", missing.join("\n"));
        // Keys made from data: every role, status, position and link reason.
        let made = [
            "role.reader",
            "role.delegate",
            "role.editor",
            "role.admin",
            "stance.support",
            "stance.abstain",
            "stance.object",
            "stance.none",
            "reason.same term",
            "reason.same English term",
            "reason.similar definition",
            "reason.editor",
        ];
        let statuses = crate::domain::proposal::Status::ALL.map(|s| format!("status.{}", s.as_str()));
        for k in made.iter().map(|k| (*k).to_owned()).chain(statuses) {
            assert!(c.contains_key(&k), "{k} is missing");
        }
    }

    #[test]
    fn accept_language_picks_the_first_spoken() {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, "de-DE,ru;q=0.8,en;q=0.5".parse().unwrap());
        assert_eq!(Lang::from_accept(&h), Lang::Ru);
        assert_eq!(Lang::from_accept(&HeaderMap::new()), Lang::En);
    }
}
