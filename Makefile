# The two commands of the README: `make run` and `make test`. Both install what they need first.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:/usr/local/bin:$(PATH)

.PHONY: setup dashboard run dev test bench fuzz fuzz-api lint clean

setup:
	@bash scripts/setup.sh

dashboard: setup
	@bash scripts/build-dashboard.sh

## A working product at http://127.0.0.1:8080 with demo data (SQLite under ./data/).
run: dashboard
	cargo run --release -p ejento-server -- serve --demo

## Every test: unit, server integration (SQLite + PostgreSQL), wasm in Chromium, end-to-end in Chromium.
test: dashboard
	@bash scripts/test.sh

## Development: the server on :8080 and `trunk serve` with live reload on http://127.0.0.1:8081.
dev: setup
	cargo build -p ejento-server
	@trap 'kill 0' EXIT; \
	  ./target/debug/ejento-server serve --demo --dist target/serve-dist & \
	  TRUNK_BUILD_DIST=target/serve-dist trunk serve

## Benchmarks (dashboard sizes, retrieval, indexing, streaming, chat rendering); not part of `make test`.
bench: dashboard
	@bash scripts/bench.sh

## Fuzz every parser and the chunker (FUZZ_SECONDS each, default 60; nightly + cargo-fuzz); not part of `make test`.
fuzz:
	@bash scripts/fuzz.sh

## Property-based fuzzing of the whole HTTP API from its OpenAPI document (Schemathesis, from PyPI,
## FUZZ_API_SECONDS, default 600): no 5xx, every response as documented; not part of `make test`.
fuzz-api: setup
	@bash scripts/fuzz-api.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --exclude ejento-dashboard --all-targets -- -D warnings
	cargo clippy -p ejento-dashboard --target wasm32-unknown-unknown --all-targets -- -D warnings

clean:
	cargo clean
	rm -rf dist
