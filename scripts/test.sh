#!/usr/bin/env bash
# Every test: unit and server integration tests (SQLite, and PostgreSQL on a throwaway server),
# end-to-end tests in headless Chromium against the release build, and the dashboard's
# wasm-bindgen tests in headless Chromium. Expects scripts/setup.sh and the dashboard build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:/usr/local/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver
# A one-off build gains nothing from incremental caches, which take gigabytes of disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

echo "== native tests: unit, server on SQLite + PostgreSQL, end-to-end in Chromium"
scripts/with-postgres.sh cargo test --workspace --exclude ejento-dashboard

echo "== dashboard tests in headless Chromium (wasm-bindgen-test)"
cargo test -p ejento-dashboard --target wasm32-unknown-unknown
