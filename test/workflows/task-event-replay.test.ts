import type { FastifyInstance } from 'fastify';
import { WorkflowFailedError } from '@temporalio/client';
import { TaskTriggers } from '../../db/task-triggers';
import type { TaskEventInput, TaskEventReport, TaskTriggerInput } from '../../domain/task-triggers';
import { verifySignature } from '../../platform/webhook-signatures';
import type { DeadLetterView } from '../../client/api/trigger-operations';
import type { ReplayTriggerActionResult } from '../../workflows/replay-trigger-action';
import { call, startGateway, tokenFor } from '../support/gateway';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const SECRET = 'partner-secret-0123456789';

// Dead-lettered webhooks replayed through the gateway on the time-skipping server, with the
// production worker and a partner endpoint that is down, then recovers.
describe('replaying dead letters', () => {
  const world = useTimeSkippingWorld();
  const taskQueue = uniqueTaskQueue('trigger-replay');
  let receiver: WebhookReceiver;
  let gateway: FastifyInstance;
  let url: string;
  let operator: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    ({ app: gateway, url } = await startGateway(world.env, world.store, taskQueue));
    operator = await tokenFor('olivia', 'operator');
  });
  afterAll(async () => {
    await gateway?.close();
    await receiver?.close();
  });

  /** Runs `work` with the production worker polling the test's task queue. */
  async function withWorker<T>(work: () => Promise<T>): Promise<T> {
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    return worker.runUntil(work());
  }
  const api = (path: string, init: Parameters<typeof call>[1] = {}) =>
    call(`${url}${path}`, { token: operator, ...init });
  const putTrigger = async (trigger: TaskTriggerInput) =>
    expect((await api(`/v1/task-triggers/${trigger.id}`, { method: 'PUT', body: trigger })).status).toBe(200);
  /** Through the API, then waited for on the time-skipping client, which skips the webhook's retry backoff. */
  async function sendEvent(
    event: Partial<TaskEventInput> & { projectId: string; taskId: string },
  ): Promise<TaskEventReport> {
    const started = await api('/v1/workflows/taskEvent', {
      body: { eventId: 'e1', type: 'task_completed', occurredAt: '2026-11-25T10:00:00Z', ...event },
    });
    expect(started.status).toBe(201);
    return world.env.client.workflow.getHandle(started.json.workflowId as string).result();
  }
  const replay = (key: string) =>
    api(`/v1/task-triggers/dead-letters/${encodeURIComponent(key)}/replay`, { method: 'POST' });
  const replayResult = (workflowId: string) =>
    world.env.client.workflow.getHandle(workflowId).result() as Promise<ReplayTriggerActionResult>;
  const deadLetters = async (triggerId: string) =>
    (await api(`/v1/task-triggers/dead-letters?triggerId=${triggerId}`)).json.deadLetters as DeadLetterView[];

  it('re-delivers a dead webhook once the receiver recovers: same delivery id, one success, a second replay refused', async () => {
    await putTrigger({
      id: 'partner',
      projectId: 'REPLAY',
      taskId: 'T-1',
      triggerType: 'task_completed',
      actions: [{ type: 'webhook', url: `${receiver.url}/partner`, secret: SECRET, body: { task: '{{taskId}}' } }],
    });
    receiver.down('/partner');
    const key = 'task-event/REPLAY/e1/partner/0';

    await withWorker(async () => {
      const report = await sendEvent({ projectId: 'REPLAY', taskId: 'T-1' });
      expect(report.actions.map((action) => action.outcome)).toEqual(['dead_lettered']);
      expect(await deadLetters('partner')).toEqual([
        expect.objectContaining({ key, originKey: key, attempts: 5, replayedAt: null, replayAttempts: 0 }),
      ]);

      receiver.recover('/partner');
      // A double click: both ask for attempt 1, Temporal starts it once.
      const clicks = await Promise.all([replay(key), replay(key)]);
      expect(clicks.map((click) => click.status).sort()).toEqual([202, 409]);
      const started = clicks.find((click) => click.status === 202)!.json;
      expect(started).toEqual({ key, workflowId: `trigger-replay/${key}/1`, attempt: 1 });
      // Refused as the same attempt, or (had the first finished already) as replayed.
      expect(clicks.find((click) => click.status === 409)!.json).toMatchObject({
        error: expect.stringMatching(/^(replay_in_progress|already_replayed)$/),
      });

      const result = await replayResult(started.workflowId as string);
      expect(result).toMatchObject({
        deadLetterKey: key,
        replayWorkflowId: `trigger-replay/${key}/1`,
        outcome: 'delivered',
        type: 'webhook',
      });
      expect(result.newDeadLetterKey).toBeUndefined();
    });

    const requests = receiver.to('/partner');
    expect(requests.map((request) => request.answered)).toEqual([503, 503, 503, 503, 503, 200]);
    expect(new Set(requests.map((request) => request.delivery))).toEqual(new Set([key]));
    const delivered = requests[5]!;
    expect(
      verifySignature('github', {
        header: delivered.signature,
        body: delivered.body,
        secrets: [SECRET],
        nowMs: Date.now(),
        toleranceMs: 0,
      }).result,
    ).toBe('valid');
    expect(JSON.parse(delivered.body.toString())).toEqual({ task: 'T-1' });

    expect(await deadLetters('partner')).toEqual([
      expect.objectContaining({
        key,
        replayAttempts: 1,
        replayWorkflowId: `trigger-replay/${key}/1`,
        replayOutcome: 'delivered',
        replayDeadLetterKey: null,
        replayedAt: expect.stringMatching(/^\d{4}-/),
      }),
    ]);
    const again = await replay(key);
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({
      error: 'already_replayed',
      message: expect.stringContaining(`trigger-replay/${key}/1`),
    });
    expect(receiver.to('/partner')).toHaveLength(6);
    const audit = await world.store.db.query(
      "SELECT actor, workflow_id FROM audit_events WHERE action = 'task_trigger.dead_letter.replay' AND subject = $1",
      [key],
    );
    expect(audit).toEqual([{ actor: 'olivia', workflow_id: `trigger-replay/${key}/1` }]);
  });

  it('turns a replay that fails again into a new dead letter, whose replay still uses the first delivery id', async () => {
    await putTrigger({
      id: 'picky',
      projectId: 'REPLAY',
      taskId: 'T-2',
      triggerType: 'task_completed',
      actions: [{ type: 'webhook', url: `${receiver.url}/picky`, secret: SECRET }],
    });
    receiver.queue('/picky', 410, 410); // refused for good twice, then accepted
    const key = 'task-event/REPLAY/e2/picky/0';
    const retryKey = `trigger-replay/${key}/1`;

    await withWorker(async () => {
      await sendEvent({ projectId: 'REPLAY', taskId: 'T-2', eventId: 'e2' });
      const first = await replay(key);
      expect(first.status).toBe(202);
      expect(await replayResult(first.json.workflowId as string)).toMatchObject({
        outcome: 'dead_lettered',
        newDeadLetterKey: retryKey,
      });

      expect((await replay(key)).json).toMatchObject({ error: 'already_replayed' });
      const second = await replay(retryKey);
      expect(second.json).toEqual({ key: retryKey, workflowId: `trigger-replay/${retryKey}/1`, attempt: 1 });
      expect(await replayResult(second.json.workflowId as string)).toMatchObject({ outcome: 'delivered' });
    });

    expect(receiver.to('/picky').map((request) => [request.answered, request.delivery])).toEqual([
      [410, key],
      [410, key],
      [200, key],
    ]);
    expect(await deadLetters('picky')).toEqual([
      expect.objectContaining({ key, replayOutcome: 'dead_lettered', replayDeadLetterKey: retryKey }),
      expect.objectContaining({
        key: retryKey,
        originKey: key,
        attempts: 1,
        replayOutcome: 'delivered',
        replayDeadLetterKey: null,
      }),
    ]);
  });

  it('lets a replay that was cut off be followed by the next attempt, but not while it runs', async () => {
    await putTrigger({
      id: 'slow',
      projectId: 'REPLAY',
      taskId: 'T-3',
      triggerType: 'task_completed',
      actions: [{ type: 'webhook', url: `${receiver.url}/slow`, secret: SECRET }],
    });
    receiver.queue('/slow', 410);
    const key = 'task-event/REPLAY/e3/slow/0';

    await withWorker(async () => {
      await sendEvent({ projectId: 'REPLAY', taskId: 'T-3', eventId: 'e3' });
      receiver.down('/slow'); // the replay retries with backoff (real time: nobody waits on it)
      const first = await replay(key);
      expect(first.status).toBe(202);
      const running = await replay(key);
      expect(running.status).toBe(409);
      expect(running.json.message).toContain(`trigger-replay/${key}/1 was already started`);

      await world.env.client.workflow
        .getHandle(first.json.workflowId as string)
        .terminate('operator gave up on attempt 1');
      receiver.recover('/slow');
      const next = await replay(key);
      expect(next.json).toEqual({ key, workflowId: `trigger-replay/${key}/2`, attempt: 2 });
      expect(await replayResult(next.json.workflowId as string)).toMatchObject({ outcome: 'delivered' });
    });
    expect(await deadLetters('slow')).toEqual([
      expect.objectContaining({
        key,
        replayAttempts: 2,
        replayWorkflowId: `trigger-replay/${key}/2`,
        replayOutcome: 'delivered',
      }),
    ]);
  });

  it('refuses what cannot be replayed: an unknown key, an action the event could not fill, a replayed letter started by hand', async () => {
    expect((await replay('task-event/NOPE/e1/x/0')).status).toBe(404);
    await new TaskTriggers(world.store.db).recordDeadLetter({
      key: 'unfillable',
      triggerId: 'x',
      attempts: 0,
      error: 'the event has no field fields.floor',
      action: {
        step: 'x/0',
        triggerId: 'x',
        actionIndex: 0,
        type: 'unresolved',
        actionType: 'notify',
        error: 'the event has no field fields.floor',
      },
    });
    const unfillable = await replay('unfillable');
    expect(unfillable.status).toBe(422);
    expect(unfillable.json.message).toContain('fields.floor');

    // Someone starts attempt 9 of a letter already replayed (first test) with the Temporal CLI: it refuses itself.
    const key = 'task-event/REPLAY/e1/partner/0';
    const handle = await world.env.client.workflow.start('replayTriggerAction', {
      taskQueue,
      workflowId: `trigger-replay/${key}/9`,
      args: [{ deadLetterKey: key, attempt: 9 }],
    });
    const failure = await withWorker(() => handle.result().catch((err: unknown) => err));
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.cause).toMatchObject({ type: 'AlreadyReplayed' });
    expect(receiver.to('/partner')).toHaveLength(6);
  });

  it('refuses dead letters recorded before the trigger rules: a start of fundingGate, a gate signal granting roles', async () => {
    const triggers = new TaskTriggers(world.store.db);
    const base = { triggerId: 'old', actionIndex: 0 };
    await triggers.recordDeadLetter({
      key: 'old-start',
      triggerId: 'old',
      attempts: 1,
      error: 'start failed',
      action: {
        ...base,
        step: 'old/0',
        type: 'start_workflow',
        workflowType: 'fundingGate',
        workflowId: 'funding-gate/REPLAY/M9',
        args: [{ requestedBy: 'mallory' }],
      },
    });
    await triggers.recordDeadLetter({
      key: 'old-signal',
      triggerId: 'old',
      attempts: 1,
      error: 'gate not found',
      action: {
        ...base,
        step: 'old/1',
        type: 'signal_gate',
        workflowId: 'funding-gate/REPLAY/M9',
        signal: 'approve',
        payload: { decision: 'approve', roles: ['approver'] },
      },
    });

    const viaApi = await replay('old-start');
    expect(viaApi.status).toBe(422);
    expect(viaApi.json.message).toContain('a trigger may not start fundingGate');
    const signalViaApi = await replay('old-signal');
    expect(signalViaApi.status).toBe(422);
    expect(signalViaApi.json.message).toContain("a trigger's signals carry no roles");

    // Started by hand past the route: the replay refuses for good, naming the rule, and starts nothing.
    for (const [key, rule] of [
      ['old-start', 'a trigger may not start fundingGate'],
      ['old-signal', "a trigger's signals carry no roles"],
    ] as const) {
      const handle = await world.env.client.workflow.start('replayTriggerAction', {
        taskQueue,
        workflowId: `trigger-replay/${key}/1`,
        args: [{ deadLetterKey: key, attempt: 1 }],
      });
      const failure = await withWorker(() => handle.result().catch((err: unknown) => err));
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause?.cause).toMatchObject({
        type: 'TriggerRuleRefused',
        message: expect.stringContaining(rule),
      });
    }
    const started = await world.env.client.workflow
      .getHandle('funding-gate/REPLAY/M9')
      .describe()
      .catch((err: unknown) => err);
    expect(started).toBeInstanceOf(Error);
    expect(
      (await deadLetters('old'))
        .map(({ key, replayedAt }) => ({ key, replayedAt }))
        .sort((a, b) => a.key.localeCompare(b.key)),
    ).toEqual([
      { key: 'old-signal', replayedAt: null },
      { key: 'old-start', replayedAt: null },
    ]);
  });
});
