-- Feature flags an organization has set; a flag without a row has its default.
CREATE TABLE feature_flags (
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    enabled         BIGINT NOT NULL,
    modified_by     TEXT NOT NULL,
    modified_on     TEXT NOT NULL,
    PRIMARY KEY (organization_id, name)
);
