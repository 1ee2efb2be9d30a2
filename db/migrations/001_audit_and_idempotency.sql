-- Append-only audit trail with a hash chain: each row's hash covers its content and
-- the previous row's hash, so an edited or deleted row breaks the chain (db/audit-log.ts).
CREATE TABLE audit_events (
  id          BIGINT PRIMARY KEY,
  at          TIMESTAMPTZ NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  subject     TEXT NOT NULL,
  workflow_id TEXT,
  data        JSONB NOT NULL DEFAULT '{}'::jsonb,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL UNIQUE
);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER audit_events_no_update_or_delete
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- Exactly-once side effects: an activity claims its key (derived from workflow id + step)
-- in the same transaction as its effect; a retry finds the key and returns the stored result.
CREATE TABLE idempotency_keys (
  key        TEXT PRIMARY KEY,
  result     JSONB,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
