#!/usr/bin/env bash
# Builds the release dashboard into dist/ and writes .br/.gz beside each asset, which the
# server sends to browsers that accept them.
#
# Pages listed in src/lazy.rs are split into modules of their own, fetched when first opened:
# trunk builds with `--cfg ejento_split` and relocations kept, then wasm-split-cli cuts cargo's
# wasm at the split points, and wasm-bindgen + wasm-opt redo trunk's main module from the cut.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:/usr/local/bin:$PATH"

RUSTFLAGS="${RUSTFLAGS:-} --cfg ejento_split -Clink-args=--emit-relocs" trunk build --release

cargo_wasm=target/wasm32-unknown-unknown/wasm-release/ejento-dashboard.wasm
glue=$(ls dist/ejento-dashboard-*.js)
name=$(basename "$glue" .js)
main_wasm=$(ls dist/ejento-dashboard-*_bg.wasm)
work=target/wasm-split
rm -rf "$work"
wasm-split-cli --target web --out-name "$name" "$cargo_wasm" "$work/split"
wasm-bindgen "$work/split/$name.wasm" --target web --no-typescript --keep-lld-exports \
  --out-dir "$work/bindgen" --out-name "$name"
cp "$work/bindgen/$name.js" "$glue"
wasm-opt -Oz --enable-reference-types --output="$main_wasm" "$work/bindgen/${name}_bg.wasm"
cp "$work/split/__wasm_split.js" dist/
# The split points (split_*) and the code two or more of them share (chunk_*); binaryen warns
# about the name section wasm-split-cli leaves, harmlessly.
for chunk in "$work"/split/split_*.wasm "$work"/split/chunk_*.wasm; do
  [ -e "$chunk" ] || continue
  wasm-opt -Oz --enable-reference-types --output="dist/$(basename "$chunk")" "$chunk" 2>/dev/null
done
# trunk wrote subresource-integrity hashes of the two files just replaced.
node - "$glue" "$main_wasm" <<'JS'
const fs = require("fs"), crypto = require("crypto"), path = require("path");
let html = fs.readFileSync("dist/index.html", "utf8");
for (const file of process.argv.slice(2)) {
  const digest = crypto.createHash("sha384").update(fs.readFileSync(file)).digest("base64");
  const href = "/" + path.basename(file);
  html = html.replace(new RegExp(`(href="${href}"[^>]*integrity=")[^"]*"`), `$1sha384-${digest}"`);
}
// The wasm is fetched by the glue's init() without an integrity value, so a preload that has
// one is never used and Chromium warns about it on every load: preload it without.
html = html.replace(/(<link rel="preload" href="\/[^"]*_bg\.wasm"[^>]*?) integrity="[^"]*"/, "$1");
fs.writeFileSync("dist/index.html", html);
JS

for f in dist/*.wasm dist/*.js dist/*.css dist/index.html; do
  [ -e "$f" ] || continue
  brotli -f -k -q 11 "$f"
  gzip -f -k -9 "$f"
done
