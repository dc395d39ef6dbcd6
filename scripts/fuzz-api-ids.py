"""Writes a Schemathesis config that draws path ids from the demo organization's real ids most
of the time (and anything else the rest), so that generated requests reach the handlers' work
rather than stopping at "not found". Usage: fuzz-api-ids.py BASE_URL TOKEN OUT.toml"""

import json
import sys
import urllib.request

base, token, out = sys.argv[1:4]


def get(path):
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["data"]


def ids(path, key=None):
    """The ids of the first page's items (under `key`, or the page's one list)."""
    try:
        data = get(path)
        items = data[key] if key else next(v for v in data.values() if isinstance(v, list))
        return [item["id"] for item in items][:5]
    except Exception:
        return []


me = get("/api/v2/users/me")
agents = ids("/api/v2/agents?page_size=5", "agents")
threads = ids(f"/api/v2/agents/{agents[0]}/chat-threads?page_size=5", "chat_threads") if agents else []
responses = ids(f"/api/v2/chat-threads/{threads[0]}/agent-responses", "agent_responses") if threads else []
corpora = ids("/api/v2/corpora?page_size=5", "corpora")
dictionaries = {
    "organization_id": [me["organization"]["id"]],
    "agent_id": agents,
    "thread_id": threads,
    "response_id": responses,
    "corpus_id": corpora,
    "project_id": ids("/api/v2/projects?page_size=5"),
    "team_id": ids("/api/v2/teams?page_size=5"),
    "document_id": ids(f"/api/v2/corpora/{corpora[0]}/documents?page_size=5", "documents") if corpora else [],
    # Other people only: the fuzzer's own account must survive the run.
    "user_id": [u for u in ids("/api/v2/users?page_size=10") if u != me["id"]],
}
with open(out, "w") as f:
    for name, values in dictionaries.items():
        if values:
            f.write(f"[dictionaries.{name}]\nvalues = {json.dumps(values)}\n\n")
    f.write("[parameters]\n")
    for name, values in dictionaries.items():
        if values:
            f.write(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.8 }}\n')
print("fuzz-api: real ids for " + ", ".join(f"{k} {v}" for k, v in dictionaries.items() if v))
