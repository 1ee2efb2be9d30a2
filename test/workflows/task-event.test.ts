import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Context } from '@temporalio/activity';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createTaskTriggerActivities } from '../../activities/task-triggers';
import { openStore, type Store } from '../../db/store';
import { TaskTriggers } from '../../db/task-triggers';
import { evidenceSchema } from '../../domain/funding/condition-schemas';
import { taskEventWorkflowId, type TaskEventInput, type TaskTriggerInput } from '../../domain/task-triggers';
import { verifySignature } from '../../platform/webhook-signatures';
import { taskEvent } from '../../workflows/task-event';
import { gateRecorder } from './fixtures/task-event-workflows';
import { startTimeSkippingEnv, uniqueTaskQueue } from '../support/temporal-env';

const SECRET = 'partner-secret-0123456789';

interface Received {
  path: string;
  delivery: string | undefined;
  signature: string | undefined;
  body: Buffer;
  answered: number;
}

describe('taskEvent on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let triggers: TaskTriggers;
  let bundle: WorkflowBundleWithSourceMap;
  let server: Server;
  let baseUrl: string;
  const received: Received[] = [];
  const failuresLeft = new Map<string, number>();

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        const left = failuresLeft.get(path) ?? 0; // Infinity: always down
        const answered = left > 0 ? 503 : 202;
        if (left > 0) failuresLeft.set(path, left - 1);
        received.push({
          path,
          delivery: req.headers['x-arxflow-delivery'] as string | undefined,
          signature: req.headers['x-hub-signature-256'] as string | undefined,
          body: Buffer.concat(chunks),
          answered,
        });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    [env, store, bundle] = await Promise.all([
      startTimeSkippingEnv(),
      openStore({ inMemory: true }),
      bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/task-event-workflows'), logger: quietLogger }),
    ]);
    triggers = new TaskTriggers(store.db);
  });
  afterAll(async () => {
    await env?.teardown();
    await store?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  type Activities = ReturnType<typeof createTaskTriggerActivities>;
  async function run<T>(
    work: (taskQueue: string) => Promise<T>,
    override: (a: Activities) => Partial<Activities> = () => ({}),
  ): Promise<T> {
    const taskQueue = uniqueTaskQueue('task-event');
    const activities = createTaskTriggerActivities({ store });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: bundle,
      activities: { ...activities, ...override(activities) },
    });
    return worker.runUntil(work(taskQueue));
  }

  const eventOf = (overrides: Partial<TaskEventInput>): TaskEventInput => ({
    eventId: 'evt-1',
    projectId: 'TOWER1',
    taskId: 'T-88',
    type: 'task_completed',
    status: 'done',
    occurredAt: '2026-11-25T10:00:00Z',
    fields: { phase: 'framing', inspector: 'ines' },
    ...overrides,
  });
  const startEvent = (taskQueue: string, event: TaskEventInput) =>
    env.client.workflow.start(taskEvent, {
      taskQueue,
      workflowId: taskEventWorkflowId(event),
      args: [event],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  const upsert = (trigger: TaskTriggerInput) => triggers.upsert(trigger);

  it('signals a waiting gate with the templated payload, starts a child once, and records a missing gate', async () => {
    await upsert({
      id: 'gate-m3',
      projectId: 'GATE',
      taskId: 'T-1',
      triggerType: 'task_completed',
      conditions: [{ field: 'fields.phase', equals: 'framing' }],
      actions: [
        {
          type: 'signal_gate',
          workflowId: 'funding-gate/{{projectId}}/M3',
          payload: { kind: 'task_completed', taskId: '{{taskId}}', actor: 'forged' },
        },
        {
          type: 'start_workflow',
          workflowType: 'gateRecorder',
          workflowId: 'follow-up/{{projectId}}/{{taskId}}',
          args: [{ expect: 1 }],
        },
        { type: 'signal_gate', workflowId: 'funding-gate/{{projectId}}/M9' },
      ],
    });
    await upsert({
      id: 'roofing',
      projectId: 'GATE',
      taskId: 'T-1',
      triggerType: 'task_completed',
      conditions: [{ field: 'fields.phase', equals: 'roofing' }],
      actions: [{ type: 'signal_gate', workflowId: 'funding-gate/GATE/M3' }],
    });

    // A plain client: the time-skipping client's result() would skip time while the gate waits
    // without a timer, straight to its execution timeout.
    const client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
    const { signals, first, second } = await run(async (taskQueue) => {
      const gate = await client.workflow.start(gateRecorder, {
        taskQueue,
        workflowId: 'funding-gate/GATE/M3',
        args: [{ expect: 2 }],
      });
      const startOn = (event: TaskEventInput) =>
        client.workflow.start(taskEvent, {
          taskQueue,
          workflowId: taskEventWorkflowId(event),
          args: [event],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      const first = await (await startOn(eventOf({ projectId: 'GATE', taskId: 'T-1', eventId: 'e1' }))).result();
      const second = await (
        await startOn(eventOf({ projectId: 'GATE', taskId: 'T-1', eventId: 'e2', status: 'reopened-done' }))
      ).result();
      const signals = await gate.result();
      await client.workflow.getHandle('follow-up/GATE/T-1').terminate('test done');
      return { signals, first, second };
    });

    expect(signals).toEqual([
      { kind: 'task_completed', taskId: 'T-1', actor: 'trigger:gate-m3' },
      { kind: 'task_completed', taskId: 'T-1', actor: 'trigger:gate-m3' },
    ]);
    // Evidence the real gate keeps once it stamps the time (its own schema, not a copy of it);
    // test/integration/task-event-gate.test.ts runs the whole path into a real fundingGate.
    for (const signal of signals)
      expect(evidenceSchema.safeParse({ ...(signal as object), at: '2026-11-25T10:00:00Z' })).toMatchObject({
        success: true,
      });
    expect(first).toEqual({
      workflowId: 'task-event/GATE/e1',
      eventId: 'e1',
      matchedActions: 3,
      actions: [
        { step: 'gate-m3/0', type: 'signal_gate', outcome: 'signalled', target: 'funding-gate/GATE/M3' },
        { step: 'gate-m3/1', type: 'start_workflow', outcome: 'started', target: 'follow-up/GATE/T-1' },
        {
          step: 'gate-m3/2',
          type: 'signal_gate',
          outcome: 'gate_not_found',
          target: 'funding-gate/GATE/M9',
          detail: expect.any(String),
        },
      ],
    });
    expect(second.actions[1]).toMatchObject({ outcome: 'already_started' });
    const dead = await triggers.deadLetters({ triggerId: 'gate-m3' });
    expect(dead.map((d) => d.key)).toEqual(['task-event/GATE/e1/gate-m3/2', 'task-event/GATE/e2/gate-m3/2']);
    expect(dead[0]).toMatchObject({ attempts: 1, action: { type: 'signal_gate', workflowId: 'funding-gate/GATE/M9' } });
  });

  it('queues one notification even when the activity is retried after writing it', async () => {
    await upsert({
      id: 'notify-pm',
      projectId: 'NOTE',
      taskId: 'T-2',
      triggerType: 'milestone_completed',
      actions: [
        {
          type: 'notify',
          channel: 'email',
          recipients: ['pm@example.com'],
          subject: 'Milestone {{taskId}} completed',
          body: 'Phase {{fields.phase}}',
        },
      ],
    });
    let calls = 0;
    const report = await run(
      async (taskQueue) =>
        (
          await startEvent(taskQueue, eventOf({ projectId: 'NOTE', taskId: 'T-2', type: 'milestone_completed' }))
        ).result(),
      (activities) => ({
        // The row is written, then the worker "loses" the completion: Temporal retries.
        async queueTriggerNotification(notification) {
          calls += 1;
          await activities.queueTriggerNotification(notification);
          if (Context.current().info.attempt === 1) throw new Error('connection lost after the insert');
        },
      }),
    );
    expect(calls).toBe(2);
    expect(report.actions).toEqual([{ step: 'notify-pm/0', type: 'notify', outcome: 'queued', target: 'email' }]);
    const rows = await store.db.query<{
      key: string;
      subject: string;
      body: string;
      recipients: string[];
      workflow_id: string;
    }>(
      "SELECT key, subject, body, recipients, workflow_id FROM notification_outbox WHERE key LIKE 'task-event/NOTE/%'",
    );
    expect(rows).toEqual([
      {
        key: 'task-event/NOTE/evt-1/notify-pm/0',
        subject: 'Milestone T-2 completed',
        body: 'Phase framing',
        recipients: ['pm@example.com'],
        workflow_id: 'task-event/NOTE/evt-1',
      },
    ]);
  });

  it('delivers a webhook once, signed, after the receiver failed twice', async () => {
    failuresLeft.set('/flaky', 2);
    await upsert({
      id: 'partner-flaky',
      projectId: 'HOOK',
      taskId: 'T-3',
      triggerType: 'task_status_changed',
      actions: [
        {
          type: 'webhook',
          url: `${baseUrl}/flaky`,
          secret: SECRET,
          body: { task: '{{taskId}}', status: '{{status}}' },
        },
      ],
    });
    const report = await run(async (taskQueue) =>
      (
        await startEvent(
          taskQueue,
          eventOf({ projectId: 'HOOK', taskId: 'T-3', type: 'task_status_changed', status: 'blocked' }),
        )
      ).result(),
    );

    const requests = received.filter((r) => r.path === '/flaky');
    expect(requests.map((r) => r.answered)).toEqual([503, 503, 202]);
    expect(new Set(requests.map((r) => r.delivery))).toEqual(new Set(['task-event/HOOK/evt-1/partner-flaky/0']));
    for (const request of requests) {
      expect(
        verifySignature('github', {
          header: request.signature,
          body: request.body,
          secrets: [SECRET],
          nowMs: Date.now(),
          toleranceMs: 0,
        }).result,
      ).toBe('valid');
      expect(JSON.parse(request.body.toString())).toEqual({ task: 'T-3', status: 'blocked' });
    }
    expect(report.actions).toEqual([
      {
        step: 'partner-flaky/0',
        type: 'webhook',
        outcome: 'delivered',
        target: `${baseUrl}/flaky`,
        detail: 'HTTP 202 on attempt 3',
      },
    ]);
    expect(await triggers.deadLetters({ triggerId: 'partner-flaky' })).toEqual([]);
    // The history carries no secret: planned actions and activity inputs leave it out.
    const history = JSON.stringify(await env.client.workflow.getHandle('task-event/HOOK/evt-1').fetchHistory());
    expect(history).not.toContain(SECRET);
  });

  it('dead-letters a webhook exactly once after the last failed attempt', async () => {
    failuresLeft.set('/down', Infinity);
    await upsert({
      id: 'partner-down',
      projectId: 'DOWN',
      taskId: 'T-4',
      triggerType: 'date_reached',
      actions: [{ type: 'webhook', url: `${baseUrl}/down`, secret: SECRET }],
    });
    const report = await run(async (taskQueue) =>
      (await startEvent(taskQueue, eventOf({ projectId: 'DOWN', taskId: 'T-4', type: 'date_reached' }))).result(),
    );

    expect(received.filter((r) => r.path === '/down')).toHaveLength(5);
    expect(report.actions).toEqual([
      {
        step: 'partner-down/0',
        type: 'webhook',
        outcome: 'dead_lettered',
        target: `${baseUrl}/down`,
        detail: `POST ${baseUrl}/down answered 503`,
      },
    ]);
    const dead = await triggers.deadLetters({ triggerId: 'partner-down' });
    expect(dead).toEqual([
      {
        key: 'task-event/DOWN/evt-1/partner-down/0',
        triggerId: 'partner-down',
        attempts: 5,
        error: `POST ${baseUrl}/down answered 503`,
        action: expect.objectContaining({ type: 'webhook', url: `${baseUrl}/down` }),
        createdAt: expect.any(Date),
        originKey: 'task-event/DOWN/evt-1/partner-down/0',
        replayAttempts: 0,
        replayWorkflowId: null,
        replayedAt: null,
        replayOutcome: null,
        replayDeadLetterKey: null,
      },
    ]);
    expect(JSON.stringify(dead)).not.toContain(SECRET);
  });

  it('runs a redelivered event once: the second start is refused', async () => {
    await upsert({
      id: 'redelivery',
      projectId: 'AGAIN',
      taskId: 'T-5',
      triggerType: 'task_completed',
      actions: [{ type: 'notify', channel: 'log', recipients: ['ops'], subject: 'done {{taskId}}', body: '' }],
    });
    const event = eventOf({ projectId: 'AGAIN', taskId: 'T-5', eventId: 'evt-77' });
    await run(async (taskQueue) => {
      const handle = await startEvent(taskQueue, event);
      await expect(startEvent(taskQueue, event)).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError); // while it runs
      await handle.result();
      await expect(startEvent(taskQueue, event)).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError); // after it completed
    });
    const rows = await store.db.query("SELECT key FROM notification_outbox WHERE key LIKE 'task-event/AGAIN/%'");
    expect(rows).toEqual([{ key: 'task-event/AGAIN/evt-77/redelivery/0' }]);
  });

  it('dead-letters at once a webhook the receiver refuses (4xx) and an action the event cannot fill', async () => {
    await upsert({
      id: 'refused',
      projectId: 'REFUSE',
      taskId: 'T-6',
      triggerType: 'task_completed',
      actions: [
        { type: 'webhook', url: `${baseUrl}/gone`, secret: SECRET },
        {
          type: 'notify',
          channel: 'slack',
          recipients: ['#site'],
          subject: 'Inspected by {{fields.nobody}}',
          body: '',
        },
      ],
    });
    failuresLeft.clear();
    const original = server.listeners('request')[0] as (...args: unknown[]) => void;
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res) =>
      req.url === '/gone'
        ? (received.push({
            path: '/gone',
            delivery: undefined,
            signature: undefined,
            body: Buffer.alloc(0),
            answered: 410,
          }),
          res.writeHead(410).end())
        : original(req, res),
    );
    try {
      const report = await run(async (taskQueue) =>
        (await startEvent(taskQueue, eventOf({ projectId: 'REFUSE', taskId: 'T-6' }))).result(),
      );
      expect(report.actions.map((a) => a.outcome)).toEqual(['dead_lettered', 'unresolved']);
    } finally {
      server.removeAllListeners('request');
      server.on('request', original);
    }
    expect(received.filter((r) => r.path === '/gone')).toHaveLength(1);
    const dead = await triggers.deadLetters({ triggerId: 'refused' });
    expect(dead.map((d) => [d.key, d.attempts, d.error])).toEqual([
      ['task-event/REFUSE/evt-1/refused/0', 1, `POST ${baseUrl}/gone answered 410`],
      ['task-event/REFUSE/evt-1/refused/1', 0, 'the event has no field fields.nobody'],
    ]);
  });

  it('stores triggers: validated upsert by id, lookup by task, removal', async () => {
    const base = {
      projectId: 'STORE',
      taskId: 'T-7',
      triggerType: 'task_completed' as const,
      actions: [{ type: 'notify' as const, channel: 'log' as const, recipients: ['ops'], subject: 's', body: '' }],
    };
    await upsert({ ...base, id: 'store-a' });
    await upsert({ ...base, id: 'store-b' });
    await upsert({ ...base, id: 'store-a', conditions: [{ field: 'status', equals: 'done' }] }); // replaces
    await expect(upsert({ ...base, id: 'store-c', triggerType: 'nope' as never })).rejects.toThrow(
      /triggerType: must be one of/,
    );
    const found = await triggers.forTask('STORE', 'T-7', 'task_completed');
    expect(found.map((t) => [t.id, t.conditions.length])).toEqual([
      ['store-a', 1],
      ['store-b', 0],
    ]);
    expect(await triggers.forTask('STORE', 'T-7', 'date_reached')).toEqual([]);
    expect(await triggers.remove('store-a')).toBe(true);
    expect(await triggers.remove('store-a')).toBe(false);
    expect((await triggers.forTask('STORE', 'T-7', 'task_completed')).map((t) => t.id)).toEqual(['store-b']);
    expect(
      await triggers.recordDeadLetter({ key: 'k1', triggerId: 'store-b', action: {}, error: 'e', attempts: 1 }),
    ).toBe(true);
    expect(
      await triggers.recordDeadLetter({ key: 'k1', triggerId: 'store-b', action: {}, error: 'again', attempts: 2 }),
    ).toBe(false);
    expect((await triggers.deadLetters({ triggerId: 'store-b' })).map((d) => [d.key, d.error])).toEqual([['k1', 'e']]);
  });

  it('fails fast on an invalid event, naming the field', async () => {
    const bad = { ...eventOf({ projectId: 'BAD', eventId: 'bad-1' }), occurredAt: 'yesterday' };
    await run(async (taskQueue) => {
      const handle = await startEvent(taskQueue, bad);
      await expect(handle.result()).rejects.toMatchObject({
        cause: { message: expect.stringContaining('occurredAt') },
      });
    });
  });
});

const ignore = () => undefined;
const quietLogger = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: console.error };
