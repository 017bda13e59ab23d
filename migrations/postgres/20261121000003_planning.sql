-- Planning: sprints, views with manual task order, custom field definitions, task links.

CREATE TABLE sprints (
    id         UUID PRIMARY KEY,
    project_id UUID NOT NULL,
    name       TEXT NOT NULL,
    goal       TEXT,
    start_date DATE,
    end_date   DATE,
    status     TEXT NOT NULL CHECK (status IN ('planned', 'active', 'completed')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sprints_project ON sprints (project_id);

CREATE TABLE sprint_views (
    id           UUID PRIMARY KEY,
    project_id   UUID NOT NULL,
    sprint_id    UUID,
    name         TEXT NOT NULL,
    view_type    TEXT NOT NULL CHECK (view_type IN ('table', 'board', 'roadmap', 'plugin')),
    view_context TEXT NOT NULL CHECK (view_context IN ('sprint', 'backlog', 'timeline')),
    config       JSONB NOT NULL DEFAULT '{}',
    position     DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sprint_views_project ON sprint_views (project_id);

CREATE TABLE view_task_positions (
    view_id   UUID NOT NULL,
    task_id   UUID NOT NULL,
    position  DOUBLE PRECISION NOT NULL,
    group_key TEXT,
    PRIMARY KEY (view_id, task_id)
);

CREATE TABLE custom_field_definitions (
    id           UUID PRIMARY KEY,
    project_id   UUID NOT NULL,
    field_key    TEXT NOT NULL,
    display_name TEXT NOT NULL,
    field_type   TEXT NOT NULL CHECK (field_type IN ('text', 'number', 'date', 'select', 'multi_select', 'boolean', 'url')),
    options      JSONB NOT NULL DEFAULT '[]',
    is_required  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (project_id, field_key)
);

CREATE TABLE task_links (
    id             UUID PRIMARY KEY,
    project_id     UUID NOT NULL,
    source_task_id UUID NOT NULL,
    target_task_id UUID NOT NULL,
    link_type      TEXT NOT NULL CHECK (link_type IN ('blocks', 'relates_to', 'duplicates')),
    created_by     UUID,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (source_task_id, target_task_id, link_type),
    CHECK (source_task_id <> target_task_id)
);
CREATE INDEX task_links_project ON task_links (project_id);
