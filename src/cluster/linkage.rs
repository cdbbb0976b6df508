//! From links to clusters: union-find, honouring editors' must-link and
//! cannot-link constraints. Same-term links merge first, strongest first;
//! definition-only links then merge two clusters only when their centroids
//! agree too, so a chain of loose links cannot glue unrelated notions.

use std::collections::HashMap;

use super::Params;
use super::features::Item;
use super::score::{Link, LinkKind};

pub struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        Self { parent: (0..n).collect(), size: vec![1; n] }
    }

    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins the sets of `a` and `b`; returns the new root.
    fn union(&mut self, a: usize, b: usize) -> usize {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return ra;
        }
        if self.size[ra] < self.size[rb] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb] = ra;
        self.size[ra] += self.size[rb];
        ra
    }
}

/// Editors' decisions, as item indices.
#[derive(Default)]
pub struct Constraints {
    pub together: Vec<Vec<usize>>,
    pub apart: Vec<(usize, usize)>,
}

/// The result: for each item its component root, and the links that were used.
pub struct Linked {
    pub roots: Vec<usize>,
    pub used: Vec<Link>,
    /// Pairs joined because an editor said so.
    pub editor: Vec<(usize, usize)>,
}

pub fn link(items: &[Item], mut links: Vec<Link>, constraints: &Constraints, params: &Params) -> Linked {
    let n = items.len();
    let mut uf = UnionFind::new(n);
    let mut cannot: HashMap<usize, Vec<usize>> = HashMap::new();
    for &(a, b) in &constraints.apart {
        cannot.entry(a).or_default().push(b);
        cannot.entry(b).or_default().push(a);
    }
    // Members of each root, to check cannot-links and keep centroids.
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    // The submissions (lists) of each root's members: one national list holds
    // distinct notions, so two entries of one list never share a cluster
    // (unless an editor says so).
    let mut lists: HashMap<usize, Vec<u64>> = HashMap::new();
    let lists_of = |lists: &HashMap<usize, Vec<u64>>, r: usize| -> Vec<u64> {
        lists.get(&r).cloned().unwrap_or_else(|| vec![items[r].sub])
    };
    let mut centroid: HashMap<usize, HashMap<u32, f32>> = HashMap::new();
    let mut editor = Vec::new();
    let blocked = |uf: &mut UnionFind, members: &HashMap<usize, Vec<usize>>, ra: usize, rb: usize| -> bool {
        let (small, other) = {
            let (ma, mb) = (members.get(&ra).map_or(1, Vec::len), members.get(&rb).map_or(1, Vec::len));
            if ma <= mb { (ra, rb) } else { (rb, ra) }
        };
        let list: Vec<usize> = members.get(&small).cloned().unwrap_or_else(|| vec![small]);
        list.iter().any(|m| cannot.get(m).is_some_and(|cs| cs.iter().any(|c| uf.find(*c) == other)))
    };
    let join = |uf: &mut UnionFind,
                members: &mut HashMap<usize, Vec<usize>>,
                lists: &mut HashMap<usize, Vec<u64>>,
                centroid: &mut HashMap<usize, HashMap<u32, f32>>,
                a: usize,
                b: usize| {
        let (ra, rb) = (uf.find(a), uf.find(b));
        let root = uf.union(ra, rb);
        let other = if root == ra { rb } else { ra };
        let mut ol = lists.remove(&other).unwrap_or_else(|| vec![items[other].sub]);
        let rl = lists.entry(root).or_insert_with(|| vec![items[root].sub]);
        rl.append(&mut ol);
        rl.sort_unstable();
        rl.dedup();
        let mut m = members.remove(&other).unwrap_or_else(|| vec![other]);
        members.entry(root).or_insert_with(|| vec![root]).append(&mut m);
        let oc = centroid.remove(&other).unwrap_or_else(|| vector_map(&items[other].vector));
        let rc = centroid.entry(root).or_insert_with(|| vector_map(&items[root].vector));
        for (k, w) in oc {
            *rc.entry(k).or_default() += w;
        }
    };
    for group in &constraints.together {
        for w in group.windows(2) {
            if uf.find(w[0]) != uf.find(w[1]) {
                join(&mut uf, &mut members, &mut lists, &mut centroid, w[0], w[1]);
                editor.push((w[0], w[1]));
            }
        }
    }
    links.sort_by(|x, y| x.kind.cmp(&y.kind).then(y.score.total_cmp(&x.score)));
    let mut used = Vec::new();
    for l in links {
        let (ra, rb) = (uf.find(l.a), uf.find(l.b));
        if ra == rb || blocked(&mut uf, &members, ra, rb) {
            continue;
        }
        let (la, lb) = (lists_of(&lists, ra), lists_of(&lists, rb));
        if la.iter().any(|s| lb.binary_search(s).is_ok()) {
            continue;
        }
        if l.kind == LinkKind::SimilarDefinition {
            let ca = centroid.get(&ra).cloned().unwrap_or_else(|| vector_map(&items[ra].vector));
            let cb = centroid.get(&rb).cloned().unwrap_or_else(|| vector_map(&items[rb].vector));
            if centroid_cosine(&ca, &cb) < params.min_centroid {
                continue;
            }
        }
        join(&mut uf, &mut members, &mut lists, &mut centroid, l.a, l.b);
        used.push(l);
    }
    let roots = (0..n).map(|i| uf.find(i)).collect();
    Linked { roots, used, editor }
}

fn vector_map(v: &[(u32, f32)]) -> HashMap<u32, f32> {
    v.iter().copied().collect()
}

fn centroid_cosine(a: &HashMap<u32, f32>, b: &HashMap<u32, f32>) -> f32 {
    let norm = |m: &HashMap<u32, f32>| m.values().map(|w| w * w).sum::<f32>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let dot: f32 = small.iter().filter_map(|(k, w)| large.get(k).map(|x| w * x)).sum();
    dot / (na * nb)
}

/// Groups item indices by root, each group sorted.
pub fn groups(roots: &[usize]) -> Vec<Vec<usize>> {
    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, r) in roots.iter().enumerate() {
        by_root.entry(*r).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = by_root.into_values().collect();
    for g in &mut out {
        g.sort_unstable();
    }
    out.sort_unstable();
    out
}
