-- Projects and everything a project actor owns, its event log, and notifications.
-- The actor keeps these tables consistent; the database enforces uniqueness as a backstop.

CREATE TABLE projects (
    id             UUID PRIMARY KEY,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    task_id_prefix TEXT NOT NULL,
    is_public      BOOLEAN NOT NULL DEFAULT FALSE,
    settings       JSONB NOT NULL DEFAULT '{}',
    created_by     UUID,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    deleted_at     TIMESTAMPTZ,
    -- The sequence of the last event written: the fence of every commit.
    event_seq      BIGINT NOT NULL DEFAULT 0,
    task_counter   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX projects_created ON projects (created_at, id) WHERE deleted_at IS NULL;

CREATE TABLE project_roles (
    id          UUID PRIMARY KEY,
    project_id  UUID NOT NULL,
    role_name   TEXT NOT NULL,
    permissions JSONB NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (project_id, role_name)
);

CREATE TABLE project_members (
    id              UUID PRIMARY KEY,
    project_id      UUID NOT NULL,
    user_id         UUID,
    agent_id        UUID,
    member_type     TEXT NOT NULL CHECK (member_type IN ('human', 'agent')),
    project_role_id UUID NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    deleted_at      TIMESTAMPTZ
);
CREATE INDEX project_members_project ON project_members (project_id);
CREATE UNIQUE INDEX project_members_live_user ON project_members (project_id, user_id)
    WHERE deleted_at IS NULL AND user_id IS NOT NULL;
CREATE INDEX project_members_user ON project_members (user_id) WHERE deleted_at IS NULL;

CREATE TABLE task_types (
    id          UUID PRIMARY KEY,
    project_id  UUID NOT NULL,
    name        TEXT NOT NULL,
    icon        TEXT,
    color       TEXT,
    description TEXT,
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    is_system   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX task_types_project ON task_types (project_id);

CREATE TABLE task_statuses (
    id         UUID PRIMARY KEY,
    project_id UUID NOT NULL,
    name       TEXT NOT NULL,
    color      TEXT,
    position   INTEGER NOT NULL DEFAULT 0,
    category   TEXT NOT NULL CHECK (category IN ('backlog', 'refinement', 'ready', 'todo', 'inprogress', 'done')),
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX task_statuses_project ON task_statuses (project_id);

CREATE TABLE tasks (
    id             UUID PRIMARY KEY,
    project_id     UUID NOT NULL,
    task_number    BIGINT NOT NULL,
    task_type_id   UUID,
    status_id      UUID,
    sprint_id      UUID,
    parent_task_id UUID,
    title          TEXT NOT NULL,
    description    JSONB,
    importance     INTEGER NOT NULL DEFAULT 0 CHECK (importance >= 0),
    story_points   INTEGER CHECK (story_points >= 0),
    assignee_ids   JSONB NOT NULL DEFAULT '[]',
    reporter_id    UUID,
    custom_fields  JSONB NOT NULL DEFAULT '{}',
    start_date     DATE,
    due_date       DATE,
    tags           JSONB NOT NULL DEFAULT '[]',
    version        BIGINT NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    deleted_at     TIMESTAMPTZ,
    UNIQUE (project_id, task_number)
);

CREATE TABLE task_comments (
    id               UUID PRIMARY KEY,
    project_id       UUID NOT NULL,
    task_id          UUID NOT NULL,
    author_member_id UUID NOT NULL,
    content          JSONB NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    deleted_at       TIMESTAMPTZ
);
CREATE INDEX task_comments_project ON task_comments (project_id);

-- The log and outbox: one row per event, gapless per project.
CREATE TABLE project_events (
    project_id      UUID NOT NULL,
    seq             BIGINT NOT NULL,
    id              UUID NOT NULL UNIQUE,
    type            TEXT NOT NULL,
    actor_user_id   UUID,
    actor_member_id UUID,
    task_id         UUID,
    subject_id      UUID,
    at              TIMESTAMPTZ NOT NULL,
    payload         JSONB NOT NULL,
    PRIMARY KEY (project_id, seq)
);
CREATE INDEX project_events_task ON project_events (project_id, task_id, seq) WHERE task_id IS NOT NULL;

CREATE TABLE notifications (
    id                UUID PRIMARY KEY,
    recipient_user_id UUID NOT NULL,
    actor_member_id   UUID,
    type              TEXT NOT NULL CHECK (type IN ('assigned', 'mentioned')),
    task_id           UUID,
    project_id        UUID NOT NULL,
    read_at           TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX notifications_recipient ON notifications (recipient_user_id, created_at);
CREATE INDEX notifications_unread ON notifications (recipient_user_id) WHERE read_at IS NULL;
