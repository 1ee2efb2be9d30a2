import { registerPayees } from '../fixtures/funding-gate';
import { FundingPrograms } from '../../db/funding-programs';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import {
  createFundingPaymentActivities,
  ledgerOnlyProvider,
  PaymentRefusedError,
  type DisburseRequest,
  type PaymentProvider,
} from '../../activities/funding-payments';
import { Ledger, ledgerAccounts } from '../../db/ledger';
import { openStore, type Store } from '../../db/store';

/**
 * Behaves like a real payment API: idempotent by key (the same key is the same payment),
 * and it counts every call. `crashAfterPaying` makes the next calls fail after the payment
 * was made, as when the connection drops before the answer arrives.
 */
class RecordingProvider implements PaymentProvider {
  readonly calls: { method: 'pay' | 'reverse'; idempotencyKey: string; amount: number; providerRef?: string }[] = [];
  readonly payments = new Map<string, { providerRef: string; amount: number; payeeId: string }>();
  readonly reversals = new Map<string, { providerRef: string; reverses: string; amount: number }>();
  crashAfterPaying = 0;
  /** Payees the provider refuses for good (e.g. their bank account is closed). */
  readonly refusedPayees = new Set<string>();

  async pay({ idempotencyKey, payeeId, amount }: Parameters<PaymentProvider['pay']>[0]) {
    this.calls.push({ method: 'pay', idempotencyKey, amount });
    if (this.refusedPayees.has(payeeId)) throw new PaymentRefusedError(`payee ${payeeId}: account closed`);
    let payment = this.payments.get(idempotencyKey);
    if (!payment) {
      payment = { providerRef: `pay_${this.payments.size + 1}`, amount, payeeId };
      this.payments.set(idempotencyKey, payment);
    }
    if (this.crashAfterPaying > 0) {
      this.crashAfterPaying -= 1;
      throw new Error('socket hang up (the payment was made)');
    }
    return { providerRef: payment.providerRef };
  }

  async reverse({ idempotencyKey, providerRef, amount }: Parameters<PaymentProvider['reverse']>[0]) {
    this.calls.push({ method: 'reverse', idempotencyKey, amount, providerRef });
    let reversal = this.reversals.get(idempotencyKey);
    if (!reversal) {
      reversal = { providerRef: `rev_${this.reversals.size + 1}`, reverses: providerRef, amount };
      this.reversals.set(idempotencyKey, reversal);
    }
    return { providerRef: reversal.providerRef };
  }

  callsFor(idempotencyKey: string) {
    return this.calls.filter((call) => call.idempotencyKey === idempotencyKey);
  }
}

