-- Deployments (#14): one row per change a deployment made to its target, keyed by the workflow
-- and the stage (`staging.deploy`, `production.step-2`, `production.rollback`...). A retried
-- activity finds its row and does nothing again; the row is written only after the target's
-- change, so a crash in between re-runs the (idempotent) change and then records it.
CREATE TABLE deployment_records (
  workflow_id TEXT NOT NULL,
  stage       TEXT NOT NULL,
  service     TEXT NOT NULL,
  environment TEXT NOT NULL,
  version     TEXT NOT NULL,
  -- TargetOutcome without `changed`: serving, baseUrl, publicUrl, detail
  outcome     JSONB NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, stage)
);
CREATE INDEX deployment_records_service ON deployment_records (service, environment, created_at DESC);
