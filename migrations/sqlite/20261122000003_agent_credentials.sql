-- Each running conversation's own credential (SHA-256 of the token): the agent member, in its
-- project, until the conversation ends.

CREATE TABLE agent_credentials (
    token_hash      TEXT PRIMARY KEY NOT NULL,
    conversation_id BLOB NOT NULL,
    project_id      BLOB NOT NULL,
    agent_id        BLOB NOT NULL,
    member_id       BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    revoked_at      TEXT
);
CREATE INDEX agent_credentials_conversation ON agent_credentials (conversation_id);
