-- +goose Up
-- The audit log: who did what to which key or user, from where. An event
-- outlives what it names (a deleted key keeps its id, name and last4 here),
-- so nothing references other tables. account_id is NULL for a failed
-- log-in with an unknown email, which no tenant sees.
CREATE TABLE audit_events (
    id             TEXT PRIMARY KEY,
    account_id     TEXT,
    action         TEXT NOT NULL,
    occurred_at    DATETIME NOT NULL,
    actor_user_id  TEXT,
    actor_email    TEXT,
    ip             TEXT,
    user_agent     TEXT,
    api_key_id     TEXT,
    api_key_name   TEXT,
    api_key_last4  TEXT,
    target_user_id TEXT,
    detail         TEXT
);
CREATE INDEX audit_events_account_occurred ON audit_events (account_id, occurred_at DESC, id DESC);

-- +goose Down
DROP TABLE audit_events;
