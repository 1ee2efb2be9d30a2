-- Data sync (#15): versioned JSON documents with a git-like history (db/sync-store.ts).

-- Content by hash, like git's objects: sha256 hex of the canonical JSON (keys sorted at every
-- depth), stored once per distinct hash whatever the key order it arrived in. Kept as that
-- canonical text rather than jsonb: the bytes are exactly what was hashed, and jsonb refuses
-- the \u0000 a JSON string may legally hold. Metadata is stored here too (by its hash).
-- A change the workflow refused leaves its staged row unreferenced; nothing reads such a row.
CREATE TABLE sync_contents (
  hash       TEXT PRIMARY KEY,
  canonical  TEXT NOT NULL,
  bytes      INTEGER NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Immutable commits. `seq` orders them (a document's history is a first-parent chain, so seq
-- order is history order); `in_history` is set when `head` moves onto the commit, so a row a
-- failed compare-and-set left behind is never in a log and never accepted as a parent.
-- `at` is text: the ISO string the commit id was computed from, exactly as hashed.
-- The patches are text for the same reason as the content (\u0000).
CREATE TABLE sync_commits (
  commit_id      TEXT PRIMARY KEY,
  document_id    TEXT NOT NULL,
  kind           TEXT NOT NULL,
  parents        JSONB NOT NULL,
  author         TEXT NOT NULL,
  message        TEXT NOT NULL,
  at             TEXT NOT NULL,
  content_hash   TEXT NOT NULL REFERENCES sync_contents (hash),
  metadata_hash  TEXT NOT NULL REFERENCES sync_contents (hash),
  patch          TEXT NOT NULL,
  metadata_patch TEXT NOT NULL,
  stats          JSONB NOT NULL,
  revert_of      TEXT,
  in_history     BOOLEAN NOT NULL DEFAULT false,
  seq            BIGSERIAL NOT NULL UNIQUE,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sync_commits_history ON sync_commits (document_id, seq DESC) WHERE in_history;

-- Refs: `head` per document (named branches may join it later). Moved only by compare and set.
CREATE TABLE sync_refs (
  document_id TEXT NOT NULL,
  name        TEXT NOT NULL DEFAULT 'head',
  commit_id   TEXT NOT NULL REFERENCES sync_commits (commit_id),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (document_id, name)
);

-- External validation hooks, run in `ord` for commits of matching kinds and documents.
-- The secret signs each request (x-arxflow-signature); the store never returns it.
CREATE TABLE sync_hooks (
  hook_id    TEXT PRIMARY KEY,
  url        TEXT NOT NULL,
  secret     TEXT NOT NULL,
  kinds      JSONB NOT NULL DEFAULT '[]',
  documents  TEXT NOT NULL DEFAULT '*',
  timeout_ms INTEGER NOT NULL CHECK (timeout_ms > 0),
  ord        INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
