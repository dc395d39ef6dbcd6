-- Feature flags an organization has set; a flag without a row has its default.
CREATE TABLE feature_flags (
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    enabled         INTEGER NOT NULL,
    modified_by     TEXT NOT NULL,
    modified_on     TEXT NOT NULL,
    PRIMARY KEY (organization_id, name)
);
