//! Validated codes: State codes, language tags, exchange years, roles.

use std::fmt;

/// Why a code, tag, year or role was refused: what the caller gave, clipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("'{0}' is not a State code: 2 to 12 characters of A-Z, 0-9 and '-'")]
    StateCode(String),
    #[error("'{0}' is not a known language: use a BCP 47 primary tag such as en, fr, de, it, ru, es")]
    Language(String),
    #[error("year {year} is outside the exchange years {first} to {last}")]
    Year { year: i64, first: i32, last: i32 },
    #[error("'{0}' is not a role: reader, delegate, editor or admin")]
    Role(String),
}

/// A party's code: ISO 3166-1 alpha-2 for OSCE participating States, or any
/// 2 to 12 characters of A-Z, 0-9 and '-' that an admin registers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StateCode(String);

impl StateCode {
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let code = raw.trim().to_ascii_uppercase();
        let ok_len = (2..=12).contains(&code.chars().count());
        let ok_chars = code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if !ok_len || !ok_chars || code.starts_with('-') || code.ends_with('-') {
            return Err(CodeError::StateCode(clip(raw)));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for StateCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for StateCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for StateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// ISO 639-1 codes: the primary language subtags of BCP 47 that this service knows.
const ISO_639_1: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bi", "bm", "bn", "bo",
    "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de", "dv", "dz", "ee", "el", "en", "eo",
    "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi",
    "ho", "hr", "ht", "hu", "hy", "hz", "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka",
    "kg", "ki", "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln",
    "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd", "ne", "ng",
    "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl", "ps", "pt", "qu", "rm", "rn",
    "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su",
    "sv", "sw", "ta", "te", "tg", "th", "ti", "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur",
    "uz", "ve", "vi", "vo", "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// A BCP 47 primary language subtag that this service knows (ISO 639-1).
/// Region or script subtags ("de-AT") are accepted and dropped: a national list
/// is kept under its language.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LanguageTag(String);

impl LanguageTag {
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let lower = raw.trim().to_ascii_lowercase();
        let primary = lower.split(['-', '_']).next().unwrap_or_default();
        if ISO_639_1.binary_search(&primary).is_ok() {
            Ok(Self(primary.to_owned()))
        } else {
            Err(CodeError::Language(clip(raw)))
        }
    }

    pub fn english() -> Self {
        Self("en".to_owned())
    }

    pub fn is_english(&self) -> bool {
        self.0 == "en"
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An exchange year. Decision 1106 dates from 2013; the first exchange was in 2014.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Year(i32);

impl Year {
    pub const FIRST: i32 = 2013;

    /// `current` is this calendar year; a list may be filed for next year's round.
    pub fn parse(raw: i64, current: i32) -> Result<Self, CodeError> {
        let last = current + 1;
        if raw < i64::from(Self::FIRST) || raw > i64::from(last) {
            return Err(CodeError::Year { year: raw, first: Self::FIRST, last });
        }
        Ok(Self(raw as i32))
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything.
    Reader,
    /// Acts for one State: submits its lists, states its positions.
    Delegate,
    /// Groups entries, drafts and approves consensus entries.
    Editor,
    /// Everything, including minting tokens and adding parties.
    Admin,
}

impl Role {
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "reader" => Ok(Self::Reader),
            "delegate" => Ok(Self::Delegate),
            "editor" => Ok(Self::Editor),
            "admin" => Ok(Self::Admin),
            other => Err(CodeError::Role(clip(other))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reader => "reader",
            Self::Delegate => "delegate",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }
}

impl Role {
    /// The role with its article, for sentences: "an editor", "a delegate".
    pub fn with_article(self) -> String {
        let name = self.as_str();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
        format!("{article} {name}")
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Keeps echoed user input short in error messages.
pub(crate) fn clip(raw: &str) -> String {
    const MAX: usize = 40;
    if raw.chars().count() <= MAX {
        raw.to_owned()
    } else {
        let mut s: String = raw.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_list_is_sorted_for_binary_search() {
        assert!(ISO_639_1.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn state_codes() {
        assert_eq!(StateCode::parse("de").map(|c| c.0), Ok("DE".to_owned()));
        assert!(StateCode::parse("ASEAN-ARF").is_ok());
        assert!(StateCode::parse("D").is_err());
        assert!(StateCode::parse("DE_X").is_err());
        assert!(StateCode::parse("ABCDEFGHIJKLM").is_err());
        assert!(StateCode::parse("-DE").is_err());
    }

    #[test]
    fn languages() {
        assert_eq!(LanguageTag::parse("de-AT").map(|l| l.0), Ok("de".to_owned()));
        assert_eq!(LanguageTag::parse("RU").map(|l| l.0), Ok("ru".to_owned()));
        assert!(LanguageTag::parse("zz9").is_err());
        assert!(LanguageTag::parse("").is_err());
        assert!(LanguageTag::parse("xx").is_err());
    }

    #[test]
    fn years() {
        assert!(Year::parse(2014, 2026).is_ok());
        assert!(Year::parse(2027, 2026).is_ok());
        assert!(Year::parse(2028, 2026).is_err());
        assert!(Year::parse(1890, 2026).is_err());
        assert!(Year::parse(i64::MAX, 2026).is_err());
    }

    #[test]
    fn roles() {
        assert_eq!(Role::parse("Editor"), Ok(Role::Editor));
        assert!(Role::parse("root").is_err());
    }
}
