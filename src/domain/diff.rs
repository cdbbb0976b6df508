//! Word-level diff of two texts (longest common subsequence over words), for
//! comparing definitions and proposal versions.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Equal,
    Delete,
    Insert,
}

/// A run of words with the same operation; `text` keeps single spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chunk {
    pub op: Op,
    pub text: String,
}

/// Words longer than this many in either text are compared as one run each
/// (the table would grow too large to be worth it).
const MAX_WORDS: usize = 3_000;

/// The edit from `a` to `b`, word by word: equal runs, deletions from `a`,
/// insertions from `b`.
pub fn words(a: &str, b: &str) -> Vec<Chunk> {
    let x: Vec<&str> = a.split_whitespace().collect();
    let y: Vec<&str> = b.split_whitespace().collect();
    if x.len() > MAX_WORDS || y.len() > MAX_WORDS {
        return merge(vec![(Op::Delete, x.join(" ")), (Op::Insert, y.join(" "))]);
    }
    let (n, m) = (x.len(), y.len());
    // lcs[i][j] = LCS length of x[i..] and y[j..]
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] =
                if x[i] == y[j] { lcs[at(i + 1, j + 1)] + 1 } else { lcs[at(i + 1, j)].max(lcs[at(i, j + 1)]) };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops: Vec<(Op, String)> = Vec::new();
    while i < n || j < m {
        if i < n && j < m && x[i] == y[j] {
            ops.push((Op::Equal, x[i].to_owned()));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            // Deletions first, so a changed word reads "[-old-] {+new+}".
            ops.push((Op::Delete, x[i].to_owned()));
            i += 1;
        } else {
            ops.push((Op::Insert, y[j].to_owned()));
            j += 1;
        }
    }
    merge(ops)
}

fn merge(ops: Vec<(Op, String)>) -> Vec<Chunk> {
    let mut out: Vec<Chunk> = Vec::new();
    for (op, word) in ops {
        if word.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.op == op => {
                last.text.push(' ');
                last.text.push_str(&word);
            }
            _ => out.push(Chunk { op, text: word }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(chunks: &[Chunk]) -> String {
        chunks
            .iter()
            .map(|c| match c.op {
                Op::Equal => c.text.clone(),
                Op::Delete => format!("[-{}-]", c.text),
                Op::Insert => format!("{{+{}+}}", c.text),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn a_changed_word_is_a_delete_and_an_insert() {
        let d = words("an attack on a network", "an attack against a computer network");
        assert_eq!(show(&d), "an attack [-on-] {+against+} a {+computer+} network");
    }

    #[test]
    fn identical_and_empty() {
        assert_eq!(words("same text", "same text"), vec![Chunk { op: Op::Equal, text: "same text".into() }]);
        assert_eq!(words("", "new"), vec![Chunk { op: Op::Insert, text: "new".into() }]);
        assert!(words("", "").is_empty());
    }
}
