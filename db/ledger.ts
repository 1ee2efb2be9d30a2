import { formatMoney } from '../domain/funding/money';
import type { SqlDatabase, SqlExecutor } from './sql';

/**
 * Double-entry ledger of project money (tables in migrations/003_ledger.sql).
 *
 * Sign convention: an entry's amount is positive for a debit (money INTO the account) and
 * negative for a credit (money OUT of it). An account's balance is the sum of its entries;
 * the entries of a transaction sum to zero. Funding, payable and retainage accounts hold
 * money and never go below zero; external accounts are the world outside the ledger and go
 * negative as money arrives from it. Amounts are integer minor units (cents) in JS safe
 * integers; PostgreSQL's BIGINT comes back as a string from `pg` and is converted here.
 *
 * Account ids (build them with `ledgerAccounts`):
 *   project/<projectId>/funding    money available to release for the project
 *   project/<projectId>/retainage  money held back from releases until acceptance
 *   payee/<payeeId>/payable        money released to the payee (the provider pays it out)
 *   external/<name>                a source or sink outside the ledger, e.g. external/deposits-USD
 */

export type AccountKind = 'funding' | 'payable' | 'retainage' | 'external';
export type TransactionKind = 'funding' | 'disbursement' | 'reversal' | 'retainage_release' | 'payment_refused';

/** Kinds whose balance must stay >= 0: they hold real money. */
const HOLDS_MONEY: ReadonlySet<AccountKind> = new Set(['funding', 'payable', 'retainage']);
const TRANSACTION_KINDS: ReadonlySet<string> = new Set([
  'funding',
  'disbursement',
  'reversal',
  'retainage_release',
  'payment_refused',
]);

export const ledgerAccounts = {
  projectFunding: (projectId: string) => `project/${idSegment(projectId, 'projectId')}/funding`,
  projectRetainage: (projectId: string) => `project/${idSegment(projectId, 'projectId')}/retainage`,
  payeePayable: (payeeId: string) => `payee/${idSegment(payeeId, 'payeeId')}/payable`,
  external: (name: string) => `external/${idSegment(name, 'external account name')}`,
};

export type LedgerErrorCode =
  | 'InvalidAccountId'
  | 'UnknownAccount'
  | 'AccountMismatch'
  | 'CurrencyMismatch'
  | 'InvalidPosting'
  | 'IdempotencyConflict'
  | 'InsufficientFunds'
  | 'AmountOutOfRange'
  | 'UnknownPayout';

/** A posting the ledger refuses; nothing of it was written. `code` is also the activity failure type. */
export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

export class InsufficientFundsError extends LedgerError {
  constructor(
    readonly accountId: string,
    readonly balance: number,
    readonly requested: number,
    readonly currency: string,
  ) {
    super(
      'InsufficientFunds',
      `${accountId} holds ${formatMoney(balance, currency)}, less than the ${formatMoney(requested, currency)} this posting takes out of it`,
    );
    this.name = 'InsufficientFundsError';
  }
}

export interface LedgerAccount {
  id: string;
  kind: AccountKind;
  currency: string;
}

export interface EntryRequest {
  accountId: string;
  /** + debit (into the account), - credit (out of it); never 0. */
  amount: number;
}

export interface PostRequest {
  /** Unique per business step (`<workflowId>/release/<n>`): posting again with it returns the first transaction. */
  key: string;
  kind: TransactionKind;
  workflowId?: string;
  memo?: string;
  entries: EntryRequest[];
}

export interface LedgerEntry extends EntryRequest {
  currency: string;
}

export interface LedgerTransaction {
  id: number;
  key: string;
  kind: TransactionKind;
  workflowId: string | null;
  memo: string | null;
  createdAt: Date;
  entries: LedgerEntry[];
}

export interface PostedTransaction extends LedgerTransaction {
  /** false when the key was already posted and that transaction is returned. */
  firstRun: boolean;
}

export interface WorkflowEntry extends LedgerEntry {
  transactionId: number;
  key: string;
  kind: TransactionKind;
  memo: string | null;
  createdAt: Date;
}

