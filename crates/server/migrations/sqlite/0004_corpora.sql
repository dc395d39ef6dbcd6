-- Corpora as users manage them: tags, scheduled refresh, and per-user permissions.
ALTER TABLE corpora ADD COLUMN refresh_enabled INTEGER NOT NULL DEFAULT 0;

CREATE TABLE corpus_tags (
    corpus_id INTEGER NOT NULL REFERENCES corpora(id),
    tag       TEXT NOT NULL,
    PRIMARY KEY (corpus_id, tag)
);

-- access: 'Read' (use and search it) or 'Write' (also add, change and remove documents).
CREATE TABLE corpus_permissions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    corpus_id  INTEGER NOT NULL REFERENCES corpora(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    access     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_on TEXT NOT NULL
);
CREATE UNIQUE INDEX corpus_permissions_user ON corpus_permissions(corpus_id, user_id);
