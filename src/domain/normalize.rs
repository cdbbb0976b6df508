//! Text normalization: how text is stored (NFC) and how it is compared (a
//! normalized key), plus script detection for mixed-script warnings.
//!
//! The key is what makes "Cyber-Attack", "cyber attack" and "cyber  attack"
//! the same term, and "sécurité" the same as "securite":
//! NFKC, case folding, diacritics removed, every dash or space run turned into
//! one space, trimmed.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Text as stored: Unicode NFC, surrounding whitespace trimmed.
pub fn nfc(text: &str) -> String {
    let text = text.trim();
    // Most text arrives in NFC already: the quick check saves recomposing it.
    if unicode_normalization::is_nfc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes {
        return text.to_owned();
    }
    text.nfc().collect()
}

/// The matching key of a term: NFKC, lower-cased, diacritics removed,
/// hyphen and space variants unified into single spaces.
pub fn key(text: &str) -> String {
    if text.is_ascii() {
        // ASCII is its own NFKC, NFD and NFC: only case and separators change.
        return fold(text.chars().map(|c| c.to_ascii_lowercase()), text.len());
    }
    let folded: String = text.nfkc().flat_map(char::to_lowercase).collect();
    let out = fold(folded.nfd(), folded.len());
    // NFD above may have split characters that NFKC composed; recompose what is left.
    out.nfc().collect()
}

/// Drops combining marks, folds a few letters, and turns separator runs into
/// single spaces (none at the ends).
fn fold(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut pending_space = false;
    for c in chars {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'ß' => {
                push_pending(&mut out, &mut pending_space);
                out.push_str("ss");
                continue;
            }
            'ё' => 'е',
            'ı' => 'i',
            'ø' => 'o',
            'æ' => {
                push_pending(&mut out, &mut pending_space);
                out.push_str("ae");
                continue;
            }
            'œ' => {
                push_pending(&mut out, &mut pending_space);
                out.push_str("oe");
                continue;
            }
            'ł' => 'l',
            'đ' => 'd',
            '\u{2019}' | '\u{2018}' | '`' | '\u{00b4}' => '\'',
            c => c,
        };
        if is_separator(c) {
            pending_space = !out.is_empty();
        } else {
            push_pending(&mut out, &mut pending_space);
            out.push(c);
        }
    }
    out
}

/// The key with its spaces removed: "cyber attack" and "cyberattack" meet here.
pub fn compact_key(text: &str) -> String {
    key(text).chars().filter(|c| *c != ' ').collect()
}

fn push_pending(out: &mut String, pending: &mut bool) {
    if *pending {
        out.push(' ');
        *pending = false;
    }
}

/// Dashes, hyphens, underscores and every kind of whitespace.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || c == '_'
        || matches!(
            c,
            '-' | '\u{2010}' // hyphen
                | '\u{2011}' // non-breaking hyphen
                | '\u{2012}' // figure dash
                | '\u{2013}' // en dash
                | '\u{2014}' // em dash
                | '\u{2212}' // minus sign
                | '\u{00ad}' // soft hyphen
                | '\u{fe63}'
                | '\u{ff0d}'
        )
}

/// A writing system, as far as mixed-script detection cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Latin,
    Cyrillic,
    Greek,
    Other,
}

/// The script of a letter, or `None` for anything that is not a letter.
pub fn script_of(c: char) -> Option<Script> {
    if !c.is_alphabetic() {
        return None;
    }
    let cp = c as u32;
    Some(match cp {
        0x0041..=0x024F | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF | 0xFF21..=0xFF5A => Script::Latin,
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
        _ => Script::Other,
    })
}

/// Words of `text` whose letters come from more than one of Latin, Cyrillic and
/// Greek: "сyber" with a Cyrillic "с" looks like "cyber" but is not the same word.
pub fn mixed_script_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| {
            let mut seen: Option<Script> = None;
            for script in word.chars().filter_map(script_of) {
                if script == Script::Other {
                    continue;
                }
                match seen {
                    None => seen = Some(script),
                    Some(s) if s != script => return true,
                    Some(_) => {}
                }
            }
            false
        })
        .map(str::to_owned)
        .collect()
}

/// True when `text` holds a control character other than ordinary whitespace
/// allowed in long text (tab, line feed, carriage return are allowed only when
/// `allow_newlines`).
pub fn has_control_chars(text: &str, allow_newlines: bool) -> bool {
    text.chars().any(|c| {
        if allow_newlines && matches!(c, '\n' | '\r' | '\t') {
            return false;
        }
        c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_unifies_case_diacritics_and_dashes() {
        assert_eq!(key("Cyber-Attack"), "cyber attack");
        assert_eq!(key("  cyber \u{2013} attack "), "cyber attack");
        assert_eq!(key("Sécurité"), "securite");
        assert_eq!(key("Straße"), "strasse");
        assert_eq!(key("Ёлка"), "елка");
        assert_eq!(key("ＣＥＲＴ"), "cert");
        assert_eq!(compact_key("cyber attack"), "cyberattack");
        assert_eq!(key("Schwachstelle"), "schwachstelle");
    }

    #[test]
    fn key_is_idempotent() {
        for s in ["Cyber-Attack", "Sécurité des systèmes", "КИБЕРАТАКА", "Ångström", "ﬁrewall"] {
            assert_eq!(key(&key(s)), key(s), "{s}");
        }
    }

    #[test]
    fn the_ascii_path_agrees_with_the_general_one() {
        for text in ["  Cyber__Attack `x` ", "Denial-of-Service", "e-mail\tspoofing", "A--B  c"] {
            let general: String = {
                // Through the Unicode path: one non-ASCII letter appended, then removed.
                let k = key(&format!("{text} é"));
                k.trim_end_matches(" e").to_owned()
            };
            assert_eq!(key(text), general, "{text:?}");
        }
        assert_eq!(key("  Cyber__Attack `x` "), "cyber attack 'x'");
    }

    #[test]
    fn nfc_composes() {
        assert_eq!(nfc("se\u{301}curite\u{301}"), "sécurité");
    }

    #[test]
    fn mixed_scripts_are_found() {
        // Cyrillic "с" (U+0441) in front of Latin "yber".
        assert_eq!(mixed_script_words("\u{0441}yber attack"), vec!["\u{0441}yber"]);
        assert!(mixed_script_words("cyber attack").is_empty());
        assert!(mixed_script_words("кибератака DDoS").is_empty());
    }

    #[test]
    fn control_chars() {
        assert!(has_control_chars("a\u{7}b", true));
        assert!(!has_control_chars("a\nb", true));
        assert!(has_control_chars("a\nb", false));
    }
}
