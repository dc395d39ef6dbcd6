#!/usr/bin/env bash
# Sizes of the release dashboard (budget: initial wasm <= 350 KB brotli, <= 1.2 MB raw;
# initial transfer excluding charts <= 500 KB brotli). Expects scripts/build-dashboard.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."

printf '%-48s %10s %10s %10s\n' asset raw gzip-9 brotli-11
total_raw=0; total_gz=0; total_br=0
for f in dist/*.wasm dist/*.js dist/*.css dist/index.html; do
  [ -e "$f" ] || continue
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  br=$(brotli -q 11 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
  printf '%-48s %10d %10d %10d\n' "$(basename "$f")" "$raw" "$gz" "$br"
done
printf '%-48s %10d %10d %10d\n' "initial transfer (all of the above)" "$total_raw" "$total_gz" "$total_br"

# Retrieval over 1,000,000 generated chunks (in process, budget p95 <= 20 ms), indexing
# throughput through the real server, and retrieval over HTTP (budget p95 <= 50 ms).
echo
cargo bench -p ejento-server --bench indexing

# 1,000 answers streaming at once from the real server process (local answerer): time to first
# token and memory per stream. Each stream holds two sockets; raise the descriptor limit.
echo
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo bench -p ejento-server --bench streams

# A 48 KB Markdown answer at 1,000 tokens/s into the real chat view in headless Chromium:
# long tasks while it renders (budget: none over 50 ms).
echo
export CHROMEDRIVER=/usr/bin/chromedriver
cargo bench -p ejento-e2e --bench chat_render

# Every analytics endpoint over 90 days by day after seeding EJENTO_BENCH_RESPONSES (default
# 10,000,000) responses, on SQLite and on a throwaway PostgreSQL (budget: p95 <= 300 ms).
echo
scripts/with-postgres.sh cargo bench -p ejento-server --bench analytics
