//! Time as the service sees it. Production reads the system clock; tests can
//! move it forward (silence periods last days) without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Clone, Default)]
pub struct Clock {
    /// Seconds added to the system time; only ever non-zero in tests.
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every copy of it) forward.
    pub fn advance(&self, by: time::Duration) {
        self.offset_secs.fetch_add(by.whole_seconds(), Ordering::Relaxed);
    }

    pub fn year(&self) -> i32 {
        self.now().year()
    }
}

/// RFC 3339 in UTC, the one timestamp format on the wire and on disk. Every
/// instant the service holds comes from [`parse`] or the clock, so it is
/// within the years 0000 to 9999 that RFC 3339 can write; one outside them
/// (which would be a bug) is written as the nearest end of that range,
/// never as anything but RFC 3339.
pub fn format(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| {
        if t.year() < 0 { "0000-01-01T00:00:00Z".to_owned() } else { "9999-12-31T23:59:59.999999999Z".to_owned() }
    })
}

/// Reads an RFC 3339 instant, or a bare date (`YYYY-MM-DD`, its first
/// instant in UTC). Years are the four digits RFC 3339 writes, 0000 to 9999
/// (in UTC too): a signed or longer year (`-0001-01-01`, `+10000-01-01`) is
/// no RFC 3339 time and could not be written back as one.
pub fn parse(s: &str) -> Option<OffsetDateTime> {
    if !(s.len() >= 10 && s.as_bytes()[..4].iter().all(u8::is_ascii_digit) && s.as_bytes()[4] == b'-') {
        return None;
    }
    let t = OffsetDateTime::parse(s, &Rfc3339).ok().or_else(|| {
        // A bare date means its first instant, UTC.
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(s, &fmt).ok().map(|d| d.midnight().assume_utc())
    })?;
    (0..=9999).contains(&t.to_offset(time::UtcOffset::UTC).year()).then_some(t)
}

/// Serde for a stored or sent instant: RFC 3339 text (`#[serde(with = "clock::rfc3339")]`).
pub mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        OffsetDateTime::parse(&raw, &time::format_description::well_known::Rfc3339)
            .map_err(|e| serde::de::Error::custom(format!("'{raw}' is not an RFC 3339 time: {e}")))
    }

    /// The same for an optional instant (`null` when absent).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::OffsetDateTime;

        pub fn serialize<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapped(#[serde(with = "super")] OffsetDateTime);
            Ok(Option::<Wrapped>::deserialize(d)?.map(|Wrapped(t)| t))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_as_rfc3339_text() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct R {
            #[serde(with = "rfc3339")]
            at: OffsetDateTime,
            #[serde(with = "rfc3339::option", default)]
            until: Option<OffsetDateTime>,
        }
        let text = r#"{"at":"2026-12-02T06:47:23.5Z","until":null}"#;
        let r: R = serde_json::from_str(text).unwrap();
        assert_eq!(r.at.unix_timestamp(), 1_796_194_043);
        assert_eq!(serde_json::to_string(&r).unwrap(), text);
        assert!(serde_json::from_str::<R>(r#"{"at":"yesterday"}"#).is_err());
    }

    #[test]
    fn only_four_digit_years_parse_and_everything_formats_as_rfc3339() {
        for bad in ["-0001-01-01", "+2025-01-01", "10000-01-01", "0000-01-01T00:30:00+01:00", "-0001-01-01T00:00:00Z"] {
            assert!(parse(bad).is_none(), "{bad}");
        }
        assert_eq!(format(parse("0000-01-01").unwrap()), "0000-01-01T00:00:00Z");
        assert_eq!(format(parse("9999-12-31").unwrap()), "9999-12-31T00:00:00Z");
        let far = time::macros::datetime!(-0001-01-01 00:00 UTC);
        assert_eq!(format(far), "0000-01-01T00:00:00Z");
    }
}
