-- Notifications waiting for a channel (Slack, email arrive with the incident work): each is
-- written once per key (workflow id + step), so a retried activity never notifies twice.
CREATE TABLE notification_outbox (
  key         TEXT PRIMARY KEY,
  channel     TEXT NOT NULL,
  recipients  JSONB NOT NULL,
  subject     TEXT NOT NULL,
  body        TEXT NOT NULL,
  workflow_id TEXT,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  sent_at     TIMESTAMPTZ
);
