-- +goose Up
-- A rolled key's previous secret, by its hash, and when it stops working:
-- both NULL while no previous secret is live. A request finds its key by
-- either hash, so the previous one has an index of its own.
ALTER TABLE api_keys ADD COLUMN previous_secret_hash TEXT;
ALTER TABLE api_keys ADD COLUMN previous_secret_expires_at TIMESTAMPTZ;
CREATE INDEX api_keys_previous_secret_hash ON api_keys (previous_secret_hash);

-- +goose Down
DROP INDEX api_keys_previous_secret_hash;
ALTER TABLE api_keys DROP COLUMN previous_secret_expires_at;
ALTER TABLE api_keys DROP COLUMN previous_secret_hash;
