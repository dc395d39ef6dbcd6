-- Foundation: organizations, users, sessions, sign-in throttling, passwordless links, API keys.
-- Timestamps are ISO-8601 UTC text with microseconds ("2026-01-08T22:00:19.910507Z"): they sort as
-- text and read the same on SQLite and PostgreSQL.
-- Flags are integers (0/1) on both backends: the portable driver reads one type everywhere.

CREATE TABLE server_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_name    TEXT NOT NULL,
    created_on  TEXT NOT NULL,
    modified_on TEXT NOT NULL
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    email           TEXT NOT NULL UNIQUE,
    password_hash   TEXT,
    first_name      TEXT NOT NULL DEFAULT '',
    last_name       TEXT NOT NULL DEFAULT '',
    role            TEXT NOT NULL,
    is_active       INTEGER NOT NULL DEFAULT 1,
    is_deleted      INTEGER NOT NULL DEFAULT 0,
    created_by      TEXT NOT NULL DEFAULT 'System',
    created_on      TEXT NOT NULL,
    modified_on     TEXT NOT NULL
);
CREATE INDEX users_org ON users(organization_id);

-- One row per issued auth-app token. A family is one sign-in; rotation adds a row to it.
CREATE TABLE refresh_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    family_id   TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_on  TEXT NOT NULL,
    expires_on  TEXT NOT NULL,
    used_on     TEXT,
    revoked_on  TEXT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);

-- Failed sign-ins, counted per account and per address over a sliding window. Kept in the
-- database (not in memory) so that replicas behind a load balancer share one count.
CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_key TEXT NOT NULL,
    address     TEXT NOT NULL,
    created_on  TEXT NOT NULL
);
CREATE INDEX login_failures_account ON login_failures(account_key, created_on);
CREATE INDEX login_failures_address ON login_failures(address, created_on);

CREATE TABLE passwordless_tokens (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER NOT NULL REFERENCES users(id),
    token_hash     TEXT NOT NULL UNIQUE,
    otp_session_id TEXT NOT NULL UNIQUE,
    code_hash      TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    created_on     TEXT NOT NULL,
    expires_on     TEXT NOT NULL,
    used_on        TEXT
);

CREATE TABLE api_keys (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    key_prefix      TEXT NOT NULL,
    key_hash        TEXT NOT NULL UNIQUE,
    scope           TEXT NOT NULL,
    restrictions    TEXT NOT NULL DEFAULT '{}',
    is_active       INTEGER NOT NULL DEFAULT 1,
    created_by      TEXT NOT NULL,
    created_on      TEXT NOT NULL
);
CREATE INDEX api_keys_org ON api_keys(organization_id);
