-- Replaying a dead letter (workflows/replay-trigger-action.ts): each replay attempt is its
-- own workflow `trigger-replay/<key>/<attempt>`, and the dead letter records the latest
-- one and how it ended, so an operator sees what was done and a second replay is refused.
ALTER TABLE trigger_dead_letters
  -- The first dead letter of this action: a replay's effects (the webhook delivery id, the
  -- outbox key) keep its key, so a receiver can drop what it already has.
  ADD COLUMN origin_key TEXT,
  ADD COLUMN replay_attempts INT NOT NULL DEFAULT 0 CHECK (replay_attempts >= 0),
  ADD COLUMN replay_workflow_id TEXT,
  ADD COLUMN replayed_at TIMESTAMPTZ,
  ADD COLUMN replay_outcome TEXT,
  -- Set when the replay failed again: the new dead letter to look at (and replay) next.
  ADD COLUMN replay_dead_letter_key TEXT,
  ADD CONSTRAINT trigger_dead_letters_replayed_check CHECK ((replayed_at IS NULL) = (replay_outcome IS NULL));

UPDATE trigger_dead_letters SET origin_key = key;
ALTER TABLE trigger_dead_letters ALTER COLUMN origin_key SET NOT NULL;
