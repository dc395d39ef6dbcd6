-- Evaluation runs: every question of a dataset asked of its agent, as a durable job any server
-- may take over when its lease runs out; each question's result once (unique per run), with
-- one score per metric.
CREATE TABLE evaluations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  INTEGER NOT NULL REFERENCES organizations(id),
    dataset_id       INTEGER NOT NULL REFERENCES evaluation_datasets(id),
    agent_id         INTEGER NOT NULL REFERENCES agents(id),
    -- Who started it: the agent is asked as this person.
    user_id          INTEGER NOT NULL REFERENCES users(id),
    name             TEXT NOT NULL,
    -- 'pending' | 'running' | 'completed' | 'cancelled' | 'failed'
    status           TEXT NOT NULL,
    total            INTEGER NOT NULL,
    -- The agent as it was asked: its last change when the run was created.
    agent_version    TEXT NOT NULL,
    lease_owner      TEXT,
    lease_until      TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    message          TEXT,
    created_by       TEXT NOT NULL,
    created_on       TEXT NOT NULL,
    started_on       TEXT,
    finished_on      TEXT,
    is_deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX evaluations_dataset ON evaluations(dataset_id, is_deleted, id);
CREATE INDEX evaluations_status ON evaluations(status, lease_until);

CREATE TABLE evaluation_query_results (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    evaluation_id     INTEGER NOT NULL REFERENCES evaluations(id),
    query_id          INTEGER NOT NULL REFERENCES evaluation_queries(id),
    question          TEXT NOT NULL,
    expected_answer   TEXT NOT NULL,
    answer            TEXT NOT NULL,
    -- JSON array of the passages the answer was drawn from (title, text, score).
    sources           TEXT NOT NULL DEFAULT '[]',
    agent_response_id INTEGER,
    -- 'completed' | 'failed'
    status            TEXT NOT NULL,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens      INTEGER NOT NULL DEFAULT 0,
    cost              TEXT NOT NULL DEFAULT '0',
    latency_ms        INTEGER NOT NULL DEFAULT 0,
    created_on        TEXT NOT NULL,
    UNIQUE (evaluation_id, query_id)
);

CREATE TABLE evaluation_metric_results (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    query_result_id INTEGER NOT NULL REFERENCES evaluation_query_results(id),
    metric_id       INTEGER NOT NULL REFERENCES evaluation_metrics(id),
    score           REAL NOT NULL,
    details         TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_on      TEXT NOT NULL,
    UNIQUE (query_result_id, metric_id)
);
