#!/usr/bin/env bash
# The JSON API under load: wrk (Debian's package) against the release server with the demo
# organization and EJENTO_BENCH_RESPONSES stored answers (default 2,000), signed in as its
# Global Admin, on SQLite and on a throwaway PostgreSQL. Per endpoint: requests/s, p50, p99 and
# errors, with the trivial authenticated endpoint first so noise can be read as a ratio.
#
#   scripts/bench-http.sh                     # both databases (PostgreSQL via with-postgres.sh)
#   BENCH_HTTP_DATABASES=sqlite scripts/bench-http.sh
#   BENCH_HTTP_SECONDS=20 BENCH_HTTP_CONNECTIONS=64 scripts/bench-http.sh
#   BENCH_HTTP_PROFILE=1 ...                  # also a perf profile of GET /api/v2/agents
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
  echo "bench-http: installing wrk (Debian package)"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null; else sudo apt-get install -y -q wrk >/dev/null; fi
fi
cargo build --release -q -p ejento-server

SECONDS_EACH=${BENCH_HTTP_SECONDS:-10}
CONNECTIONS=${BENCH_HTTP_CONNECTIONS:-64}
RESPONSES=${EJENTO_BENCH_RESPONSES:-2000}
DATABASES=${BENCH_HTTP_DATABASES:-sqlite postgres}
BIN=${BENCH_HTTP_BIN:-./target/release/ejento-server}

if [ -z "${EJENTO_TEST_POSTGRES_URL:-}" ] && [[ " $DATABASES " == *" postgres "* ]]; then
  exec scripts/with-postgres.sh "$0" "$@"
fi

json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

bench_database() {
  local database=$1 url work port server token agent thread asset
  work=$(mktemp -d /tmp/ejento-bench-http.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if [ "$database" = postgres ]; then
    url=${EJENTO_TEST_POSTGRES_URL%/*}/bench_http_$$
    psql "$EJENTO_TEST_POSTGRES_URL" -q -c "CREATE DATABASE bench_http_$$" >/dev/null
  else
    url="sqlite://$work/ejento.db?mode=rwc"
  fi
  export EJENTO_DATABASE_URL=$url EJENTO_BIND=127.0.0.1:$port EJENTO_OBJECT_STORE=$work/objects \
    EJENTO_INDEX_DIR=$work/index EJENTO_EMBEDDING_MODEL_DIR=off EJENTO_OUTBOX_DIR=$work/outbox EJENTO_ACCESS_TOKEN_TTL=86400 \
    EJENTO_DIST=${EJENTO_DIST:-dist} RUST_LOG=${RUST_LOG:-warn}
  "$BIN" seed --demo --responses "$RESPONSES" >"$work/seed.log" 2>&1
  "$BIN" serve --demo >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/api/v2/openapi.json" -o /dev/null && break
    sleep 0.5
  done
  local base="http://127.0.0.1:$port"
  token=$(curl -sf "$base/auth-service/api/v2/login/access-token" -H 'content-type: application/json' \
    -d '{"username": "admin@northwind.example", "password": "ejento-demo-2026"}' | json 'd["data"]["ejento_access_token"]')
  local auth="Authorization: Bearer $token"
  agent=$(curl -sf "$base/api/v2/agents?page_size=1" -H "$auth" | json 'd["data"]["agents"][0]["id"]')
  thread=$(curl -sf "$base/api/v2/agents/$agent/chat-threads?page_size=1" -H "$auth" | json 'd["data"]["chat_threads"][0]["id"]')
  asset=$(cd "${EJENTO_DIST}" 2>/dev/null && ls ./*.css 2>/dev/null | head -1 | sed 's#^\./##' || true)

  echo
  echo "== $database: wrk, $CONNECTIONS connections, ${SECONDS_EACH}s each, $RESPONSES stored answers"
  printf '%-58s %10s %9s %9s %8s\n' endpoint requests/s p50 p99 errors
  local endpoints=(
    "GET /api/v2/users/me (trivial: the caller itself)|/api/v2/users/me"
    "GET /api/v2/notifications/unread-count|/api/v2/notifications/unread-count"
    "GET /api/v2/agents (page of 20)|/api/v2/agents?page_size=20"
    "GET /api/v2/agents/{id}|/api/v2/agents/$agent"
    "GET /api/v2/chat-threads/{id}/agent-responses|/api/v2/chat-threads/$thread/agent-responses"
    "GET /api/v2/analytics/summary (30 days)|/api/v2/analytics/summary"
  )
  [ -n "$asset" ] && endpoints+=("GET /$asset (static, brotli)|/$asset")
  for entry in "${endpoints[@]}"; do
    local name=${entry%%|*} path=${entry#*|}
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency -H "$auth" -H 'Accept-Encoding: br, gzip' \
      "$base$path" >"$work/wrk.txt" 2>&1 || true
    python3 - "$name" "$work/wrk.txt" <<'PY'
import re, sys
name, text = sys.argv[1], open(sys.argv[2]).read()
def latency(p):
    m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, text, re.M)
    if not m:
        return "?"
    value = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    return f"{value:.1f} ms"
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", text))
socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
if socket:
    errors += sum(int(n) for n in socket.groups())
print(f"{name:<58} {float(rps.group(1)) if rps else 0:>10.0f} {latency(50):>9} {latency(99):>9} {errors:>8}")
PY
  done
  if [ -n "${BENCH_HTTP_PROFILE:-}" ] && command -v perf >/dev/null; then
    perf record -F 999 -g -p "$server" -o "target/bench-http-$database.perf" -- sleep "$SECONDS_EACH" >/dev/null 2>&1 &
    local recorder=$!
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" -H "$auth" "$base/api/v2/agents?page_size=20" >/dev/null 2>&1 || true
    wait "$recorder" || true
    echo "-- top of the profile of GET /api/v2/agents (self time; target/bench-http-$database.perf)"
    { perf report -i "target/bench-http-$database.perf" --no-children --sort dso,symbol --stdio 2>/dev/null |
      grep -E '^ +[0-9.]+%' | sed -E 's/ +(- +)*$//' | cut -c1-150 | head -25; } || true
  fi
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}

for database in $DATABASES; do
  bench_database "$database"
done
