//! Scoring a candidate pair: term similarity (the same term, through a
//! translation or synonym, through the table of equivalents, or the same
//! words), definition similarity, and the rule that makes them an edge of the
//! clustering graph (or not), with the reason and the bridge kept.
//!
//! A pair's score is a function of the two entries alone, computed the same
//! way bit for bit in every run, and quantized ([`Link::q`]) so that the
//! linkage sums it exactly in any order.

use super::Params;
use super::features::{Item, cosine, dice};

/// Scores are compared and summed in millionths.
pub const SCALE: f32 = 1_000_000.0;

/// A scored pair of items (indices into the run's item list, `a < b`).
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub a: usize,
    pub b: usize,
    pub term: f32,
    pub definition: f32,
    pub score: f32,
    /// The score in millionths: what the linkage adds up.
    pub q: u64,
    pub kind: LinkKind,
    /// What bridged two different words: a translation, a synonym, an
    /// equivalence of the table, the same words in another order or number.
    pub bridge: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkKind {
    /// The same term (normalized key or spelling without spaces).
    SameTerm,
    /// The same term through an English translation or a synonym.
    SameEnglishTerm,
    /// Terms that the table of equivalents, or stemming and word order, make the same.
    Equivalent,
    /// Different terms whose definitions say the same thing.
    SimilarDefinition,
}

impl LinkKind {
    /// The same term, in the original or through a translation or synonym.
    pub fn is_same_term(self) -> bool {
        matches!(self, Self::SameTerm | Self::SameEnglishTerm)
    }

    pub fn reason(self) -> &'static str {
        match self {
            Self::SameTerm => "same term",
            Self::SameEnglishTerm => "same English term",
            Self::Equivalent => "equivalent terms",
            Self::SimilarDefinition => "similar definition",
        }
    }
}

/// How two entries' terms relate.
#[derive(Debug, Clone, PartialEq)]
pub struct TermMatch {
    /// 0..1: 1 the same key, 0.97 the same spelling without spaces, 0.95
    /// equivalent; else the best word overlap (Jaccard of stems) of two names.
    pub similarity: f32,
    /// Set when the terms count as the same: how.
    pub same: Option<LinkKind>,
    pub bridge: Option<String>,
}

fn describe(item: &Item, name: usize) -> &'static str {
    if name == 0 {
        "term"
    } else if item.language != "en" && name == 1 {
        "English translation"
    } else {
        "synonym"
    }
}

/// Term similarity of two entries, and whether they name the same thing.
pub fn term_match(a: &Item, b: &Item, params: &Params) -> TermMatch {
    if a.names[0] == b.names[0] {
        return TermMatch { similarity: 1.0, same: Some(LinkKind::SameTerm), bridge: None };
    }
    for (i, x) in a.names.iter().enumerate() {
        if let Some(j) = b.names.iter().position(|y| y == x) {
            let bridge = format!("'{x}': {} of '{}' = {} of '{}'", describe(a, i), a.term, describe(b, j), b.term);
            return TermMatch { similarity: 1.0, same: Some(LinkKind::SameEnglishTerm), bridge: Some(bridge) };
        }
    }
    for x in &a.compacts {
        if b.compacts.contains(x) {
            let bridge = format!("'{x}' written with or without spaces");
            return TermMatch { similarity: 0.97, same: Some(LinkKind::SameTerm), bridge: Some(bridge) };
        }
    }
    // The table of equivalents (the stems are those of the canonical forms),
    // or the same words in another number or order.
    let mut best = 0.0f32;
    for (i, x) in a.name_stems.iter().enumerate() {
        for (j, y) in b.name_stems.iter().enumerate() {
            if x.is_empty() || y.is_empty() {
                continue;
            }
            if x == y {
                let replaced: Vec<String> = a.name_replaced[i]
                    .iter()
                    .chain(&b.name_replaced[j])
                    .map(|(from, to)| format!("'{from}' = '{to}'"))
                    .collect();
                let (na, nb) = (name_of(a, i), name_of(b, j));
                let bridge = if replaced.is_empty() {
                    format!("the same words: '{na}' / '{nb}'")
                } else {
                    format!("equivalents: {} ('{na}' / '{nb}')", dedup(replaced).join(", "))
                };
                return TermMatch { similarity: 0.95, same: Some(LinkKind::Equivalent), bridge: Some(bridge) };
            }
            let common = x.iter().filter(|w| y.binary_search(w).is_ok()).count() as f32;
            let union = (x.len() + y.len()) as f32 - common;
            if union > 0.0 {
                best = best.max(common / union);
            }
        }
    }
    // Spelling variants and inflections ("Sicherheitslücke" /
    // "Sicherheitslücken"): nearly the same characters, and lengths that
    // differ by an ending at most (not by a word: "security authorization
    // package" is no variant of "security authorization").
    if params.variant_min <= 1.0 {
        for (i, x) in a.trigrams.iter().enumerate() {
            for (j, y) in b.trigrams.iter().enumerate() {
                let (la, lb) = (a.compacts[i].chars().count(), b.compacts[j].chars().count());
                // An ending, not another word: lengths within three letters.
                if la.abs_diff(lb) <= 3 && dice(x, y) >= params.variant_min {
                    let bridge = format!("spelling variants: '{}' / '{}'", a.names[i], b.names[j]);
                    return TermMatch { similarity: 0.9, same: Some(LinkKind::Equivalent), bridge: Some(bridge) };
                }
            }
        }
    }
    TermMatch { similarity: best, same: None, bridge: None }
}

