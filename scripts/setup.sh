#!/usr/bin/env bash
# Installs what building and testing need, only what is missing (safe to run again):
# the wasm32 target, trunk, wasm-bindgen-cli at the version in Cargo.lock, wasm-opt 132 (npm
# `binaryen`; never Debian's 108, which corrupts the wasm), Chromium + chromedriver, PostgreSQL
# and brotli (Debian packages), wasm-split-cli (crates.io). Everything comes from the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:/usr/local/bin:$PATH"

TRUNK_VERSION=0.22.1
BINARYEN_VERSION=132.0.0
WASM_SPLIT_VERSION=0.2.3
WBG_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v brotli >/dev/null || missing+=(brotli)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
  say "installing wasm-opt ${BINARYEN_VERSION%%.*} (npm binaryen)"
  as_root npm install -g --prefix /usr/local "binaryen@${BINARYEN_VERSION}" >/dev/null
fi

if ! trunk --version 2>/dev/null | grep -qx "trunk ${TRUNK_VERSION}"; then
  say "installing trunk ${TRUNK_VERSION} (about 10 minutes on two cores)"
  # trunk declares rustc 1.96.1 but builds fine on 1.95; thin profile settings save ~4 minutes.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install trunk --version "$TRUNK_VERSION" --locked --ignore-rust-version --quiet
fi

if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen ${WBG_VERSION}"; then
  say "installing wasm-bindgen-cli ${WBG_VERSION}"
  # No --locked: its lockfile pins a webpki-roots release the registry here lacks.
  cargo install wasm-bindgen-cli --version "$WBG_VERSION" --quiet
fi

if ! cargo install --list | grep -qx "wasm_split_cli_support v${WASM_SPLIT_VERSION}:"; then
  say "installing wasm-split-cli ${WASM_SPLIT_VERSION} (cuts the dashboard into lazily loaded modules)"
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked --quiet
fi

say "tools ready: $(trunk --version), $(wasm-bindgen --version), wasm-opt $(wasm-opt --version | awk '{print $3}')"
