import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Store } from '../../db/store';
import { MIGRATIONS } from '../support/migrations';
import type { FastifyInstance } from 'fastify';
import { createTestWorker, startDevServerEnv, uniqueTaskQueue } from '../support/temporal-env';
import { startGateway, tokenFor } from '../support/gateway';
import { spawnArxflow } from '../support/cli-process';
import { openWorldStore } from '../support/store-backends';
import { waitUntil } from '../support/service-process';

describe('arxflow CLI against a dev server', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let worker: Worker;
  let workerRun: Promise<void>;
  const taskQueue = uniqueTaskQueue('cli');

  beforeAll(async () => {
    [env, store] = await Promise.all([startDevServerEnv(), openWorldStore('cli-dev-server')]);
    worker = await createTestWorker(env, taskQueue, { store });
    workerRun = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await workerRun;
    await env?.teardown();
    await store?.close();
  });

  // Async spawn: the worker in this process must keep polling while the CLI runs.
  const arxflowLive = (args: string[], extraEnv: Record<string, string> = {}) =>
    spawnArxflow(args, { TEMPORAL_ADDRESS: env.address, ARXFLOW_TASK_QUEUE: taskQueue, ...extraEnv });
  const arxflow = (args: string[], extraEnv: Record<string, string> = {}) => arxflowLive(args, extraEnv).done;

  it('health runs the healthCheck workflow through the worker and the store', async () => {
    const result = await arxflow(['health', '--json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: 'healthy',
      database: store.db.kind,
      migrations: MIGRATIONS.length,
    });
  });

  it('probe start --wait runs a durability probe to completion; workflows describe shows it', async () => {
    const started = await arxflow(['probe', 'start', '--sleep', '1s', '--label', 'cli-probe', '--wait', '--json']);
    expect(started.status).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({
      workflowId: 'durability-probe/cli-probe',
      status: 'COMPLETED',
      result: { label: 'cli-probe', sleep: '1s' },
    });

    const described = await arxflow(['workflows', 'describe', 'durability-probe/cli-probe', '--json']);
    expect(described.status).toBe(0);
    expect(JSON.parse(described.stdout)).toMatchObject({ type: 'durabilityProbe', status: 'COMPLETED', taskQueue });
  });

  it('workflows describe of an unknown id exits 1 saying so', async () => {
    const result = await arxflow(['workflows', 'describe', 'durability-probe/never-started']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/not found.*durability-probe\/never-started/);
  });

  describe('through the gateway (ARXFLOW_URL, ARXFLOW_TOKEN)', () => {
    let gateway: FastifyInstance;
    let viaGateway: Record<string, string>;

    beforeAll(async () => {
      const started = await startGateway(env, store, taskQueue, {
        schedules: [
          {
            id: 'cli-hourly',
            workflowType: 'healthCheck',
            args: [],
            every: '1 hour',
            overlap: 'skip',
            paused: false,
            cron: undefined,
          } as never,
        ],
      });
      gateway = started.app;
      viaGateway = { ARXFLOW_URL: started.url, ARXFLOW_TOKEN: await tokenFor('olga', 'operator') };
    });
    afterAll(async () => {
      await gateway?.close();
    });

    it('starts, watches and updates a workflow; the identity is the token subject', async () => {
      const started = await arxflow(
        ['workflows', 'start', 'durabilityProbe', '--input', '{"sleep":"1 hour","label":"via-gateway"}', '--json'],
        viaGateway,
      );
      expect(started.status).toBe(0);
      expect(JSON.parse(started.stdout)).toMatchObject({ workflowId: 'durability-probe/via-gateway' });

      const watching = arxflowLive(
        ['workflows', 'describe', 'durability-probe/via-gateway', '--watch', '--interval', '0.2'],
        viaGateway,
      );
      await waitUntil('the watcher prints RUNNING', () => watching.stdout().includes('RUNNING'), 60_000);
      const woken = await arxflow(
        ['workflows', 'update', 'durability-probe/via-gateway', 'wakeUp', '--body', '{"reason":"cli"}', '--json'],
        viaGateway,
      );
      expect(woken.status).toBe(0);
      expect(JSON.parse(woken.stdout).result).toMatchObject({ phase: 'awake', wokenBy: 'olga' });
      const watched = await watching.done;
      expect(watched.status).toBe(0);
      expect(watched.stdout).toMatch(/RUNNING[\s\S]*COMPLETED/);

      const again = await arxflow(
        ['workflows', 'update', 'durability-probe/via-gateway', 'wakeUp', '--body', '{"reason":"twice"}'],
        viaGateway,
      );
      expect(again.status).toBe(1);
    });

    it('refuses a viewer token with exit 1 and the reason; bad input is exit 2', async () => {
      const asViewer = { ...viaGateway, ARXFLOW_TOKEN: await tokenFor('vera', 'viewer') };
      const refused = await arxflow(['probe', 'start', '--sleep', '1 hour', '--label', 'viewer'], asViewer);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/role operator/);
      const bad = await arxflow(
        ['workflows', 'start', 'durabilityProbe', '--input', '{"sleep":"whenever"}'],
        viaGateway,
      );
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/sleep/);
    });

    it('lists open workflows as a table and as JSON', async () => {
      await arxflow(['probe', 'start', '--sleep', '1 hour', '--label', 'listed'], viaGateway);
      let listed: { workflowId: string }[] = [];
      for (
        let attempt = 0;
        attempt < 30 && !listed.some((w) => w.workflowId === 'durability-probe/listed');
        attempt++
      ) {
        listed = JSON.parse((await arxflow(['workflows', 'list', '--status', 'open', '--json'], viaGateway)).stdout);
      }
      expect(listed.map((w) => w.workflowId)).toContain('durability-probe/listed');
      const table = await arxflow(['workflows', 'list', '--status', 'open', '--type', 'durabilityProbe'], viaGateway);
      expect(table.stdout).toMatch(/^WORKFLOWID\s+TYPE\s+STATUS/);
    });

    it('audit verify and schedules go through the gateway with an admin token', async () => {
      const admin = { ...viaGateway, ARXFLOW_TOKEN: await tokenFor('adam', 'admin') };
      const verified = await arxflow(['audit', 'verify', '--json'], admin);
      expect(verified.status).toBe(0);
      expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true });
      const exported = await arxflow(['audit', 'export'], admin);
      expect(
        exported.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line).action),
      ).toContain('probe.started');

      const synced = await arxflow(['schedules', 'sync', '--json'], admin);
      expect(JSON.parse(synced.stdout)).toMatchObject({ created: ['cli-hourly'] });
      const resynced = await arxflow(['schedules', 'sync', '--json'], admin);
      expect(JSON.parse(resynced.stdout)).toMatchObject({ created: [], unchanged: ['cli-hourly'] });
      const paused = await arxflow(['schedules', 'pause', 'cli-hourly', '--note', 'maintenance'], viaGateway);
      expect(paused.status).toBe(0);
      const listedSchedules = JSON.parse((await arxflow(['schedules', 'list', '--json'], viaGateway)).stdout);
      expect(listedSchedules).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: 'cli-hourly', paused: true })]),
      );
      expect((await arxflow(['schedules', 'trigger', 'no-such-schedule'], viaGateway)).status).toBe(1);
    });
  });
});
