-- Files in documents (docs/design-docs.md §11): project state like task attachments, under
-- `projects/{p}/docs/{d}/{file}` in the blob store. An upload in progress belongs to a task or
-- to a document (SQLite cannot drop a NOT NULL: the table is rebuilt).
CREATE TABLE doc_files (
    id              BLOB PRIMARY KEY NOT NULL,    -- Paca's file id
    project_id      BLOB NOT NULL,
    document_id     BLOB NOT NULL,
    storage_key     TEXT NOT NULL UNIQUE,
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    file_size       INTEGER NOT NULL CHECK (file_size > 0),
    uploaded_by     BLOB,                         -- the user who initiated the upload
    created_by      BLOB,                         -- the user who completed it
    file_created_at TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX doc_files_project ON doc_files (project_id);

CREATE TABLE file_uploads_new (
    id                  BLOB PRIMARY KEY NOT NULL, -- becomes files.id or doc_files.id
    project_id          BLOB NOT NULL,
    task_id             BLOB,
    document_id         BLOB,
    storage_key         TEXT NOT NULL UNIQUE,
    file_name           TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    file_size           INTEGER NOT NULL CHECK (file_size > 0),
    multipart_upload_id TEXT,                      -- NULL: one PUT
    uploaded_by         BLOB,
    created_at          TEXT NOT NULL,
    expires_at          TEXT NOT NULL,
    claimed_until       TEXT,                      -- a complete in progress holds it until then
    CHECK ((task_id IS NULL) <> (document_id IS NULL))
);
INSERT INTO file_uploads_new (id, project_id, task_id, storage_key, file_name, content_type,
    file_size, multipart_upload_id, uploaded_by, created_at, expires_at, claimed_until)
    SELECT id, project_id, task_id, storage_key, file_name, content_type, file_size,
        multipart_upload_id, uploaded_by, created_at, expires_at, claimed_until
    FROM file_uploads;
DROP TABLE file_uploads;
ALTER TABLE file_uploads_new RENAME TO file_uploads;
CREATE INDEX file_uploads_expiry ON file_uploads (expires_at);
CREATE INDEX file_uploads_project ON file_uploads (project_id);
