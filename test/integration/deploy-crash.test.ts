import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createLocalTarget } from '../../activities/deploy/local/local-target';
import { AnchorKey } from '../../db/audit-log';
import { openStore, type StoreLocation } from '../../db/store';
import { deploymentsConfigSchema } from '../../domain/deploy/deploy-config';
import {
  deploymentWorkflowId,
  type DeploymentInput,
  type DeploymentView,
  type LocalTargetConfig,
  type ServiceConfig,
} from '../../domain/deploy/deploy-types';
import { dataConverterOf } from '../../platform/codec/data-converter';
import { deploymentStatusQuery } from '../../workflows/deploy/deploy-messages';
import { startActivityWorkerProcess } from '../support/activity-worker-process';
import { sharedWorkflowBundle } from '../support/bundle';
import {
  exampleLocalTargetConfig,
  getOnce,
  processesLeftIn,
  proxyPidsIn,
  startsIn,
} from '../support/deploy-test-service';
import { sharedStoreBackend } from '../support/store-backends';
import { startDevServerEnv, testCodecs, uniqueTaskQueue } from '../support/temporal-env';

// The worker running a deployment's activities dies with SIGKILL while the new version's health
// is being checked (its process already started by an earlier stage). A second worker on the
// same store and data dir finishes the deployment: the health check runs again, but the stage
// that had finished (installing and starting the version) is not repeated. Counted where it
// shows: run/starts.log of the local target (one start of the version, one proxy) and the
// deployment_records rows (one per stage that changed the target).

const AUDIT_KEY = 'deploy-crash-test-audit-key-0123456789abcdef';
const EXAMPLE_ARTIFACT = path.resolve(__dirname, '../../examples/deploy/example-web/{{version}}');
const dir = mkdtempSync(path.join(tmpdir(), 'arxflow-deploy-crash-'));
const dataDir = path.join(dir, 'data');

describe(`a deployment whose worker process is killed mid-deploy (dev server, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite on disk'})`, () => {
  let env: TestWorkflowEnvironment;
  let location: StoreLocation;
  let dropStore: (() => Promise<void>) | undefined;
  let service: ServiceConfig;
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const taskQueue = uniqueTaskQueue('deploy-crash');
  const targetOf = () =>
    createLocalTarget({
      service: service.name,
      environment: 'staging',
      config: service.environments[0]!.target as LocalTargetConfig,
      configDir: dir,
      dataDir,
    });

  beforeAll(async () => {
    env = await startDevServerEnv();
    ({ location, cleanup: dropStore } = await sharedStoreBackend(dir));
    // The workflows run here, the activities in worker processes: killing one kills the stage's worker.
    const workflows = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: sharedWorkflowBundle(),
      dataConverter: dataConverterOf(testCodecs()),
    });
    const workflowsRun = workflows.run();
    cleanups.push(async () => {
      if (workflows.getState() === 'RUNNING') workflows.shutdown();
      await workflowsRun.catch(() => undefined);
    });
    service = deploymentsConfigSchema.parse({
      services: [
        {
          name: 'crash-web',
          environments: [
            {
              name: 'staging',
              target: await exampleLocalTargetConfig(EXAMPLE_ARTIFACT),
              // Long enough to be killed in: 20 passing rounds 300 ms apart.
              health: {
                checks: [{ name: 'healthz', path: '/healthz' }],
                successes: 20,
                interval: '300 ms',
                timeout: '1 minute',
              },
              smoke: [{ name: 'home', path: '/', bodyMatch: '^hello from 1\\.0\\.0' }],
              steps: [50, 100],
            },
          ],
        },
      ],
    }).services[0]!;
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    if (service) await targetOf().stopAll();
    await env?.teardown();
    await dropStore?.();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startWorkerProcess(): Promise<ChildProcess> {
    const child = await startActivityWorkerProcess({
      temporalAddress: env.address,
      taskQueue,
      location,
      auditKey: AUDIT_KEY,
      dataDir,
    });
    cleanups.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
    return child;
  }

  async function statusWhen(workflowId: string, done: (view: DeploymentView) => boolean): Promise<DeploymentView> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const view = await env.client.workflow
        .getHandle(workflowId)
        .query(deploymentStatusQuery)
        .catch(() => undefined);
      if (view && done(view)) return view;
      if (Date.now() > deadline) throw new Error(`timed out; the deployment is ${JSON.stringify(view)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('finishes on a second worker: the health check runs again, the version is started once and every stage recorded once', async () => {
    const first = await startWorkerProcess();
    const workflowId = deploymentWorkflowId('crash-web', 'staging', '1.0.0');
    const input: DeploymentInput = {
      service: 'crash-web',
      environment: 'staging',
      version: '1.0.0',
      requestedBy: 'ci',
      whenBusy: 'wait',
      config: service,
      configDir: dir,
    };
    const handle = await env.client.workflow.start('deployment', { taskQueue, workflowId, args: [input] });
    const killedDuring = await statusWhen(workflowId, (view) =>
      view.stages.some((stage) => stage.name === 'staging.health' && stage.status === 'running'),
    );
    expect(killedDuring.stages.find((stage) => stage.name === 'staging.deploy')?.status).toBe('done');
    const target = targetOf();
    expect(startsIn(target.dir).map((start) => start.version)).toEqual(['1.0.0']);
    first.kill('SIGKILL');
    await once(first, 'exit');

    // The version keeps running without a worker (the target's processes are detached).
    expect(await getOnce(`http://127.0.0.1:${firstSlotPortOf(service)}/healthz`)).toMatchObject({ status: 200 });

    const second = await startWorkerProcess();
    const view = (await handle.result()) as DeploymentView;
    expect(view.status).toBe('succeeded');
    expect(view.stages.filter((stage) => stage.status !== 'done' && stage.status !== 'skipped')).toEqual([]);
    // One start of the version and one proxy, before and after the kill.
    expect(startsIn(target.dir).map((start) => start.version)).toEqual(['1.0.0']);
    expect(proxyPidsIn(target.dir)).toHaveLength(1);
    const publicPort = (service.environments[0]!.target as LocalTargetConfig).port;
    expect(await getOnce(`http://127.0.0.1:${publicPort}/`)).toMatchObject({ status: 200, version: '1.0.0' });

    second.kill('SIGTERM');
    await once(second, 'exit');
    // Read once the worker let go of the store (PGlite on disk: one process at a time).
    const store = await openStore(location, { auditKey: new AnchorKey(AUDIT_KEY) });
    try {
      const rows = await store.db.query<{ stage: string }>(
        'SELECT stage FROM deployment_records WHERE workflow_id = $1 ORDER BY created_at',
        [workflowId],
      );
      // Each change to the target once (the primary key allows no second row; what matters is that every stage is there).
      expect(rows.map((row) => row.stage)).toEqual(['staging.deploy', 'staging.step-1', 'staging.step-2']);
    } finally {
      await store.close();
    }
    await target.stopAll();
    expect(processesLeftIn(target.dir)).toEqual([]);
  }, 90_000);
});

/** Where the first slot of the staging target listens (the version's own port, behind the proxy). */
function firstSlotPortOf(service: ServiceConfig): number {
  return (service.environments[0]!.target as LocalTargetConfig).slotPorts[0];
}
