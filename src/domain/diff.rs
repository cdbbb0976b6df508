//! Word-level differences between two texts: what an editor changed from one
//! version of a proposal to the next. And [`sources_diff`]: the national
//! entries a version added to or removed from what it reconciles.
//!
//! A longest-common-subsequence over whitespace-separated words, after the
//! common prefix and suffix are set aside (most edits touch a few words). Runs
//! of the same operation are joined into one piece of text.

/// What happened to a run of words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffOp {
    Equal,
    Insert,
    Delete,
}

impl DiffOp {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equal => "equal",
            Self::Insert => "insert",
            Self::Delete => "delete",
        }
    }
}

/// A run of words with one operation; the words are joined by single spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffPiece {
    pub op: DiffOp,
    pub text: String,
}

/// Above this many cells (middle words of old × new) the LCS table is not
/// built: the differing middle is reported as one deletion and one insertion.
/// Definitions are at most 8 000 characters, so this only guards the worst case.
const MAX_CELLS: usize = 4_000_000;

/// The word-level difference from `old` to `new`.
pub fn word_diff(old: &str, new: &str) -> Vec<DiffPiece> {
    let a: Vec<&str> = old.split_whitespace().collect();
    let b: Vec<&str> = new.split_whitespace().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (a_mid, b_mid) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);

    let mut ops: Vec<(DiffOp, &str)> = Vec::with_capacity(a.len() + b.len());
    ops.extend(a[..prefix].iter().map(|w| (DiffOp::Equal, *w)));
    if a_mid.len().saturating_mul(b_mid.len()) > MAX_CELLS {
        ops.extend(a_mid.iter().map(|w| (DiffOp::Delete, *w)));
        ops.extend(b_mid.iter().map(|w| (DiffOp::Insert, *w)));
    } else {
        lcs_ops(a_mid, b_mid, &mut ops);
    }
    ops.extend(a[a.len() - suffix..].iter().map(|w| (DiffOp::Equal, *w)));

    let mut out: Vec<DiffPiece> = Vec::new();
    for (op, word) in ops {
        match out.last_mut() {
            Some(last) if last.op == op => {
                last.text.push(' ');
                last.text.push_str(word);
            }
            _ => out.push(DiffPiece { op, text: word.to_owned() }),
        }
    }
    out
}

/// The ids present in one list of ids and not in the other.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcesDiff {
    /// In the newer list only, in its order.
    pub added: Vec<String>,
    /// In the older list only, in its order.
    pub removed: Vec<String>,
}

impl SourcesDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// What changed from `old` to `new` in a version's sources (its entry ids):
/// order does not count, only membership.
pub fn sources_diff(old: &[String], new: &[String]) -> SourcesDiff {
    SourcesDiff {
        added: new.iter().filter(|e| !old.contains(e)).cloned().collect(),
        removed: old.iter().filter(|e| !new.contains(e)).cloned().collect(),
    }
}

/// Appends the operations turning `a` into `b`, deletions before insertions
/// where both happen at one place.
fn lcs_ops<'a>(a: &[&'a str], b: &[&'a str], out: &mut Vec<(DiffOp, &'a str)>) {
    let (n, m) = (a.len(), b.len());
    // table[i][j] = length of the LCS of a[i..] and b[j..], row-major.
    let width = m + 1;
    let mut table = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i * width + j] = if a[i] == b[j] {
                table[(i + 1) * width + j + 1] + 1
            } else {
                table[(i + 1) * width + j].max(table[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            out.push((DiffOp::Equal, a[i]));
            i += 1;
            j += 1;
        } else if table[(i + 1) * width + j] >= table[i * width + j + 1] {
            out.push((DiffOp::Delete, a[i]));
            i += 1;
        } else {
            out.push((DiffOp::Insert, b[j]));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|w| (DiffOp::Delete, *w)));
    out.extend(b[j..].iter().map(|w| (DiffOp::Insert, *w)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(pieces: &[DiffPiece]) -> String {
        pieces
            .iter()
            .map(|p| match p.op {
                DiffOp::Equal => p.text.clone(),
                DiffOp::Insert => format!("[+{}]", p.text),
                DiffOp::Delete => format!("[-{}]", p.text),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Applying the pieces gives back both texts (as word sequences).
    fn sides(pieces: &[DiffPiece]) -> (String, String) {
        let old: Vec<&str> = pieces.iter().filter(|p| p.op != DiffOp::Insert).map(|p| p.text.as_str()).collect();
        let new: Vec<&str> = pieces.iter().filter(|p| p.op != DiffOp::Delete).map(|p| p.text.as_str()).collect();
        (old.join(" "), new.join(" "))
    }

    #[test]
    fn identical_texts_are_one_equal_run() {
        let d = word_diff("a cyber attack", "a  cyber\nattack");
        assert_eq!(d, vec![DiffPiece { op: DiffOp::Equal, text: "a cyber attack".into() }]);
    }

    #[test]
    fn a_changed_word_is_a_delete_and_an_insert() {
        let d = word_diff("A deliberate attempt to harm systems.", "A malicious attempt to harm networked systems.");
        assert_eq!(render(&d), "A [-deliberate] [+malicious] attempt to harm [+networked] systems.");
    }

    #[test]
    fn both_sides_are_reproduced() {
        let old = "the quick brown fox jumps over the lazy dog";
        let new = "a quick red fox leaps over the dog today";
        let (o, n) = sides(&word_diff(old, new));
        assert_eq!(o, old);
        assert_eq!(n, new);
    }

    #[test]
    fn empty_sides() {
        assert!(word_diff("", "").is_empty());
        assert_eq!(render(&word_diff("", "new text")), "[+new text]");
        assert_eq!(render(&word_diff("old text", "")), "[-old text]");
    }

    #[test]
    fn sources_added_and_removed_ignore_order() {
        let ids = |xs: &[&str]| xs.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let d = sources_diff(&ids(&["1-1", "2-1", "3-1"]), &ids(&["3-1", "4-1", "1-1"]));
        assert_eq!(d, SourcesDiff { added: ids(&["4-1"]), removed: ids(&["2-1"]) });
        assert!(sources_diff(&ids(&["1-1", "2-1"]), &ids(&["2-1", "1-1"])).is_empty());
        assert_eq!(sources_diff(&ids(&["1-1"]), &[]).removed, ids(&["1-1"]));
    }

    #[test]
    fn a_huge_middle_falls_back_to_delete_then_insert() {
        let old: String = (0..2100).map(|i| format!("a{i} ")).collect();
        let new: String = (0..2100).map(|i| format!("b{i} ")).collect();
        let d = word_diff(&old, &new);
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].op, d[1].op), (DiffOp::Delete, DiffOp::Insert));
    }
}
