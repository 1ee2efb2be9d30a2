import { registerPayees } from '../fixtures/funding-gate';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createFundingPaymentActivities, type PaymentProvider } from '../../activities/funding-payments';
import { InsufficientFundsError, Ledger, LedgerError, ledgerAccounts } from '../../db/ledger';
import { openStore, type Store } from '../../db/store';
import { storeBackends, type StoreBackend } from '../support/store-backends';

// One contract, every backend: PGlite always; PostgreSQL when DATABASE_URL is set, in a
// throwaway schema. PostgreSQL is where concurrency is real (a pool of connections and
// row locks); PGlite runs one transaction at a time, and must give the same answers.
type Backend = StoreBackend;
const backends = storeBackends('ledger contract');

/** A payment provider that is idempotent by key, as real ones are, and counts what it paid. */
class CountingProvider implements PaymentProvider {
  readonly payCalls: string[] = [];
  readonly paymentsByKey = new Map<string, number>();

  async pay({ idempotencyKey, amount }: { idempotencyKey: string; amount: number }) {
    this.payCalls.push(idempotencyKey);
    if (!this.paymentsByKey.has(idempotencyKey)) this.paymentsByKey.set(idempotencyKey, amount);
    return { providerRef: `pay:${idempotencyKey}` };
  }

  async reverse({ idempotencyKey }: { idempotencyKey: string }) {
    return { providerRef: `rev:${idempotencyKey}` };
  }
}

/** Refusals are expected here: the SDK's WARN line per failed activity would only be noise. */
const runActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) =>
  new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run<A, R, typeof fn>(fn, ...args);

