#!/usr/bin/env bash
# Every test: unit and server integration tests (SQLite, and PostgreSQL and an S3-protocol server
# (moto) on throwaway servers), end-to-end tests in headless Chromium against the release build,
# and the dashboard's wasm-bindgen tests in headless Chromium. Expects scripts/setup.sh and the dashboard build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:/usr/local/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver
# A one-off build gains nothing from incremental caches, which take gigabytes of disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# --no-fail-fast: one failing test binary must not hide the others' results.
echo "== native tests: unit, server on SQLite + PostgreSQL (+ S3 originals), end-to-end in Chromium"
native=0
scripts/with-postgres.sh scripts/with-s3.sh cargo test --workspace --exclude ejento-dashboard --no-fail-fast || native=$?

echo "== dashboard tests in headless Chromium (wasm-bindgen-test)"
# In a zone with DST, so the date arithmetic is tested across a clock change.
TZ=America/New_York cargo test -p ejento-dashboard --target wasm32-unknown-unknown --no-fail-fast

exit "$native"
