-- Agents: AI project members with their LLM settings and sandbox environment. Secrets
-- (llm_api_key_secret, encrypted_value) are AES-256-GCM sealed: base64(nonce || ciphertext || tag).

CREATE TABLE agents (
    id                               BLOB PRIMARY KEY NOT NULL,
    project_id                       BLOB NOT NULL,
    member_id                        BLOB NOT NULL,
    name                             TEXT NOT NULL,
    handle                           TEXT NOT NULL,
    avatar_url                       TEXT,
    llm_provider                     TEXT NOT NULL,
    llm_model                        TEXT NOT NULL,
    llm_api_key_secret               TEXT NOT NULL,
    llm_base_url                     TEXT NOT NULL,
    system_prompt                    TEXT NOT NULL DEFAULT '',
    task_trigger_prompt              TEXT NOT NULL DEFAULT '',
    doc_comment_trigger_prompt       TEXT NOT NULL DEFAULT '',
    chat_trigger_prompt              TEXT NOT NULL DEFAULT '',
    description_write_trigger_prompt TEXT NOT NULL DEFAULT '',
    can_clone_repos                  BOOLEAN NOT NULL DEFAULT FALSE,
    can_create_prs                   BOOLEAN NOT NULL DEFAULT FALSE,
    max_iterations                   INTEGER NOT NULL CHECK (max_iterations BETWEEN 1 AND 500),
    timeout_minutes                  INTEGER NOT NULL CHECK (timeout_minutes BETWEEN 1 AND 480),
    git_committer_name               TEXT NOT NULL DEFAULT '',
    git_committer_email              TEXT NOT NULL DEFAULT '',
    created_by                       BLOB,
    created_at                       TEXT NOT NULL,
    updated_at                       TEXT NOT NULL,
    deleted_at                       TEXT
);
CREATE INDEX agents_project ON agents (project_id);
CREATE UNIQUE INDEX agents_live_handle ON agents (project_id, handle) WHERE deleted_at IS NULL;

CREATE TABLE agent_environment_variables (
    id              BLOB PRIMARY KEY NOT NULL,
    agent_id        BLOB NOT NULL,
    project_id      BLOB NOT NULL,
    key             TEXT NOT NULL,
    encrypted_value TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (agent_id, key)
);
CREATE INDEX agent_environment_variables_project ON agent_environment_variables (project_id);
