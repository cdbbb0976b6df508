"""What the SQLite FTS5 and PostgreSQL peers share: reading the corpus and the
query files, turning a `GET /v1/search` query string into a plan, edit
distance, percentiles, and the timing loop with its JSON summary.

The peers answer the same query sets as the service, through the same
parameters (q, language, state, year, fuzzy, field, limit, offset), so their
latencies can be set beside the service's. How a query string becomes a plan:

- kind exact    -> a phrase match on the term columns (term, term_en);
- kind fuzzy    -> trigram candidates ranked by similarity / edit distance;
- kind fulltext -> every word of q, OR-ed (or AND-ed: --fulltext-mode), ranked (bm25 / ts_rank);
- kind phrase   -> the quoted words of q as one phrase;
- kind filtered -> the same query string carries no kind, so, as a server
  would, it is read from the parameters: fuzzy >= 1 -> fuzzy; q in double
  quotes -> phrase; field=term -> exact (term columns); anything else ->
  fulltext; then language / state / year / field become WHERE clauses.
"""

import json
import math
import os
import re
import statistics
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import parse_qs

WORD = re.compile(r"\w+", re.UNICODE)
TSV_COLUMNS = ("id", "state", "year", "language", "term", "definition", "term_en", "definition_en")
LANG_CONFIG = {
    "en": "english",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "ru": "russian",
    "es": "spanish",
}


def read_corpus(corpus_dir):
    """Yields one tuple per corpus.tsv row; empty term_en / definition_en become None."""
    with open(os.path.join(corpus_dir, "corpus.tsv"), encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 8:
                raise SystemExit(f"corpus.tsv: a row with {len(cols)} columns: {line[:80]!r}")
            cols[2] = int(cols[2])
            cols[6] = cols[6] or None
            cols[7] = cols[7] or None
            yield tuple(cols)


def read_mixed(corpus_dir):
    out = []
    with open(os.path.join(corpus_dir, "mixed_queries.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                kind, qs = line.split("\t", 1)
                out.append((kind, qs))
    return out


def read_typos(corpus_dir):
    with open(os.path.join(corpus_dir, "typo_queries.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass
class Plan:
    mode: str  # exact | fuzzy | fulltext | phrase
    q: str
    words: list
    language: str = None
    states: list = field(default_factory=list)
    year: int = None
    field: str = "all"  # term | definition | all
    fuzzy: int = 0
    limit: int = 10
    offset: int = 0


def plan(kind, qs):
    """Turns one mixed-query line into a Plan (see the module doc)."""
    p = parse_qs(qs, keep_blank_values=True)
    q = p.get("q", [""])[0]
    fuzzy = int(p.get("fuzzy", ["0"])[0] or 0)
    fld = p.get("field", ["all"])[0] or "all"
    quoted = len(q) >= 2 and q.startswith('"') and q.endswith('"')
    if kind in ("exact", "fuzzy", "fulltext", "phrase"):
        mode = kind
    elif fuzzy >= 1:
        mode = "fuzzy"
    elif quoted:
        mode = "phrase"
    elif fld == "term":
        mode = "exact"
    else:
        mode = "fulltext"
    text = q[1:-1] if quoted else q
    return Plan(
        mode=mode,
        q=text,
        words=WORD.findall(text.lower()),
        language=p.get("language", [None])[0],
        states=p.get("state", []),
        year=int(p["year"][0]) if "year" in p else None,
        field=fld,
        fuzzy=max(fuzzy, 1) if mode == "fuzzy" else fuzzy,
        limit=int(p.get("limit", ["10"])[0]),
        offset=int(p.get("offset", ["0"])[0]),
    )


def fold(text):
    """Lower case without diacritics, for edit distances."""
    text = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c)).replace("ß", "ss")


def levenshtein(a, b, cutoff=None):
    """Edit distance. With a cutoff, only the diagonal band |i - j| <= cutoff is
    computed and anything above the cutoff comes back as cutoff + 1."""
    if a == b:
        return 0
    if cutoff is None:
        cutoff = max(len(a), len(b))
    if abs(len(a) - len(b)) > cutoff:
        return cutoff + 1
    big = cutoff + 1
    prev = {j: j for j in range(0, min(len(b), cutoff) + 1)}
    for i in range(1, len(a) + 1):
        ca = a[i - 1]
        lo, hi = max(0, i - cutoff), min(len(b), i + cutoff)
        cur = {}
        best = big
        for j in range(lo, hi + 1):
            if j == 0:
                v = i
            else:
                v = min(
                    prev.get(j, big) + 1,
                    cur.get(j - 1, big) + 1,
                    prev.get(j - 1, big) + (ca != b[j - 1]),
                )
            cur[j] = v
            if v < best:
                best = v
        if best > cutoff:
            return big
        prev = cur
    return min(prev.get(len(b), big), big)


def percentile(sorted_values, pct):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(pct / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def latency_summary(samples_ms, zero_hits):
    s = sorted(samples_ms)
    return {
        "n": len(s),
        "p50_ms": round(percentile(s, 50), 3),
        "p99_ms": round(percentile(s, 99), 3),
        "mean_ms": round(statistics.fmean(s), 3),
        "max_ms": round(s[-1], 3),
        "zero_hits": zero_hits,
    }


def run_benchmark(engine, search, corpus_dir, extra):
    """Warm-up pass, then a timed pass over the mixed queries and the typo queries.

    `search(plan)` returns the hits as a list of (id, term, term_en).
    """
    mixed = [(kind, plan(kind, qs)) for kind, qs in read_mixed(corpus_dir)]
    typos = read_typos(corpus_dir)
    typo_plans = [(t, Plan(mode="fuzzy", q=t["q"], words=WORD.findall(t["q"].lower()), fuzzy=1)) for t in typos]

    for _, p in mixed:  # warm-up
        search(p)
    for _, p in typo_plans:
        search(p)

    by_kind = {}
    all_ms = []
    for kind, p in mixed:
        t0 = time.perf_counter()
        hits = search(p)
        ms = (time.perf_counter() - t0) * 1000.0
        samples, zero = by_kind.setdefault(kind, ([], [0]))
        samples.append(ms)
        zero[0] += not hits
        all_ms.append(ms)

    found = 0
    typo_ms = []
    typo_zero = 0
    for t, p in typo_plans:
        t0 = time.perf_counter()
        hits = search(p)
        typo_ms.append((time.perf_counter() - t0) * 1000.0)
        typo_zero += not hits
        want = t["expect_term"].lower()
        found += any(h[1].lower() == want for h in hits[:10])

    summary = {
        "engine": engine,
        "corpus": os.path.abspath(corpus_dir),
        **extra,
        "queries": len(mixed),
        "latency": {kind: latency_summary(s, z[0]) for kind, (s, z) in sorted(by_kind.items())},
        "latency_all": latency_summary(all_ms, sum(z[0] for _, z in by_kind.values())),
        "typo_queries": len(typos),
        "typo_recall_at_10": round(found / len(typos), 4) if typos else None,
        "typo_latency": latency_summary(typo_ms, typo_zero) if typo_ms else None,
    }
    json.dump(summary, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return summary
