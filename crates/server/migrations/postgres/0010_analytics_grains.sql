-- Every rollup table gets coarser copies of its rows beside the quarter-hour ones: whole UTC
-- hours (grain 1) and whole UTC days (grain 2), in the same table and kept in the same
-- transaction. A report reads the coarsest rows that lie wholly inside one of its buckets, and
-- quarter hours only at bucket edges that are not on a UTC hour (zones like +05:30), so 90 days
-- by day read 90 rows per key instead of 8,640 and stay exact in every zone.

CREATE TABLE usage_rollups_grains (
    organization_id   BIGINT NOT NULL,
    -- 0: a quarter hour, 1: an hour, 2: a day (UTC); slot is its first second.
    grain             BIGINT NOT NULL,
    slot              BIGINT NOT NULL,
    project_id        BIGINT NOT NULL,
    agent_id          BIGINT NOT NULL,
    user_id           BIGINT NOT NULL,
    model             TEXT NOT NULL,
    queries           BIGINT NOT NULL DEFAULT 0,
    prompt_tokens     BIGINT NOT NULL DEFAULT 0,
    completion_tokens BIGINT NOT NULL DEFAULT 0,
    total_tokens      BIGINT NOT NULL DEFAULT 0,
    cost_nanos        BIGINT NOT NULL DEFAULT 0,
    upvotes           BIGINT NOT NULL DEFAULT 0,
    downvotes         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, grain, slot, project_id, agent_id, user_id, model)
);
INSERT INTO usage_rollups_grains (organization_id, grain, slot, project_id, agent_id, user_id, model, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, 0, slot, project_id, agent_id, user_id, model, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes FROM usage_rollups;
INSERT INTO usage_rollups_grains (organization_id, grain, slot, project_id, agent_id, user_id, model, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, 1, slot - slot % 3600, project_id, agent_id, user_id, model, SUM(queries), SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), SUM(cost_nanos), SUM(upvotes), SUM(downvotes)
FROM usage_rollups GROUP BY organization_id, slot - slot % 3600, project_id, agent_id, user_id, model;
INSERT INTO usage_rollups_grains (organization_id, grain, slot, project_id, agent_id, user_id, model, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, 2, slot - slot % 86400, project_id, agent_id, user_id, model, SUM(queries), SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), SUM(cost_nanos), SUM(upvotes), SUM(downvotes)
FROM usage_rollups GROUP BY organization_id, slot - slot % 86400, project_id, agent_id, user_id, model;
DROP TABLE usage_rollups;
ALTER TABLE usage_rollups_grains RENAME TO usage_rollups;
CREATE TABLE usage_agent_slots_grains (
    organization_id   BIGINT NOT NULL,
    -- 0: a quarter hour, 1: an hour, 2: a day (UTC); slot is its first second.
    grain             BIGINT NOT NULL,
    slot              BIGINT NOT NULL,
    project_id        BIGINT NOT NULL,
    agent_id          BIGINT NOT NULL,
    queries           BIGINT NOT NULL DEFAULT 0,
    prompt_tokens     BIGINT NOT NULL DEFAULT 0,
    completion_tokens BIGINT NOT NULL DEFAULT 0,
    total_tokens      BIGINT NOT NULL DEFAULT 0,
    cost_nanos        BIGINT NOT NULL DEFAULT 0,
    upvotes           BIGINT NOT NULL DEFAULT 0,
    downvotes         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, grain, slot, project_id, agent_id)
);
INSERT INTO usage_agent_slots_grains (organization_id, grain, slot, project_id, agent_id, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, 0, slot, project_id, agent_id, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes FROM usage_agent_slots;
INSERT INTO usage_agent_slots_grains (organization_id, grain, slot, project_id, agent_id, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, 1, slot - slot % 3600, project_id, agent_id, SUM(queries), SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), SUM(cost_nanos), SUM(upvotes), SUM(downvotes)
FROM usage_agent_slots GROUP BY organization_id, slot - slot % 3600, project_id, agent_id;
INSERT INTO usage_agent_slots_grains (organization_id, grain, slot, project_id, agent_id, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, 2, slot - slot % 86400, project_id, agent_id, SUM(queries), SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), SUM(cost_nanos), SUM(upvotes), SUM(downvotes)
FROM usage_agent_slots GROUP BY organization_id, slot - slot % 86400, project_id, agent_id;
DROP TABLE usage_agent_slots;
ALTER TABLE usage_agent_slots_grains RENAME TO usage_agent_slots;
CREATE TABLE usage_user_slots_grains (
    organization_id   BIGINT NOT NULL,
    -- 0: a quarter hour, 1: an hour, 2: a day (UTC); slot is its first second.
    grain             BIGINT NOT NULL,
    slot              BIGINT NOT NULL,
    user_id           BIGINT NOT NULL,
    queries           BIGINT NOT NULL DEFAULT 0,
    prompt_tokens     BIGINT NOT NULL DEFAULT 0,
    completion_tokens BIGINT NOT NULL DEFAULT 0,
    total_tokens      BIGINT NOT NULL DEFAULT 0,
    cost_nanos        BIGINT NOT NULL DEFAULT 0,
    upvotes           BIGINT NOT NULL DEFAULT 0,
    downvotes         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, grain, slot, user_id)
);
INSERT INTO usage_user_slots_grains (organization_id, grain, slot, user_id, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, 0, slot, user_id, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes FROM usage_user_slots;
INSERT INTO usage_user_slots_grains (organization_id, grain, slot, user_id, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, 1, slot - slot % 3600, user_id, SUM(queries), SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), SUM(cost_nanos), SUM(upvotes), SUM(downvotes)
FROM usage_user_slots GROUP BY organization_id, slot - slot % 3600, user_id;
INSERT INTO usage_user_slots_grains (organization_id, grain, slot, user_id, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, 2, slot - slot % 86400, user_id, SUM(queries), SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), SUM(cost_nanos), SUM(upvotes), SUM(downvotes)
FROM usage_user_slots GROUP BY organization_id, slot - slot % 86400, user_id;
DROP TABLE usage_user_slots;
ALTER TABLE usage_user_slots_grains RENAME TO usage_user_slots;
CREATE TABLE usage_org_slots_grains (
    organization_id   BIGINT NOT NULL,
    -- 0: a quarter hour, 1: an hour, 2: a day (UTC); slot is its first second.
    grain             BIGINT NOT NULL,
    slot              BIGINT NOT NULL,
    queries           BIGINT NOT NULL DEFAULT 0,
    prompt_tokens     BIGINT NOT NULL DEFAULT 0,
    completion_tokens BIGINT NOT NULL DEFAULT 0,
    total_tokens      BIGINT NOT NULL DEFAULT 0,
    cost_nanos        BIGINT NOT NULL DEFAULT 0,
    upvotes           BIGINT NOT NULL DEFAULT 0,
    downvotes         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, grain, slot)
);
INSERT INTO usage_org_slots_grains (organization_id, grain, slot, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, 0, slot, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes FROM usage_org_slots;
INSERT INTO usage_org_slots_grains (organization_id, grain, slot, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, 1, slot - slot % 3600, SUM(queries), SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), SUM(cost_nanos), SUM(upvotes), SUM(downvotes)
FROM usage_org_slots GROUP BY organization_id, slot - slot % 3600;
INSERT INTO usage_org_slots_grains (organization_id, grain, slot, queries, prompt_tokens, completion_tokens, total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, 2, slot - slot % 86400, SUM(queries), SUM(prompt_tokens), SUM(completion_tokens), SUM(total_tokens), SUM(cost_nanos), SUM(upvotes), SUM(downvotes)
FROM usage_org_slots GROUP BY organization_id, slot - slot % 86400;
DROP TABLE usage_org_slots;
ALTER TABLE usage_org_slots_grains RENAME TO usage_org_slots;
CREATE INDEX usage_rollups_agent ON usage_rollups(organization_id, grain, agent_id, slot);
CREATE INDEX usage_rollups_user ON usage_rollups(organization_id, grain, user_id, slot);
CREATE INDEX usage_rollups_project ON usage_rollups(organization_id, grain, project_id, slot);
