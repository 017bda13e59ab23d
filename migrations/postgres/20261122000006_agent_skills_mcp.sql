-- An agent's skills (SKILL.md text with trigger keywords) and its own MCP servers. MCP
-- environment values are sealed like other agent secrets.

CREATE TABLE agent_skills (
    id            UUID PRIMARY KEY,
    agent_id      UUID NOT NULL,
    project_id    UUID NOT NULL,
    skill_name    TEXT NOT NULL,
    skill_source  TEXT NOT NULL CHECK (skill_source IN ('inline', 'marketplace', 'github_url')),
    skill_content TEXT NOT NULL DEFAULT '',
    source_url    TEXT,
    triggers      JSONB NOT NULL DEFAULT '[]',
    is_enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (agent_id, skill_name)
);
CREATE INDEX agent_skills_project ON agent_skills (project_id);

CREATE TABLE agent_mcp_servers (
    id          UUID PRIMARY KEY,
    agent_id    UUID NOT NULL,
    project_id  UUID NOT NULL,
    server_name TEXT NOT NULL,
    transport   TEXT NOT NULL CHECK (transport IN ('stdio', 'sse', 'http')),
    command     TEXT,
    args        JSONB NOT NULL DEFAULT '[]',
    url         TEXT,
    env         JSONB NOT NULL DEFAULT '{}',
    is_enabled  BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (agent_id, server_name)
);
CREATE INDEX agent_mcp_servers_project ON agent_mcp_servers (project_id);
