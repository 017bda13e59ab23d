-- Agent conversations (one run of an agent in a sandbox) and the events the agent emitted.

CREATE TABLE agent_conversations (
    id                     BLOB PRIMARY KEY NOT NULL,
    agent_id               BLOB NOT NULL,
    project_id             BLOB NOT NULL,
    trigger_type           TEXT NOT NULL CHECK (trigger_type IN ('task_assigned', 'comment_mention', 'chat_message', 'description_write')),
    task_id                BLOB,
    comment_id             BLOB,
    chat_session_id        BLOB,
    triggered_by_member_id BLOB,
    status                 TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'finished', 'failed', 'stopped')),
    message                TEXT NOT NULL DEFAULT '',
    iteration_count        INTEGER NOT NULL DEFAULT 0,
    error_message          TEXT,
    sandbox_id             TEXT,
    started_at             TEXT,
    finished_at            TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);
CREATE INDEX agent_conversations_project ON agent_conversations (project_id, created_at);
CREATE INDEX agent_conversations_unfinished ON agent_conversations (status)
    WHERE status IN ('queued', 'running', 'paused');

CREATE TABLE agent_conversation_events (
    conversation_id BLOB NOT NULL,
    event_index     INTEGER NOT NULL,
    event_type      TEXT NOT NULL,
    event_source    TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (conversation_id, event_index)
);
