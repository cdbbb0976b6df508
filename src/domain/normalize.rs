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

/// The invisible format characters (Unicode general category Cf, 15.1):
/// bidirectional embeddings, overrides, isolates and marks, zero-width
/// space, word joiner, byte order mark, soft hyphen, invisible operators,
/// interlinear annotation and tag characters. They change how text looks or
/// which way it runs without being seen, so a term holding one can look like
/// another term.
const FORMAT_CHARS: [(u32, u32); 21] = [
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// Is `c` an invisible format character (general category Cf)?
pub fn is_format_char(c: char) -> bool {
    let cp = c as u32;
    FORMAT_CHARS.iter().any(|&(lo, hi)| (lo..=hi).contains(&cp))
}

/// An invisible character found in a text: where (the character position,
/// counted from 1) and which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invisible {
    pub position: usize,
    pub char: char,
}

impl std::fmt::Display for Invisible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "U+{:04X} ({}) at character {}", self.char as u32, invisible_name(self.char), self.position)
    }
}

/// The name of an invisible format character.
pub fn invisible_name(c: char) -> &'static str {
    match c {
        '\u{00AD}' => "soft hyphen",
        '\u{200B}' => "zero-width space",
        '\u{200C}' => "zero-width non-joiner",
        '\u{200D}' => "zero-width joiner",
        '\u{200E}' => "left-to-right mark",
        '\u{200F}' => "right-to-left mark",
        '\u{202A}' => "left-to-right embedding",
        '\u{202B}' => "right-to-left embedding",
        '\u{202C}' => "pop directional formatting",
        '\u{202D}' => "left-to-right override",
        '\u{202E}' => "right-to-left override",
        '\u{2060}' => "word joiner",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        '\u{2069}' => "pop directional isolate",
        '\u{FEFF}' => "zero-width no-break space (byte order mark)",
        _ => "invisible format character",
    }
}

/// The first invisible format character of `text` that has no business
/// there, if any.
///
/// Every character of category Cf is refused except the zero-width
/// non-joiner (U+200C) and joiner (U+200D) between two letters (or marks)
/// of a script other than Latin, Greek and Cyrillic: in Persian, Arabic and
/// the Indic scripts they choose between two ways of writing the same
/// letters (a joined or a separate form, a half or a full consonant), so a
/// term needs them as written. Between Latin, Greek or Cyrillic letters,
/// beside a space or digit, or at either end they change nothing a reader
/// sees, so all they can do is make two terms that look the same differ.
pub fn misplaced_invisible(text: &str) -> Option<Invisible> {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().find_map(|(i, &c)| {
        if !is_format_char(c) {
            return None;
        }
        let joiner = matches!(c, '\u{200C}' | '\u{200D}');
        let joins = |n: Option<&char>| n.is_some_and(|&n| joins_in_its_script(n));
        if joiner && i > 0 && joins(chars.get(i - 1)) && joins(chars.get(i + 1)) {
            return None;
        }
        Some(Invisible { position: i + 1, char: c })
    })
}

/// A letter or mark of a script whose shaping a joiner or non-joiner changes
/// (anything but Latin, Greek and Cyrillic).
fn joins_in_its_script(c: char) -> bool {
    if c.is_ascii() || c.is_whitespace() || c.is_numeric() {
        return false;
    }
    match script_of(c) {
        Some(Script::Other) => true,
        Some(_) => false,
        None => is_combining_mark(c) && !(0x0300..=0x036F).contains(&(c as u32)),
    }
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

    #[test]
    fn format_chars_are_category_cf() {
        for c in ['\u{202E}', '\u{2066}', '\u{200B}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{E0041}', '\u{061C}'] {
            assert!(is_format_char(c), "{:04X}", c as u32);
        }
        for c in ['a', ' ', '\u{0301}', '\u{00A0}', '\u{2028}', '\u{FE0F}'] {
            assert!(!is_format_char(c), "{:04X}", c as u32);
        }
    }

    #[test]
    fn invisible_characters_are_found_where_they_change_nothing_visible() {
        assert_eq!(misplaced_invisible("malware"), None);
        let rlo = misplaced_invisible("mal\u{202E}erawlam").unwrap();
        assert_eq!((rlo.position, rlo.char), (4, '\u{202E}'));
        assert!(rlo.to_string().contains("U+202E (right-to-left override) at character 4"));
        assert!(misplaced_invisible("cyber\u{200B}attack").is_some());
        assert!(misplaced_invisible("\u{2066}x\u{2069}").is_some());
        // A joiner between Latin letters, or at an end, changes nothing a reader sees.
        assert!(misplaced_invisible("mal\u{200D}ware").is_some());
        assert!(misplaced_invisible("\u{200C}\u{0645}").is_some());
        // Persian: the non-joiner between two letters is part of the spelling.
        assert_eq!(misplaced_invisible("\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}"), None);
        // Devanagari: a joiner after a virama (a mark) chooses the half form.
        assert_eq!(misplaced_invisible("\u{0915}\u{094D}\u{200D}\u{0937}"), None);
    }
}
