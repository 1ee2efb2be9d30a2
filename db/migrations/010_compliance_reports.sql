-- Reports a compliance review generated (corrections and final reports as HTML, PDF, JSON,
-- CSV; the jurisdiction export as JSON). In the store rather than on a worker's disk: any
-- worker, the gateway and the CLI read them back, and the key (workflow id + cycle + kind
-- + format) makes a retried activity a no-op instead of a second copy.
CREATE TABLE compliance_reports (
  key          TEXT PRIMARY KEY,
  workflow_id  TEXT NOT NULL,
  plan_id      TEXT NOT NULL,
  cycle        INTEGER NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('corrections', 'final', 'jurisdiction-export')),
  format       TEXT NOT NULL CHECK (format IN ('html', 'pdf', 'json', 'csv')),
  content_type TEXT NOT NULL,
  body         BYTEA NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX compliance_reports_plan ON compliance_reports (plan_id, created_at);
