-- Workflows: a named set of a project's agents and the supervisor that routes questions across
-- them; conversations with a workflow are private to the person having them.
CREATE TABLE workflows (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    project_id      INTEGER NOT NULL REFERENCES projects(id),
    -- The creator, who may edit it besides the project's Admins.
    user_id         INTEGER NOT NULL REFERENCES users(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    -- 'Router' | 'Consolidator' | 'Dynamic'
    supervisor_type TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_on      TEXT NOT NULL,
    modified_by     TEXT NOT NULL,
    modified_on     TEXT NOT NULL,
    is_deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX workflows_org ON workflows(organization_id, is_deleted, id);
CREATE INDEX workflows_project ON workflows(project_id, is_deleted);

CREATE TABLE workflow_agents (
    workflow_id INTEGER NOT NULL REFERENCES workflows(id),
    agent_id    INTEGER NOT NULL REFERENCES agents(id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, agent_id)
);

CREATE TABLE workflow_chat_threads (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    workflow_id     INTEGER NOT NULL REFERENCES workflows(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    title           TEXT NOT NULL DEFAULT 'New Chat',
    created_by      TEXT NOT NULL,
    created_on      TEXT NOT NULL,
    modified_by     TEXT NOT NULL,
    modified_on     TEXT NOT NULL,
    is_deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX workflow_chat_threads_workflow ON workflow_chat_threads(workflow_id, user_id, is_deleted);
