import { deployQueueWorkflowId } from '../../domain/deploy/deploy-types';
import {
  approveUpdate,
  deployQueueStatusQuery,
  deploymentStatusQuery,
  pauseUpdate,
  promoteUpdate,
  resumeUpdate,
} from '../../workflows/deploy/deploy-messages';
import type { RecordingKubectl } from '../support/recording-kubectl';
import { useTimeSkippingWorld } from '../support/temporal-env';
import {
  ANALYSIS,
  deployInput,
  kubectlEnvironment,
  servingKubectl,
  stagesOf,
  startDeployment,
  startTestService,
  resultOf,
  statusWhen,
  withWorker,
  type TestService,
} from './fixtures/deploy-world';

const MINUTE = 60_000;

describe('deployment queue and steering on the time-skipping server', () => {
  const world = useTimeSkippingWorld();
  let service: TestService;
  let kubectl: RecordingKubectl;

  beforeEach(async () => {
    service = await startTestService();
    kubectl = servingKubectl();
  });
  afterEach(async () => {
    await service.close();
    kubectl.remove();
  });

  it('runs one deployment per service and environment at a time: the next waits in order, a refusing one is rejected', async () => {
    const config = {
      name: 'web-queue',
      environments: [
        kubectlEnvironment('staging', kubectl, service, {
          approval: { users: ['rita'], roles: [], quorum: 1, deadline: '1 day', notify: [] },
        }),
      ],
    };
    const approve = { args: [{ actor: 'rita', roles: [] }] as [{ actor: string; roles: string[] }] };
    const views = await withWorker(world, async (taskQueue) => {
      const client = world.env.client;
      const first = await startDeployment(client, taskQueue, deployInput(config, 'staging', { version: '1.1.0' }));
      await statusWhen(world, first, (v) => v.status === 'waiting_approval');
      const second = await startDeployment(client, taskQueue, deployInput(config, 'staging', { version: '1.2.0' }));
      const queued = await statusWhen(world, second, (v) => v.queue?.position === 1);
      expect(queued).toMatchObject({
        status: 'queued',
        queue: { position: 1, ahead: first.workflowId },
        reason: `waiting behind ${first.workflowId} (position 1)`,
      });
      const refusing = await startDeployment(
        client,
        taskQueue,
        deployInput(config, 'staging', { version: '1.3.0', whenBusy: 'refuse' }),
      );
      const refused = await refusing.result();
      const queue = client.workflow.getHandle(deployQueueWorkflowId('web-queue', 'staging'));
      const line = async () => {
        for (let look = 0; ; look++) {
          const view = await queue.query(deployQueueStatusQuery);
          if (view.waiting.length === 1 || look === 50) return view;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      expect(await line()).toEqual({
        service: 'web-queue',
        environment: 'staging',
        active: first.workflowId,
        waiting: [second.workflowId],
      });
      await first.executeUpdate(approveUpdate, approve);
      const firstView = await first.result();
      await statusWhen(world, second, (v) => v.status === 'waiting_approval');
      await second.executeUpdate(approveUpdate, approve);
      return { refused, firstView, secondView: await second.result() };
    });
    expect(views.refused.status).toBe('rejected');
    expect(views.refused.reason).toBe('waiting behind deploy/web-queue/staging/1.2.0 (position 2); whenBusy is refuse');
    expect(views.refused.stages).toEqual([]);
    expect([views.firstView.status, views.secondView.status]).toEqual(['succeeded', 'succeeded']);
    expect(Date.parse(views.secondView.stages[0]!.startedAt!)).toBeGreaterThanOrEqual(
      Date.parse(views.firstView.updatedAt),
    );
  });

  it('pauses, resumes and promotes at a step: a pause holds the analysis, a promote skips the rest of the step', async () => {
    const config = {
      name: 'web-steer',
      environments: [
        kubectlEnvironment('staging', kubectl, service, { steps: [10, 100], analysis: { ...ANALYSIS, count: 3 } }),
      ],
    };
    const ops = { args: [{ actor: 'ops-olga', roles: ['deployer'] }] as [{ actor: string; roles: string[] }] };
    const view = await withWorker(world, async (taskQueue) => {
      const handle = await startDeployment(world.env.client, taskQueue, deployInput(config, 'staging'));
      // Paused once the first interval runs (a pause before it would hold the analysis before any measurement).
      await statusWhen(world, handle, (v) => v.progress?.step === 1 && v.progress.nextMeasurementAt !== undefined);
      const paused = await handle.executeUpdate(pauseUpdate, ops);
      expect(paused).toMatchObject({ status: 'paused', progress: { pausedBy: 'ops-olga' } });
      // The interval under way when the pause came ends with its measurement; then nothing more.
      await statusWhen(world, handle, (v) => v.progress!.analysis!.length === 1, 10_000);
      await world.env.sleep(30 * MINUTE);
      const held = await handle.query(deploymentStatusQuery);
      expect(held.status).toBe('paused');
      expect(held.progress!.analysis).toHaveLength(1);
      expect(held.progress!.nextMeasurementAt).toBeUndefined();
      await handle.executeUpdate(resumeUpdate, ops);
      await handle.executeUpdate(promoteUpdate, ops);
      return resultOf(handle, 60_000);
    });
    expect(view.status).toBe('succeeded');
    expect(stagesOf(view)).toEqual([
      'validate: done',
      'window: skipped',
      'staging.deploy: done',
      'staging.step-1: done',
      'staging.step-2: done',
    ]);
    const steering = view.timeline.filter((entry) => entry.actor === 'ops-olga').map((entry) => entry.event);
    expect(steering).toEqual(['paused', 'resumed', 'promoted']);
  });
});
