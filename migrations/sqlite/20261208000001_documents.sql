-- Documents (docs/design-docs.md §4). `documents` and `doc_comments` are project state: loaded with the project and
-- written by its commits. A document's content is a Yjs document owned by its DocActor:
-- `doc_states` holds the compacted state and the document's update order, `doc_updates` the
-- updates appended since, `doc_snapshots` Paca's history.
CREATE TABLE documents (
    id         BLOB PRIMARY KEY NOT NULL,
    project_id BLOB NOT NULL,
    folder_id  BLOB,                    -- NULL: at the root
    title      TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    created_by BLOB,                    -- member ids
    updated_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX documents_project ON documents (project_id);

CREATE TABLE doc_comments (
    id          BLOB PRIMARY KEY NOT NULL,
    project_id  BLOB NOT NULL,
    document_id BLOB NOT NULL,
    author_id   BLOB NOT NULL,          -- member id
    content     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE INDEX doc_comments_project ON doc_comments (project_id);

CREATE TABLE doc_states (
    document_id BLOB PRIMARY KEY NOT NULL,
    project_id  BLOB NOT NULL,
    state       BLOB NOT NULL,          -- Yjs v1 update of everything up to state_seq
    state_seq   INTEGER NOT NULL,       -- updates folded into state
    last_seq    INTEGER NOT NULL,       -- the last update appended: the document's order
    updated_at  TEXT NOT NULL,
    CHECK (state_seq <= last_seq)
);

CREATE TABLE doc_updates (
    document_id BLOB NOT NULL,
    seq         INTEGER NOT NULL,       -- gapless per document
    data        BLOB NOT NULL,          -- one Yjs v1 update
    member_id   BLOB,                   -- who made it
    at          TEXT NOT NULL,
    PRIMARY KEY (document_id, seq)
) WITHOUT ROWID;

CREATE TABLE doc_snapshots (
    id              BLOB PRIMARY KEY NOT NULL,
    document_id     BLOB NOT NULL,
    project_id      BLOB NOT NULL,
    snapshot_number INTEGER NOT NULL,
    title           TEXT NOT NULL,
    content         TEXT,               -- BlockNote JSON; NULL: an empty document
    created_by      BLOB,               -- member id
    created_at      TEXT NOT NULL,
    UNIQUE (document_id, snapshot_number)
);

-- A document's activity feed reads its events from the log: only document events are indexed.
CREATE INDEX project_events_document ON project_events (project_id, subject_id, seq)
    WHERE type LIKE 'doc.%';

-- A mention in a document comment notifies with the document.
ALTER TABLE notifications ADD COLUMN document_id BLOB;
