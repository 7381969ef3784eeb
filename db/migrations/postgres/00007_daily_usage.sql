-- +goose Up
-- Requests per key and UTC day, written by the usage flush in the same
-- transaction as integration_usages (and under the same flush id), so that
-- the days add up to the integrations' counts. A request counts on the day
-- it was admitted. Days older than 90 are pruned by the flush.
CREATE TABLE daily_usages (
    api_key_id    TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    day           DATE NOT NULL,
    request_count BIGINT NOT NULL,
    PRIMARY KEY (api_key_id, day)
) WITH (fillfactor = 50);
-- Every flush rewrites today's rows; room in their pages lets PostgreSQL
-- update them in place (HOT), as 00004 does for integration_usages.
-- The prune deletes by day alone, across every key.
CREATE INDEX daily_usages_day ON daily_usages (day);

-- +goose Down
DROP TABLE daily_usages;
