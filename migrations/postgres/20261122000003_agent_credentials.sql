-- Each running conversation's own credential (SHA-256 of the token): the agent member, in its
-- project, until the conversation ends.

CREATE TABLE agent_credentials (
    token_hash      TEXT PRIMARY KEY,
    conversation_id UUID NOT NULL,
    project_id      UUID NOT NULL,
    agent_id        UUID NOT NULL,
    member_id       UUID NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    revoked_at      TIMESTAMPTZ
);
CREATE INDEX agent_credentials_conversation ON agent_credentials (conversation_id);
