-- Files attached to tasks (docs/design-files.md). The bytes live in the blob store under
-- `storage_key`; these rows are project state, loaded with the project and written by its
-- commits, so an attachment appears with its event or not at all.
CREATE TABLE files (
    id              BLOB PRIMARY KEY NOT NULL,    -- Paca's file_id
    attachment_id   BLOB NOT NULL UNIQUE,         -- Paca's attachment id
    project_id      BLOB NOT NULL,
    task_id         BLOB NOT NULL,
    storage_key     TEXT NOT NULL UNIQUE,
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    file_size       INTEGER NOT NULL CHECK (file_size > 0),
    uploaded_by     BLOB,                         -- the user who initiated the upload
    created_by      BLOB,                         -- the user who completed it
    file_created_at TEXT NOT NULL,                -- when the upload was initiated
    created_at      TEXT NOT NULL                 -- when it was attached
);
CREATE INDEX files_project ON files (project_id);

-- Uploads initiated and not completed yet: written by the files service directly (no actor
-- owns them) and swept when they expire.
CREATE TABLE file_uploads (
    id                  BLOB PRIMARY KEY NOT NULL, -- becomes files.id
    project_id          BLOB NOT NULL,
    task_id             BLOB NOT NULL,
    storage_key         TEXT NOT NULL UNIQUE,
    file_name           TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    file_size           INTEGER NOT NULL CHECK (file_size > 0),
    multipart_upload_id TEXT,                      -- NULL: one PUT
    uploaded_by         BLOB,
    created_at          TEXT NOT NULL,
    expires_at          TEXT NOT NULL,
    claimed_until       TEXT                     -- a complete in progress holds it until then
);
CREATE INDEX file_uploads_expiry ON file_uploads (expires_at);
CREATE INDEX file_uploads_project ON file_uploads (project_id);
