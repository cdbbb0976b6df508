//! Identifiers parsed once, at the edge: an entry id is a submission and a
//! position in it, not a string to split wherever it is used.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A national entry's id: its submission's id and its 1-based position in
/// that list, written `"{submission}-{ordinal}"` (e.g. `"12-5"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId {
    pub submission: u64,
    pub ordinal: u32,
}

/// Why a text is not an entry id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{}' is not an entry id (a submission id and a position, e.g. 12-5)", super::codes::clip(.0))]
pub struct BadEntryId(pub String);

impl EntryId {
    pub fn new(submission: u64, ordinal: u32) -> Self {
        Self { submission, ordinal }
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.submission, self.ordinal)
    }
}

impl FromStr for EntryId {
    type Err = BadEntryId;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let bad = || BadEntryId(raw.to_owned());
        let (s, o) = raw.trim().split_once('-').ok_or_else(bad)?;
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(s) || !digits(o) {
            return Err(bad());
        }
        Ok(Self { submission: s.parse().map_err(|_| bad())?, ordinal: o.parse().map_err(|_| bad())? })
    }
}

impl Serialize for EntryId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EntryId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ids_round_trip_and_refuse_anything_else() {
        let id: EntryId = "12-5".parse().unwrap();
        assert_eq!(id, EntryId::new(12, 5));
        assert_eq!(id.to_string(), "12-5");
        for bad in ["", "12", "12-", "-5", "a-5", "12-5-1", "12-+5", "1-99999999999", " - "] {
            assert!(bad.parse::<EntryId>().is_err(), "{bad}");
        }
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"12-5\"");
        assert_eq!(serde_json::from_str::<EntryId>("\"3-1\"").unwrap(), EntryId::new(3, 1));
    }
}
