-- Large workflow payloads by reference (#17): Temporal refuses a payload over its blob size
-- limit (2 MiB on the dev server and by default on a cluster), and a compliance plan of
-- 100,000 spaces is about 15 MB. The client stores such a value here, keyed by the sha256 of
-- its canonical JSON (domain/sync/content-hash.ts, as sync_contents), and the workflow carries
-- only {sha256, bytes}; activities load it. Kept as the canonical text: the bytes are exactly
-- what was hashed. Immutable and written once per hash, so a retried store is a no-op and a
-- history replayed years later still finds its payload.
CREATE TABLE payload_blobs (
  hash       TEXT PRIMARY KEY,
  canonical  TEXT NOT NULL,
  bytes      INTEGER NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
