-- A vote is a record of its own with an id, as Ejento's `feedback[]` items are
-- (`{id, is_upvote, is_downvote, created_by, created_on, workflow_response}`); one per person
-- and response still.
CREATE TABLE response_feedback_with_ids (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id INTEGER NOT NULL REFERENCES agent_responses(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    vote        TEXT NOT NULL,
    created_on  TEXT NOT NULL,
    UNIQUE (response_id, user_id)
);
INSERT INTO response_feedback_with_ids (response_id, user_id, vote, created_on)
    SELECT response_id, user_id, vote, created_on FROM response_feedback ORDER BY created_on;
DROP TABLE response_feedback;
ALTER TABLE response_feedback_with_ids RENAME TO response_feedback;

-- An agent's connection to a corpus has an id too, as Ejento's connection objects do.
CREATE TABLE agent_corpora_with_ids (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id     INTEGER NOT NULL REFERENCES agents(id),
    corpus_id    INTEGER NOT NULL REFERENCES corpora(id),
    is_enabled   INTEGER NOT NULL DEFAULT 1,
    is_default   INTEGER NOT NULL DEFAULT 0,
    connected_by TEXT NOT NULL,
    created_on   TEXT NOT NULL,
    UNIQUE (agent_id, corpus_id)
);
INSERT INTO agent_corpora_with_ids (agent_id, corpus_id, is_enabled, is_default, connected_by, created_on)
    SELECT agent_id, corpus_id, is_enabled, is_default, connected_by, created_on FROM agent_corpora
    ORDER BY created_on, agent_id, corpus_id;
DROP TABLE agent_corpora;
ALTER TABLE agent_corpora_with_ids RENAME TO agent_corpora;
CREATE INDEX agent_corpora_corpus ON agent_corpora(corpus_id);

-- Votes on workflow answers have ids too (`feedback[].workflow_response` names the answer).
CREATE TABLE workflow_response_feedback_with_ids (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_response_id INTEGER NOT NULL REFERENCES workflow_responses(id),
    user_id              INTEGER NOT NULL REFERENCES users(id),
    vote                 TEXT NOT NULL,
    created_on           TEXT NOT NULL,
    UNIQUE (workflow_response_id, user_id)
);
INSERT INTO workflow_response_feedback_with_ids (workflow_response_id, user_id, vote, created_on)
    SELECT workflow_response_id, user_id, vote, created_on FROM workflow_response_feedback ORDER BY created_on;
DROP TABLE workflow_response_feedback;
ALTER TABLE workflow_response_feedback_with_ids RENAME TO workflow_response_feedback;
