-- Data sync (#15): named branches beside `head` in sync_refs (db/sync-store.ts). A branch is a
-- row with another name; who created it and when are kept for `sync branch list` (head rows
-- written before this have no creator). Commits on a branch stay out of `in_history` (head's
-- first-parent chain) until a merge brings them in: a fast-forward marks the chain it moves
-- head along; a merge commit's second parent is reached through the parents graph.
ALTER TABLE sync_refs ADD COLUMN created_by TEXT;
ALTER TABLE sync_refs ADD COLUMN created_at TIMESTAMPTZ NOT NULL DEFAULT now();
