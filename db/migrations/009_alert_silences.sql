-- Silences and maintenance windows (label matchers, start, end): alert workflows read the
-- active ones before each notification. Expired silences stay as the record of what was
-- suppressed and why.
CREATE TABLE alert_silences (
  id         TEXT PRIMARY KEY,
  matchers   JSONB NOT NULL,
  starts_at  TIMESTAMPTZ NOT NULL,
  ends_at    TIMESTAMPTZ NOT NULL CHECK (ends_at > starts_at),
  created_by TEXT NOT NULL,
  comment    TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX alert_silences_ends_at ON alert_silences (ends_at);
