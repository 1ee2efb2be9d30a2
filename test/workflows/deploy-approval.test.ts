import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { DeployDecisionRequest, ServiceConfig } from '../../domain/deploy/deploy-types';
import { approveSignal, approveUpdate, promoteUpdate } from '../../workflows/deploy/deploy-messages';
import { DeployEnvironment, DeploymentStatus, DeployService } from '../../workflows/search-attributes';
import type { RecordingKubectl } from '../support/recording-kubectl';
import { useTimeSkippingWorld } from '../support/temporal-env';
import {
  deployInput,
  kubectlEnvironment,
  servingKubectl,
  stagesOf,
  startDeployment,
  startTestService,
  statusWhen,
  withWorker,
  type TestService,
} from './fixtures/deploy-world';

describe('deployment approvals on the time-skipping server (real activities, recording kubectl, real HTTP)', () => {
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

  /** staging, then production behind 2 approvals (rita, sam, or role reviewer), reminded every 20 minutes for an hour. */
  const stagedService = (name: string): ServiceConfig => ({
    name,
    environments: [
      kubectlEnvironment('staging', kubectl, service),
      kubectlEnvironment('production', kubectl, service, {
        after: 'staging',
        steps: [10, 100],
        approval: {
          users: ['rita', 'sam'],
          roles: ['reviewer'],
          quorum: 2,
          deadline: '1 hour',
          remindEvery: '20 minutes',
          notify: [{ email: 'reviewers@example.com' }],
        },
      }),
    ],
  });

  const audited = async (workflowId: string) =>
    (
      await world.store.db.query<{ actor: string; action: string; detail: string | null }>(
        "SELECT actor, action, data->>'detail' AS detail FROM audit_events WHERE subject = $1 ORDER BY id",
        [workflowId],
      )
    ).map((row) => `${row.actor} ${row.action}${row.detail ? ` (${row.detail})` : ''}`);

  it('auto-rejects at the approval deadline, with the reason; reviewers were asked and reminded, staging stays', async () => {
    const input = deployInput(stagedService('web-deadline'), 'production');
    const { view, attributes } = await withWorker(world, async (taskQueue) => {
      const handle = await startDeployment(world.env.client, taskQueue, input);
      const view = await handle.result();
      return { view, attributes: (await handle.describe()).typedSearchAttributes };
    });
    expect(view.status).toBe('rejected');
    expect(view.reason).toBe('approval deadline passed (1 hour) with 0 of 2 approvals');
    expect(stagesOf(view)).toEqual([
      'validate: done',
      'window: skipped',
      'staging.deploy: done',
      'staging.step-1: done',
      'production.approval: failed',
    ]);
    expect(attributes.get(DeploymentStatus)).toEqual(['rejected']);
    expect(attributes.get(DeployService)).toEqual(['web-deadline']);
    expect(attributes.get(DeployEnvironment)).toEqual(['production']);
    const sent = await world.store.db.query<{ key: string }>(
      'SELECT key FROM notification_outbox WHERE workflow_id = $1 ORDER BY created_at',
      [view.workflowId],
    );
    expect(sent.map((row) => row.key.replace(`${view.workflowId}/`, ''))).toEqual([
      'request/reviewers@example.com',
      'reminder-1/reviewers@example.com',
      'reminder-2/reviewers@example.com',
    ]);
    const changes = (namespace: string) =>
      kubectl.commands().filter((command) => command.startsWith(`-n ${namespace} `) && !command.includes(' get '));
    expect(changes('web-production')).toEqual([]); // read at validation, never changed
    expect(changes('web-staging')).toContainEqual(
      expect.stringContaining('set image deployment/web web=registry.example/web:1.1.0'),
    );
  });

  it('refuses self-approval and non-reviewers (Update throws, Signal recorded), then a quorum of reviewers lets it through', async () => {
    const input = deployInput(stagedService('web-quorum'), 'production', { requestedBy: 'rita' });
    const view = await withWorker(world, async (taskQueue) => {
      const handle = await startDeployment(world.env.client, taskQueue, input);
      await statusWhen(world, handle, (v) => v.status === 'waiting_approval');
      const vote = (actor: string, roles: string[] = []) => ({
        args: [{ actor, roles, comment: `from ${actor}` }] as [DeployDecisionRequest],
      });
      const refusal = (promise: Promise<unknown>) =>
        promise.then(
          () => 'accepted',
          (err: unknown) => (err instanceof WorkflowUpdateFailedError ? String(err.cause?.message) : String(err)),
        );
      expect(await refusal(handle.executeUpdate(approveUpdate, vote('rita', ['reviewer'])))).toBe(
        'rita started this deployment and may not approve it (no self-approval)',
      );
      expect(await refusal(handle.executeUpdate(approveUpdate, vote('eve', ['operator'])))).toBe(
        'eve is not a reviewer of this deployment (reviewers: rita, sam, role reviewer)',
      );
      expect(
        await refusal(handle.executeUpdate(promoteUpdate, { args: [{ actor: 'ops', roles: ['deployer'] }] })),
      ).toBe('the deployment is waiting_approval: promote only while paused or progressing');
      await handle.signal(approveSignal, { actor: 'mallory', roles: [] }); // the Web UI's way: recorded, not thrown
      const refused = await statusWhen(world, handle, (v) => v.refused.length === 1);
      expect(refused.refused[0]).toMatchObject({
        kind: 'approve',
        actor: 'mallory',
        reason: expect.stringMatching(/not a reviewer/),
      });
      expect(refused.approvals!.votes).toEqual([]);

      const afterSam = await handle.executeUpdate(approveUpdate, vote('sam'));
      expect(afterSam.approvals!.votes.map((v) => v.actor)).toEqual(['sam']);
      expect(await refusal(handle.executeUpdate(approveUpdate, vote('sam')))).toBe('sam has already voted');
      await handle.signal(approveSignal, { actor: 'otto', roles: ['reviewer'], comment: 'ship it' });
      return handle.result();
    });
    expect(view.status).toBe('succeeded');
    expect(view.approvals!.votes.map((v) => `${v.actor} ${v.decision} ${v.comment}`)).toEqual([
      'sam approve from sam',
      'otto approve ship it',
    ]);
    expect(stagesOf(view)).toEqual([
      'validate: done',
      'window: skipped',
      'staging.deploy: done',
      'staging.step-1: done',
      'production.approval: done',
      'production.deploy: done',
      'production.step-1: done',
      'production.step-2: done',
    ]);
    expect(view.refused.map((r) => r.actor)).toEqual(['mallory']);
    const audit = await audited(view.workflowId);
    expect(audit).toEqual(
      expect.arrayContaining([
        'mallory deploy.approve_refused (mallory is not a reviewer of this deployment (reviewers: rita, sam, role reviewer))',
        'sam deploy.approved (from sam)',
        'otto deploy.approved (ship it)',
        'system deploy.succeeded (1.1.0 serves in production)',
      ]),
    );
    expect(audit.indexOf('sam deploy.approved (from sam)')).toBeLessThan(
      audit.indexOf('otto deploy.approved (ship it)'),
    );
  });
});