/** The provider leg of a disbursement or reversal (table ledger_payouts). */
export interface Payout {
  key: string;
  transactionId: number;
  direction: 'pay' | 'reverse';
  workflowId: string;
  projectId: string;
  payeeId: string;
  /** What the provider moves (the released amount); 0 means no provider call. */
  amount: number;
  retainage: number;
  currency: string;
  reversesKey: string | null;
  status: 'pending_provider' | 'done' | 'refused';
  providerRef: string | null;
  /** Why the provider refused the payment for good (status 'refused'). */
  refusal: string | null;
}

export type NewPayout = Omit<Payout, 'transactionId' | 'status' | 'providerRef' | 'refusal'>;

interface TransactionRow {
  id: string | number;
  idempotency_key: string;
  kind: TransactionKind;
  workflow_id: string | null;
  memo: string | null;
  created_at: Date | string;
}

interface EntryRow {
  account_id: string;
  amount: string | number;
  currency: string;
}

interface PayoutRow {
  idempotency_key: string;
  transaction_id: string | number;
  direction: Payout['direction'];
  workflow_id: string;
  project_id: string;
  payee_id: string;
  amount: string | number;
  retainage: string | number;
  currency: string;
  reverses_key: string | null;
  status: Payout['status'];
  provider_ref: string | null;
  refusal: string | null;
}

export class Ledger {
  constructor(private readonly db: SqlDatabase) {}

