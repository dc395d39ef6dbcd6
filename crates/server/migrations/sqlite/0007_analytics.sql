-- Analytics read rollups, never raw responses. Usage is kept by organization, project, agent,
-- user and model in 15-minute UTC slots: every time zone's hours, days, weeks and months start
-- on a 15-minute boundary, so any zone's buckets are sums of whole slots. Rows are changed in
-- the same transaction as the response or vote they count; `ejento-server analytics rebuild`
-- recomputes them from agent_responses and response_feedback and reports any difference.
ALTER TABLE agent_responses ADD COLUMN project_id INTEGER;
-- The answerer: a model deployment's name, or 'local'.
ALTER TABLE agent_responses ADD COLUMN model TEXT NOT NULL DEFAULT 'local';
UPDATE agent_responses SET project_id = (SELECT a.project_id FROM agents a WHERE a.id = agent_responses.agent_id);

CREATE TABLE usage_rollups (
    organization_id   INTEGER NOT NULL,
    -- Unix seconds, a multiple of 900.
    slot              INTEGER NOT NULL,
    project_id        INTEGER NOT NULL,
    agent_id          INTEGER NOT NULL,
    user_id           INTEGER NOT NULL,
    model             TEXT NOT NULL,
    -- Finished responses (completed, failed or cancelled); one that is still streaming is not yet counted.
    queries           INTEGER NOT NULL DEFAULT 0,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens      INTEGER NOT NULL DEFAULT 0,
    -- USD in billionths, summed exactly; shown as a decimal string.
    cost_nanos        INTEGER NOT NULL DEFAULT 0,
    -- Votes on these responses, whenever they were given.
    upvotes           INTEGER NOT NULL DEFAULT 0,
    downvotes         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, slot, project_id, agent_id, user_id, model)
);
CREATE INDEX usage_rollups_agent ON usage_rollups(organization_id, agent_id, slot);
CREATE INDEX usage_rollups_user ON usage_rollups(organization_id, user_id, slot);
CREATE INDEX usage_rollups_project ON usage_rollups(organization_id, project_id, slot);

-- Set once the rollups hold every finished response (a database from before rollups is rebuilt
-- on its first start).
CREATE TABLE analytics_state (
    id          INTEGER PRIMARY KEY,
    rebuilt_on  TEXT
);
INSERT INTO analytics_state (id, rebuilt_on) VALUES (1, NULL);

CREATE INDEX documents_org_created ON documents(organization_id, created_on);
CREATE INDEX chat_threads_org_created ON chat_threads(organization_id, created_on);
