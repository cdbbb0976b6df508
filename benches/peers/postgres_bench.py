#!/usr/bin/env python3
"""The benchmark corpus and query sets in PostgreSQL full-text search + pg_trgm.

    python3 benches/peers/postgres_bench.py --host 127.0.0.1 --port PORT [--user postgres] [--dbname postgres]
        [--fulltext-mode or|and] CORPUS_DIR

Normally started by `benches/peers/postgres.sh CORPUS_DIR`, which makes a
throwaway cluster. Needs psycopg 3 (`pip install 'psycopg[binary]'`).

Schema: one row per corpus.tsv row, with
- `tsv`: term (weight A) + definition (weight B) under the text search
  configuration of the list's language (english, french, german, italian,
  russian, spanish; simple otherwise), `tsv_en`: term_en (A) +
  definition_en (B) under english; GIN indexes on both;
- pg_trgm GIN indexes on f_unaccent(lower(term)) and
  f_unaccent(lower(coalesce(term_en, ''))) (f_unaccent: an IMMUTABLE wrapper
  of unaccent, which index expressions need);
- btree indexes on language and (state, year) for the filters.

Queries (see peerlib.py for how a query string becomes a plan):
- exact / phrase: `<->` phrase tsquery (exact: restricted to weight A, the
  term), fulltext: words OR-ed (`|`) or AND-ed, field=term/definition as
  weights A/B; with no language filter the query is parsed under every
  configuration and the tsqueries OR-ed, as each row was indexed under its
  own; ranked by ts_rank over both vectors;
- fuzzy: `%` (similarity above pg_trgm.similarity_threshold, 0.3) on the two
  trigram-indexed expressions, ordered by similarity.
Prints the same JSON summary as sqlite_fts5.py.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerlib  # noqa: E402

try:
    import psycopg
except ImportError:
    sys.exit("postgres_bench.py needs psycopg 3: python3 -m pip install 'psycopg[binary]'")

CONFIGS = sorted(set(peerlib.LANG_CONFIG.values())) + ["simple"]
CFG_CASE = "CASE language " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in peerlib.LANG_CONFIG.items())
CFG_CASE += " ELSE 'simple' END::regconfig"

SCHEMA = f"""
DROP TABLE IF EXISTS entries, raw;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
CREATE UNLOGGED TABLE raw (
    id text, state text, year int, language text,
    term text, definition text, term_en text, definition_en text
);
"""

BUILD = [
    f"""CREATE TABLE entries AS
        SELECT row_number() OVER () AS rowid, id, state, year, language, term, definition, term_en, definition_en,
               setweight(to_tsvector({CFG_CASE}, term), 'A')
                 || setweight(to_tsvector({CFG_CASE}, definition), 'B') AS tsv,
               setweight(to_tsvector('english', coalesce(term_en, '')), 'A')
                 || setweight(to_tsvector('english', coalesce(definition_en, '')), 'B') AS tsv_en
        FROM raw""",
    "DROP TABLE raw",
    "ALTER TABLE entries ADD PRIMARY KEY (id)",
    "CREATE INDEX entries_tsv ON entries USING gin (tsv)",
    "CREATE INDEX entries_tsv_en ON entries USING gin (tsv_en)",
    "CREATE INDEX entries_term_trgm ON entries USING gin (f_unaccent(lower(term)) gin_trgm_ops)",
    "CREATE INDEX entries_term_en_trgm ON entries USING gin (f_unaccent(lower(coalesce(term_en, ''))) gin_trgm_ops)",
    "CREATE INDEX entries_language ON entries (language)",
    "CREATE INDEX entries_state_year ON entries (state, year)",
    "VACUUM ANALYZE entries",
]


def tsquery_operand(text):
    """A quoted to_tsquery operand: the parser splits it into lexemes joined by <->."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