  /** Creates the account, or checks that the existing one has this kind and currency. */
  async ensureAccount(id: string, kind: AccountKind, currency: string, tx?: SqlExecutor): Promise<LedgerAccount> {
    const runner = tx ?? this.db;
    if (!/^[A-Z]{3}$/.test(currency))
      throw new LedgerError('InvalidPosting', `currency "${currency}" is not an ISO 4217 code`);
    if (id.trim() === '') throw new LedgerError('InvalidAccountId', 'a ledger account id must not be empty');
    // No conflict target: with `ON CONFLICT (id)` only the primary key arbitrates, and two
    // concurrent inserts of one new id can still collide on the (id, currency) unique index.
    await runner.query('INSERT INTO ledger_accounts (id, kind, currency) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      id,
      kind,
      currency,
    ]);
    const [account] = await runner.query<LedgerAccount>(
      'SELECT id, kind, currency FROM ledger_accounts WHERE id = $1',
      [id],
    );
    if (!account) throw new LedgerError('UnknownAccount', `ledger account ${id} could not be created`);
    if (account.currency !== currency) {
      throw new LedgerError('CurrencyMismatch', `ledger account ${id} is in ${account.currency}, not ${currency}`);
    }
    if (account.kind !== kind)
      throw new LedgerError('AccountMismatch', `ledger account ${id} is a ${account.kind} account, not ${kind}`);
    return account;
  }

  /**
   * Posts one balanced transaction inside the caller's database transaction, or returns the
   * one already posted with the same key (a retry). Every account it touches is locked
   * (FOR UPDATE, in id order so two postings never wait on each other in a cycle) before the
   * balances are read, so concurrent postings cannot both spend the same money. Refusals
   * throw before anything is written.
   */
  async post(tx: SqlExecutor, request: PostRequest): Promise<PostedTransaction> {
    const netByAccount = checkPostRequest(request);
    const accountIds = [...netByAccount.keys()].sort();
    const accounts = await tx.query<LedgerAccount>(
      'SELECT id, kind, currency FROM ledger_accounts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
      [accountIds],
    );
    const accountById = new Map(accounts.map((account) => [account.id, account]));
    const missing = accountIds.filter((id) => !accountById.has(id));
    if (missing.length > 0) throw new LedgerError('UnknownAccount', `no ledger account ${missing.join(', ')}`);
    const currencies = new Set(accounts.map((account) => account.currency));
    if (currencies.size > 1) {
      throw new LedgerError(
        'CurrencyMismatch',
        `a transaction moves one currency; ${describe(request)} touches ${[...currencies].join(' and ')} accounts`,
      );
    }

    // Looked up only once the accounts are locked: a concurrent posting of the same key has
    // committed by now, so a retry returns it instead of being refused for the money it took.
    const existing = await this.transaction(request.key, tx);
    if (existing) return { ...sameAsRequested(existing, request), firstRun: false };

    for (const [accountId, net] of netByAccount) {
      const account = accountById.get(accountId)!;
      if (net >= 0 || !HOLDS_MONEY.has(account.kind)) continue;
      const balance = await this.balance(accountId, tx);
      if (balance + net < 0) throw new InsufficientFundsError(accountId, balance, -net, account.currency);
    }

    const [inserted] = await tx.query<TransactionRow>(
      `INSERT INTO ledger_transactions (idempotency_key, kind, workflow_id, memo) VALUES ($1, $2, $3, $4)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
      [request.key, request.kind, request.workflowId ?? null, request.memo ?? null],
    );
    if (!inserted) {
      // The same key was posted meanwhile on other accounts (a different request): no lock was shared.
      const raced = await this.transaction(request.key, tx);
      if (!raced)
        throw new LedgerError('IdempotencyConflict', `${describe(request)} was claimed and then vanished; retry`);
      return { ...sameAsRequested(raced, request), firstRun: false };
    }
    const currency = accounts[0]!.currency;
    for (const entry of request.entries) {
      await tx.query(
        'INSERT INTO ledger_entries (transaction_id, account_id, amount, currency) VALUES ($1, $2, $3, $4)',
        [inserted.id, entry.accountId, entry.amount, currency],
      );
    }
    return {
      ...fromTransactionRow(inserted),
      entries: request.entries.map((e) => ({ ...e, currency })),
      firstRun: true,
    };
  }

  /**
   * Deposits `amount` into a funding account from an external source account (default
   * external/deposits-<currency>), idempotently by `key`. Pass `tx` to join a transaction.
   */
  async fund(
    accountId: string,
    amount: number,
    key: string,
    memo: string,
    options: { source?: string; workflowId?: string; tx?: SqlExecutor } = {},
  ): Promise<PostedTransaction> {
    if (!options.tx) return this.db.transaction((tx) => this.fund(accountId, amount, key, memo, { ...options, tx }));
    const { tx } = options;
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      throw new LedgerError(
        'InvalidPosting',
        `a deposit must be a positive whole number of minor units, not ${amount}`,
      );
    }
    const [target] = await tx.query<LedgerAccount>('SELECT id, kind, currency FROM ledger_accounts WHERE id = $1', [
      accountId,
    ]);
    if (!target) throw new LedgerError('UnknownAccount', `no ledger account ${accountId}`);
    if (target.kind !== 'funding')
      throw new LedgerError('AccountMismatch', `deposits go into a funding account; ${accountId} is ${target.kind}`);
    const source = options.source ?? ledgerAccounts.external(`deposits-${target.currency}`);
    await this.ensureAccount(source, 'external', target.currency, tx);
    return this.post(tx, {
      key,
      kind: 'funding',
      workflowId: options.workflowId,
      memo,
      entries: [
        { accountId: source, amount: -amount },
        { accountId, amount },
      ],
    });
  }

  /** The account's balance in minor units (the sum of its entries); an unknown account is refused, not 0. */
  async balance(accountId: string, tx?: SqlExecutor): Promise<number> {
    const [row] = await (tx ?? this.db).query<{ balance: string | number | null; known: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ledger_accounts WHERE id = $1) AS known,
              (SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE account_id = $1) AS balance`,
      [accountId],
    );
    if (!row?.known) throw new LedgerError('UnknownAccount', `no ledger account ${accountId}`);
    return toSafeAmount(row.balance, `balance of ${accountId}`);
  }

  /** The transaction posted with this key, with its entries. */
  async transaction(key: string, tx?: SqlExecutor): Promise<LedgerTransaction | undefined> {
    const runner = tx ?? this.db;
    const [row] = await runner.query<TransactionRow>('SELECT * FROM ledger_transactions WHERE idempotency_key = $1', [
      key,
    ]);
    if (!row) return undefined;
    const entries = await runner.query<EntryRow>(
      'SELECT account_id, amount, currency FROM ledger_entries WHERE transaction_id = $1 ORDER BY id',
      [row.id],
    );
    return { ...fromTransactionRow(row), entries: entries.map(fromEntryRow) };
  }

  /** Every entry a workflow posted, in posting order. */
  async entriesFor(workflowId: string): Promise<WorkflowEntry[]> {
    const rows = await this.db.query<TransactionRow & EntryRow & { transaction_id: string | number }>(
      `SELECT t.id AS transaction_id, t.idempotency_key, t.kind, t.workflow_id, t.memo, t.created_at,
              e.account_id, e.amount, e.currency
         FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
        WHERE t.workflow_id = $1 ORDER BY t.id, e.id`,
      [workflowId],
    );
    return rows.map((row) => ({
      ...fromEntryRow(row),
      transactionId: Number(row.transaction_id),
      key: row.idempotency_key,
      kind: row.kind,
      memo: row.memo,
      createdAt: new Date(row.created_at),
    }));
  }

  /** Records the provider leg of the transaction posted with `payout.key`, in the same database transaction. */
  async recordPayout(tx: SqlExecutor, payout: NewPayout): Promise<void> {
    // Nothing for the provider to move: the payout is complete as soon as the ledger is.
    const status = payout.amount === 0 ? 'done' : 'pending_provider';
    await tx.query(
      `INSERT INTO ledger_payouts (idempotency_key, direction, workflow_id, project_id, payee_id, amount, retainage,
                                   currency, reverses_key, status, completed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $10::text = 'done' THEN now() END)`,
      [
        payout.key,
        payout.direction,
        payout.workflowId,
        payout.projectId,
        payout.payeeId,
        payout.amount,
        payout.retainage,
        payout.currency,
        payout.reversesKey,
        status,
      ],
    );
  }

  async payout(key: string, tx?: SqlExecutor): Promise<Payout | undefined> {
    const [row] = await (tx ?? this.db).query<PayoutRow>(
      `SELECT p.*, t.id AS transaction_id FROM ledger_payouts p
         JOIN ledger_transactions t ON t.idempotency_key = p.idempotency_key
        WHERE p.idempotency_key = $1`,
      [key],
    );
    return row ? fromPayoutRow(row) : undefined;
  }

  /**
   * Marks a payout done with the provider's reference. `onCompleted` runs in the same
   * database transaction, once only: a second completion (a retry) finds it done and
   * returns the first reference.
   */
  completePayout(
    key: string,
    providerRef: string,
    onCompleted: (tx: SqlExecutor, payout: Payout) => Promise<unknown> = async () => undefined,
  ): Promise<Payout> {
    return this.settlePayout(key, 'done', providerRef, onCompleted);
  }

  /**
   * The provider refused a pending payout for good: in one database transaction the payout
   * becomes 'refused' and its posting is undone by a mirror transaction (`<key>/refused`),
   * so the money is back where it came from. `onRefused` runs in that transaction, once:
   * a second call (a retry) finds the payout refused and changes nothing.
   */
  refusePayout(
    key: string,
    refusal: string,
    onRefused: (tx: SqlExecutor, payout: Payout) => Promise<unknown> = async () => undefined,
  ): Promise<Payout> {
    return this.settlePayout(key, 'refused', refusal, async (tx, payout) => {
      const posted = await this.transaction(key, tx);
      if (!posted) throw new LedgerError('UnknownPayout', `payout ${key} has no ledger transaction to undo`);
      await this.post(tx, {
        key: `${key}/refused`,
        kind: 'payment_refused',
        workflowId: payout.workflowId,
        memo: `payment refused by the provider: ${refusal}`.slice(0, 500),
        entries: posted.entries.map((entry) => ({ accountId: entry.accountId, amount: -entry.amount })),
      });
      await onRefused(tx, payout);
    });
  }

  /** Ends a pending payout (done with the provider's reference, or refused with the reason); `then` runs once, in the same transaction. */
  private settlePayout(
    key: string,
    status: 'done' | 'refused',
    detail: string,
    then: (tx: SqlExecutor, payout: Payout) => Promise<unknown>,
  ): Promise<Payout> {
    const column = status === 'done' ? 'provider_ref' : 'refusal';
    return this.db.transaction(async (tx) => {
      const [updated] = await tx.query<{ idempotency_key: string }>(
        `UPDATE ledger_payouts SET status = $3, ${column} = $2, completed_at = now()
          WHERE idempotency_key = $1 AND status = 'pending_provider' RETURNING idempotency_key`,
        [key, detail, status],
      );
      const payout = await this.payout(key, tx);
      if (!payout) throw new LedgerError('UnknownPayout', `no payout with key ${key}`);
      if (updated) await then(tx, payout);
      return payout;
    });
  }
}

