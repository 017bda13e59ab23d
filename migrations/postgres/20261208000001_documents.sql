-- Documents (docs/design-docs.md §4). `documents` and `doc_comments` are project state: loaded with the project and
-- written by its commits. A document's content is a Yjs document owned by its DocActor:
-- `doc_states` holds the compacted state and the document's update order, `doc_updates` the
-- updates appended since, `doc_snapshots` Paca's history.
CREATE TABLE documents (
    id         UUID PRIMARY KEY,
    project_id UUID NOT NULL,
    folder_id  UUID,                    -- NULL: at the root
    title      TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    created_by UUID,                    -- member ids
    updated_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX documents_project ON documents (project_id);

CREATE TABLE doc_comments (
    id          UUID PRIMARY KEY,
    project_id  UUID NOT NULL,
    document_id UUID NOT NULL,
    author_id   UUID NOT NULL,          -- member id
    content     JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    deleted_at  TIMESTAMPTZ
);
CREATE INDEX doc_comments_project ON doc_comments (project_id);

CREATE TABLE doc_states (
    document_id UUID PRIMARY KEY,
    project_id  UUID NOT NULL,
    state       BYTEA NOT NULL,         -- Yjs v1 update of everything up to state_seq
    state_seq   BIGINT NOT NULL,        -- updates folded into state
    last_seq    BIGINT NOT NULL,        -- the last update appended: the document's order
    updated_at  TIMESTAMPTZ NOT NULL,
    CHECK (state_seq <= last_seq)
);

CREATE TABLE doc_updates (
    document_id UUID NOT NULL,
    seq         BIGINT NOT NULL,        -- gapless per document
    data        BYTEA NOT NULL,         -- one Yjs v1 update
    member_id   UUID,                   -- who made it
    at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (document_id, seq)
);

CREATE TABLE doc_snapshots (
    id              UUID PRIMARY KEY,
    document_id     UUID NOT NULL,
    project_id      UUID NOT NULL,
    snapshot_number BIGINT NOT NULL,
    title           TEXT NOT NULL,
    content         JSONB,              -- BlockNote JSON; NULL: an empty document
    created_by      UUID,               -- member id
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (document_id, snapshot_number)
);

-- A document's activity feed reads its events from the log: only document events are indexed.
CREATE INDEX project_events_document ON project_events (project_id, subject_id, seq)
    WHERE type LIKE 'doc.%';

-- A mention in a document comment notifies with the document.
ALTER TABLE notifications ADD COLUMN document_id UUID;
