-- The quality gate's memory: one verdict per pipeline run (trend, idempotent retries), benchmark
-- values (the baseline is the median of the branch's last green runs), failed tests per attempt
-- (a test that failed on one attempt of a sha and passes on a rerun is flaky), flaky tests, and
-- remediation records (one open per service and branch; a later passing run closes it).
CREATE TABLE quality_verdicts (
  run_id      TEXT PRIMARY KEY,
  seq         BIGSERIAL NOT NULL,
  service     TEXT NOT NULL,
  branch      TEXT NOT NULL,
  sha         TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  verdict     TEXT NOT NULL CHECK (verdict IN ('pass', 'fail')),
  -- QualityCheck[] as evaluated
  checks      JSONB NOT NULL,
  -- flat: coverage.lines, coverage.branches, coverage.patch, tests.failed, tests.total, bench.<name>
  metrics     JSONB NOT NULL,
  flaky       JSONB NOT NULL DEFAULT '[]',
  -- { id, state } when the verdict opened, kept or closed a remediation
  remediation JSONB,
  at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX quality_verdicts_trend ON quality_verdicts (service, branch, seq);

CREATE TABLE quality_bench_results (
  run_id  TEXT NOT NULL,
  seq     BIGSERIAL NOT NULL,
  service TEXT NOT NULL,
  branch  TEXT NOT NULL,
  sha     TEXT NOT NULL,
  name    TEXT NOT NULL,
  value   DOUBLE PRECISION NOT NULL,
  unit    TEXT,
  better  TEXT NOT NULL CHECK (better IN ('lower', 'higher')),
  -- the run's verdict passed: only green runs make the baseline
  green   BOOLEAN NOT NULL,
  at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, name)
);
CREATE INDEX quality_bench_baseline ON quality_bench_results (service, branch, name, green, seq);

-- Bounded: the failed tests of each attempt, and for tests that failed on an earlier attempt of
-- the sha, their later status; never every passing test of every run.
CREATE TABLE quality_test_results (
  run_id  TEXT NOT NULL,
  service TEXT NOT NULL,
  sha     TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  test_id TEXT NOT NULL,
  status  TEXT NOT NULL,
  PRIMARY KEY (run_id, test_id)
);
CREATE INDEX quality_test_results_sha ON quality_test_results (service, sha, attempt);

CREATE TABLE quality_flaky (
  service    TEXT NOT NULL,
  test_id    TEXT NOT NULL,
  first_seen TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_seen  TIMESTAMPTZ NOT NULL DEFAULT now(),
  count      INTEGER NOT NULL DEFAULT 1,
  last_sha   TEXT NOT NULL,
  last_run   TEXT NOT NULL,
  PRIMARY KEY (service, test_id)
);

CREATE TABLE quality_remediations (
  id             TEXT PRIMARY KEY,
  service        TEXT NOT NULL,
  branch         TEXT NOT NULL,
  opened_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  opened_by_run  TEXT NOT NULL,
  closed_at      TIMESTAMPTZ,
  closed_by_run  TEXT,
  -- the latest failing run while open: its sha, failed checks and link
  last_run       TEXT NOT NULL,
  sha            TEXT NOT NULL,
  failed_checks  JSONB NOT NULL,
  owners         JSONB NOT NULL,
  link           TEXT,
  failing_runs   INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX quality_remediations_one_open ON quality_remediations (service, branch) WHERE closed_at IS NULL;
