-- Chat: what a response was built from, its streamed events, and people's reactions to it.

-- 'streaming' | 'completed' | 'cancelled' | 'failed' live in agent_responses.status.
ALTER TABLE agent_responses ADD COLUMN output TEXT;
ALTER TABLE agent_responses ADD COLUMN supporting TEXT;
ALTER TABLE agent_responses ADD COLUMN thoughts TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_responses ADD COLUMN is_pinned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agent_responses ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agent_responses ADD COLUMN latency_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agent_responses ADD COLUMN first_token_ms INTEGER;
ALTER TABLE agent_responses ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
-- Same agent, same question, same documents: the answer can be reused (agents with caching on).
ALTER TABLE agent_responses ADD COLUMN cache_key TEXT;
CREATE INDEX agent_responses_thread ON agent_responses(chat_thread_id, id);
CREATE INDEX agent_responses_cache ON agent_responses(agent_id, cache_key);

-- Every event of a stream, in order, so any replica can replay it from any point.
CREATE TABLE response_events (
    response_id INTEGER NOT NULL REFERENCES agent_responses(id),
    seq         INTEGER NOT NULL,
    event       TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (response_id, seq)
);

-- One vote per person and response: 'upvote' | 'downvote'.
CREATE TABLE response_feedback (
    response_id INTEGER NOT NULL REFERENCES agent_responses(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    vote        TEXT NOT NULL,
    created_on  TEXT NOT NULL,
    PRIMARY KEY (response_id, user_id)
);

CREATE TABLE response_comments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id INTEGER NOT NULL REFERENCES agent_responses(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    comment     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_on  TEXT NOT NULL
);
CREATE INDEX response_comments_response ON response_comments(response_id, id);

-- Conversation starters people added to an agent (beyond its three sample questions).
CREATE TABLE conversation_starters (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id   INTEGER NOT NULL REFERENCES agents(id),
    text       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_on TEXT NOT NULL
);
CREATE INDEX conversation_starters_agent ON conversation_starters(agent_id, id);
