-- Guardrails of an organization (for every agent, or one agent when agent_id is set); config is
-- the JSON of what it looks for. Agents may turn a type of guardrail off for themselves.
CREATE TABLE guardrails (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    agent_id        INTEGER REFERENCES agents(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    -- 'pii' | 'blocked_terms' | 'blocked_topics' | 'max_input_length'
    guardrail_type  TEXT NOT NULL,
    -- 'input' | 'output' | 'both'
    applies_to      TEXT NOT NULL,
    -- 'redact' | 'block'
    action          TEXT NOT NULL,
    config          TEXT NOT NULL,
    is_enabled      INTEGER NOT NULL DEFAULT 1,
    created_by      TEXT NOT NULL,
    created_on      TEXT NOT NULL,
    modified_on     TEXT NOT NULL
);
CREATE INDEX guardrails_organization ON guardrails(organization_id);

CREATE TABLE agent_guardrail_types (
    agent_id        INTEGER NOT NULL REFERENCES agents(id),
    guardrail_type  TEXT NOT NULL,
    is_enabled      INTEGER NOT NULL,
    PRIMARY KEY (agent_id, guardrail_type)
);

-- Administrative changes: who changed what, when, and the resource before and after (JSON).
CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    actor_id        INTEGER,
    actor           TEXT NOT NULL,
    -- e.g. 'guardrail.create', 'feature_flag.update', 'api_key.revoke'
    action          TEXT NOT NULL,
    resource_type   TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    summary         TEXT NOT NULL,
    before_json     TEXT,
    after_json      TEXT,
    created_on      TEXT NOT NULL
);
CREATE INDEX audit_log_organization ON audit_log(organization_id, id);
