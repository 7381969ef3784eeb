-- +goose Up
-- Every flush rewrites the same usage rows. Free room in each page lets
-- PostgreSQL update them in place (HOT updates), without touching the
-- primary-key index or leaving work for vacuum.
ALTER TABLE integration_usages SET (fillfactor = 50);

-- +goose Down
ALTER TABLE integration_usages RESET (fillfactor);
