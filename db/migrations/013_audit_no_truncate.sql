-- TRUNCATE fires no row triggers, so the append-only triggers of 001 and 012 never saw it:
-- statement-level BEFORE TRUNCATE triggers refuse it on both audit tables (PostgreSQL and PGlite).
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

CREATE TRIGGER audit_anchors_no_truncate
  BEFORE TRUNCATE ON audit_anchors
  FOR EACH STATEMENT EXECUTE FUNCTION audit_anchors_append_only();
