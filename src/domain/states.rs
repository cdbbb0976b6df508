//! The 57 OSCE participating States, seeded into every new store. Other forums'
//! parties (ARF, OAS, UN) are added by an admin: a forum is data, not code.

pub const OSCE: &str = "OSCE";

/// (ISO 3166-1 alpha-2, English short name) of each OSCE participating State.
pub const OSCE_PARTICIPATING_STATES: [(&str, &str); 57] = [
    ("AL", "Albania"),
    ("AD", "Andorra"),
    ("AM", "Armenia"),
    ("AT", "Austria"),
    ("AZ", "Azerbaijan"),
    ("BY", "Belarus"),
    ("BE", "Belgium"),
    ("BA", "Bosnia and Herzegovina"),
    ("BG", "Bulgaria"),
    ("CA", "Canada"),
    ("HR", "Croatia"),
    ("CY", "Cyprus"),
    ("CZ", "Czechia"),
    ("DK", "Denmark"),
    ("EE", "Estonia"),
    ("FI", "Finland"),
    ("FR", "France"),
    ("GE", "Georgia"),
    ("DE", "Germany"),
    ("GR", "Greece"),
    ("VA", "Holy See"),
    ("HU", "Hungary"),
    ("IS", "Iceland"),
    ("IE", "Ireland"),
    ("IT", "Italy"),
    ("KZ", "Kazakhstan"),
    ("KG", "Kyrgyzstan"),
    ("LV", "Latvia"),
    ("LI", "Liechtenstein"),
    ("LT", "Lithuania"),
    ("LU", "Luxembourg"),
    ("MT", "Malta"),
    ("MD", "Moldova"),
    ("MC", "Monaco"),
    ("MN", "Mongolia"),
    ("ME", "Montenegro"),
    ("NL", "Netherlands"),
    ("MK", "North Macedonia"),
    ("NO", "Norway"),
    ("PL", "Poland"),
    ("PT", "Portugal"),
    ("RO", "Romania"),
    ("RU", "Russian Federation"),
    ("SM", "San Marino"),
    ("RS", "Serbia"),
    ("SK", "Slovakia"),
    ("SI", "Slovenia"),
    ("ES", "Spain"),
    ("SE", "Sweden"),
    ("CH", "Switzerland"),
    ("TJ", "Tajikistan"),
    ("TR", "Türkiye"),
    ("TM", "Turkmenistan"),
    ("UA", "Ukraine"),
    ("GB", "United Kingdom"),
    ("US", "United States of America"),
    ("UZ", "Uzbekistan"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::StateCode;

    #[test]
    fn fifty_seven_distinct_valid_codes() {
        let mut codes: Vec<_> = OSCE_PARTICIPATING_STATES.iter().map(|(c, _)| *c).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 57);
        assert!(codes.iter().all(|c| StateCode::parse(c).is_ok()));
    }
}
