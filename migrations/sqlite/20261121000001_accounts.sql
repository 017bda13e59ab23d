-- Accounts: global roles, users, personal API keys and browser sessions.
-- Ids are UUIDs (v7, stored as 16-byte blobs); times are RFC 3339 text in UTC.

CREATE TABLE global_roles (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    permissions TEXT NOT NULL DEFAULT '{}',
    is_system   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE users (
    id                   BLOB PRIMARY KEY NOT NULL,
    username             TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    full_name            TEXT NOT NULL DEFAULT '',
    role_id              BLOB REFERENCES global_roles (id) ON DELETE SET NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    is_active            BOOLEAN NOT NULL DEFAULT TRUE,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    deleted_at           TEXT
);
-- A username is unique among users that are not deleted; a deleted user's name can be reused.
CREATE UNIQUE INDEX users_username_live ON users (username) WHERE deleted_at IS NULL;
CREATE INDEX users_username ON users (username);
CREATE INDEX users_role ON users (role_id);

CREATE TABLE api_keys (
    id           BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    key_prefix   TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    last_used_at TEXT,
    expires_at   TEXT,
    revoked_at   TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at);

-- One row per login; every refresh token of that login belongs to it.
CREATE TABLE session_families (
    id         BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX session_families_user_live ON session_families (user_id) WHERE revoked_at IS NULL;

-- Spent refresh tokens, for reuse detection; pruned once their tokens have expired.
CREATE TABLE refresh_token_uses (
    jti       BLOB PRIMARY KEY NOT NULL,
    family_id BLOB NOT NULL,
    used_at   TEXT NOT NULL
);
CREATE INDEX refresh_token_uses_used_at ON refresh_token_uses (used_at);
