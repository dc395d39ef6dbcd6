-- Answers of workflows. Each agent a workflow asks answers as an ordinary agent response
-- (counted in that agent's analytics) linked here by workflow_response_id; the workflow's own
-- row holds the assembled answer, its events (for streaming and resuming) and people's votes
-- and reviews.
CREATE TABLE workflow_responses (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id   INTEGER NOT NULL REFERENCES organizations(id),
    workflow_id       INTEGER NOT NULL REFERENCES workflows(id),
    thread_id         INTEGER NOT NULL REFERENCES workflow_chat_threads(id),
    user_id           INTEGER NOT NULL REFERENCES users(id),
    query             TEXT NOT NULL,
    response          TEXT NOT NULL DEFAULT '',
    -- 'streaming' | 'completed' | 'cancelled' | 'failed'
    status            TEXT NOT NULL,
    output            TEXT,
    cancel_requested  INTEGER NOT NULL DEFAULT 0,
    -- Sums over the agents asked.
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens      INTEGER NOT NULL DEFAULT 0,
    cost              TEXT NOT NULL DEFAULT '0',
    query_source      TEXT NOT NULL DEFAULT 'web',
    created_by        TEXT NOT NULL,
    created_on        TEXT NOT NULL,
    -- Touched while it is being written, so a reader can tell a crashed writer from a slow one.
    modified_on       TEXT NOT NULL,
    is_deleted        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX workflow_responses_thread ON workflow_responses(thread_id, id);
CREATE INDEX workflow_responses_workflow ON workflow_responses(workflow_id, created_on);

CREATE TABLE workflow_response_events (
    workflow_response_id INTEGER NOT NULL REFERENCES workflow_responses(id),
    seq                  INTEGER NOT NULL,
    event                TEXT NOT NULL,
    data                 TEXT NOT NULL,
    PRIMARY KEY (workflow_response_id, seq)
);

-- One vote per person and answer: 'upvote' | 'downvote'.
CREATE TABLE workflow_response_feedback (
    workflow_response_id INTEGER NOT NULL REFERENCES workflow_responses(id),
    user_id              INTEGER NOT NULL REFERENCES users(id),
    vote                 TEXT NOT NULL,
    created_on           TEXT NOT NULL,
    PRIMARY KEY (workflow_response_id, user_id)
);

CREATE TABLE workflow_response_reviews (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_response_id INTEGER NOT NULL REFERENCES workflow_responses(id),
    user_id              INTEGER NOT NULL REFERENCES users(id),
    -- 1 to 5.
    rating               INTEGER NOT NULL,
    review               TEXT NOT NULL DEFAULT '',
    created_by           TEXT NOT NULL,
    created_on           TEXT NOT NULL
);
CREATE INDEX workflow_response_reviews_response ON workflow_response_reviews(workflow_response_id, id);

ALTER TABLE agent_responses ADD COLUMN workflow_response_id INTEGER;
