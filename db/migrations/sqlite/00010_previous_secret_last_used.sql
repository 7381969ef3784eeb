-- +goose Up
-- When a rolled key's previous secret was last presented since the roll,
-- written by the usage flush; NULL when it has not been. A roll clears it.
ALTER TABLE api_keys ADD COLUMN previous_secret_last_used_at DATETIME;

-- +goose Down
ALTER TABLE api_keys DROP COLUMN previous_secret_last_used_at;
