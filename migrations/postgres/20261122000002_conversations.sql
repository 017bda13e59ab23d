-- Agent conversations (one run of an agent in a sandbox) and the events the agent emitted.

CREATE TABLE agent_conversations (
    id                     UUID PRIMARY KEY,
    agent_id               UUID NOT NULL,
    project_id             UUID NOT NULL,
    trigger_type           TEXT NOT NULL CHECK (trigger_type IN ('task_assigned', 'comment_mention', 'chat_message', 'description_write')),
    task_id                UUID,
    comment_id             UUID,
    chat_session_id        UUID,
    triggered_by_member_id UUID,
    status                 TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'finished', 'failed', 'stopped')),
    message                TEXT NOT NULL DEFAULT '',
    iteration_count        INTEGER NOT NULL DEFAULT 0,
    error_message          TEXT,
    sandbox_id             TEXT,
    started_at             TIMESTAMPTZ,
    finished_at            TIMESTAMPTZ,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX agent_conversations_project ON agent_conversations (project_id, created_at);
CREATE INDEX agent_conversations_unfinished ON agent_conversations (status)
    WHERE status IN ('queued', 'running', 'paused');

CREATE TABLE agent_conversation_events (
    conversation_id UUID NOT NULL,
    event_index     BIGINT NOT NULL,
    event_type      TEXT NOT NULL,
    event_source    TEXT NOT NULL,
    payload         JSONB NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (conversation_id, event_index)
);
