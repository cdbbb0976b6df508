//! Clustering quality against labels: pairwise and B-cubed precision, recall
//! and F1, from the contingency table of predicted clusters × gold concepts.

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

use crate::domain::normalize;
use crate::error::{Error, Result};
use crate::store::Store;

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Prf {
    fn new(precision: f64, recall: f64) -> Self {
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        Self { precision, recall, f1 }
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Quality {
    pub items: usize,
    pub pairwise: Prf,
    pub bcubed: Prf,
}

/// Scores `predicted` against `gold`, item by item (same length, same order).
pub fn quality<P: Eq + Hash + Clone, G: Eq + Hash + Clone>(predicted: &[P], gold: &[G]) -> Quality {
    let n = predicted.len().min(gold.len());
    let mut cells: HashMap<(P, G), f64> = HashMap::new();
    let mut pred_sizes: HashMap<P, f64> = HashMap::new();
    let mut gold_sizes: HashMap<G, f64> = HashMap::new();
    for i in 0..n {
        *cells.entry((predicted[i].clone(), gold[i].clone())).or_default() += 1.0;
        *pred_sizes.entry(predicted[i].clone()).or_default() += 1.0;
        *gold_sizes.entry(gold[i].clone()).or_default() += 1.0;
    }
    let pairs = |x: f64| x * (x - 1.0) / 2.0;
    let tp: f64 = cells.values().map(|&c| pairs(c)).sum();
    let pred_pairs: f64 = pred_sizes.values().map(|&c| pairs(c)).sum();
    let gold_pairs: f64 = gold_sizes.values().map(|&c| pairs(c)).sum();
    let pairwise = Prf::new(
        if pred_pairs > 0.0 { tp / pred_pairs } else { 1.0 },
        if gold_pairs > 0.0 { tp / gold_pairs } else { 1.0 },
    );
    let (mut bp, mut br) = (0.0, 0.0);
    for ((p, g), c) in &cells {
        bp += c * c / pred_sizes[p];
        br += c * c / gold_sizes[g];
    }
    let total = n.max(1) as f64;
    Quality { items: n, pairwise, bcubed: Prf::new(bp / total, br / total) }
}

/// One labelled entry: which State's entry for which term, and its concept.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Label {
    pub state: String,
    pub year: Option<i32>,
    pub term: String,
    pub concept: String,
}

pub fn read_labels(path: &std::path::Path) -> Result<Vec<Label>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| Error::bad_request(format!("{}:{}: {e}", path.display(), i + 1)))
        })
        .collect()
}

/// Pairs of labelled entries whose English terms differ (the term's key, or
/// its English translation's): the near-equivalents that use different words.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct DifferentTerms {
    /// Gold pairs (same concept) with different English terms.
    pub gold: usize,
    /// Pairs with different English terms that the clustering put in one cluster.
    pub predicted: usize,
    /// Pairs that are both: gold pairs found.
    pub found: usize,
    /// found / gold
    pub recall: f64,
    /// found / predicted
    pub precision: f64,
}

impl DifferentTerms {
    fn new(gold: usize, predicted: usize, found: usize) -> Self {
        let ratio = |a: usize, b: usize| if b > 0 { a as f64 / b as f64 } else { 1.0 };
        Self { gold, predicted, found, recall: ratio(found, gold), precision: ratio(found, predicted) }
    }
}

/// The evaluation of the stored clustering, and of the trivial baseline.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub labelled: usize,
    /// Labels that match no current entry.
    pub unmatched: usize,
    pub clustering: Quality,
    /// The clustering on the pairs whose English terms differ.
    pub different_terms: DifferentTerms,
    /// "Same normalized term = same cluster".
    pub baseline_same_term: Quality,
    /// Same normalized term, or the same English translation's.
    pub baseline_same_term_or_english: Quality,
}

/// A labelled current entry.
#[derive(Debug, Clone)]
pub struct Matched {
    pub id: String,
    pub concept: String,
    pub term_key: String,
    /// The key of the English term: the translation's, else the term's.
    pub english_key: String,
}

/// A current entry a label may name: (year, id, term key, English key).
type Found = (i32, String, String, Option<String>);

