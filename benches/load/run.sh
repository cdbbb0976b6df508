#!/usr/bin/env bash
# HTTP load against a running glossary server on this machine:
#
#   benches/load/run.sh BASE_URL CORPUS_DIR [DURATION_SECONDS]
#   e.g. benches/load/run.sh http://127.0.0.1:8080 /tmp/corpus 20
#
# Runs wrk -t2 -c32 for DURATION seconds (default 20, at most 300) first
# against BASE_URL/healthz, then against BASE_URL/v1/search cycling through
# the query strings of CORPUS_DIR/mixed_queries.txt (from
# examples/gen_corpus.rs; load the corpus's lists into the server first), and
# prints both side by side. Target: search at least a third of the /healthz
# request rate.
#
# WARMUP=N (seconds, default 0) first runs the search load for N seconds,
# unreported, so that a server with its result cache on (`glossary serve`
# keeps results until the next commit; `--search-cache 0` turns it off) is
# measured in its steady state on this cycled query set.
#
# Only loopback servers are accepted (127.0.0.1, localhost, [::1]): this is a
# load generator. Installs wrk (apt) when missing.
#
# Exit status: 0 target met; 3 search below a third of /healthz; 4 errors
# (connection errors, timeouts or responses >= 400) during a run; 2 usage.
set -euo pipefail

usage() {
    echo "usage: $0 BASE_URL CORPUS_DIR [DURATION_SECONDS]   (BASE_URL on 127.0.0.1, localhost or [::1])" >&2
    exit 2
}
[ $# -ge 2 ] && [ $# -le 3 ] || usage
base=${1%/}
corpus=$2
duration=${3:-${DURATION:-20}}
here=$(cd "$(dirname "$0")" && pwd)

if ! [[ $base =~ ^https?://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?$ ]]; then
    echo "run.sh: refusing $1: only http(s)://127.0.0.1[:port], localhost or [::1] (no path)" >&2
    exit 2
fi
if ! [[ $duration =~ ^[0-9]+$ ]] || [ "$duration" -lt 1 ] || [ "$duration" -gt 300 ]; then
    echo "run.sh: DURATION must be whole seconds, 1 to 300 (got $duration)" >&2
    exit 2
fi
if [ ! -f "$corpus/mixed_queries.txt" ]; then
    echo "run.sh: $corpus/mixed_queries.txt not found (write it with: cargo run --release --example gen_corpus -- --out $corpus)" >&2
    exit 2
fi

if ! command -v wrk >/dev/null 2>&1; then
    echo "run.sh: installing wrk (apt)" >&2
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2
fi

tmp=$(mktemp -d /tmp/glossary-load.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cut -f2 "$corpus/mixed_queries.txt" >"$tmp/queries.txt"

# One request each, so that a server that is down or lacks /v1/search is told
# plainly instead of as a wall of errors.
status() {
    python3 -c 'import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=10).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception as e:
    print("unreachable:", e)' "$1"
}
health_status=$(status "$base/healthz")
search_status=$(status "$base/v1/search?$(head -n1 "$tmp/queries.txt")")
echo "run.sh: GET /healthz -> $health_status; GET /v1/search?$(head -n1 "$tmp/queries.txt") -> $search_status" >&2
if [ "$health_status" != 200 ]; then
    echo "run.sh: the server at $base does not answer /healthz with 200" >&2
    exit 4
fi

run_wrk() { # label url [query file]
    local label=$1 url=$2 queries=${3:-}
    WRK_LABEL=$label WRK_QUERIES=$queries \
        wrk -t2 -c32 -d"${duration}s" --timeout 5s -s "$here/search.lua" "$url" >"$tmp/$label.out" 2>&1 || {
        cat "$tmp/$label.out" >&2
        exit 4
    }
    grep '^WRK_JSON ' "$tmp/$label.out" | sed 's/^WRK_JSON //' | grep . || {
        echo "run.sh: wrk printed no result line:" >&2
        cat "$tmp/$label.out" >&2
        exit 4
    }
}

warmup=${WARMUP:-0}
if ! [[ $warmup =~ ^[0-9]+$ ]] || [ "$warmup" -gt 600 ]; then
    echo "run.sh: WARMUP must be whole seconds, 0 to 600 (got $warmup)" >&2
    exit 2
fi
if [ "$warmup" -gt 0 ]; then
    echo "run.sh: warm-up: wrk -t2 -c32 -d${warmup}s $base/v1/search (not reported)" >&2
    duration=$warmup run_wrk warmup "$base/v1/search" "$tmp/queries.txt" >/dev/null || exit 4
fi

echo "run.sh: wrk -t2 -c32 -d${duration}s $base/healthz" >&2
health=$(run_wrk healthz "$base/healthz") || exit 4
echo "run.sh: wrk -t2 -c32 -d${duration}s $base/v1/search ($(wc -l <"$tmp/queries.txt") query strings)" >&2
search=$(run_wrk search "$base/v1/search" "$tmp/queries.txt") || exit 4

python3 - "$health" "$search" <<'EOF'
import json, sys
h, s = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rows = [("requests/s", "rps"), ("p50 ms", "p50_ms"), ("p90 ms", "p90_ms"), ("p99 ms", "p99_ms"),
        ("mean ms", "mean_ms"), ("max ms", "max_ms"), ("requests", "requests")]
print(f"{'':12} {'/healthz':>12} {'/v1/search':>12}")
for name, key in rows:
    print(f"{name:12} {h[key]:>12,.1f} {s[key]:>12,.1f}")
for name, r in (("/healthz", h), ("/v1/search", s)):
    errors = {k: v for k, v in r["errors"].items() if v}
    if errors:
        print(f"errors {name}: {errors}")
ratio = s["rps"] / h["rps"] if h["rps"] else 0.0
ok = ratio >= 1 / 3
errors = any(v for r in (h, s) for v in r["errors"].values())
print(f"search/healthz = {ratio:.2f} (target >= 0.33): {'OK' if ok else 'BELOW TARGET'}"
      + ("; ERRORS during the runs" if errors else ""))
print(json.dumps({"healthz": h, "search": s, "ratio": round(ratio, 3), "target_met": ok, "errors": errors}))
sys.exit(4 if errors else 0 if ok else 3)
EOF
