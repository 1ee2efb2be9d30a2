import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalTarget } from '../../activities/deploy/local/local-target';
import { AnchorKey } from '../../db/audit-log';
import { openStore } from '../../db/store';
import { deploymentsConfigSchema } from '../../domain/deploy/deploy-config';
import {
  deploymentWorkflowId,
  type DeploymentInput,
  type DeploymentView,
  type LocalTargetConfig,
  type ServiceConfig,
} from '../../domain/deploy/deploy-types';
import { deploymentStatusQuery } from '../../workflows/deploy/deploy-messages';
import { useActivityProcessWorld } from '../support/activity-process-world';
import {
  exampleLocalTargetConfig,
  getOnce,
  processesLeftIn,
  proxyPidsIn,
  startsIn,
} from '../support/deploy-test-service';

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
  // The workflows run here, the activities in worker processes: killing one kills the stage's worker.
  const world = useActivityProcessWorld('deploy-crash', { dir, auditKey: AUDIT_KEY, dataDir });
  let service: ServiceConfig;
  const targetOf = () =>
    createLocalTarget({
      service: service.name,
      environment: 'staging',
      config: service.environments[0]!.target as LocalTargetConfig,
      configDir: dir,
      dataDir,
    });

  beforeAll(async () => {
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

  // After the world's afterAll (declared first): its worker processes are gone, the store dropped.
  afterAll(async () => {
    if (service) await targetOf().stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  async function statusWhen(workflowId: string, done: (view: DeploymentView) => boolean): Promise<DeploymentView> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const view = await world.env.client.workflow
        .getHandle(workflowId)
        .query(deploymentStatusQuery)
        .catch(() => undefined);
      if (view && done(view)) return view;
      if (Date.now() > deadline) throw new Error(`timed out; the deployment is ${JSON.stringify(view)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('finishes on a second worker: the health check runs again, the version is started once and every stage recorded once', async () => {
    const first = await world.startWorkerProcess();
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
    const handle = await world.env.client.workflow.start('deployment', {
      taskQueue: world.taskQueue,
      workflowId,
      args: [input],
    });
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

    const second = await world.startWorkerProcess();
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
    const store = await openStore(world.location, { auditKey: new AnchorKey(AUDIT_KEY) });
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
