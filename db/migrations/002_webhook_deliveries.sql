-- Inbound webhook deliveries, one row per (source, delivery id), so a replayed or retried
-- delivery is acknowledged without acting twice (db/webhook-deliveries.ts).
--   processing  claimed by a gateway that is talking to Temporal right now; a claim whose
--               updated_at is older than 60 s belongs to a gateway that crashed, and the
--               sender's retry may claim it again (claim_token tells the two claims apart)
--   done        acted on (or ignored by every rule); result is what the sender was told
-- A failed delivery deletes its claim, so the sender's retry runs it from the start.
CREATE TABLE webhook_deliveries (
  source      TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('processing', 'done')),
  claim_token TEXT NOT NULL,
  result      JSONB,
  received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (source, delivery_id) -- the unique (source, delivery_id) that makes replays visible
);
