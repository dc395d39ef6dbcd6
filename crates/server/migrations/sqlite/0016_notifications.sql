-- Notifications: one row per person told about something they care about (an indexing job of
-- theirs failed, an evaluation run of theirs ended, they were added to a team, project or
-- agent), or a message an administrator sent. Written in the same transaction as the event.
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    -- 'indexing_failed' | 'evaluation_finished' | 'added_to_team' | 'added_to_project'
    -- | 'agent_shared' | 'message'
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL DEFAULT '',
    -- A dashboard path to what it is about ('' for none).
    link            TEXT NOT NULL DEFAULT '',
    is_read         INTEGER NOT NULL DEFAULT 0,
    read_on         TEXT,
    created_by      TEXT NOT NULL,
    created_on      TEXT NOT NULL,
    is_deleted      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_user ON notifications(user_id, is_deleted, is_read, id);
