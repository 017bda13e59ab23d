-- Document folders (docs/design-docs.md §4): project state, loaded with the project and
-- written by its commits. A folder's sub-tree goes with it; its documents move to the root.
CREATE TABLE doc_folders (
    id         BLOB PRIMARY KEY NOT NULL,
    project_id BLOB NOT NULL,
    parent_id  BLOB,                    -- NULL: a root folder
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    created_by BLOB,                    -- member id
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX doc_folders_project ON doc_folders (project_id);
