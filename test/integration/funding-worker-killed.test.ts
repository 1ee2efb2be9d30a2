import type { ChildProcess } from 'node:child_process';
import { sharedStoreBackend } from '../support/store-backends';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { AnchorKey } from '../../db/audit-log';
import { openStore, type Store, type StoreLocation } from '../../db/store';
import { fundingGateId } from '../../domain/funding/gate-input';
import { dataConverterOf } from '../../platform/codec/data-converter';
import { decideUpdate, fundingGate } from '../../workflows';
import { drawInput, fundProject } from '../fixtures/funding-gate';
import { sharedWorkflowBundle } from '../support/bundle';
import { httpPaymentProvider, startActivityWorkerProcess } from '../support/activity-worker-process';
import { startDevServerEnv, testCodecs, uniqueTaskQueue } from '../support/temporal-env';

const AUDIT_KEY = 'funding-worker-killed-test-audit-key-0123456789';

/**
 * A payment provider over HTTP, idempotent by key like a real one. It makes the first
 * payment and then never answers: the worker that called it is killed while it waits.
 */
class ProviderStandIn {
  readonly server: Server;
  readonly paid = new Map<string, string>();
  readonly calls: { key: string; worker: string; attempt: number; at: number }[] = [];
  /** Settles when the first call arrives (the payment is made, the answer held back). */
  readonly firstCall: Promise<void>;
  private held: ServerResponse[] = [];

  constructor() {
    let arrived!: () => void;
    this.firstCall = new Promise((resolve) => (arrived = resolve));
    this.server = createServer((req, res) => void this.handle(req, res, arrived));
  }

  get url(): string {
    const address = this.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, arrived: () => void) {
    let text = '';
    for await (const chunk of req) text += chunk;
    const { idempotencyKey } = JSON.parse(text) as { idempotencyKey: string };
    this.calls.push({
      key: idempotencyKey,
      worker: String(req.headers['x-worker']),
      attempt: Number(req.headers['x-attempt']),
      at: Date.now(),
    });
    if (!this.paid.has(idempotencyKey)) this.paid.set(idempotencyKey, `pay_${this.paid.size + 1}`);
    if (this.calls.length === 1) {
      this.held.push(res); // the money moved; the answer never reaches the worker
      arrived();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ providerRef: this.paid.get(idempotencyKey) }));
  }

  close() {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    this.server.close();
  }
}

const backendName = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite on disk';

describe(`a worker process killed mid-payment (dev server, ${backendName})`, () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  let location: StoreLocation;
  let dropStore: (() => Promise<void>) | undefined;
  const provider = new ProviderStandIn();
  const cleanups: (() => Promise<unknown> | unknown)[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'arxflow-killed-'));
    env = await startDevServerEnv();
    ({ location, cleanup: dropStore } = await sharedStoreBackend(dir));
    provider.server.listen(0, '127.0.0.1');
    await once(provider.server, 'listening');
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    provider.close();
    await env?.teardown();
    await dropStore?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const openTestStore = async (): Promise<Store> => {
    const store = await openStore(location, { auditKey: new AnchorKey(AUDIT_KEY) });
    cleanups.push(() => store.close());
    return store;
  };

  /** test/support/activity-worker-process.ts: activities only, paying through the stand-in. */
  async function startWorkerProcess(taskQueue: string): Promise<ChildProcess> {
    const child = await startActivityWorkerProcess({
      temporalAddress: env.address,
      taskQueue,
      location,
      auditKey: AUDIT_KEY,
      providerUrl: provider.url,
    });
    cleanups.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
    return child;
  }

  it('retries the payment on another worker within seconds (heartbeat timeout) and pays once', async () => {
    const input = drawInput({ projectId: 'KILLED', milestoneId: 'M1', conditions: [] });
    const workflowId = fundingGateId(input);
    const releaseKey = `${workflowId}/release/1`;
    // The project is set up before the worker process opens the store (one PGlite process at a time).
    const setup = await openStore(location, { auditKey: new AnchorKey(AUDIT_KEY) });
    await fundProject(setup, input.projectId, 10_000_000);
    await setup.close();

    const taskQueue = uniqueTaskQueue('killed');
    const dataConverter = dataConverterOf(testCodecs());
    // The workflows run here, the activities in the worker process: killing it kills the payment.
    const workflows = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: sharedWorkflowBundle(),
      dataConverter,
    });
    const workflowsRun = workflows.run();
    cleanups.push(async () => {
      if (workflows.getState() === 'RUNNING') workflows.shutdown();
      await workflowsRun.catch(() => undefined);
    });
    const first = await startWorkerProcess(taskQueue);

    const handle = await env.client.workflow.start(fundingGate, { taskQueue, workflowId, args: [input] });
    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'rita', roles: [] }] });
    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'sam', roles: ['signatory'] }] });

    await provider.firstCall;
    first.kill('SIGKILL');
    await once(first, 'exit');
    const killedAt = Date.now();

    // A second worker on the same store and provider; the retry is its to take.
    const store = await openTestStore();
    const activities = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      activities: createActivities({ store, paymentProvider: httpPaymentProvider(provider.url, 'second') }),
      dataConverter,
    });
    const activitiesRun = activities.run();
    cleanups.push(async () => {
      if (activities.getState() === 'RUNNING') activities.shutdown();
      await activitiesRun.catch(() => undefined);
    });

    const finished = await handle.result();
    expect(finished.status).toBe('completed');

    // The first call was the killed process's first attempt; the retry came from the second
    // worker, seconds after the kill (heartbeat timeout 10 s + 2 s backoff), not after the 1-minute limit.
    expect(provider.calls.map(({ key, worker, attempt }) => ({ key, worker, attempt }))).toEqual([
      { key: releaseKey, worker: `pid:${first.pid}`, attempt: 1 },
      { key: releaseKey, worker: 'second', attempt: 2 },
    ]);
    const retryAfterMs = provider.calls[1]!.at - killedAt;
    expect(retryAfterMs).toBeLessThan(15_000);
    expect([...provider.paid.entries()]).toEqual([[releaseKey, 'pay_1']]);
    expect(finished.payment?.providerRef).toBe('pay_1');

    // Paid once in the ledger too: one disbursement, one payout, confirmed with the provider's reference.
    const count = async (sql: string) => (await store.db.query<{ n: number }>(sql, [workflowId]))[0]!.n;
    expect(
      await count(
        "SELECT count(*)::int AS n FROM ledger_transactions WHERE workflow_id = $1 AND kind = 'disbursement'",
      ),
    ).toBe(1);
    expect(
      await store.db.query('SELECT status, provider_ref FROM ledger_payouts WHERE workflow_id = $1', [workflowId]),
    ).toEqual([{ status: 'done', provider_ref: 'pay_1' }]);
    expect((await store.audit.verify()).ok).toBe(true);
  });
});
