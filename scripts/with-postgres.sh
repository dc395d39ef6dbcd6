#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL server (Debian's package, a free port, a temp
# data folder) and exports EJENTO_TEST_POSTGRES_URL for it; the server is stopped afterwards.
set -euo pipefail

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$PGBIN" ]; then
  echo "PostgreSQL is not installed: run scripts/setup.sh" >&2
  exit 1
fi
DIR=$(mktemp -d /tmp/ejento-pg.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# PostgreSQL refuses to run as root; use its own system account then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$DIR"

as_pg "$PGBIN/initdb" -D "$DIR/data" -U ejento --auth=trust -E UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

export EJENTO_TEST_POSTGRES_URL="postgres://ejento@127.0.0.1:$PORT/postgres"
echo "PostgreSQL for tests at 127.0.0.1:$PORT"
"$@"
