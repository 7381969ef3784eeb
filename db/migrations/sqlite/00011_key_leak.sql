-- +goose Up
-- A report that the key's current secret was found in public: when, by
-- whom and where. All NULL while the key has not leaked; a roll clears
-- them. A leaked key stays listed but no longer authenticates.
ALTER TABLE api_keys ADD COLUMN leak_reported_at DATETIME;
ALTER TABLE api_keys ADD COLUMN leak_source TEXT;
ALTER TABLE api_keys ADD COLUMN leak_url TEXT;

-- +goose Down
ALTER TABLE api_keys DROP COLUMN leak_url;
ALTER TABLE api_keys DROP COLUMN leak_source;
ALTER TABLE api_keys DROP COLUMN leak_reported_at;
