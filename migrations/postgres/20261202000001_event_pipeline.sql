-- The durable event pipeline (ARCHITECTURE §3.4): the event log is the outbox. A relay moves
-- committed events to the bus's event stream and records here how far it got per project.
-- Events committed before this migration were published by the old live path: mark them done.
ALTER TABLE projects ADD COLUMN relayed_seq BIGINT NOT NULL DEFAULT 0;
UPDATE projects SET relayed_seq = event_seq;
CREATE INDEX projects_unrelayed ON projects (id) WHERE relayed_seq < event_seq;

-- Durable consumers (agent triggers, automation, webhooks, plugin hooks): each handles every
-- event of every project once in effect, tracked by the last sequence handled per project.
CREATE TABLE event_consumers (
    name       TEXT PRIMARY KEY NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE consumer_offsets (
    consumer   TEXT NOT NULL REFERENCES event_consumers (name) ON DELETE CASCADE,
    project_id UUID NOT NULL,
    seq        BIGINT NOT NULL,
    PRIMARY KEY (consumer, project_id)
);
