-- Coarser copies of usage_rollups for the common questions, so they read a few rows per slot
-- instead of one per (project, agent, user, model): the organization as a whole, and per agent
-- (with its project, so projects and teams add up from it). Kept in the same transaction as
-- usage_rollups; `analytics rebuild` recomputes them from it.
CREATE TABLE usage_org_slots (
    organization_id   INTEGER NOT NULL,
    slot              INTEGER NOT NULL,
    queries           INTEGER NOT NULL DEFAULT 0,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens      INTEGER NOT NULL DEFAULT 0,
    cost_nanos        INTEGER NOT NULL DEFAULT 0,
    upvotes           INTEGER NOT NULL DEFAULT 0,
    downvotes         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, slot)
);
CREATE TABLE usage_agent_slots (
    organization_id   INTEGER NOT NULL,
    slot              INTEGER NOT NULL,
    project_id        INTEGER NOT NULL,
    agent_id          INTEGER NOT NULL,
    queries           INTEGER NOT NULL DEFAULT 0,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens      INTEGER NOT NULL DEFAULT 0,
    cost_nanos        INTEGER NOT NULL DEFAULT 0,
    upvotes           INTEGER NOT NULL DEFAULT 0,
    downvotes         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, slot, project_id, agent_id)
);
INSERT INTO usage_org_slots (organization_id, slot, queries, prompt_tokens, completion_tokens, total_tokens,
    cost_nanos, upvotes, downvotes)
SELECT organization_id, slot, SUM(queries), SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens),
    SUM(cost_nanos), SUM(upvotes), SUM(downvotes)
FROM usage_rollups GROUP BY organization_id, slot;
INSERT INTO usage_agent_slots (organization_id, slot, project_id, agent_id, queries, prompt_tokens,
    completion_tokens, total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, slot, project_id, agent_id, SUM(queries), SUM(prompt_tokens), SUM(completion_tokens),
    SUM(total_tokens), SUM(cost_nanos), SUM(upvotes), SUM(downvotes)
FROM usage_rollups GROUP BY organization_id, slot, project_id, agent_id;