function idSegment(value: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(value)) {
    throw new LedgerError(
      'InvalidAccountId',
      `${what} "${value}" must be letters, digits, ".", "_", ":" or "-" (no "/")`,
    );
  }
  return value;
}

function describe(request: PostRequest): string {
  return `ledger posting ${request.key}`;
}

/**
 * Refuses a malformed posting; returns the net amount per account. Sums are BigInt: two
 * large safe amounts can add up to a float that rounds, which could hide an imbalance.
 */
function checkPostRequest(request: PostRequest): Map<string, number> {
  const refuse = (why: string): never => {
    throw new LedgerError('InvalidPosting', `${describe(request)}: ${why}`);
  };
  if (request.key.trim() === '') refuse('the idempotency key must not be empty');
  if (!TRANSACTION_KINDS.has(request.kind)) refuse(`unknown transaction kind "${request.kind}"`);
  if (request.entries.length < 2) refuse('a double-entry transaction needs at least two entries');
  let sum = 0n;
  const net = new Map<string, bigint>();
  request.entries.forEach((entry, i) => {
    if (!Number.isSafeInteger(entry.amount) || entry.amount === 0) {
      refuse(`entries.${i}.amount must be a non-zero whole number of minor units, not ${entry.amount}`);
    }
    sum += BigInt(entry.amount);
    net.set(entry.accountId, (net.get(entry.accountId) ?? 0n) + BigInt(entry.amount));
  });
  if (sum !== 0n) refuse(`entries do not balance: they sum to ${sum}`);
  const netByAccount = new Map<string, number>();
  for (const [accountId, amount] of net) {
    if (amount > BigInt(Number.MAX_SAFE_INTEGER) || amount < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new LedgerError(
        'AmountOutOfRange',
        `${describe(request)}: ${accountId} would move ${amount}, beyond the largest exact amount`,
      );
    }
    netByAccount.set(accountId, Number(amount));
  }
  return netByAccount;
}

