#!/usr/bin/env bash
# `make fuzz`: every fuzz target of the parsers and the chunker for FUZZ_SECONDS each (default
# 60), with libFuzzer through cargo-fuzz on the nightly toolchain. Seeds are in
# crates/parse/fuzz/seeds/<target>; what a run learns goes to target/fuzz-corpus/<target>;
# findings go to crates/parse/fuzz/artifacts/<target> and fail the run.
# FUZZ_TARGETS="pdf docx" runs only those.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:/usr/local/bin:$PATH"
seconds="${FUZZ_SECONDS:-60}"
targets="${FUZZ_TARGETS:-pdf docx spreadsheet pptx html csv json markdown chunker}"

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

cd crates/parse/fuzz
status=0
for target in $targets; do
  corpus="../../../target/fuzz-corpus/$target"
  mkdir -p "$corpus"
  echo "== $target for ${seconds}s"
  # -rss_limit_mb: past the budgets, memory is a finding; -timeout: so is a slow input.
  if ! cargo +nightly fuzz run "$target" "$corpus" "seeds/$target" -- \
      -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -max_len=1048576 \
      -print_final_stats=1 2>"../../../target/fuzz-$target.log"; then
    status=1
    echo "   FINDING: see crates/parse/fuzz/artifacts/$target and target/fuzz-$target.log"
  fi
  grep -E '^(stat::number_of_executed_units|Done [0-9]+ runs)' "../../../target/fuzz-$target.log" | tail -1 | sed 's/^/   /'
done
exit "$status"
