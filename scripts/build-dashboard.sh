#!/usr/bin/env bash
# Builds the release dashboard into dist/ and writes .br/.gz beside each asset, which the
# server sends to browsers that accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:/usr/local/bin:$PATH"

trunk build --release
for f in dist/*.wasm dist/*.js dist/*.css dist/index.html; do
  [ -e "$f" ] || continue
  brotli -f -k -q 11 "$f"
  gzip -f -k -9 "$f"
done