/// The current entries `labels` name, with their concepts, and how many
/// labels name none.
pub fn matched(store: &Store, labels: &[Label]) -> Result<(Vec<Matched>, usize)> {
    // (state, key) → (year, entry id, term key, English key)
    let mut by_key: HashMap<(String, String), Vec<Found>> = HashMap::new();
    for s in store.current_submissions()? {
        for e in store.entries_of(s.id) {
            let e = e?;
            by_key.entry((e.state.clone(), e.term_key.clone())).or_default().push((
                e.year,
                e.id(),
                e.term_key.clone(),
                e.term_en_key.clone(),
            ));
        }
    }
    let mut out = Vec::new();
    let mut unmatched = 0;
    for l in labels {
        let key = normalize::key(&l.term);
        let found = by_key
            .get(&(l.state.to_ascii_uppercase(), key))
            .and_then(|v| v.iter().find(|(y, ..)| l.year.is_none_or(|ly| ly == *y)).cloned());
        let Some((_, id, term_key, en_key)) = found else {
            unmatched += 1;
            continue;
        };
        out.push(Matched {
            id,
            concept: l.concept.clone(),
            english_key: en_key.unwrap_or_else(|| term_key.clone()),
            term_key,
        });
    }
    Ok((out, unmatched))
}

/// Counts over the pairs of `items` whose English terms differ, given a
/// predicted group per item.
pub fn different_terms<P: Eq>(items: &[Matched], predicted: &[P]) -> DifferentTerms {
    let (mut gold, mut pred, mut found) = (0, 0, 0);
    for i in 0..items.len() {
        for j in i + 1..items.len() {
            if items[i].english_key == items[j].english_key {
                continue;
            }
            let same_gold = items[i].concept == items[j].concept;
            let same_pred = predicted[i] == predicted[j];
            gold += usize::from(same_gold);
            pred += usize::from(same_pred);
            found += usize::from(same_gold && same_pred);
        }
    }
    DifferentTerms::new(gold, pred, found)
}

/// Share of the gold pairs among `items` that `pairs` (entry ids, either
/// order) hold: blocking recall when `pairs` are the candidate pairs.
/// Returns (all pairs, pairs whose English terms differ), each as (held, gold).
pub fn pair_recall(
    items: &[Matched],
    pairs: &std::collections::HashSet<(String, String)>,
) -> ((usize, usize), (usize, usize)) {
    let (mut all, mut diff) = ((0, 0), (0, 0));
    for i in 0..items.len() {
        for j in i + 1..items.len() {
            if items[i].concept != items[j].concept || items[i].id == items[j].id {
                continue;
            }
            let (a, b) = (&items[i].id, &items[j].id);
            let held = pairs.contains(&(a.clone(), b.clone())) || pairs.contains(&(b.clone(), a.clone()));
            all.1 += 1;
            all.0 += usize::from(held);
            if items[i].english_key != items[j].english_key {
                diff.1 += 1;
                diff.0 += usize::from(held);
            }
        }
    }
    (all, diff)
}

/// Compares the stored clusters of current entries with `labels`.
pub fn evaluate(store: &Store, labels: &[Label]) -> Result<Report> {
    let (items, unmatched) = matched(store, labels)?;
    let mut predicted = Vec::with_capacity(items.len());
    for m in &items {
        predicted.push(store.cluster_of(&m.id)?.unwrap_or_else(|| format!("single:{}", m.id)));
    }
    let gold: Vec<&str> = items.iter().map(|m| m.concept.as_str()).collect();
    let base_a: Vec<&str> = items.iter().map(|m| m.term_key.as_str()).collect();
    let base_b: Vec<&str> = items.iter().map(|m| m.english_key.as_str()).collect();
    Ok(Report {
        labelled: labels.len(),
        unmatched,
        clustering: quality(&predicted, &gold),
        different_terms: different_terms(&items, &predicted),
        baseline_same_term: quality(&base_a, &gold),
        baseline_same_term_or_english: quality(&base_b, &gold),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_degenerate_clusterings() {
        let gold = ["a", "a", "b", "b", "c"];
        let q = quality(&gold, &gold);
        assert_eq!((q.pairwise.f1, q.bcubed.f1), (1.0, 1.0));
        // Everything in one cluster: full recall, low precision.
        let one = [0; 5];
        let q = quality(&one, &gold);
        assert_eq!(q.pairwise.recall, 1.0);
        assert!((q.pairwise.precision - 0.2).abs() < 1e-9);
        // Singletons: full precision, no pairwise recall.
        let single = [0, 1, 2, 3, 4];
        let q = quality(&single, &gold);
        assert_eq!(q.bcubed.precision, 1.0);
        assert_eq!(q.pairwise.recall, 0.0);
    }
}
