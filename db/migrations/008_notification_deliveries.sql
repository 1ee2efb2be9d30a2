-- Messages sent to a real channel (Slack, email, webhook), one row per delivery key
-- (`<alert>/<level>/<round>/<target>`): a retried activity finds the row and does not
-- post again. `ref` is what the channel returned (Slack channel + ts for chat.update,
-- the email Message-ID).
CREATE TABLE notification_deliveries (
  key        TEXT PRIMARY KEY,
  channel    TEXT NOT NULL CHECK (channel IN ('slack', 'email', 'webhook', 'outbox')),
  target     TEXT NOT NULL,
  ref        JSONB NOT NULL,
  sent_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
