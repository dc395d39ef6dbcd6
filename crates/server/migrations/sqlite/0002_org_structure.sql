-- Organizations' structure: teams, projects, agents and everything hanging off an agent.
-- Soft delete (is_deleted) where the API has it; unique names only among live rows.

CREATE TABLE teams (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_on      TEXT NOT NULL,
    modified_by     TEXT NOT NULL,
    modified_on     TEXT NOT NULL,
    is_deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX teams_name ON teams(organization_id, name) WHERE is_deleted = 0;

CREATE TABLE team_members (
    team_id    INTEGER NOT NULL REFERENCES teams(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    role       TEXT NOT NULL,
    created_on TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

CREATE TABLE projects (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    team_id         INTEGER REFERENCES teams(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_on      TEXT NOT NULL,
    modified_by     TEXT NOT NULL,
    modified_on     TEXT NOT NULL,
    is_deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX projects_name ON projects(organization_id, name) WHERE is_deleted = 0;
CREATE INDEX projects_team ON projects(team_id);

CREATE TABLE project_members (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    role       TEXT NOT NULL,
    created_on TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members(user_id);

CREATE TABLE agent_types (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    modified_on     TEXT NOT NULL
);
CREATE UNIQUE INDEX agent_types_name ON agent_types(organization_id, name);

CREATE TABLE agents (
    id                        INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id           INTEGER NOT NULL REFERENCES organizations(id),
    project_id                INTEGER NOT NULL REFERENCES projects(id),
    owner_id                  INTEGER NOT NULL REFERENCES users(id),
    agent_type_id             INTEGER NOT NULL REFERENCES agent_types(id),
    agent_name                TEXT NOT NULL,
    domain                    TEXT NOT NULL DEFAULT '',
    industry_area             TEXT NOT NULL DEFAULT '',
    prefix_prompt             TEXT NOT NULL DEFAULT '',
    sample_q1                 TEXT NOT NULL DEFAULT '',
    sample_q2                 TEXT NOT NULL DEFAULT '',
    sample_q3                 TEXT NOT NULL DEFAULT '',
    access                    TEXT NOT NULL,
    status                    TEXT NOT NULL,
    is_active                 INTEGER NOT NULL DEFAULT 1,
    llm_config_id             INTEGER,
    caching_enabled           INTEGER NOT NULL DEFAULT 0,
    react_enabled             INTEGER NOT NULL DEFAULT 0,
    react_max_iteration_count INTEGER NOT NULL DEFAULT 10,
    reasoning_mode            TEXT NOT NULL,
    chunk_count               INTEGER NOT NULL DEFAULT 8,
    agent_image               TEXT NOT NULL DEFAULT '',
    cloned_from               INTEGER,
    created_by                TEXT NOT NULL,
    created_on                TEXT NOT NULL,
    modified_by               TEXT NOT NULL,
    modified_on               TEXT NOT NULL,
    is_deleted                INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX agents_org ON agents(organization_id, is_deleted);
CREATE INDEX agents_project ON agents(project_id);

CREATE TABLE agent_instructions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id    INTEGER NOT NULL REFERENCES agents(id),
    instruction TEXT NOT NULL,
    position    INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    created_on  TEXT NOT NULL,
    is_deleted  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX agent_instructions_agent ON agent_instructions(agent_id);

CREATE TABLE agent_tags (
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    tag      TEXT NOT NULL,
    PRIMARY KEY (agent_id, tag)
);

-- A full snapshot of the agent's configuration at each change (JSON text).
CREATE TABLE agent_history (
    history_id            INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id              INTEGER NOT NULL REFERENCES agents(id),
    history_date          TEXT NOT NULL,
    history_change_reason TEXT NOT NULL,
    modified_by           TEXT NOT NULL,
    snapshot              TEXT NOT NULL
);
CREATE INDEX agent_history_agent ON agent_history(agent_id, history_id);

CREATE TABLE agent_users (
    agent_id   INTEGER NOT NULL REFERENCES agents(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    role       TEXT NOT NULL,
    created_on TEXT NOT NULL,
    PRIMARY KEY (agent_id, user_id)
);
CREATE INDEX agent_users_user ON agent_users(user_id);

CREATE TABLE agent_aliases (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id   INTEGER NOT NULL REFERENCES agents(id),
    alias      TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_on TEXT NOT NULL
);
CREATE INDEX agent_aliases_agent ON agent_aliases(agent_id);

CREATE TABLE agent_comments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id    INTEGER NOT NULL REFERENCES agents(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    comment     TEXT NOT NULL,
    created_on  TEXT NOT NULL,
    modified_on TEXT NOT NULL,
    is_deleted  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX agent_comments_agent ON agent_comments(agent_id);

CREATE TABLE agent_reviews (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id    INTEGER NOT NULL REFERENCES agents(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    review      TEXT NOT NULL,
    rating      INTEGER,
    created_on  TEXT NOT NULL,
    modified_on TEXT NOT NULL,
    is_deleted  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX agent_reviews_agent ON agent_reviews(agent_id);
CREATE INDEX agent_reviews_user ON agent_reviews(user_id);

CREATE TABLE agent_ratings (
    agent_id    INTEGER NOT NULL REFERENCES agents(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    rating      INTEGER NOT NULL,
    modified_on TEXT NOT NULL,
    PRIMARY KEY (agent_id, user_id)
);

CREATE TABLE agent_votes (
    agent_id    INTEGER NOT NULL REFERENCES agents(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    vote        INTEGER NOT NULL,
    modified_on TEXT NOT NULL,
    PRIMARY KEY (agent_id, user_id)
);

CREATE TABLE starred_agents (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    agent_id   INTEGER NOT NULL REFERENCES agents(id),
    created_on TEXT NOT NULL,
    PRIMARY KEY (user_id, agent_id)
);

-- Recently opened agents, teams and projects per user (kind: agent | team | project).
CREATE TABLE recent_items (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL,
    item_id    INTEGER NOT NULL,
    visited_on TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, item_id)
);
CREATE INDEX recent_items_visited ON recent_items(user_id, kind, visited_on);

-- Corpora are filled in by the corpus issue; agents already get their default one.
CREATE TABLE corpora (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  INTEGER NOT NULL REFERENCES organizations(id),
    owner_id         INTEGER NOT NULL REFERENCES users(id),
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    indexing_mode_id INTEGER NOT NULL DEFAULT 3,
    corpus_type      TEXT NOT NULL DEFAULT 'standard',
    is_public        INTEGER NOT NULL DEFAULT 0,
    created_by       TEXT NOT NULL,
    created_on       TEXT NOT NULL,
    modified_by      TEXT NOT NULL,
    modified_on      TEXT NOT NULL,
    is_deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX corpora_org ON corpora(organization_id, is_deleted);

CREATE TABLE agent_corpora (
    agent_id     INTEGER NOT NULL REFERENCES agents(id),
    corpus_id    INTEGER NOT NULL REFERENCES corpora(id),
    is_enabled   INTEGER NOT NULL DEFAULT 1,
    is_default   INTEGER NOT NULL DEFAULT 0,
    connected_by TEXT NOT NULL,
    created_on   TEXT NOT NULL,
    PRIMARY KEY (agent_id, corpus_id)
);
CREATE INDEX agent_corpora_corpus ON agent_corpora(corpus_id);

CREATE TABLE user_org_permissions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    permission TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_on TEXT NOT NULL
);
CREATE UNIQUE INDEX user_org_permissions_unique ON user_org_permissions(user_id, permission);

CREATE TABLE llm_configurations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  INTEGER NOT NULL REFERENCES organizations(id),
    model_name       TEXT NOT NULL,
    model_deployment TEXT NOT NULL,
    provider         TEXT NOT NULL,
    is_enabled       INTEGER NOT NULL DEFAULT 1,
    is_default       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX llm_configurations_org ON llm_configurations(organization_id);

CREATE TABLE configurations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    settings        TEXT NOT NULL,
    is_active       INTEGER NOT NULL DEFAULT 0,
    created_on      TEXT NOT NULL
);
CREATE INDEX configurations_org ON configurations(organization_id);
