#!/usr/bin/env python3
"""Sanity checks of a corpus written by `examples/gen_corpus.rs`.

    python3 benches/peers/check_corpus.py CORPUS_DIR

Checks every lists/STATE-YEAR.json against the rules the service applies to a
submission (terms unique within a list under the service's comparison key:
NFKC, lower case, diacritics removed, dash/space runs unified; term <= 256 and
definition <= 8000 characters; English translations on non-English lists),
plus the corpus shape (57 States, years 2014-2026, each pair at most once),
that corpus.tsv has one row per entry, and that every typo query is one
Levenshtein edit from its expected term. Prints a JSON summary; exits 1 on any
violation.
"""

import collections
import json
import os
import sys
import unicodedata

STATES = set(
    "AL AD AM AT AZ BY BE BA BG CA HR CY CZ DK EE FI FR GE DE GR VA HU IS IE IT KZ KG LV LI LT LU MT MD MC MN "
    "ME NL MK NO PL PT RO RU SM RS SK SI ES SE CH TJ TR TM UA GB US UZ".split()
)
LANGUAGES = {"en", "fr", "de", "it", "ru", "es"}
SEPARATORS = set("-_\u2010\u2011\u2012\u2013\u2014\u2212\u00ad\ufe63\uff0d")
SPECIAL = {"ß": "ss", "ё": "е", "ı": "i", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d",
           "\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"}


def service_key(text):
    """The service's duplicate-term key (src/domain/normalize.rs::key), re-done in Python."""
    folded = "".join(c.lower() for c in unicodedata.normalize("NFKC", text))
    out, pending = [], False
    for c in unicodedata.normalize("NFD", folded):
        if unicodedata.combining(c):
            continue
        c = SPECIAL.get(c, c)
        if c.isspace() or c in SEPARATORS:
            pending = bool(out)
            continue
        if pending:
            out.append(" ")
            pending = False
        out.append(c)
    return unicodedata.normalize("NFC", "".join(out))


def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    problems = []
    entries = 0
    sizes = []
    languages = collections.Counter()
    pairs = set()
    simple_collisions = 0
    for name in sorted(os.listdir(os.path.join(root, "lists"))):
        with open(os.path.join(root, "lists", name), encoding="utf-8") as f:
            body = json.load(f)
        if list(body) != ["state", "year", "language", "entries"]:
            problems.append(f"{name}: top-level keys {list(body)}")
        state, year, lang = body["state"], body["year"], body["language"]
        if name != f"{state}-{year}.json":
            problems.append(f"{name}: holds {state}-{year}")
        if state not in STATES or not 2014 <= year <= 2026 or lang not in LANGUAGES:
            problems.append(f"{name}: state/year/language {state} {year} {lang}")
        if (state, year) in pairs:
            problems.append(f"{name}: pair repeated")
        pairs.add((state, year))
        languages[lang] += 1
        sizes.append(len(body["entries"]))
        keys, simple = {}, set()
        for i, e in enumerate(body["entries"]):
            entries += 1
            extra = set(e) - {"term", "definition", "term_en", "definition_en", "domains"}
            if extra:
                problems.append(f"{name}[{i}]: unexpected fields {extra}")
            term, definition = e["term"], e["definition"]
            if not term.strip() or len(term) > 256 or not definition.strip() or len(definition) > 8000:
                problems.append(f"{name}[{i}]: term/definition length")
            if lang != "en" and not (e.get("term_en") and e.get("definition_en")):
                problems.append(f"{name}[{i}]: English translation missing")
            k = service_key(term)
            if k in keys:
                problems.append(f"{name}[{i}]: '{term}' duplicates row {keys[k]}")
            keys[k] = i
            s = term.lower().replace("-", " ")
            simple_collisions += s in simple
            simple.add(s)
    with open(os.path.join(root, "corpus.tsv"), encoding="utf-8") as f:
        rows = 0
        for line in f:
            rows += 1
            if line.count("\t") != 7:
                problems.append(f"corpus.tsv line {rows}: {line.count(chr(9)) + 1} columns")
    if rows != entries:
        problems.append(f"corpus.tsv has {rows} rows for {entries} entries")
    typo_distances = collections.Counter()
    with open(os.path.join(root, "typo_queries.jsonl"), encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            d = levenshtein(t["q"], t["expect_term"])
            typo_distances[d] += 1
            if d != 1:
                problems.append(f"typo {t}: distance {d}")
    kinds = collections.Counter()
    with open(os.path.join(root, "mixed_queries.txt"), encoding="utf-8") as f:
        for line in f:
            kind, qs = line.rstrip("\n").split("\t")
            kinds[kind] += 1
    sizes.sort()
    summary = {
        "entries": entries,
        "lists": len(sizes),
        "states": len({s for s, _ in pairs}),
        "list_size": {"min": sizes[0], "median": sizes[len(sizes) // 2], "max": sizes[-1]},
        "languages": dict(languages),
        "duplicate_terms_service_key": sum("duplicates row" in p for p in problems),
        "duplicate_terms_lower_hyphen": simple_collisions,
        "typo_edit_distances": dict(typo_distances),
        "mixed_kinds": dict(kinds),
        "problems": problems[:20],
        "problem_count": len(problems),
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
