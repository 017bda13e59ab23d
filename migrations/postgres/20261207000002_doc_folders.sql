-- Document folders (docs/design-docs.md §4): project state, loaded with the project and
-- written by its commits. A folder's sub-tree goes with it; its documents move to the root.
CREATE TABLE doc_folders (
    id         UUID PRIMARY KEY,
    project_id UUID NOT NULL,
    parent_id  UUID,                    -- NULL: a root folder
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    created_by UUID,                    -- member id
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX doc_folders_project ON doc_folders (project_id);