class Postgres:
    def __init__(self, conninfo, fulltext_mode):
        # No server-side prepared statements: a generic plan would evaluate the
        # to_tsquery(...) calls once per row instead of folding them at plan time.
        self.conn = psycopg.connect(conninfo, autocommit=True, prepare_threshold=None)
        self.fulltext_mode = fulltext_mode

    def load(self, corpus_dir):
        cur = self.conn.cursor()
        cur.execute(SCHEMA)
        t0 = time.perf_counter()
        n = 0
        with cur.copy(f"COPY raw ({', '.join(peerlib.TSV_COLUMNS)}) FROM STDIN") as copy:
            for row in peerlib.read_corpus(corpus_dir):
                copy.write_row(row)
                n += 1
        loaded = time.perf_counter() - t0
        t0 = time.perf_counter()
        for stmt in BUILD:
            cur.execute(stmt)
        built = time.perf_counter() - t0
        size = cur.execute("SELECT pg_total_relation_size('entries')").fetchone()[0]
        version = cur.execute("SHOW server_version").fetchone()[0]
        return n, loaded, built, size, version

    @staticmethod
    def _filters(p):
        sql, args = [], []
        if p.language:
            sql.append("language = %s")
            args.append(p.language)
        if p.states:
            sql.append("state = ANY(%s)")
            args.append(list(p.states))
        if p.year is not None:
            sql.append("year = %s")
            args.append(p.year)
        return "".join(" AND " + s for s in sql), args

    def search(self, p):
        if p.mode == "fuzzy":
            return self._fuzzy(p)
        if not p.words:
            return []
        weight = {"term": ":A", "definition": ":B"}.get(p.field, "")
        if p.mode == "exact" and p.field == "all":
            weight = ":A"
        # Quoted operands go through the configuration's parser whole, as the
        # documents did: "TG-967" or "d'attaque" become the same lexemes, joined by <->.
        if p.mode == "fulltext":
            op = " | " if self.fulltext_mode == "or" else " & "
            text = op.join(tsquery_operand(w) + weight for w in p.q.split())
        else:
            text = tsquery_operand(p.q) + weight
        configs = [peerlib.LANG_CONFIG.get(p.language, "simple")] if p.language else CONFIGS
        # Parsed under every configuration, the same text mostly gives the same lexemes.
        native = " || ".join("to_tsquery(%s::regconfig, %s)" for _ in configs)
        args = []
        for c in configs:
            args += [c, text]
        where, fargs = self._filters(p)
        sql = (
            f"SELECT id, term, term_en FROM entries, (SELECT {native} AS q, to_tsquery('english', %s) AS qen) AS qq"
            f" WHERE (tsv @@ qq.q OR tsv_en @@ qq.qen){where}"
            " ORDER BY greatest(ts_rank(tsv, qq.q), ts_rank(tsv_en, qq.qen)) DESC, rowid"
            " LIMIT %s OFFSET %s"
        )
        return self.conn.execute(sql, [*args, text, *fargs, p.limit, p.offset]).fetchall()

    def _fuzzy(self, p):
        if p.field == "definition":
            return []
        where, fargs = self._filters(p)
        sql = (
            "SELECT id, term, term_en FROM entries, (SELECT f_unaccent(lower(%s)) AS q) AS qq"
            # %% is pg_trgm's % (similarity above the threshold), escaped for the placeholders.
            " WHERE (f_unaccent(lower(term)) %% qq.q OR f_unaccent(lower(coalesce(term_en, ''))) %% qq.q)"
            f"{where}"
            " ORDER BY greatest(similarity(f_unaccent(lower(term)), qq.q),"
            " similarity(f_unaccent(lower(coalesce(term_en, ''))), qq.q)) DESC, rowid"
            " LIMIT %s OFFSET %s"
        )
        return self.conn.execute(sql, [p.q, *fargs, p.limit, p.offset]).fetchall()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus_dir")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5432)
    ap.add_argument("--user", default="postgres")
    ap.add_argument("--dbname", default="postgres")
    ap.add_argument("--fulltext-mode", choices=("or", "and"), default="or")
    args = ap.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.host.startswith("/"):
        sys.exit("postgres_bench.py talks to a local server only (127.0.0.1, localhost, ::1 or a socket directory)")
    engine = Postgres(f"host={args.host} port={args.port} user={args.user} dbname={args.dbname}", args.fulltext_mode)
    n, loaded, built, size, version = engine.load(args.corpus_dir)
    extra = {
        "server_version": version,
        "psycopg_version": psycopg.__version__,
        "entries": n,
        "load_s": round(loaded, 2),
        "index_s": round(built, 2),
        "table_and_index_bytes": size,
        "fulltext_mode": args.fulltext_mode,
    }
    peerlib.run_benchmark("postgresql-fts+pg_trgm", engine.search, args.corpus_dir, extra)
    engine.conn.close()


if __name__ == "__main__":
    main()