/// The table's equivalents that the two definitions meet through: a member
/// rewritten in one definition whose canonical name the other one holds.
pub fn definition_bridges(a: &Item, b: &Item) -> Vec<String> {
    let holds = |it: &Item, ids: &[u64]| ids.iter().all(|h| it.vector.binary_search_by_key(h, |(k, _)| *k).is_ok());
    let mut out = Vec::new();
    for (x, y) in [(a, b), (b, a)] {
        for (found, canonical, ids) in &x.definition_bridges {
            let seen = y.definition_bridges.iter().any(|(f, _, _)| f == found);
            if holds(y, ids) && !seen {
                let s = format!("'{found}' ~ '{canonical}'");
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
    }
    out
}

/// The `i`th compared form of an item's names.
fn name_of(item: &Item, i: usize) -> String {
    item.forms.get(i).cloned().unwrap_or_default()
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(x.clone()));
    v
}

/// Do the two entries' English terms have different head nouns (both known)?
pub fn different_heads(x: &Item, y: &Item) -> bool {
    // One head may be the other with an ending the stemmer leaves ("war" /
    // "warfare").
    let agree =
        |a: &String, b: &String| a.len().min(b.len()) >= 3 && (a.starts_with(b.as_str()) || b.starts_with(a.as_str()));
    !x.term_heads.is_empty()
        && !y.term_heads.is_empty()
        && !x.term_heads.iter().any(|h| y.term_heads.iter().any(|g| agree(h, g)))
}

/// Is `x` a narrower notion than `y`? `y`'s name is a proper part of `x`'s
/// ("actively exploited vulnerability" / "vulnerability") and `x`'s
/// definition opens with it as its genus ("a vulnerability for which...").
pub fn narrower(x: &Item, y: &Item) -> bool {
    let genus = &x.head[..x.head.len().min(4)];
    y.name_stems.iter().filter(|ys| !ys.is_empty()).any(|ys| {
        ys.iter().all(|s| genus.contains(s))
            && x.name_stems.iter().any(|xs| xs.len() > ys.len() && ys.iter().all(|s| xs.binary_search(s).is_ok()))
    })
}

/// How close two definitions are: the cosine of their English texts, or
/// for two entries of one language other than English the cosine of what
/// they wrote if that is higher (translators word one text differently).
pub fn definition_similarity(x: &Item, y: &Item) -> f32 {
    let english = cosine(&x.vector, &y.vector);
    if x.language == y.language && !x.native.is_empty() && !y.native.is_empty() {
        english.max(cosine(&x.native, &y.native))
    } else {
        english
    }
}

/// A pair's parts and its score (0 when a rule keeps the pair apart).
#[derive(Debug, Clone)]
pub struct Scored {
    pub definition: f32,
    pub term: TermMatch,
    pub score: f32,
    pub kind: LinkKind,
    /// Why the pair is kept apart, if it is.
    pub apart: Option<&'static str>,
}

/// Scores two entries. Same term (or bridged to one): `same_term_floor`
/// plus the rest times the definitions' cosine, unless the definitions share
/// (almost) nothing: a false friend. Different terms: the definitions' cosine
/// plus `term_weight` times the terms' word overlap, unless one is the
/// other's narrower notion; or, when their English head nouns differ, the
/// cosine times `head_mismatch` alone.
pub fn pair(x: &Item, y: &Item, params: &Params) -> Scored {
    let definition = definition_similarity(x, y);
    let mut term = term_match(x, y, params);
    let defs = definition_bridges(x, y);
    if !defs.is_empty() {
        let d = format!("in the definitions: {}", defs.join(", "));
        term.bridge = Some(match term.bridge.take() {
            Some(t) => format!("{t}; {d}"),
            None => d,
        });
    }
    let (mut score, kind, mut apart) = match term.same {
        Some(kind) => {
            // An equivalence of the table (or the same words reordered) is a
            // weaker claim than the same term: the definitions weigh more.
            let floor = if kind.is_same_term() { params.same_term_floor } else { params.equivalent_floor };
            (floor + (1.0 - floor) * definition, kind, None)
        }
        // Terms whose head nouns differ name two kinds of thing ("security
        // of network and information systems" / "electronic information
        // system"): the words they share are modifiers, which say nothing,
        // and the definitions must carry more.
        None if different_heads(x, y) => (definition * params.head_mismatch, LinkKind::SimilarDefinition, None),
        None => ((definition + params.term_weight * term.similarity).min(1.0), LinkKind::SimilarDefinition, None),
    };
    if term.same.is_some() && definition < params.same_term_min_definition {
        apart = Some("false friend: the same term, unrelated definitions");
    } else if term.same.is_none() && (narrower(x, y) || narrower(y, x)) {
        apart = Some("narrower notion: one term is the other's with a differentia, and its definition's genus");
    }
    if apart.is_some() {
        score = 0.0;
    }
    Scored { definition, term, score, kind, apart }
}

/// Scores a pair; `None` when it is no edge: one list (which names distinct
/// notions), kept apart by [`pair`], or below `min_edge`.
pub fn score(items: &[Item], a: usize, b: usize, params: &Params) -> Option<Link> {
    // In key order, whatever the run's order: the reasons read the same in
    // every run.
    let (a, b) = if items[a].key() < items[b].key() { (a, b) } else { (b, a) };
    let (x, y) = (&items[a], &items[b]);
    if x.id == y.id || x.sub == y.sub {
        return None;
    }
    let s = pair(x, y, params);
    if s.apart.is_some() || s.score < params.min_edge {
        return None;
    }
    Some(Link {
        a,
        b,
        term: s.term.similarity,
        definition: s.definition,
        score: s.score,
        q: (s.score * SCALE).round() as u64,
        kind: s.kind,
        bridge: s.term.bridge,
    })
}