/** The stored transaction, when it is the same posting as the request; a reused key with other content is a bug. */
function sameAsRequested(stored: LedgerTransaction, request: PostRequest): LedgerTransaction {
  const canonical = (entries: EntryRequest[]) =>
    entries
      .map((e) => `${e.accountId}\t${e.amount}`)
      .sort()
      .join('\n');
  if (stored.kind !== request.kind || canonical(stored.entries) !== canonical(request.entries)) {
    throw new LedgerError(
      'IdempotencyConflict',
      `${describe(request)} was already used for a different posting (transaction ${stored.id})`,
    );
  }
  return stored;
}

/** BIGINT arrives as a string from pg and a number (or bigint) from PGlite; SUM arrives as NUMERIC text. */
function toSafeAmount(value: string | number | bigint | null, what: string): number {
  const amount = value === null ? 0 : Number(value);
  if (!Number.isSafeInteger(amount))
    throw new LedgerError('AmountOutOfRange', `${what} (${String(value)}) is beyond the largest exact amount`);
  return amount;
}

function fromTransactionRow(row: TransactionRow): Omit<LedgerTransaction, 'entries'> {
  return {
    id: Number(row.id),
    key: row.idempotency_key,
    kind: row.kind,
    workflowId: row.workflow_id,
    memo: row.memo,
    createdAt: new Date(row.created_at),
  };
}

function fromEntryRow(row: EntryRow): LedgerEntry {
  return {
    accountId: row.account_id,
    amount: toSafeAmount(row.amount, `entry of ${row.account_id}`),
    currency: row.currency,
  };
}

function fromPayoutRow(row: PayoutRow): Payout {
  return {
    key: row.idempotency_key,
    transactionId: Number(row.transaction_id),
    direction: row.direction,
    workflowId: row.workflow_id,
    projectId: row.project_id,
    payeeId: row.payee_id,
    amount: toSafeAmount(row.amount, 'payout amount'),
    retainage: toSafeAmount(row.retainage, 'payout retainage'),
    currency: row.currency,
    reversesKey: row.reverses_key,
    status: row.status,
    providerRef: row.provider_ref,
    refusal: row.refusal,
  };
}
