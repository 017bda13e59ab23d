-- Accounts: global roles, users, personal API keys and browser sessions.

CREATE TABLE global_roles (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    permissions JSONB NOT NULL DEFAULT '{}',
    is_system   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id                   UUID PRIMARY KEY,
    username             TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    full_name            TEXT NOT NULL DEFAULT '',
    role_id              UUID REFERENCES global_roles (id) ON DELETE SET NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    is_active            BOOLEAN NOT NULL DEFAULT TRUE,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    deleted_at           TIMESTAMPTZ
);
-- A username is unique among users that are not deleted; a deleted user's name can be reused.
CREATE UNIQUE INDEX users_username_live ON users (username) WHERE deleted_at IS NULL;
CREATE INDEX users_username ON users (username);
CREATE INDEX users_role ON users (role_id);

CREATE TABLE api_keys (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    key_prefix   TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    last_used_at TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at);

-- One row per login; every refresh token of that login belongs to it.
CREATE TABLE session_families (
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX session_families_user_live ON session_families (user_id) WHERE revoked_at IS NULL;

-- Spent refresh tokens, for reuse detection; pruned once their tokens have expired.
CREATE TABLE refresh_token_uses (
    jti       UUID PRIMARY KEY,
    family_id UUID NOT NULL,
    used_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX refresh_token_uses_used_at ON refresh_token_uses (used_at);
