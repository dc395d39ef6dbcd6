#!/usr/bin/env bash
# A property-based fuzz run of the whole HTTP API, driven by the served OpenAPI document:
# Schemathesis (PyPI, pinned, in a virtual environment under target/) against the release server
# with the demo organization, signed in as its Global Admin. Bounded by FUZZ_API_SECONDS
# (default 600). Checks: no 5xx, and every response matches its operation's schema.
#
#   make fuzz-api                                        # SQLite
#   FUZZ_API_DATABASE=postgres scripts/with-postgres.sh scripts/fuzz-api.sh
#
# Prints operations covered, cases, and failures per check; exits non-zero on any failure.
# The full report (JUnit, and every request and response as HAR) is under target/fuzz-api/.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
SECONDS_BUDGET=${FUZZ_API_SECONDS:-600}
VENV=target/schemathesis-$SCHEMATHESIS_VERSION
if [ ! -x "$VENV/bin/schemathesis" ]; then
  echo "fuzz-api: installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --release -q -p ejento-server
OUT=target/fuzz-api
rm -rf "$OUT" && mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/ejento-fuzz-api.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [ "${FUZZ_API_DATABASE:-sqlite}" = postgres ]; then
  DATABASE_URL=${EJENTO_TEST_POSTGRES_URL:?run under scripts/with-postgres.sh}
else
  DATABASE_URL="sqlite://$WORK/ejento.db?mode=rwc"
fi

# The fuzzer's own sign-in must outlive the run; it changes nothing else about the server.
EJENTO_DATABASE_URL=$DATABASE_URL EJENTO_BIND=127.0.0.1:$PORT EJENTO_PUBLIC_URL=http://127.0.0.1:$PORT \
  EJENTO_OBJECT_STORE=$WORK/objects EJENTO_INDEX_DIR=$WORK/index EJENTO_EMBEDDING_MODEL_DIR=off EJENTO_OUTBOX_DIR=$WORK/outbox \
  EJENTO_ACCESS_TOKEN_TTL=86400 RUST_LOG=${RUST_LOG:-warn} \
  ./target/release/ejento-server serve --demo >"$OUT/server.log" 2>&1 &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/api/v2/openapi.json" -o /dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/api/v2/openapi.json" -o "$OUT/openapi.json"
TOKEN=$(curl -sf "http://127.0.0.1:$PORT/auth-service/api/v2/login/access-token" \
  -H 'content-type: application/json' \
  -d '{"username": "admin@northwind.example", "password": "ejento-demo-2026"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["ejento_access_token"])')

"$VENV/bin/python" scripts/fuzz-api-ids.py "http://127.0.0.1:$PORT" "$TOKEN" "$OUT/schemathesis.toml"

# Operations that end the fuzzer's own sign-in or account would turn the rest of the run into
# 401s; they are fuzzed with the others' rules by the server tests instead.
set +e
"$VENV/bin/schemathesis" --config-file "$OUT/schemathesis.toml" run "http://127.0.0.1:$PORT/api/v2/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,response_schema_conformance \
  --exclude-path-regex '^/auth-service/api/v2/users/(logout|me/password)$' \
  --phases examples,coverage,fuzzing --max-time "$SECONDS_BUDGET" --max-examples "${FUZZ_API_EXAMPLES:-40}" \
  --request-timeout 30 --workers 1 --seed "${FUZZ_API_SEED:-20261205}" \
  --suppress-health-check all --warnings off --continue-on-failure \
  --report junit,har --report-dir "$OUT" >"$OUT/schemathesis.txt" 2>&1
STATUS=$?
set -e
tail -n 30 "$OUT/schemathesis.txt"
# What the run reached: per operation, the status classes it got; the 2xx column is how much of
# the API the fuzzer got past validation and authorization into.
"$VENV/bin/python" scripts/fuzz-api-summary.py "$OUT"
if grep -qE 'panicked|thread .* panicked' "$OUT/server.log"; then
  echo "fuzz-api: the server panicked (see $OUT/server.log)"
  STATUS=1
fi
exit $STATUS
