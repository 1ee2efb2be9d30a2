-- Signed checkpoints of the audit chain's head (db/audit-log.ts): every append records the
-- new head's sequence and hash here, with an HMAC by a server key that is not in the
-- database (ARXFLOW_AUDIT_KEY, else the data dir's audit-key file). The chain alone shows
-- an edited or missing row in the middle; the anchors also show a deleted tail and a
-- chain rewritten and re-hashed after a deletion or a reordering. No foreign key to
-- audit_events on purpose: an anchor must outlive the rows it vouches for.
CREATE TABLE audit_anchors (
  sequence    BIGINT PRIMARY KEY,
  head_hash   TEXT NOT NULL,
  anchored_at TIMESTAMPTZ NOT NULL,
  key_id      TEXT NOT NULL,
  signature   TEXT NOT NULL
);

CREATE FUNCTION audit_anchors_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_anchors is append-only (% refused)', TG_OP;
END;
$$;

CREATE TRIGGER audit_anchors_no_update_or_delete
  BEFORE UPDATE OR DELETE ON audit_anchors
  FOR EACH ROW EXECUTE FUNCTION audit_anchors_append_only();
