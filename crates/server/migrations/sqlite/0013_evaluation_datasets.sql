-- Evaluation datasets: questions with expected answers, per agent; and the metrics answers
-- are scored by (four built in for every organization, plus each organization's own).
CREATE TABLE evaluation_datasets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    agent_id        INTEGER NOT NULL REFERENCES agents(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_on      TEXT NOT NULL,
    modified_by     TEXT NOT NULL,
    modified_on     TEXT NOT NULL,
    is_deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX evaluation_datasets_agent ON evaluation_datasets(agent_id, is_deleted);

CREATE TABLE evaluation_dataset_tags (
    dataset_id INTEGER NOT NULL REFERENCES evaluation_datasets(id),
    tag        TEXT NOT NULL,
    PRIMARY KEY (dataset_id, tag)
);

CREATE TABLE evaluation_queries (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id        INTEGER NOT NULL REFERENCES evaluation_datasets(id),
    question          TEXT NOT NULL,
    expected_answer   TEXT NOT NULL DEFAULT '',
    -- JSON array of document titles.
    expected_sources  TEXT NOT NULL DEFAULT '[]',
    agent_response_id INTEGER,
    created_on        TEXT NOT NULL,
    modified_on       TEXT NOT NULL,
    is_deleted        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX evaluation_queries_dataset ON evaluation_queries(dataset_id, is_deleted, id);

CREATE TABLE evaluation_metrics (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL: built in, shared by every organization.
    organization_id INTEGER REFERENCES organizations(id),
    name            TEXT NOT NULL,
    category        TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    -- 'computed' | 'manual'
    kind            TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_on      TEXT NOT NULL,
    is_deleted      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO evaluation_metrics (organization_id, name, category, description, kind, created_by, created_on) VALUES
    (NULL, 'Answer Similarity', 'Answer quality',
     'Closeness to the expected answer: F1 of their content words (lower-cased, stop words dropped); 1 when they say the same thing.',
     'computed', 'system', '2026-01-01T00:00:00.000000Z'),
    (NULL, 'Answer Relevance', 'Answer quality',
     'How much of the question the answer addresses: the share of the question''s content words that the answer uses.',
     'computed', 'system', '2026-01-01T00:00:00.000000Z'),
    (NULL, 'Faithfulness', 'Grounding',
     'The share of the answer''s sentences supported by the retrieved passages (at least 60% of a sentence''s content words appear in them).',
     'computed', 'system', '2026-01-01T00:00:00.000000Z'),
    (NULL, 'Context Recall', 'Retrieval',
     'The share of the expected sources among the retrieved documents; without expected sources, the share of the expected answer''s sentences supported by the retrieved passages.',
     'computed', 'system', '2026-01-01T00:00:00.000000Z');
CREATE INDEX evaluation_metrics_org ON evaluation_metrics(organization_id, is_deleted);
