#!/usr/bin/env bash
# The benchmark corpus and query sets in PostgreSQL 15 (full-text search +
# pg_trgm), in a throwaway cluster:
#
#   benches/peers/postgres.sh CORPUS_DIR [extra postgres_bench.py options, e.g. --fulltext-mode and]
#
# Installs PostgreSQL 15 (apt) and psycopg 3 (pip) when missing, creates a
# cluster in a temporary directory owned by the postgres user, listening on a
# free port of 127.0.0.1 only, runs postgres_bench.py against it (its JSON
# summary goes to stdout, everything else to stderr), then stops the cluster
# and removes the directory, also on failure or Ctrl-C.
set -euo pipefail

if [ $# -lt 1 ] || [ ! -f "$1/corpus.tsv" ]; then
    echo "usage: $0 CORPUS_DIR [postgres_bench.py options]  (CORPUS_DIR from examples/gen_corpus.rs)" >&2
    exit 2
fi
corpus=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
pgbin=/usr/lib/postgresql/15/bin

log() { echo "postgres.sh: $*" >&2; }

if [ ! -x "$pgbin/initdb" ] || [ ! -x "$pgbin/pg_ctl" ] || ! command -v pg_ctlcluster >/dev/null 2>&1 \
    || [ ! -f /usr/share/postgresql/15/extension/pg_trgm.control ]; then
    log "installing PostgreSQL 15 (apt)"
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-15 postgresql-contrib >&2
fi
if ! python3 -c 'import psycopg' 2>/dev/null; then
    log "installing psycopg 3 (pip)"
    python3 -m pip install --quiet 'psycopg[binary]' >&2
fi

# Run a PostgreSQL program as the postgres user when we are root (initdb and
# the server refuse to run as root); as ourselves otherwise.
if [ "$(id -u)" = 0 ]; then
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

tmp=$(mktemp -d /tmp/glossary-pg.XXXXXX)
cleanup() {
    if [ -f "$tmp/data/postmaster.pid" ]; then
        as_pg "$pgbin/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$(id -u)" = 0 ]; then
    chown postgres: "$tmp"
fi
chmod 700 "$tmp"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log "cluster in $tmp on 127.0.0.1:$port"
as_pg "$pgbin/initdb" -D "$tmp/data" --username=postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 \
    || { cat "$tmp/initdb.log" >&2; exit 1; }
# A benchmark cluster: durability off (it is thrown away), memory sized for a
# 2-core, 24 GiB machine, JIT off so that latencies are those of plain plans.
as_pg "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 start -o "\
    -p $port -k $tmp -c listen_addresses=127.0.0.1 \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    -c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=1GB -c max_wal_size=8GB \
    -c effective_cache_size=8GB -c jit=off" >/dev/null \
    || { cat "$tmp/server.log" >&2; exit 1; }

python3 "$here/postgres_bench.py" --host 127.0.0.1 --port "$port" --user postgres "$@" "$corpus"
