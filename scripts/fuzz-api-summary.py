"""What a `make fuzz-api` run reached, from its HAR report: per operation of the OpenAPI
document, the status classes it got. The 2xx count is how much of the API the fuzzer got past
validation and authorization into; 5xx must be 0."""

import collections
import glob
import json
import re
import sys
from urllib.parse import urlparse

out = sys.argv[1]
document = json.load(open(out + "/openapi.json"))
operations = []
for path, item in document["paths"].items():
    pattern = re.compile("^" + re.sub(r"\\\{[^/]+\\\}", "[^/]+", re.escape(path)) + "/?$")
    for method in item:
        # Literal segments first: /agents/filter before /agents/{agent_id}.
        operations.append((path.count("{"), method.upper(), pattern, f"{method.upper()} {path}"))
operations.sort(key=lambda o: o[0])

by_operation = collections.defaultdict(collections.Counter)
undocumented_methods = collections.Counter()
for har in glob.glob(out + "/har-*.json"):
    for entry in json.load(open(har))["log"]["entries"]:
        method, path = entry["request"]["method"], urlparse(entry["request"]["url"]).path
        status = entry["response"]["status"]
        status_class = f"{status // 100}xx" if status else "no answer"
        name = next((n for _, m, rx, n in operations if m == method and rx.match(path)), None)
        if name is None:
            undocumented_methods[status_class] += 1
        else:
            by_operation[name][status_class] += 1

total = collections.Counter()
for counts in by_operation.values():
    total.update(counts)
reached = [op for op, counts in by_operation.items() if counts["2xx"]]
print(
    f"fuzz-api: {sum(total.values())} requests to {len(by_operation)} of {len(operations)} operations: "
    + ", ".join(f"{k} {v}" for k, v in sorted(total.items()))
)
print(
    f"fuzz-api: undocumented methods probed {sum(undocumented_methods.values())} times: "
    + ", ".join(f"{k} {v}" for k, v in sorted(undocumented_methods.items()))
)
print(f"fuzz-api: {len(reached)} operations answered 2xx at least once; 5xx in all: {total['5xx'] + undocumented_methods['5xx']}")
never = sorted(op for op in by_operation if op not in reached)
if never:
    print(f"fuzz-api: {len(never)} operations never answered 2xx (generated ids, bodies or files did not fit):")
    for op in never:
        print("   ", op, dict(by_operation[op]))