describe.each(backends)('ledger contract on %s', (_name, createBackend) => {
  let backend: Backend;
  let store: Store;
  let ledger: Ledger;

  beforeAll(async () => {
    backend = await createBackend();
    store = await openStore(backend.location);
    ledger = new Ledger(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await backend?.cleanup();
  });

  const count = async (table: string) =>
    Number((await store.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);

  /** A project with `amount` deposited into its funding account. */
  async function fundedProject(projectId: string, amount: number) {
    const funding = ledgerAccounts.projectFunding(projectId);
    await ledger.ensureAccount(funding, 'funding', 'USD');
    await ledger.fund(funding, amount, `deposit/${projectId}`, 'initial deposit');
    return funding;
  }

  it('creates an account once and refuses the same id with another currency or kind', async () => {
    const id = ledgerAccounts.projectFunding('ACC1');
    expect(await ledger.ensureAccount(id, 'funding', 'USD')).toEqual({ id, kind: 'funding', currency: 'USD' });
    expect(await ledger.ensureAccount(id, 'funding', 'USD')).toEqual({ id, kind: 'funding', currency: 'USD' });
    await expect(ledger.ensureAccount(id, 'funding', 'EUR')).rejects.toMatchObject({ code: 'CurrencyMismatch' });
    await expect(ledger.ensureAccount(id, 'payable', 'USD')).rejects.toMatchObject({ code: 'AccountMismatch' });
    expect(() => ledgerAccounts.payeePayable('a/b')).toThrow(/no "\/"/);
    await expect(ledger.balance('project/NOPE/funding')).rejects.toMatchObject({ code: 'UnknownAccount' });
  });

  it('creates an account once when many callers create it at the same moment', async () => {
    // Two inserts of one new id race on both of the table's unique indexes; each caller must
    // end with the one account, never with a unique-constraint error.
    const ids = Array.from({ length: 20 }, (_, i) => ledgerAccounts.payeePayable(`race-${i}`));
    const created = await Promise.all(
      ids.flatMap((id) => Array.from({ length: 8 }, () => ledger.ensureAccount(id, 'payable', 'USD'))),
    );
    expect(created).toHaveLength(160);
    expect(new Set(created.map((account) => account.id))).toEqual(new Set(ids));
    expect(
      await store.db.query('SELECT id FROM ledger_accounts WHERE id = ANY($1::text[])', [ids]).then((r) => r.length),
    ).toBe(20);
  });

  it('deposits from an external account: the funding balance rises, the external one goes negative', async () => {
    const funding = await fundedProject('DEP1', 250_000);
    expect(await ledger.balance(funding)).toBe(250_000);
    expect(await ledger.balance('external/deposits-USD')).toBeLessThanOrEqual(-250_000);
    const again = await ledger.fund(funding, 250_000, 'deposit/DEP1', 'initial deposit');
    expect(again.firstRun).toBe(false);
    expect(await ledger.balance(funding)).toBe(250_000);
  });

  it('balances every transaction to zero and refuses an unbalanced one before writing it', async () => {
    const funding = await fundedProject('BAL1', 10_000);
    const payable = ledgerAccounts.payeePayable('BAL1-payee');
    await ledger.ensureAccount(payable, 'payable', 'USD');
    const before = await count('ledger_transactions');
    await expect(
      store.db.transaction((tx) =>
        ledger.post(tx, {
          key: 'bal1/unbalanced',
          kind: 'disbursement',
          entries: [
            { accountId: funding, amount: -100 },
            { accountId: payable, amount: 99 },
          ],
        }),
      ),
    ).rejects.toMatchObject({
      code: 'InvalidPosting',
      message: expect.stringMatching(/do not balance: they sum to -1/),
    });
    expect(await count('ledger_transactions')).toBe(before);

    const sums = await store.db.query<{ total: string | number }>(
      'SELECT COALESCE(SUM(amount), 0) AS total FROM ledger_entries GROUP BY transaction_id',
    );
    expect(sums.length).toBe(before);
    expect(sums.every((row) => Number(row.total) === 0)).toBe(true);
  });

  it('the database itself refuses an unbalanced or empty transaction at commit (deferred constraint trigger)', async () => {
    const funding = await fundedProject('TRG1', 10_000);
    await expect(
      store.db.transaction(async (tx) => {
        const [row] = await tx.query<{ id: string | number }>(
          "INSERT INTO ledger_transactions (idempotency_key, kind) VALUES ('trg1/raw', 'disbursement') RETURNING id",
        );
        await tx.query(
          "INSERT INTO ledger_entries (transaction_id, account_id, amount, currency) VALUES ($1, $2, -5, 'USD')",
          [row!.id, funding],
        );
      }),
    ).rejects.toThrow(/does not balance/);
    await expect(
      store.db.query("INSERT INTO ledger_transactions (idempotency_key, kind) VALUES ('trg1/empty', 'disbursement')"),
    ).rejects.toThrow(/has no entries/);
    expect(await ledger.transaction('trg1/raw')).toBeUndefined();
    expect(await ledger.balance(funding)).toBe(10_000);
  });

  it('keeps history append-only and every entry in its account currency', async () => {
    await expect(store.db.query('UPDATE ledger_entries SET amount = amount * 2')).rejects.toThrow(/append-only/);
    await expect(store.db.query('DELETE FROM ledger_transactions')).rejects.toThrow(/append-only/);
    const euros = ledgerAccounts.payeePayable('EUR-payee');
    await ledger.ensureAccount(euros, 'payable', 'EUR');
    await expect(
      store.db.transaction((tx) =>
        ledger.post(tx, {
          key: 'cur1/mixed',
          kind: 'disbursement',
          entries: [
            { accountId: 'project/DEP1/funding', amount: -1 },
            { accountId: euros, amount: 1 },
          ],
        }),
      ),
    ).rejects.toMatchObject({ code: 'CurrencyMismatch' });
  });

  it('posts once per key: a repeat returns the first transaction, other content under the key is refused', async () => {
    const funding = await fundedProject('IDEM1', 10_000);
    const payable = ledgerAccounts.payeePayable('IDEM1-payee');
    await ledger.ensureAccount(payable, 'payable', 'USD');
    const request = {
      key: 'wf-idem/release/1',
      kind: 'disbursement' as const,
      workflowId: 'wf-idem',
      memo: 'draw 1',
      entries: [
        { accountId: funding, amount: -4_000 },
        { accountId: payable, amount: 4_000 },
      ],
    };
    const first = await store.db.transaction((tx) => ledger.post(tx, request));
    const second = await store.db.transaction((tx) => ledger.post(tx, request));
    expect(first.firstRun).toBe(true);
    expect(second).toEqual({ ...first, firstRun: false, entries: first.entries });
    expect(await ledger.balance(funding)).toBe(6_000);
    await expect(
      store.db.transaction((tx) =>
        ledger.post(tx, {
          ...request,
          entries: [
            { accountId: funding, amount: -5_000 },
            { accountId: payable, amount: 5_000 },
          ],
        }),
      ),
    ).rejects.toMatchObject({ code: 'IdempotencyConflict' });
    expect(await ledger.entriesFor('wf-idem')).toEqual([
      expect.objectContaining({
        transactionId: first.id,
        key: 'wf-idem/release/1',
        accountId: funding,
        amount: -4_000,
        currency: 'USD',
      }),
      expect.objectContaining({
        transactionId: first.id,
        key: 'wf-idem/release/1',
        accountId: payable,
        amount: 4_000,
        currency: 'USD',
      }),
    ]);
  });

  it('never lets a funding account go negative: the posting is refused and nothing is written', async () => {
    const funding = await fundedProject('NEG1', 1_000);
    const payable = ledgerAccounts.payeePayable('NEG1-payee');
    await ledger.ensureAccount(payable, 'payable', 'USD');
    const [transactions, entries] = [await count('ledger_transactions'), await count('ledger_entries')];
    const refused = store.db.transaction((tx) =>
      ledger.post(tx, {
        key: 'neg1/release/1',
        kind: 'disbursement',
        entries: [
          { accountId: funding, amount: -1_001 },
          { accountId: payable, amount: 1_001 },
        ],
      }),
    );
    await expect(refused).rejects.toBeInstanceOf(InsufficientFundsError);
    await expect(refused).rejects.toMatchObject({
      accountId: funding,
      balance: 1_000,
      requested: 1_001,
      message: expect.stringMatching(/10\.00 USD, less than the 10\.01 USD/),
    });
    expect([await count('ledger_transactions'), await count('ledger_entries')]).toEqual([transactions, entries]);
    expect(await ledger.balance(funding)).toBe(1_000);
    expect(await ledger.transaction('neg1/release/1')).toBeUndefined();
  });

  it('concurrent postings of the same key move the money once', async () => {
    const funding = await fundedProject('RACE1', 10_000);
    const payable = ledgerAccounts.payeePayable('RACE1-payee');
    await ledger.ensureAccount(payable, 'payable', 'USD');
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        store.db.transaction((tx) =>
          ledger.post(tx, {
            key: 'race1/release/1',
            kind: 'disbursement',
            entries: [
              { accountId: funding, amount: -3_000 },
              { accountId: payable, amount: 3_000 },
            ],
          }),
        ),
      ),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.firstRun)).toHaveLength(1);
    expect(await ledger.balance(funding)).toBe(7_000);
    expect(await ledger.balance(payable)).toBe(3_000);
  });

  it('concurrent disbursements of the same release through the activity pay once', async () => {
    await fundedProject('RACE2', 10_000);
    await registerPayees(store, 'RACE2', ['acme']);
    const provider = new CountingProvider();
    const { disburse } = createFundingPaymentActivities({ store, ledger, provider });
    const request = {
      workflowId: 'funding-gate/RACE2/M1',
      releaseNumber: 1,
      projectId: 'RACE2',
      payeeId: 'acme',
      currency: 'USD',
      releasedNow: 2_700,
      retainageHeld: 300,
      memo: 'M1 line 1',
    };
    const results = await Promise.all(Array.from({ length: 6 }, () => runActivity(disburse, request)));
    expect(new Set(results.map((r) => r.transactionId)).size).toBe(1);
    expect(results.filter((r) => r.firstRun)).toHaveLength(1);
    expect(new Set(results.map((r) => r.providerRef))).toEqual(new Set(['pay:funding-gate/RACE2/M1/release/1']));
    expect([...provider.paymentsByKey]).toEqual([['funding-gate/RACE2/M1/release/1', 2_700]]);
    expect(await ledger.balance('project/RACE2/funding')).toBe(7_000);
    expect(await ledger.balance('payee/acme/payable')).toBe(2_700);
    expect(await ledger.balance('project/RACE2/retainage')).toBe(300);
  });

  it('20 concurrent disbursements against a funding account that affords 7: exactly 7 succeed and it never goes below zero', async () => {
    const funding = await fundedProject('LOAD1', 7 * 1_500 + 600);
    await registerPayees(store, 'LOAD1', ['sub-0', 'sub-1', 'sub-2', 'sub-3']);
    const provider = new CountingProvider();
    const { disburse } = createFundingPaymentActivities({ store, ledger, provider });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        runActivity(disburse, {
          workflowId: 'funding-gate/LOAD1/M1',
          releaseNumber: i + 1,
          projectId: 'LOAD1',
          payeeId: `sub-${i % 4}`,
          currency: 'USD',
          releasedNow: 1_350,
          retainageHeld: 150,
          memo: `line ${i + 1}`,
        }),
      ),
    );
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(7);
    expect(refused).toHaveLength(13);
    for (const { reason } of refused) expect(reason).toMatchObject({ type: 'InsufficientFunds', nonRetryable: true });
    expect(await ledger.balance(funding)).toBe(600);
    expect(provider.paymentsByKey.size).toBe(7);
    // The running balance, in the order the entries were written under the account's row lock.
    const running = await store.db.query<{ balance: string | number }>(
      'SELECT SUM(amount) OVER (ORDER BY id) AS balance FROM ledger_entries WHERE account_id = $1',
      [funding],
    );
    expect(Math.min(...running.map((row) => Number(row.balance)))).toBeGreaterThanOrEqual(0);
    expect(await count("ledger_transactions WHERE workflow_id = 'funding-gate/LOAD1/M1'")).toBe(7);
    expect(await store.audit.verify()).toMatchObject({ ok: true });
  });

  it('reports ledger refusals as LedgerError with a code', async () => {
    await expect(
      store.db.transaction((tx) =>
        ledger.post(tx, {
          key: 'x',
          kind: 'disbursement',
          entries: [
            { accountId: 'project/NONE/funding', amount: -1 },
            { accountId: 'payee/none/payable', amount: 1 },
          ],
        }),
      ),
    ).rejects.toEqual(expect.objectContaining({ code: 'UnknownAccount' }));
    await expect(
      store.db.transaction((tx) =>
        ledger.post(tx, {
          key: 'y',
          kind: 'disbursement',
          entries: [
            { accountId: 'project/DEP1/funding', amount: 0.5 },
            { accountId: 'project/DEP1/funding', amount: -0.5 },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(LedgerError);
  });
});
