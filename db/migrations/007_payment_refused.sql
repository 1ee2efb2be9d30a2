-- A payment the provider refused for good (closed account, payee not verified): its ledger
-- posting is compensated by a 'payment_refused' transaction and the payout ends 'refused'
-- instead of staying 'pending_provider' (retried) forever.
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
  CHECK (kind IN ('funding', 'disbursement', 'reversal', 'retainage_release', 'payment_refused'));

ALTER TABLE ledger_payouts DROP CONSTRAINT ledger_payouts_status_check;
ALTER TABLE ledger_payouts ADD CONSTRAINT ledger_payouts_status_check CHECK (status IN ('pending_provider', 'done', 'refused'));
ALTER TABLE ledger_payouts DROP CONSTRAINT ledger_payouts_check;
ALTER TABLE ledger_payouts ADD CONSTRAINT ledger_payouts_settled_check CHECK ((status = 'pending_provider') = (completed_at IS NULL));
ALTER TABLE ledger_payouts ADD COLUMN refusal TEXT;
ALTER TABLE ledger_payouts ADD CONSTRAINT ledger_payouts_refusal_check CHECK ((status = 'refused') = (refusal IS NOT NULL));
