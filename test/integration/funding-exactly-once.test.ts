import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { PaymentProvider } from '../../activities/funding-payments';
import { Ledger, ledgerAccounts } from '../../db/ledger';
import { createScratchSchema } from '../../db/scratch-schema';
import { openStore, type Store, type StoreLocation } from '../../db/store';
import { fundingGateId } from '../../domain/funding/gate-input';
import { createArxflowWorker } from '../../workers/worker';
import { decideUpdate, fundingGate } from '../../workflows';
import { drawInput, fundProject } from '../fixtures/funding-gate';
import { sharedWorkflowBundle } from '../support/bundle';
import { requireDatabaseUrlUnderCi } from '../support/store-backends';
import { startDevServerEnv, uniqueTaskQueue } from '../support/temporal-env';

/**
 * Idempotent by key like a real payment API (the same key is the same payment), counting
 * every call. On its first call it makes the payment and then "kills" the worker that
 * called it: the answer never reaches the activity, which is the window between the
 * provider paying and the payout being marked done that exactly-once has to survive.
 */
class CrashingProvider implements PaymentProvider {
  /** Distinct payments made: idempotency key -> provider reference. */
  readonly paid = new Map<string, string>();
  calls = 0;
  /** The activity attempt of each call, to show the retry really was a new attempt. */
  readonly attempts: number[] = [];
  /** Runs on the first call only, after the payment is recorded. */
  crashOnFirstCall?: () => void;

  async pay({ idempotencyKey }: Parameters<PaymentProvider['pay']>[0]): Promise<{ providerRef: string }> {
    this.calls += 1;
    this.attempts.push(Context.current().info.attempt);
    let providerRef = this.paid.get(idempotencyKey);
    if (providerRef === undefined) {
      providerRef = `pay_${this.paid.size + 1}`;
      this.paid.set(idempotencyKey, providerRef);
    }
    const crash = this.crashOnFirstCall;
    this.crashOnFirstCall = undefined;
    if (crash) {
      crash();
      // The money moved, but this attempt never learns it: it fails and the worker is gone.
      throw new Error('worker crashed after the provider paid, before the payout was marked done');
    }
    return { providerRef };
  }

  async reverse(): Promise<{ providerRef: string }> {
    throw new Error('this test reverses nothing');
  }
}

// PostgreSQL when DATABASE_URL is set (CI, in a throwaway schema), else PGlite in memory.
async function createBackend(): Promise<{ location: StoreLocation; cleanup: () => Promise<void> }> {
  if (!process.env.DATABASE_URL) {
    requireDatabaseUrlUnderCi('the exactly-once payment test');
    return { location: { inMemory: true }, cleanup: async () => undefined };
  }
  const scratch = await createScratchSchema(process.env.DATABASE_URL, 'arxflow_test');
  return { location: { databaseUrl: scratch.databaseUrl }, cleanup: scratch.drop };
}

const backendName = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite';

