-- Data sync (#15): commits are immutable rows, and contents are stored once per hash, by the
-- database's own rule rather than by convention. The one change a commit row takes is
-- in_history false -> true (a prepared commit joins the first-parent history when a ref moves
-- to it); anything else, a delete or a TRUNCATE is refused, on PostgreSQL and PGlite alike.
CREATE FUNCTION sync_commits_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'sync_commits' AND TG_OP = 'UPDATE' THEN
    -- in_history may become true (or stay as it is); it never goes back, and nothing else changes.
    IF (NEW.in_history OR NOT OLD.in_history) AND (to_jsonb(NEW) - 'in_history') = (to_jsonb(OLD) - 'in_history') THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION '% rows are immutable (% refused): revert with a new commit instead', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER sync_commits_no_change
  BEFORE UPDATE OR DELETE ON sync_commits
  FOR EACH ROW EXECUTE FUNCTION sync_commits_immutable();

CREATE TRIGGER sync_commits_no_truncate
  BEFORE TRUNCATE ON sync_commits
  FOR EACH STATEMENT EXECUTE FUNCTION sync_commits_immutable();

CREATE TRIGGER sync_contents_no_change
  BEFORE UPDATE OR DELETE ON sync_contents
  FOR EACH ROW EXECUTE FUNCTION sync_commits_immutable();

CREATE TRIGGER sync_contents_no_truncate
  BEFORE TRUNCATE ON sync_contents
  FOR EACH STATEMENT EXECUTE FUNCTION sync_commits_immutable();
