-- +goose Up
-- A failed log-in for a user whose per-email limit is spent asks where she
-- logged in lately, to let her usual addresses keep trying. Whoever types
-- her email can make it ask, so it reads an index, not the account's log.
CREATE INDEX audit_events_actor_action_occurred ON audit_events (actor_user_id, action, occurred_at DESC);

-- +goose Down
DROP INDEX audit_events_actor_action_occurred;
