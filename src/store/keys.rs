//! Byte layouts of sled keys. Big-endian numbers so that keys sort in numeric
//! order; a 0 byte separates a State code (A-Z, 0-9, '-') from what follows.

pub fn u64_from(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

/// Years are stored offset so that they sort as unsigned bytes.
fn year_bytes(year: i32) -> [u8; 4] {
    ((year as i64 - i32::MIN as i64) as u32).to_be_bytes()
}

pub fn state_prefix(state: &str) -> Vec<u8> {
    let mut k = state.as_bytes().to_vec();
    k.push(0);
    k
}

pub fn state_year(state: &str, year: i32) -> Vec<u8> {
    let mut k = state_prefix(state);
    k.extend_from_slice(&year_bytes(year));
    k
}

pub fn state_year_rev(state: &str, year: i32, revision: u32) -> Vec<u8> {
    let mut k = state_year(state, year);
    k.extend_from_slice(&revision.to_be_bytes());
    k
}

pub fn entry(submission_id: u64, ordinal: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&submission_id.to_be_bytes());
    k[8..].copy_from_slice(&ordinal.to_be_bytes());
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_sort_in_order() {
        assert!(year_bytes(2014) < year_bytes(2015));
        assert!(year_bytes(-1) < year_bytes(0));
    }

    #[test]
    fn entry_keys_sort_by_submission_then_ordinal() {
        assert!(entry(1, 9) < entry(1, 10));
        assert!(entry(1, u32::MAX) < entry(2, 1));
    }
}
