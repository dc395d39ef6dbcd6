#!/usr/bin/env bash
# Runs a command beside a throwaway S3-protocol server (moto's server mode, installed by
# scripts/setup.sh, on a free loopback port, state in memory) and exports
# EJENTO_TEST_S3_ENDPOINT for it; the server is stopped afterwards.
set -euo pipefail

MOTO_VERSION=5.2.6
MOTO_SERVER="${EJENTO_TOOLS_DIR:-$HOME/.cache/ejento}/moto-$MOTO_VERSION/bin/moto_server"
if [ ! -x "$MOTO_SERVER" ]; then
  echo "moto is not installed: run scripts/setup.sh" >&2
  exit 1
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LOG=$(mktemp /tmp/ejento-s3.XXXXXX.log)
"$MOTO_SERVER" -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
MOTO_PID=$!
cleanup() {
  kill "$MOTO_PID" 2>/dev/null || true
  wait "$MOTO_PID" 2>/dev/null || true
  rm -f "$LOG"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/moto-api/data.json', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$MOTO_PID" 2>/dev/null || { cat "$LOG" >&2; echo "the S3 server did not start" >&2; exit 1; }
  sleep 0.2
done

export EJENTO_TEST_S3_ENDPOINT="http://127.0.0.1:$PORT"
echo "S3 (moto) for tests at $EJENTO_TEST_S3_ENDPOINT"
"$@"
