//! Scoring a candidate pair: term similarity, definition similarity, and the
//! rule that turns them into a link (or not), with the reason kept.

use super::Params;
use super::features::{Item, cosine};

/// A scored pair of items (indices into the run's item list).
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub a: usize,
    pub b: usize,
    pub term: f32,
    pub definition: f32,
    pub score: f32,
    pub kind: LinkKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkKind {
    /// The same term (normalized key), in the original or through English.
    SameTerm,
    /// Different terms whose definitions say the same thing.
    SimilarDefinition,
}

impl LinkKind {
    pub fn reason(self, a: &Item, b: &Item) -> &'static str {
        match self {
            Self::SameTerm if a.names[0] == b.names[0] => "same term",
            Self::SameTerm => "same English term",
            Self::SimilarDefinition => "similar definition",
        }
    }
}

/// Term similarity in 0..1: 1 for the same key (original or English), 0.97
/// for the same key without spaces ("cyberattack"), else the best over name
/// pairs of the mean of Jaro-Winkler and the word-set Jaccard index.
pub fn term_similarity(a: &Item, b: &Item) -> (f32, bool) {
    if a.names.iter().any(|n| b.names.contains(n)) {
        return (1.0, true);
    }
    if a.compacts.iter().any(|c| b.compacts.contains(c)) {
        return (0.97, true);
    }
    let mut best = 0.0f32;
    for x in &a.names {
        for y in &b.names {
            let jw = strsim::jaro_winkler(x, y) as f32;
            let wx: Vec<&str> = x.split(' ').collect();
            let wy: Vec<&str> = y.split(' ').collect();
            let common = wx.iter().filter(|w| wy.contains(w)).count() as f32;
            let union = (wx.len() + wy.len()) as f32 - common;
            let jaccard = if union > 0.0 { common / union } else { 0.0 };
            best = best.max(0.5 * jw + 0.5 * jaccard);
        }
    }
    (best, false)
}

/// Scores a pair; `None` when the pair must not be linked.
pub fn score(items: &[Item], a: usize, b: usize, params: &Params) -> Option<Link> {
    let (x, y) = (&items[a], &items[b]);
    if x.id == y.id {
        return None;
    }
    let (term, same) = term_similarity(x, y);
    // Entries of one State are linked only as the same term in another list
    // (a later revision or year): clusters are about agreement between States.
    if x.state == y.state && (!same || x.sub == y.sub) {
        return None;
    }
    let definition = cosine(&x.vector, &y.vector);
    let score = params.term_weight * term + (1.0 - params.term_weight) * definition;
    let kind = if same {
        // Same word: linked unless the definitions share nothing (false friends).
        if definition < params.same_term_min_definition {
            return None;
        }
        LinkKind::SameTerm
    } else {
        if definition < params.min_definition || score < params.min_score {
            return None;
        }
        LinkKind::SimilarDefinition
    };
    Some(Link { a: a.min(b), b: a.max(b), term, definition, score, kind })
}
