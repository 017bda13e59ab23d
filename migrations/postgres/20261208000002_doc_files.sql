-- Files in documents (docs/design-docs.md §11): project state like task attachments, under
-- `projects/{p}/docs/{d}/{file}` in the blob store. An upload in progress belongs to a task or
-- to a document.
CREATE TABLE doc_files (
    id              UUID PRIMARY KEY,             -- Paca's file id
    project_id      UUID NOT NULL,
    document_id     UUID NOT NULL,
    storage_key     TEXT NOT NULL UNIQUE,
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    file_size       BIGINT NOT NULL CHECK (file_size > 0),
    uploaded_by     UUID,                         -- the user who initiated the upload
    created_by      UUID,                         -- the user who completed it
    file_created_at TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX doc_files_project ON doc_files (project_id);

ALTER TABLE file_uploads ALTER COLUMN task_id DROP NOT NULL;
ALTER TABLE file_uploads ADD COLUMN document_id UUID;
ALTER TABLE file_uploads ADD CONSTRAINT file_uploads_one_owner
    CHECK ((task_id IS NULL) <> (document_id IS NULL));
