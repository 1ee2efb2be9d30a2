-- Pipeline runs (#13). The workflow is the truth while a run is open; this row is its last
-- recorded view, so list, status of closed runs and rerun read it without Temporal.
CREATE TABLE pipeline_runs (
  run_id            TEXT PRIMARY KEY,
  repo_key          TEXT NOT NULL,
  sha               TEXT NOT NULL,
  attempt           INTEGER NOT NULL CHECK (attempt >= 1),
  status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  view              JSONB NOT NULL,
  concurrency_group TEXT,
  created_at        TIMESTAMPTZ NOT NULL,
  updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX pipeline_runs_repo ON pipeline_runs (repo_key, created_at DESC);
CREATE INDEX pipeline_runs_sha ON pipeline_runs (repo_key, sha, attempt);
CREATE INDEX pipeline_runs_status ON pipeline_runs (status, created_at DESC);

-- Who entered a concurrency group, in order: a newer run supersedes the older ones still open.
-- Kept apart from pipeline_runs because a run enters its group before its first view is recorded.
CREATE TABLE pipeline_concurrency (
  group_name TEXT NOT NULL,
  run_id     TEXT NOT NULL,
  entered    BIGSERIAL,
  entered_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (group_name, run_id)
);

-- Step output as it came, in chunks (seq orders them and lets a follower ask for what is new).
-- Bounded per step: past the bound the oldest chunks go and one marker row (dropped_bytes) says
-- how much, so the tail of a long log (where the error is) is what stays.
CREATE TABLE pipeline_log_chunks (
  seq           BIGSERIAL PRIMARY KEY,
  run_id        TEXT NOT NULL,
  job_id        TEXT NOT NULL,
  step_index    INTEGER,
  stream        TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr', 'arxflow')),
  text          TEXT NOT NULL,
  bytes         INTEGER NOT NULL,
  dropped_bytes BIGINT,
  at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX pipeline_log_chunks_run ON pipeline_log_chunks (run_id, seq);
CREATE INDEX pipeline_log_chunks_step ON pipeline_log_chunks (run_id, job_id, step_index, seq);

-- The local cache store's index (the tarballs are files under <dataDir>/pipelines/caches):
-- restore by key or prefix, most recently used first; eviction least recently used first.
CREATE TABLE pipeline_caches (
  key          TEXT PRIMARY KEY,
  bytes        BIGINT NOT NULL,
  path         TEXT NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_used_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX pipeline_caches_used ON pipeline_caches (last_used_at);
