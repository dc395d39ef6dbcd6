#!/usr/bin/env bash
# Sizes of the release dashboard (budget: initial wasm <= 350 KB brotli, <= 1.2 MB raw;
# initial transfer excluding charts <= 500 KB brotli). Expects scripts/build-dashboard.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."

# What a first visit loads (the HTML, the main module and its glue, the CSS), then what opening
# each lazily loaded section adds (its module and the shared chunks it needs, from
# dist/__wasm_split.js), then ECharts, which only a chart loads.
node - <<'JS'
const fs = require("fs"), zlib = require("zlib");
const sizes = (file) => {
  const data = fs.readFileSync("dist/" + file);
  return [
    data.length,
    zlib.gzipSync(data, { level: 9 }).length,
    zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  ];
};
const row = (name, [raw, gz, br]) =>
  console.log(name.padEnd(52) + [raw, gz, br].map((n) => String(n).padStart(10)).join(""));
const sum = (files) => files.map(sizes).reduce((a, b) => a.map((x, i) => x + b[i]), [0, 0, 0]);
console.log("".padEnd(52) + ["raw", "gzip-9", "brotli-11"].map((h) => h.padStart(10)).join(""));
const dist = fs.readdirSync("dist");
const mainWasm = dist.find((f) => /^ejento-dashboard-.*_bg\.wasm$/.test(f));
const initial = dist.filter((f) => f === "index.html" || /^ejento-dashboard-.*\.js$/.test(f) || /\.css$/.test(f));
initial.push(mainWasm, ...(dist.includes("__wasm_split.js") ? ["__wasm_split.js"] : []));
row("main module (" + mainWasm + ")", sizes(mainWasm));
const first = sum(initial);
row("first visit (HTML, glue, CSS, main module)", first);
const split = dist.includes("__wasm_split.js") ? fs.readFileSync("dist/__wasm_split.js", "utf8") : "";
const re = /export const __wasm_split_load_([a-z_]+?)_\d+ = wrapAsyncCb\(makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([^"]+)"[\s\S]*?\[([^\]]*)\]\)\)/g;
let all = new Set();
for (const [, name, file, deps] of split.matchAll(re)) {
  const files = [file, ...deps.split(",").map((d) => d.trim()).filter(Boolean).map((d) => d.replace("__", "") + ".wasm")];
  files.forEach((f) => all.add(f));
  row("  + opening " + name, sum(files));
}
const everything = sum([...initial, ...all]);
const analytics = [...split.matchAll(re)].find((m) => m[1] === "analytics");
const withoutAnalytics = analytics ? sum([...initial, ...[...all].filter((f) => f !== analytics[2])]) : everything;
row("every page but analytics", withoutAnalytics);
row("every page", everything);
const echarts = fs.readdirSync("dist/public/vendor").find((f) => f.startsWith("echarts"));
row("  + ECharts, loaded by the first chart", sizes("public/vendor/" + echarts));
JS

# Retrieval over 1,000,000 generated chunks (in process, budget p95 <= 20 ms), indexing
# throughput through the real server, and retrieval over HTTP (budget p95 <= 50 ms).
echo
cargo bench -p ejento-server --bench indexing

# Retrieval quality: 214 labelled questions over the installed manual pages, by keywords, by
# meaning (all-MiniLM-L6-v2) and hybrid: recall@5, MRR@10, nDCG@10 (budget: hybrid >= +10% over
# keyword on recall@5), embedding throughput, query latency p95 (budget <= 50 ms). The first run
# embeds every chunk (about 10 minutes on two cores) and keeps the vectors under target/.
echo
cargo bench -p ejento-server --bench retrieval_quality

# Live answers from the real server process (local answerer): first token with 200 at once, 2,000
# idle followers, 1,000 answers streaming at once (EJENTO_BENCH_ONLY=first-token,followers,streams
# runs some of them). Each stream holds two sockets; raise the descriptor limit.
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

# The JSON API under load: wrk with 64 connections against the release server on SQLite and a
# throwaway PostgreSQL (budget for GET /api/v2/agents: >= 5,000/s with p99 <= 20 ms on SQLite,
# >= 2,500/s with p99 <= 40 ms on PostgreSQL; GET /api/v2/users/me twice those rates).
echo
EJENTO_BENCH_RESPONSES=2000 scripts/bench-http.sh
