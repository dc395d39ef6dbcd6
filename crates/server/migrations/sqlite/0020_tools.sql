-- API tool templates: how to call an HTTP API (JSON of ApiToolSpec), reused to make API tools.
CREATE TABLE api_tool_templates (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    spec            TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_on      TEXT NOT NULL
);
CREATE INDEX api_tool_templates_organization ON api_tool_templates(organization_id);

-- Tools of an organization. config is the JSON of ToolConfig (never a secret); secret is the
-- tool's secret sealed with the server's secrets key (nonce and ciphertext, base64), or NULL.
CREATE TABLE tools (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    -- 'api' | 'rag' | 'web_search' | 'attachment'
    tool_type       TEXT NOT NULL,
    config          TEXT NOT NULL,
    secret          TEXT,
    is_enabled      INTEGER NOT NULL DEFAULT 1,
    is_deleted      INTEGER NOT NULL DEFAULT 0,
    created_by      TEXT NOT NULL,
    created_on      TEXT NOT NULL,
    modified_on     TEXT NOT NULL
);
CREATE INDEX tools_organization ON tools(organization_id, is_deleted);

CREATE TABLE agent_tools (
    agent_id        INTEGER NOT NULL REFERENCES agents(id),
    tool_id         INTEGER NOT NULL REFERENCES tools(id),
    created_by      TEXT NOT NULL,
    created_on      TEXT NOT NULL,
    PRIMARY KEY (agent_id, tool_id)
);
CREATE INDEX agent_tools_tool ON agent_tools(tool_id);
