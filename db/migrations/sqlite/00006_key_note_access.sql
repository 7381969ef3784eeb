-- +goose Up
-- A key's note says what it is for, beyond its name; NULL is no note. Its
-- access says what its requests may do. Keys made before this keep the
-- full access they had.
ALTER TABLE api_keys ADD COLUMN note TEXT;
ALTER TABLE api_keys ADD COLUMN access TEXT NOT NULL DEFAULT 'FULL' CHECK (access IN ('FULL', 'READ_ONLY'));

-- +goose Down
ALTER TABLE api_keys DROP COLUMN access;
ALTER TABLE api_keys DROP COLUMN note;