describe(`fundingGate pays exactly once when a worker dies mid-payment (dev server, ${backendName})`, () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let cleanupBackend: (() => Promise<void>) | undefined;
  // Every worker started here, with its run() promise, so afterAll can stop whatever a failed test left running.
  const running: { worker: Worker; run: Promise<void> }[] = [];

  beforeAll(async () => {
    const [startedEnv, backend] = await Promise.all([startDevServerEnv(), createBackend()]);
    env = startedEnv;
    cleanupBackend = backend.cleanup;
    store = await openStore(backend.location);
  });

  afterAll(async () => {
    for (const { worker, run } of running) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await run.catch(() => undefined);
    }
    await env?.teardown();
    await store?.close();
    await cleanupBackend?.();
  });

  async function startWorker(
    taskQueue: string,
    paymentProvider: PaymentProvider,
  ): Promise<{ worker: Worker; run: Promise<void> }> {
    const worker = await createArxflowWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: sharedWorkflowBundle(),
      deps: { store, paymentProvider },
    });
    const started = { worker, run: worker.run() };
    running.push(started);
    return started;
  }

  const countRows = async (sql: string, params: unknown[]) => (await store.db.query<{ n: number }>(sql, params))[0]!.n;

  it('retries disburse on a new worker: one ledger transaction, one payout, one provider payment', async () => {
    const FUNDED = 10_000_000;
    // No conditions: approval alone makes the draw payable, and with no conditional lien
    // waiver the gate completes right after paying.
    const input = drawInput({ projectId: 'CRASH1', milestoneId: 'M1', conditions: [] });
    const workflowId = fundingGateId(input);
    const releaseKey = `${workflowId}/release/1`;
    await fundProject(store, input.projectId, FUNDED);

    const taskQueue = uniqueTaskQueue('exactly-once');
    const provider = new CrashingProvider();
    const first = await startWorker(taskQueue, provider);
    // shutdown() only starts the stop and returns; the attempt in flight then fails, so no
    // later task (the retry included) can be taken by this worker.
    provider.crashOnFirstCall = () => first.worker.shutdown();

    const handle = await env.client.workflow.start(fundingGate, { taskQueue, workflowId, args: [input] });
    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'rita', roles: [] }] });
    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'sam', roles: ['signatory'] }] });

    // The first worker stops only through the crash. If the gate ended instead (a refused
    // disbursement), say so rather than wait for the jest timeout.
    const result = handle.result();
    result.catch(() => undefined); // awaited below; this only keeps a failure before then from being "unhandled"
    await Promise.race([
      first.run,
      result.then(() => {
        throw new Error('the gate finished without the provider crashing the first worker');
      }),
    ]);
    expect(first.worker.getState()).toBe('STOPPED');

    // Between the workers: the ledger and the provider have moved the money, the payout is
    // not confirmed. This is the state a real crash leaves behind.
    expect(provider.calls).toBe(1);
    expect([...provider.paid.keys()]).toEqual([releaseKey]);
    const pending = await store.db.query<{ status: string; provider_ref: string | null }>(
      'SELECT status, provider_ref FROM ledger_payouts WHERE workflow_id = $1',
      [workflowId],
    );
    expect(pending).toEqual([{ status: 'pending_provider', provider_ref: null }]);

    // A new worker on the same task queue, store and provider picks up the retry and the rest of the workflow.
    const second = await startWorker(taskQueue, provider);
    const finished = await Promise.race([
      result,
      second.run.then(() => Promise.reject(new Error('the second worker stopped early'))),
    ]);
    second.worker.shutdown();
    await second.run;

    expect(finished.status).toBe('completed');
    const totals = finished.release!.totals;
    // 3,000,000.00 approved, 10% retained (the project is 40% complete, below the 50% step-down).
    expect([totals.approved, totals.releasedNow, totals.retainageHeld]).toEqual([3_000_000, 2_700_000, 300_000]);

    // The retry called the provider again with the same key, which was the same payment.
    // Two calls: the first attempt (which paid, then its worker died) and the second worker's retry.
    expect(provider.calls).toBe(2);
    expect(provider.attempts).toEqual([1, 2]);
    expect([...provider.paid.entries()]).toEqual([[releaseKey, 'pay_1']]);
    expect(finished.payment?.providerRef).toBe('pay_1');

    // The database, counted row by row: one posting, one payout, confirmed with the provider's reference.
    expect(
      await countRows(
        "SELECT count(*)::int AS n FROM ledger_transactions WHERE workflow_id = $1 AND kind = 'disbursement'",
        [workflowId],
      ),
    ).toBe(1);
    const payouts = await store.db.query<{
      idempotency_key: string;
      direction: string;
      status: string;
      provider_ref: string | null;
      completed: boolean;
    }>(
      'SELECT idempotency_key, direction, status, provider_ref, completed_at IS NOT NULL AS completed FROM ledger_payouts WHERE workflow_id = $1',
      [workflowId],
    );
    expect(payouts).toEqual([
      { idempotency_key: releaseKey, direction: 'pay', status: 'done', provider_ref: 'pay_1', completed: true },
    ]);
    // The activity's own audit events: released once (the ledger leg), paid once (the provider leg).
    for (const action of ['funding.released', 'funding.payment.sent']) {
      expect(
        await countRows('SELECT count(*)::int AS n FROM audit_events WHERE subject = $1 AND action = $2', [
          releaseKey,
          action,
        ]),
      ).toBe(1);
    }

    // The money moved once: out of funding, into the payee's payable and the project's retainage.
    const ledger = new Ledger(store.db);
    expect(await ledger.balance(ledgerAccounts.projectFunding(input.projectId))).toBe(
      FUNDED - totals.releasedNow - totals.retainageHeld,
    );
    expect(await ledger.balance(ledgerAccounts.payeePayable(input.payeeId))).toBe(totals.releasedNow);
    expect(await ledger.balance(ledgerAccounts.projectRetainage(input.projectId))).toBe(totals.retainageHeld);

    expect((await store.audit.verify()).ok).toBe(true);
  });
});
