#!/usr/bin/env python3
"""The benchmark corpus and query sets in SQLite FTS5, as a peer to the service.

    python3 benches/peers/sqlite_fts5.py CORPUS_DIR [--db FILE] [--fulltext-mode or|and] [--candidates N]

CORPUS_DIR is what `cargo run --release --example gen_corpus -- --out DIR` wrote.
Loads corpus.tsv into
- `docs`: FTS5 over term, definition, term_en, definition_en (unicode61,
  remove_diacritics 2), with id, state, language, year UNINDEXED;
- `tri`: FTS5 with the trigram tokenizer over term, term_en (same rowids),
  for fuzzy matching: the query's trigrams OR-ed give candidates by bm25,
  then the candidates are re-ranked by edit distance in Python.
Runs the mixed query set (after a warm-up pass) and the typo set and prints a
JSON summary: p50/p99 latency per kind, typo recall@10. Standard library only.
"""

import argparse
import os
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerlib  # noqa: E402


def fts_quote(token):
    return '"' + token.replace('"', '""') + '"'


class Fts5:
    def __init__(self, db_path, fulltext_mode, candidates):
        self.db = sqlite3.connect(db_path)
        self.fulltext_mode = fulltext_mode
        self.candidates = candidates

    def load(self, corpus_dir):
        db = self.db
        db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -262144;
            CREATE VIRTUAL TABLE docs USING fts5(
                id UNINDEXED, state UNINDEXED, language UNINDEXED, year UNINDEXED,
                term, definition, term_en, definition_en,
                tokenize = 'unicode61 remove_diacritics 2'
            );
            CREATE VIRTUAL TABLE tri USING fts5(term, term_en, tokenize = 'trigram');
            """
        )
        t0 = time.perf_counter()
        n = 0
        with db:
            batch = []
            for row in peerlib.read_corpus(corpus_dir):
                n += 1
                batch.append((n,) + row)
                if len(batch) == 10_000:
                    self._insert(batch)
                    batch = []
            if batch:
                self._insert(batch)
        loaded = time.perf_counter() - t0
        t0 = time.perf_counter()
        db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        db.execute("INSERT INTO tri(tri) VALUES ('optimize')")
        db.commit()
        optimized = time.perf_counter() - t0
        return n, loaded, optimized

    def _insert(self, batch):
        self.db.executemany(
            "INSERT INTO docs(rowid, id, state, year, language, term, definition, term_en, definition_en)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
        self.db.executemany(
            "INSERT INTO tri(rowid, term, term_en) VALUES (?, ?, ?)", [(r[0], r[5], r[7]) for r in batch]
        )

    @staticmethod
    def _filters(p, alias):
        sql, args = [], []
        if p.language:
            sql.append(f"{alias}.language = ?")
            args.append(p.language)
        if p.states:
            sql.append(f"{alias}.state IN ({', '.join('?' * len(p.states))})")
            args.extend(p.states)
        if p.year is not None:
            sql.append(f"{alias}.year = ?")
            args.append(p.year)
        return "".join(" AND " + s for s in sql), args

    @staticmethod
    def _columns(p, default):
        return {"term": "{term term_en}", "definition": "{definition definition_en}"}.get(p.field, default)

    def search(self, p):
        if p.mode == "fuzzy":
            return self._fuzzy(p)
        if not p.words:
            return []
        if p.mode == "exact":
            expr = fts_quote(" ".join(p.words))
            columns = self._columns(p, "{term term_en}")
        elif p.mode == "phrase":
            expr = fts_quote(" ".join(p.words))
            columns = self._columns(p, None)
        else:
            op = " OR " if self.fulltext_mode == "or" else " AND "
            expr = op.join(fts_quote(w) for w in p.words)
            columns = self._columns(p, None)
        match = f"{columns} : ({expr})" if columns else expr
        where, args = self._filters(p, "docs")
        return self.db.execute(
            f"SELECT id, term, term_en FROM docs WHERE docs MATCH ?{where} ORDER BY rank LIMIT ? OFFSET ?",
            [match, *args, p.limit, p.offset],
        ).fetchall()

    def _fuzzy(self, p):
        text = p.q.lower()
        grams = sorted({text[i : i + 3] for i in range(len(text) - 2)})
        if not grams:
            return []
        match = " OR ".join(fts_quote(g) for g in grams)
        if p.field == "definition":
            return []
        where, args = self._filters(p, "d")
        rows = self.db.execute(
            "SELECT d.id, d.term, d.term_en, tri.rank FROM tri JOIN docs d ON d.rowid = tri.rowid"
            f" WHERE tri MATCH ?{where} ORDER BY tri.rank LIMIT ?",
            [match, *args, self.candidates],
        ).fetchall()
        q = peerlib.fold(p.q)
        cutoff = max(2, p.fuzzy)
        scored = []
        for i, (id_, term, term_en, _rank) in enumerate(rows):
            d = peerlib.levenshtein(q, peerlib.fold(term), cutoff)
            if term_en:
                d = min(d, peerlib.levenshtein(q, peerlib.fold(term_en), cutoff))
            scored.append((d, i, (id_, term, term_en)))
        scored.sort()
        return [hit for _, _, hit in scored[p.offset : p.offset + p.limit]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus_dir")
    ap.add_argument("--db", help="database file (default: a temporary file, removed afterwards)")
    ap.add_argument("--fulltext-mode", choices=("or", "and"), default="or")
    ap.add_argument("--candidates", type=int, default=200, help="trigram candidates re-ranked per fuzzy query")
    args = ap.parse_args()

    tmp = None
    db_path = args.db
    if not db_path:
        tmp = tempfile.TemporaryDirectory(prefix="glossary-fts5-")
        db_path = os.path.join(tmp.name, "fts5.db")
    try:
        engine = Fts5(db_path, args.fulltext_mode, args.candidates)
        n, loaded, optimized = engine.load(args.corpus_dir)
        extra = {
            "sqlite_version": sqlite3.sqlite_version,
            "entries": n,
            "load_s": round(loaded, 2),
            "optimize_s": round(optimized, 2),
            "db_bytes": os.path.getsize(db_path),
            "fulltext_mode": args.fulltext_mode,
            "fuzzy_candidates": args.candidates,
        }
        peerlib.run_benchmark("sqlite-fts5", engine.search, args.corpus_dir, extra)
        engine.db.close()
    finally:
        if tmp:
            tmp.cleanup()


if __name__ == "__main__":
    main()
