-- Chats between a member and an agent: a sequence of conversations; a paused one takes the
-- next message in the same sandbox.

CREATE TABLE agent_chat_sessions (
    id              BLOB PRIMARY KEY NOT NULL,
    agent_id        BLOB NOT NULL,
    project_id      BLOB NOT NULL,
    member_id       BLOB NOT NULL,
    title           TEXT,
    last_message_at TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX agent_chat_sessions_agent ON agent_chat_sessions (agent_id, member_id);
CREATE INDEX agent_conversations_chat ON agent_conversations (chat_session_id, created_at);
