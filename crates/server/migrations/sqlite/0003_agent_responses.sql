-- Answers given by agents. Chat writes them; projects, users and analytics read them.
-- Cost is a decimal string in USD, as the API returns it.
CREATE TABLE agent_responses (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id   INTEGER NOT NULL REFERENCES organizations(id),
    agent_id          INTEGER NOT NULL REFERENCES agents(id),
    chat_thread_id    INTEGER,
    user_id           INTEGER NOT NULL REFERENCES users(id),
    query             TEXT NOT NULL,
    response          TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    cost              TEXT NOT NULL DEFAULT '0',
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens      INTEGER NOT NULL DEFAULT 0,
    cache_hit         INTEGER NOT NULL DEFAULT 0,
    query_source      TEXT NOT NULL DEFAULT 'web',
    llm_config_id     INTEGER,
    created_on        TEXT NOT NULL,
    modified_on       TEXT NOT NULL,
    is_deleted        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX agent_responses_agent ON agent_responses(agent_id, created_on);
CREATE INDEX agent_responses_user ON agent_responses(user_id, created_on);
CREATE INDEX agent_responses_org ON agent_responses(organization_id, created_on);
