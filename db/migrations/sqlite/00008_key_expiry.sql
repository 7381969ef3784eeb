-- +goose Up
-- When a key stops working; NULL is never. Set when the key is made and
-- never changed. An expired key stays until someone deletes it, so that an
-- admin sees what stopped working.
ALTER TABLE api_keys ADD COLUMN expires_at DATETIME;

-- +goose Down
ALTER TABLE api_keys DROP COLUMN expires_at;
