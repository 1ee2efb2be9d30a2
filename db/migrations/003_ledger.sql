-- Double-entry ledger of project money (db/ledger.ts).
--
-- Sign convention: an entry's amount is positive for a debit (money INTO the account) and
-- negative for a credit (money OUT of it); an account's balance is the sum of its entries,
-- and the entries of every transaction sum to zero. Funding, payable and retainage
-- accounts hold money, so their balances never go below zero (checked by db/ledger.ts
-- under a row lock); external accounts stand for the world outside the ledger (the
-- lender's or owner's bank) and go negative as money comes in from them.
--
-- Account ids: project/<projectId>/funding, project/<projectId>/retainage,
-- payee/<payeeId>/payable, external/<name>. One currency per account.
CREATE TABLE ledger_accounts (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('funding', 'payable', 'retainage', 'external')),
  currency   TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (id, currency) -- target of the entries' (account_id, currency) foreign key
);

CREATE TABLE ledger_transactions (
  id              BIGSERIAL PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE, -- a retried posting finds its transaction instead of posting again
  kind            TEXT NOT NULL CHECK (kind IN ('funding', 'disbursement', 'reversal', 'retainage_release')),
  workflow_id     TEXT,
  memo            TEXT,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX ledger_transactions_workflow ON ledger_transactions (workflow_id);

CREATE TABLE ledger_entries (
  id             BIGSERIAL PRIMARY KEY,
  transaction_id BIGINT NOT NULL REFERENCES ledger_transactions (id),
  account_id     TEXT NOT NULL,
  amount         BIGINT NOT NULL CHECK (amount <> 0), -- + debit (into the account), - credit (out of it)
  currency       TEXT NOT NULL,
  -- An entry is in its account's currency: a EUR amount can never land in a USD account.
  FOREIGN KEY (account_id, currency) REFERENCES ledger_accounts (id, currency)
);

CREATE INDEX ledger_entries_account ON ledger_entries (account_id);
CREATE INDEX ledger_entries_transaction ON ledger_entries (transaction_id);

-- Money is corrected by a compensating transaction, never by editing history.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only (% refused): post a compensating transaction instead', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER ledger_transactions_no_update_or_delete
  BEFORE UPDATE OR DELETE ON ledger_transactions
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

CREATE TRIGGER ledger_entries_no_update_or_delete
  BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- The database's own check that every transaction balances, in one currency, with at least
-- one entry. Deferred to COMMIT, because the entries of a transaction are inserted one
-- statement at a time; db/ledger.ts checks the same before it writes, with a clearer message.
CREATE FUNCTION ledger_transaction_balances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  checked_id BIGINT;
  entry_count BIGINT;
  total NUMERIC;
  currencies BIGINT;
BEGIN
  IF TG_TABLE_NAME = 'ledger_transactions' THEN
    checked_id := NEW.id;
  ELSE
    checked_id := NEW.transaction_id;
  END IF;
  SELECT count(*), COALESCE(sum(amount), 0), count(DISTINCT currency)
    INTO entry_count, total, currencies
    FROM ledger_entries WHERE transaction_id = checked_id;
  IF entry_count = 0 THEN
    RAISE EXCEPTION 'ledger transaction % has no entries', checked_id;
  END IF;
  IF total <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % does not balance: its entries sum to %', checked_id, total;
  END IF;
  IF currencies > 1 THEN
    RAISE EXCEPTION 'ledger transaction % mixes currencies', checked_id;
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER ledger_transactions_balance
  AFTER INSERT ON ledger_transactions
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balances();

CREATE CONSTRAINT TRIGGER ledger_entries_balance
  AFTER INSERT ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balances();

-- The payment-provider leg of a disbursement or reversal. The ledger transaction and this
-- row commit together (status pending_provider); the provider is called after that with
-- the same idempotency key, and its reference is recorded here (status done). A row left
-- pending_provider is money the ledger moved whose provider call is not confirmed yet: the
-- activity's retry finishes it, and operators can list them for reconciliation.
CREATE TABLE ledger_payouts (
  idempotency_key TEXT PRIMARY KEY REFERENCES ledger_transactions (idempotency_key),
  direction       TEXT NOT NULL CHECK (direction IN ('pay', 'reverse')),
  workflow_id     TEXT NOT NULL,
  project_id      TEXT NOT NULL,
  payee_id        TEXT NOT NULL,
  amount          BIGINT NOT NULL CHECK (amount >= 0), -- what the provider moves (releasedNow); 0: no provider call
  retainage       BIGINT NOT NULL CHECK (retainage >= 0),
  currency        TEXT NOT NULL,
  -- For a reversal: the payout it reverses.
  reverses_key    TEXT REFERENCES ledger_payouts (idempotency_key),
  status          TEXT NOT NULL CHECK (status IN ('pending_provider', 'done')),
  provider_ref    TEXT,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  completed_at    TIMESTAMPTZ,
  CHECK ((status = 'done') = (completed_at IS NOT NULL))
);

-- A release is reversed at most once.
CREATE UNIQUE INDEX ledger_payouts_one_reversal ON ledger_payouts (reverses_key) WHERE reverses_key IS NOT NULL;
CREATE INDEX ledger_payouts_pending ON ledger_payouts (status) WHERE status = 'pending_provider';
