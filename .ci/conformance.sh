#!/usr/bin/env bash
# Every operation of openapi/openapi.json against a running server (the debug
# build, a fresh data directory with the samples): schemathesis checks that
# each response's status, content type and body are what the document says.
# Bounded in time; any mismatch fails.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/ci-tools/venv
dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
target/debug/glossary --data-dir "$dir/data" serve --addr 127.0.0.1:0 2>"$dir/serve.log" &
server=$!
for _ in $(seq 1 120); do
  url=$(grep -o 'listening on http://[0-9.:]*' "$dir/serve.log" | head -1 | sed 's/listening on //') || true
  [ -n "${url:-}" ] && break
  sleep 1
done
[ -n "${url:-}" ] || { cat "$dir/serve.log"; echo "the server did not start" >&2; exit 1; }
# From the temporary directory, so that schemathesis's own cache stays out of the tree.
root=$PWD
token=$(cat "$dir/data/admin.token")
cd "$dir"
"$root/$venv/bin/schemathesis" run "$root/openapi/openapi.json" --url "$url" \
  -H "Authorization: Bearer $token" \
  --checks content_type_conformance,response_schema_conformance,status_code_conformance \
  --max-examples 10 --max-time "${CONFORMANCE_SECONDS:-150}" --generation-deterministic \
  --request-timeout 30 --no-color
