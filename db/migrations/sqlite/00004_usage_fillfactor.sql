-- +goose Up
-- PostgreSQL's 00004 tunes how usage rows are updated in place; SQLite has
-- no such setting. Kept so both dialects share one version sequence.
SELECT 1;

-- +goose Down
SELECT 1;
