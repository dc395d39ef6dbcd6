-- Documents, the durable indexing queue, chunks, and the change log search indexes follow.

CREATE TABLE documents (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  INTEGER NOT NULL REFERENCES organizations(id),
    corpus_id        INTEGER NOT NULL REFERENCES corpora(id),
    -- 'file' | 'text' | 'weblink'
    content_type     TEXT NOT NULL,
    -- the file name, the start of the text, or the URL
    source           TEXT NOT NULL,
    title            TEXT NOT NULL,
    -- the detected format: pdf, docx, xlsx, pptx, html, markdown, text, csv, json
    format           TEXT NOT NULL,
    size_bytes       INTEGER NOT NULL,
    content_hash     TEXT NOT NULL,
    object_key       TEXT NOT NULL,
    upload_from      TEXT NOT NULL DEFAULT 'web',
    is_attachment    INTEGER NOT NULL DEFAULT 0,
    -- 'pending' | 'parsing' | 'chunking' | 'indexing' | 'indexed' | 'failed'
    step             TEXT NOT NULL,
    progress         INTEGER NOT NULL DEFAULT 0,
    failure_reason   TEXT,
    chunk_count      INTEGER NOT NULL DEFAULT 0,
    -- chunks of this generation are the searchable ones; 0 = none yet
    live_generation  INTEGER NOT NULL DEFAULT 0,
    indexed_on       TEXT,
    -- when the source was last looked at (web links: fetched, even if unchanged)
    checked_on       TEXT,
    etag             TEXT,
    last_modified    TEXT,
    uploaded_by_id   INTEGER NOT NULL REFERENCES users(id),
    created_by       TEXT NOT NULL,
    created_on       TEXT NOT NULL,
    modified_by      TEXT NOT NULL,
    modified_on      TEXT NOT NULL,
    is_deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX documents_corpus ON documents(corpus_id, is_deleted, id);
CREATE INDEX documents_hash ON documents(corpus_id, content_hash);

CREATE TABLE document_tags (
    document_id INTEGER NOT NULL REFERENCES documents(id),
    tag         TEXT NOT NULL,
    PRIMARY KEY (document_id, tag)
);

-- What happened to a document, in order: its status history.
CREATE TABLE document_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    step        TEXT NOT NULL,
    message     TEXT NOT NULL,
    created_on  TEXT NOT NULL
);
CREATE INDEX document_events_document ON document_events(document_id, id);

-- The durable queue. A worker claims a job by taking a lease; a lease that expires (the worker
-- died) makes the job claimable again. `lease_token` fences a late worker out of finishing it.
CREATE TABLE indexing_jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id      INTEGER NOT NULL REFERENCES documents(id),
    -- 'index' (parse the stored file) | 'refetch' (fetch the web link again first)
    kind             TEXT NOT NULL,
    -- 'queued' | 'running' | 'done' | 'failed' | 'cancelled'
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    lease_token      INTEGER NOT NULL DEFAULT 0,
    lease_expires_on TEXT,
    created_on       TEXT NOT NULL,
    finished_on      TEXT
);
CREATE INDEX indexing_jobs_state ON indexing_jobs(state, id);
CREATE INDEX indexing_jobs_document ON indexing_jobs(document_id, state);

CREATE TABLE chunks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id     INTEGER NOT NULL REFERENCES documents(id),
    corpus_id       INTEGER NOT NULL,
    organization_id INTEGER NOT NULL,
    generation      INTEGER NOT NULL,
    ordinal         INTEGER NOT NULL,
    page            INTEGER,
    section         TEXT,
    text            TEXT NOT NULL
);
CREATE INDEX chunks_document ON chunks(document_id, generation, ordinal);

-- Every change to what is searchable, in order. Each server keeps its own search index and
-- applies this log, so replicas converge and a restarted server catches up.
CREATE TABLE search_changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL,
    created_on  TEXT NOT NULL
);

-- Chat threads are filled in by the chat issue; attachments connect corpora to them.
CREATE TABLE chat_threads (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id   INTEGER NOT NULL REFERENCES organizations(id),
    agent_id          INTEGER NOT NULL REFERENCES agents(id),
    user_id           INTEGER NOT NULL REFERENCES users(id),
    title             TEXT NOT NULL DEFAULT 'New Chat',
    chat_id           TEXT,
    is_system_created INTEGER NOT NULL DEFAULT 0,
    created_by        TEXT NOT NULL,
    created_on        TEXT NOT NULL,
    modified_by       TEXT NOT NULL,
    modified_on       TEXT NOT NULL,
    is_deleted        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX chat_threads_agent_user ON chat_threads(agent_id, user_id, is_deleted);

CREATE TABLE chat_thread_corpora (
    chat_thread_id INTEGER NOT NULL REFERENCES chat_threads(id),
    corpus_id      INTEGER NOT NULL REFERENCES corpora(id),
    connected_by   TEXT NOT NULL,
    created_on     TEXT NOT NULL,
    PRIMARY KEY (chat_thread_id, corpus_id)
);