describe('funding payment activities (PGlite store, MockActivityEnvironment)', () => {
  let store: Store;
  let ledger: Ledger;
  let provider: RecordingProvider;
  let activities: ReturnType<typeof createFundingPaymentActivities>;
  // Refusals are expected here: the SDK's WARN line per failed activity would only be noise.
  const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) =>
    new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run<A, R, typeof fn>(fn, ...args);

  beforeAll(async () => {
    store = await openStore({ inMemory: true });
    ledger = new Ledger(store.db);
  });
  beforeEach(() => {
    provider = new RecordingProvider();
    activities = createFundingPaymentActivities({ store, ledger, provider });
  });
  afterAll(async () => {
    await store?.close();
  });

  // A project's builder is registered as its payee by an admin before any release (disburse checks it).
  const fund = async (projectId: string, amount: number) => {
    await registerPayees(store, projectId, [`${projectId}-builder`]);
    return run(activities.fundProject, {
      idempotencyKey: `bank/${projectId}/1`,
      projectId,
      amount,
      currency: 'USD',
      memo: 'construction loan draw',
    });
  };

  const release = (
    projectId: string,
    releaseNumber: number,
    overrides: Partial<DisburseRequest> = {},
  ): DisburseRequest => ({
    workflowId: `funding-gate/${projectId}/M1`,
    releaseNumber,
    projectId,
    payeeId: `${projectId}-builder`,
    currency: 'USD',
    releasedNow: 90_000,
    retainageHeld: 10_000,
    memo: `M1 release ${releaseNumber}`,
    ...overrides,
  });

  const auditActions = async (workflowId: string) =>
    (await store.audit.list({ limit: 10_000 })).filter((e) => e.workflowId === workflowId).map((e) => e.action);

  it('funds a project once per deposit key', async () => {
    const first = await fund('FUND1', 500_000);
    const again = await fund('FUND1', 500_000);
    expect(first).toEqual({ transactionId: expect.any(Number), firstRun: true, balance: 500_000 });
    expect(again).toEqual({ ...first, firstRun: false });
    const deposits = (await store.audit.list({ limit: 10_000 })).filter(
      (e) => e.action === 'funding.deposited' && e.subject === 'project/FUND1/funding',
    );
    expect(deposits).toHaveLength(1);
  });

  it('disbursing the same release twice posts one transaction and pays once, with the same result', async () => {
    await fund('P1', 500_000);
    const request = release('P1', 1);
    const first = await run(activities.disburse, request);
    const second = await run(activities.disburse, request);

    expect(first).toEqual({ transactionId: expect.any(Number), providerRef: 'pay_1', firstRun: true });
    expect(second).toEqual({ ...first, firstRun: false });
    expect(provider.calls).toEqual([{ method: 'pay', idempotencyKey: 'funding-gate/P1/M1/release/1', amount: 90_000 }]);
    const entries = await ledger.entriesFor('funding-gate/P1/M1');
    expect(new Set(entries.map((e) => e.transactionId))).toEqual(new Set([first.transactionId]));
    expect(entries.map((e) => [e.accountId, e.amount])).toEqual([
      ['project/P1/funding', -90_000],
      ['payee/P1-builder/payable', 90_000],
      ['project/P1/funding', -10_000],
      ['project/P1/retainage', 10_000],
    ]);
    expect(await ledger.balance('project/P1/funding')).toBe(400_000);
    expect(await ledger.balance('payee/P1-builder/payable')).toBe(90_000);
    expect(await ledger.balance('project/P1/retainage')).toBe(10_000);
    expect(await auditActions('funding-gate/P1/M1')).toEqual(['funding.released', 'funding.payment.sent']);
    expect(await ledger.payout('funding-gate/P1/M1/release/1')).toMatchObject({ status: 'done', providerRef: 'pay_1' });
  });

  it('a crash after the provider paid but before completion does not pay twice on retry', async () => {
    await fund('P2', 500_000);
    const request = release('P2', 1);
    const key = 'funding-gate/P2/M1/release/1';
    provider.crashAfterPaying = 1;

    const crashed = run(activities.disburse, request);
    await expect(crashed).rejects.toThrow(/socket hang up/);
    await expect(crashed).rejects.not.toBeInstanceOf(ApplicationFailure); // retryable: Temporal retries it
    expect(await ledger.payout(key)).toMatchObject({ status: 'pending_provider', providerRef: null });

    const retried = await run(activities.disburse, request);
    const afterwards = await run(activities.disburse, request);
    expect(retried).toEqual({ transactionId: expect.any(Number), providerRef: 'pay_1', firstRun: false });
    expect(afterwards).toEqual(retried);
    expect(provider.callsFor(key)).toHaveLength(2); // the crashed call and its retry, both with the same key
    expect([...provider.payments.keys()]).toEqual([key]); // one payment
    expect(await ledger.entriesFor('funding-gate/P2/M1')).toHaveLength(4); // one transaction
    expect(await ledger.balance('payee/P2-builder/payable')).toBe(90_000);
    expect(await auditActions('funding-gate/P2/M1')).toEqual(['funding.released', 'funding.payment.sent']);
  });

  it('heartbeats while the provider keeps it waiting, and stops waiting when the activity is cancelled', async () => {
    await fund('PHB', 500_000);
    let signal: AbortSignal | undefined;
    const hanging = createFundingPaymentActivities({
      store,
      ledger,
      provider: {
        pay: (request) => ((signal = request.signal), new Promise(() => undefined)), // never answers
        reverse: () => Promise.reject(new Error('nothing is reversed here')),
      },
    });
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 300 }, { logger: new DefaultLogger('ERROR') });
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    const paying = env.run(hanging.disburse, release('PHB', 1));
    paying.catch(() => undefined); // awaited below
    for (let waited = 0; beats < 3 && waited < 5_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(beats).toBeGreaterThanOrEqual(3); // every 100 ms (a third of the timeout)
    expect(signal?.aborted).toBe(false);

    env.cancel();
    await expect(paying).rejects.toBeInstanceOf(CancelledFailure);
    expect(signal?.aborted).toBe(true); // the provider's client is told to stop too
    // Posted and claimed, not confirmed: a retry calls the provider again with the same key.
    expect(await ledger.payout('funding-gate/PHB/M1/release/1')).toMatchObject({ status: 'pending_provider' });
  });

  it('a payment the provider refuses for good is undone in the ledger once, and is not retried', async () => {
    await fund('PRF', 500_000);
    provider.refusedPayees.add('PRF-builder');
    const key = 'funding-gate/PRF/M1/release/1';

    const refused = run(activities.disburse, release('PRF', 1));
    await expect(refused).rejects.toMatchObject({
      type: 'PaymentRefused',
      nonRetryable: true,
      message: expect.stringMatching(/account closed; the ledger posting was undone/),
    });
    const again = run(activities.disburse, release('PRF', 1)); // a retry of the same release: the refusal stands
    await expect(again).rejects.toMatchObject({ type: 'PaymentRefused' });
    expect(provider.callsFor(key)).toHaveLength(1);
    expect(await ledger.payout(key)).toMatchObject({
      status: 'refused',
      refusal: 'payee PRF-builder: account closed',
      providerRef: null,
    });
    expect(await ledger.balance('project/PRF/funding')).toBe(500_000);
    expect(await ledger.balance('payee/PRF-builder/payable')).toBe(0);
    expect(await ledger.balance('project/PRF/retainage')).toBe(0);
    await expect(
      run(activities.reverseRelease, {
        workflowId: 'funding-gate/PRF/M1',
        releaseNumber: 1,
        reason: 'x',
        actor: 'ops',
      }),
    ).rejects.toMatchObject({
      type: 'ReleaseNotFound',
      message: expect.stringMatching(/refused by the payment provider/),
    });

    provider.refusedPayees.delete('PRF-builder'); // the payee's account is fixed: the gate pays under the next release number
    const paid = await run(activities.disburse, release('PRF', 2));
    expect(paid).toMatchObject({ providerRef: 'pay_1', firstRun: true });
    expect(await ledger.balance('project/PRF/funding')).toBe(400_000);
    expect(await auditActions('funding-gate/PRF/M1')).toEqual([
      'funding.released',
      'funding.payment.refused',
      'funding.released',
      'funding.payment.sent',
    ]);
    const kinds = await store.db.query<{ kind: string }>(
      'SELECT kind FROM ledger_transactions WHERE workflow_id = $1 ORDER BY id',
      ['funding-gate/PRF/M1'],
    );
    expect(kinds.map((row) => row.kind)).toEqual(['disbursement', 'payment_refused', 'disbursement']);
  });

  it('refuses a release the funding cannot cover, writes nothing, and runs it once funded', async () => {
    await fund('P3', 50_000);
    const request = release('P3', 1);
    const refused = run(activities.disburse, request);
    await expect(refused).rejects.toMatchObject({
      type: 'InsufficientFunds',
      nonRetryable: true,
      message: expect.stringMatching(/project\/P3\/funding holds 500\.00 USD, less than the 1000\.00 USD/),
    });
    expect(provider.calls).toEqual([]);
    expect(await ledger.entriesFor('funding-gate/P3/M1')).toEqual([]);
    expect(await store.idempotency.get('funding-gate/P3/M1/release/1')).toBeUndefined();
    expect(await auditActions('funding-gate/P3/M1')).toEqual([]);

    await run(activities.fundProject, {
      idempotencyKey: 'bank/P3/2',
      projectId: 'P3',
      amount: 50_000,
      currency: 'USD',
      memo: 'top-up',
    });
    expect(await run(activities.disburse, request)).toMatchObject({ firstRun: true, providerRef: 'pay_1' });
    expect(await ledger.balance('project/P3/funding')).toBe(0);
  });

  it('reverses a release once: the money goes back to funding and the provider reverses the payment', async () => {
    await fund('P4', 500_000);
    const paid = await run(activities.disburse, release('P4', 1));
    const reversal = {
      workflowId: 'funding-gate/P4/M1',
      releaseNumber: 1,
      reason: 'lien waiver missing',
      actor: 'u:ana',
    };
    const first = await run(activities.reverseRelease, reversal);
    const second = await run(activities.reverseRelease, reversal);

    expect(first).toEqual({ transactionId: expect.any(Number), providerRef: 'rev_1', firstRun: true });
    expect(first.transactionId).not.toBe(paid.transactionId);
    expect(second).toEqual({ ...first, firstRun: false });
    expect(provider.calls.filter((c) => c.method === 'reverse')).toEqual([
      { method: 'reverse', idempotencyKey: 'funding-gate/P4/M1/reversal/1', amount: 90_000, providerRef: 'pay_1' },
    ]);
    expect(await ledger.balance('project/P4/funding')).toBe(500_000);
    expect(await ledger.balance('payee/P4-builder/payable')).toBe(0);
    expect(await ledger.balance('project/P4/retainage')).toBe(0);
    expect(await auditActions('funding-gate/P4/M1')).toEqual([
      'funding.released',
      'funding.payment.sent',
      'funding.release.reversed',
      'funding.payment.reversed',
    ]);
    const reversedBy = (await store.audit.list({ limit: 10_000 })).find(
      (e) => e.action === 'funding.release.reversed' && e.workflowId === 'funding-gate/P4/M1',
    );
    expect(reversedBy).toMatchObject({ actor: 'u:ana', data: { reason: 'lien waiver missing' } });
  });

  it('refuses a reversal when the payee payable no longer holds the money, and writes nothing', async () => {
    await fund('P5', 500_000);
    await run(activities.disburse, release('P5', 1));
    // The payee's money was settled out of the ledger in the meantime.
    const payable = ledgerAccounts.payeePayable('P5-builder');
    await ledger.ensureAccount('external/settlements', 'external', 'USD');
    await store.db.transaction((tx) =>
      ledger.post(tx, {
        key: 'settlement/P5/1',
        kind: 'disbursement',
        entries: [
          { accountId: payable, amount: -60_000 },
          { accountId: 'external/settlements', amount: 60_000 },
        ],
      }),
    );

    const refused = run(activities.reverseRelease, {
      workflowId: 'funding-gate/P5/M1',
      releaseNumber: 1,
      reason: 'duplicate invoice',
      actor: 'u:bo',
    });
    await expect(refused).rejects.toMatchObject({
      type: 'InsufficientFunds',
      nonRetryable: true,
      message: expect.stringMatching(/payee\/P5-builder\/payable holds 300\.00 USD, less than the 900\.00 USD/),
    });
    expect(provider.calls.filter((c) => c.method === 'reverse')).toEqual([]);
    expect(await ledger.transaction('funding-gate/P5/M1/reversal/1')).toBeUndefined();
    expect(await store.idempotency.get('funding-gate/P5/M1/reversal/1')).toBeUndefined();
    expect(await ledger.balance(payable)).toBe(30_000);
    expect(await auditActions('funding-gate/P5/M1')).toEqual(['funding.released', 'funding.payment.sent']);
  });

  it('refuses to reverse a release that was never made or whose payment is not confirmed', async () => {
    await expect(
      run(activities.reverseRelease, {
        workflowId: 'funding-gate/NONE/M1',
        releaseNumber: 1,
        reason: 'x',
        actor: 'u:ana',
      }),
    ).rejects.toMatchObject({ type: 'ReleaseNotFound', nonRetryable: true });

    await fund('P6', 500_000);
    provider.crashAfterPaying = 1;
    await expect(run(activities.disburse, release('P6', 1))).rejects.toThrow(/socket hang up/);
    await expect(
      run(activities.reverseRelease, {
        workflowId: 'funding-gate/P6/M1',
        releaseNumber: 1,
        reason: 'x',
        actor: 'u:ana',
      }),
    ).rejects.toMatchObject({ type: 'PayoutPending', nonRetryable: true });
  });

  it('holds everything back without calling the provider when the whole amount is retained', async () => {
    await fund('P7', 500_000);
    const result = await run(activities.disburse, release('P7', 1, { releasedNow: 0, retainageHeld: 25_000 }));
    expect(result).toEqual({ transactionId: expect.any(Number), providerRef: null, firstRun: true });
    expect(provider.calls).toEqual([]);
    expect(await ledger.balance('project/P7/retainage')).toBe(25_000);
  });

  it('refuses a release number reused for other amounts', async () => {
    await fund('P8', 500_000);
    await run(activities.disburse, release('P8', 1));
    await expect(run(activities.disburse, release('P8', 1, { releasedNow: 80_000 }))).rejects.toMatchObject({
      type: 'IdempotencyConflict',
      nonRetryable: true,
      message: expect.stringMatching(/already disbursed as 900\.00 USD to P8-builder/),
    });
    expect(provider.calls).toHaveLength(1);
  });

  it('refuses bad input naming the field, before anything is written', async () => {
    await expect(run(activities.disburse, release('P9', 1, { releasedNow: -5 }))).rejects.toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
      message: expect.stringMatching(/disburse: releasedNow: must not be negative/),
    });
    await expect(run(activities.disburse, release('P9', 0))).rejects.toMatchObject({
      type: 'InvalidInput',
      message: expect.stringMatching(/releaseNumber: must be 1 or more/),
    });
    await expect(run(activities.disburse, release('P9', 1, { projectId: 'a/b' }))).rejects.toMatchObject({
      type: 'InvalidInput',
      message: expect.stringMatching(/projectId/),
    });
    await expect(
      run(activities.disburse, release('P9', 1, { releasedNow: 0, retainageHeld: 0 })),
    ).rejects.toMatchObject({ message: expect.stringMatching(/nothing to disburse/) });
    await expect(
      run(activities.reverseRelease, {
        workflowId: 'funding-gate/P9/M1',
        releaseNumber: 1,
        reason: ' ',
        actor: 'u:ana',
      }),
    ).rejects.toMatchObject({ type: 'InvalidInput', message: expect.stringMatching(/reason: a reason is required/) });
    expect(await ledger.entriesFor('funding-gate/P9/M1')).toEqual([]);
  });

  it('refuses a release in another currency than the project funding', async () => {
    await fund('P10', 500_000);
    await expect(run(activities.disburse, release('P10', 1, { currency: 'EUR' }))).rejects.toMatchObject({
      type: 'CurrencyMismatch',
      nonRetryable: true,
    });
  });

  it('works without a payment rail (ledgerOnlyProvider is the default)', async () => {
    const ledgerOnly = createFundingPaymentActivities({ store });
    await registerPayees(store, 'P11', ['P11-builder']);
    await run(ledgerOnly.fundProject, {
      idempotencyKey: 'bank/P11/1',
      projectId: 'P11',
      amount: 100_000,
      currency: 'USD',
      memo: 'loan',
    });
    const result = await run(ledgerOnly.disburse, release('P11', 1));
    expect(result.providerRef).toBe('ledger:funding-gate/P11/M1/release/1');
    expect(await ledgerOnlyProvider.reverse({ idempotencyKey: 'k', providerRef: 'r', amount: 1 })).toEqual({
      providerRef: 'ledger:k',
    });
  });

  it('pays registered payees only: an unregistered or removed payee is refused (PaymentRefused) and nothing is posted', async () => {
    await fund('P12', 500_000);
    await expect(run(activities.disburse, release('P12', 1, { payeeId: 'mallory-holdings' }))).rejects.toMatchObject({
      type: 'PaymentRefused',
      nonRetryable: true,
      message: expect.stringMatching(/mallory-holdings is not \(or no longer\) a registered payee of project P12/),
    });
    await new FundingPrograms(store.db, store.audit).removePayee('P12', 'P12-builder', 'admin-ada');
    await expect(run(activities.disburse, release('P12', 2))).rejects.toMatchObject({ type: 'PaymentRefused' });
    expect(provider.payments.size).toBe(0);
    expect(await ledger.balance(ledgerAccounts.projectFunding('P12'))).toBe(500_000);
  });

  it('leaves an unbroken audit chain behind', async () => {
    expect(await store.audit.verify()).toMatchObject({ ok: true });
  });
});
