//! Deterministic misspellings for the search evaluations.

/// A deterministic one-edit misspelling: deletion, substitution, transposition
/// or insertion at a letter chosen from `seed`, never at the first letter.
pub fn one_edit(term: &str, seed: u64) -> String {
    let chars: Vec<char> = term.chars().collect();
    let letters: Vec<usize> = (1..chars.len()).filter(|&i| chars[i].is_alphabetic()).collect();
    if letters.is_empty() {
        return term.to_owned();
    }
    let mut h = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    h ^= h >> 29;
    let i = letters[(h as usize) % letters.len()];
    let mut out = chars.clone();
    match seed % 4 {
        0 => {
            out.remove(i);
        }
        1 => out[i] = if chars[i] == 'e' { 'a' } else { 'e' },
        2 if i + 1 < chars.len() && chars[i + 1].is_alphabetic() && chars[i] != chars[i + 1] => out.swap(i, i + 1),
        2 => {
            out.remove(i);
        }
        _ => out.insert(i, chars[i]),
    }
    out.into_iter().collect()
}
