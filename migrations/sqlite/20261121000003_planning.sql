-- Planning: sprints, views with manual task order, custom field definitions, task links.

CREATE TABLE sprints (
    id         BLOB PRIMARY KEY NOT NULL,
    project_id BLOB NOT NULL,
    name       TEXT NOT NULL,
    goal       TEXT,
    start_date TEXT,
    end_date   TEXT,
    status     TEXT NOT NULL CHECK (status IN ('planned', 'active', 'completed')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX sprints_project ON sprints (project_id);

CREATE TABLE sprint_views (
    id           BLOB PRIMARY KEY NOT NULL,
    project_id   BLOB NOT NULL,
    sprint_id    BLOB,
    name         TEXT NOT NULL,
    view_type    TEXT NOT NULL CHECK (view_type IN ('table', 'board', 'roadmap', 'plugin')),
    view_context TEXT NOT NULL CHECK (view_context IN ('sprint', 'backlog', 'timeline')),
    config       TEXT NOT NULL DEFAULT '{}',
    position     REAL NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX sprint_views_project ON sprint_views (project_id);

CREATE TABLE view_task_positions (
    view_id   BLOB NOT NULL,
    task_id   BLOB NOT NULL,
    position  REAL NOT NULL,
    group_key TEXT,
    PRIMARY KEY (view_id, task_id)
);

CREATE TABLE custom_field_definitions (
    id           BLOB PRIMARY KEY NOT NULL,
    project_id   BLOB NOT NULL,
    field_key    TEXT NOT NULL,
    display_name TEXT NOT NULL,
    field_type   TEXT NOT NULL CHECK (field_type IN ('text', 'number', 'date', 'select', 'multi_select', 'boolean', 'url')),
    options      TEXT NOT NULL DEFAULT '[]',
    is_required  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (project_id, field_key)
);

CREATE TABLE task_links (
    id             BLOB PRIMARY KEY NOT NULL,
    project_id     BLOB NOT NULL,
    source_task_id BLOB NOT NULL,
    target_task_id BLOB NOT NULL,
    link_type      TEXT NOT NULL CHECK (link_type IN ('blocks', 'relates_to', 'duplicates')),
    created_by     BLOB,
    created_at     TEXT NOT NULL,
    UNIQUE (source_task_id, target_task_id, link_type),
    CHECK (source_task_id <> target_task_id)
);
CREATE INDEX task_links_project ON task_links (project_id);
