-- Usage per user (without agents), for user breakdowns and active-user counts of the whole
-- organization; kept like usage_agent_slots.
CREATE TABLE usage_user_slots (
    organization_id   INTEGER NOT NULL,
    slot              INTEGER NOT NULL,
    user_id           INTEGER NOT NULL,
    queries           INTEGER NOT NULL DEFAULT 0,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens      INTEGER NOT NULL DEFAULT 0,
    cost_nanos        INTEGER NOT NULL DEFAULT 0,
    upvotes           INTEGER NOT NULL DEFAULT 0,
    downvotes         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, slot, user_id)
);
INSERT INTO usage_user_slots (organization_id, slot, user_id, queries, prompt_tokens, completion_tokens,
    total_tokens, cost_nanos, upvotes, downvotes)
SELECT organization_id, slot, user_id, SUM(queries), SUM(prompt_tokens), SUM(completion_tokens),
    SUM(total_tokens), SUM(cost_nanos), SUM(upvotes), SUM(downvotes)
FROM usage_rollups GROUP BY organization_id, slot, user_id;
