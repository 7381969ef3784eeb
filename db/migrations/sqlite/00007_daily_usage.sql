-- +goose Up
-- Requests per key and UTC day, written by the usage flush in the same
-- transaction as integration_usages (and under the same flush id), so that
-- the days add up to the integrations' counts. A request counts on the day
-- it was admitted. Days older than 90 are pruned by the flush. A day is
-- stored as 'YYYY-MM-DD', which sorts as it compares; declared DATE, the
-- driver reads it back as a time.
CREATE TABLE daily_usages (
    api_key_id    TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    day           DATE NOT NULL,
    request_count INTEGER NOT NULL,
    PRIMARY KEY (api_key_id, day)
);
-- The prune deletes by day alone, across every key.
CREATE INDEX daily_usages_day ON daily_usages (day);

-- +goose Down
DROP TABLE daily_usages;
