-- Projects and everything a project actor owns, its event log, and notifications.
-- The actor keeps these tables consistent; the database enforces uniqueness as a backstop.

CREATE TABLE projects (
    id             BLOB PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    task_id_prefix TEXT NOT NULL,
    is_public      BOOLEAN NOT NULL DEFAULT FALSE,
    settings       TEXT NOT NULL DEFAULT '{}',
    created_by     BLOB,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT,
    -- The sequence of the last event written: the fence of every commit.
    event_seq      INTEGER NOT NULL DEFAULT 0,
    task_counter   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX projects_created ON projects (created_at, id) WHERE deleted_at IS NULL;

CREATE TABLE project_roles (
    id          BLOB PRIMARY KEY NOT NULL,
    project_id  BLOB NOT NULL,
    role_name   TEXT NOT NULL,
    permissions TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (project_id, role_name)
);

CREATE TABLE project_members (
    id              BLOB PRIMARY KEY NOT NULL,
    project_id      BLOB NOT NULL,
    user_id         BLOB,
    agent_id        BLOB,
    member_type     TEXT NOT NULL CHECK (member_type IN ('human', 'agent')),
    project_role_id BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted_at      TEXT
);
CREATE INDEX project_members_project ON project_members (project_id);
CREATE UNIQUE INDEX project_members_live_user ON project_members (project_id, user_id)
    WHERE deleted_at IS NULL AND user_id IS NOT NULL;
CREATE INDEX project_members_user ON project_members (user_id) WHERE deleted_at IS NULL;

CREATE TABLE task_types (
    id          BLOB PRIMARY KEY NOT NULL,
    project_id  BLOB NOT NULL,
    name        TEXT NOT NULL,
    icon        TEXT,
    color       TEXT,
    description TEXT,
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    is_system   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX task_types_project ON task_types (project_id);

CREATE TABLE task_statuses (
    id         BLOB PRIMARY KEY NOT NULL,
    project_id BLOB NOT NULL,
    name       TEXT NOT NULL,
    color      TEXT,
    position   INTEGER NOT NULL DEFAULT 0,
    category   TEXT NOT NULL CHECK (category IN ('backlog', 'refinement', 'ready', 'todo', 'inprogress', 'done')),
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX task_statuses_project ON task_statuses (project_id);

CREATE TABLE tasks (
    id             BLOB PRIMARY KEY NOT NULL,
    project_id     BLOB NOT NULL,
    task_number    INTEGER NOT NULL,
    task_type_id   BLOB,
    status_id      BLOB,
    sprint_id      BLOB,
    parent_task_id BLOB,
    title          TEXT NOT NULL,
    description    TEXT,
    importance     INTEGER NOT NULL DEFAULT 0 CHECK (importance >= 0),
    story_points   INTEGER CHECK (story_points >= 0),
    assignee_ids   TEXT NOT NULL DEFAULT '[]',
    reporter_id    BLOB,
    custom_fields  TEXT NOT NULL DEFAULT '{}',
    start_date     TEXT,
    due_date       TEXT,
    tags           TEXT NOT NULL DEFAULT '[]',
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT,
    UNIQUE (project_id, task_number)
);

CREATE TABLE task_comments (
    id               BLOB PRIMARY KEY NOT NULL,
    project_id       BLOB NOT NULL,
    task_id          BLOB NOT NULL,
    author_member_id BLOB NOT NULL,
    content          TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    deleted_at       TEXT
);
CREATE INDEX task_comments_project ON task_comments (project_id);

-- The log and outbox: one row per event, gapless per project.
CREATE TABLE project_events (
    project_id      BLOB NOT NULL,
    seq             INTEGER NOT NULL,
    id              BLOB NOT NULL UNIQUE,
    type            TEXT NOT NULL,
    actor_user_id   BLOB,
    actor_member_id BLOB,
    task_id         BLOB,
    subject_id      BLOB,
    at              TEXT NOT NULL,
    payload         TEXT NOT NULL,
    PRIMARY KEY (project_id, seq)
);
CREATE INDEX project_events_task ON project_events (project_id, task_id, seq) WHERE task_id IS NOT NULL;

CREATE TABLE notifications (
    id                BLOB PRIMARY KEY NOT NULL,
    recipient_user_id BLOB NOT NULL,
    actor_member_id   BLOB,
    type              TEXT NOT NULL CHECK (type IN ('assigned', 'mentioned')),
    task_id           BLOB,
    project_id        BLOB NOT NULL,
    read_at           TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX notifications_recipient ON notifications (recipient_user_id, created_at);
CREATE INDEX notifications_unread ON notifications (recipient_user_id) WHERE read_at IS NULL;
