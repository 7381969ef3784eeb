-- +goose Up
CREATE TABLE accounts (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    api_key_restriction BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role             TEXT NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'AGENT')),
    name             TEXT NOT NULL,
    email            TEXT NOT NULL,
    email_normalized TEXT NOT NULL UNIQUE,
    password_hash    TEXT NOT NULL,
    signed_up_at     TIMESTAMPTZ NOT NULL,
    api_access       BOOLEAN NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_account_id ON users (account_id);
-- Exactly one owner per account.
CREATE UNIQUE INDEX users_one_owner ON users (account_id) WHERE role = 'OWNER';

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    last4       TEXT NOT NULL,
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX api_keys_account_created ON api_keys (account_id, created_at DESC, id DESC);
CREATE INDEX api_keys_user_created ON api_keys (user_id, created_at DESC, id DESC);

CREATE TABLE integration_usages (
    api_key_id    TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    integration   TEXT NOT NULL,
    first_used_at TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ NOT NULL,
    request_count BIGINT NOT NULL,
    PRIMARY KEY (api_key_id, integration)
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    client     TEXT NOT NULL CHECK (client IN ('WEB', 'MOBILE')),
    api_key_id TEXT REFERENCES api_keys (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX sessions_api_key_id ON sessions (api_key_id) WHERE api_key_id IS NOT NULL;

-- +goose Down
DROP TABLE sessions;
DROP TABLE integration_usages;
DROP TABLE api_keys;
DROP TABLE users;
DROP TABLE accounts;
