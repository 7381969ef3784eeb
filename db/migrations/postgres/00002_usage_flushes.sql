-- +goose Up
-- A usage batch is written with its flush id in the same transaction, so a
-- batch retried after a commit whose outcome was unknown is not counted twice.
CREATE TABLE usage_flushes (
    id         TEXT PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX usage_flushes_applied_at ON usage_flushes (applied_at);

-- +goose Down
DROP TABLE usage_flushes;
