import type { FastifyInstance } from 'fastify';
import type { TaskTriggerInput } from '../../domain/task-triggers';
import { REDACTED_SECRET } from '../../client/api/trigger-operations';
import { call, startGateway, tokenFor } from '../support/gateway';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

const SECRET = 'partner-secret-0123456789';

const trigger = (overrides: Partial<TaskTriggerInput> = {}): Omit<TaskTriggerInput, 'id'> & { id?: string } => ({
  projectId: 'API',
  taskId: 'T-1',
  triggerType: 'task_completed',
  conditions: [{ field: 'status', equals: 'done' }],
  actions: [
    { type: 'webhook', url: 'https://partner.example/hooks', secret: SECRET },
    { type: 'notify', channel: 'log', recipients: ['ops'], subject: 'Task {{taskId}} done', body: '' },
  ],
  ...overrides,
});

// /v1/task-triggers and POST /v1/workflows/taskEvent through the real gateway (real HTTP)
// on the time-skipping server, with the production worker where a workflow runs.
describe('task triggers through the gateway', () => {
  const world = useTimeSkippingWorld();
  const taskQueue = uniqueTaskQueue('trigger-api');
  let gateway: FastifyInstance;
  let url: string;
  const tokens: Record<'operator' | 'admin' | 'viewer' | 'approver', string> = {} as never;

  beforeAll(async () => {
    ({ app: gateway, url } = await startGateway(world.env, world.store, taskQueue));
    for (const role of ['operator', 'admin', 'viewer', 'approver'] as const)
      tokens[role] = await tokenFor(`${role}-user`, role);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const api = (path: string, init: Parameters<typeof call>[1] = {}) =>
    call(`${url}${path}`, { token: tokens.operator, ...init });
  const auditActions = async () =>
    await world.store.db.query<{ actor: string; action: string; subject: string }>(
      "SELECT actor, action, subject FROM audit_events WHERE action LIKE 'task_trigger.%' ORDER BY id",
    );

  it('creates, reads, filters, replaces and deletes triggers; secrets never come back; every change is audited', async () => {
    const created = await api('/v1/task-triggers/close-out', { method: 'PUT', body: trigger() });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      id: 'close-out',
      projectId: 'API',
      actions: [{ type: 'webhook', secret: REDACTED_SECRET }, { type: 'notify' }],
    });
    expect(created.text).not.toContain(SECRET);
    expect((await api('/v1/task-triggers/close-out')).json).toEqual(created.json);

    const other = await api('/v1/task-triggers/other-task', {
      method: 'PUT',
      token: tokens.admin,
      body: trigger({ id: 'other-task', taskId: 'T-2' }),
    });
    expect(other.status).toBe(200);
    await api('/v1/task-triggers/elsewhere', { method: 'PUT', body: trigger({ projectId: 'ELSEWHERE' }) });

    const ids = async (query: string) =>
      ((await api(`/v1/task-triggers${query}`)).json.triggers as { id: string }[]).map((t) => t.id);
    expect(await ids('?projectId=API')).toEqual(['close-out', 'other-task']);
    expect(await ids('?projectId=API&taskId=T-2')).toEqual(['other-task']);
    expect(await ids('')).toEqual(expect.arrayContaining(['close-out', 'other-task', 'elsewhere']));
    expect((await api('/v1/task-triggers')).text).not.toContain(SECRET);

    // Replacing: the body's id may repeat the path's.
    const replaced = await api('/v1/task-triggers/close-out', {
      method: 'PUT',
      body: trigger({ id: 'close-out', conditions: [] }),
    });
    expect(replaced.json).toMatchObject({ conditions: [] });
    const stored = await world.store.db.query<{ definition: { actions: { secret?: string }[] } }>(
      "SELECT definition FROM task_triggers WHERE id = 'close-out'",
    );
    expect(stored[0]!.definition.actions[0]!.secret).toBe(SECRET); // kept for signing, only never shown

    const deleted = await api('/v1/task-triggers/close-out', { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await api('/v1/task-triggers/close-out')).status).toBe(404);
    expect((await api('/v1/task-triggers/close-out', { method: 'DELETE' })).json).toMatchObject({ error: 'not_found' });

    expect(await auditActions()).toEqual([
      { actor: 'operator-user', action: 'task_trigger.put', subject: 'close-out' },
      { actor: 'admin-user', action: 'task_trigger.put', subject: 'other-task' },
      { actor: 'operator-user', action: 'task_trigger.put', subject: 'elsewhere' },
      { actor: 'operator-user', action: 'task_trigger.put', subject: 'close-out' },
      { actor: 'operator-user', action: 'task_trigger.delete', subject: 'close-out' },
    ]);
    expect(
      JSON.stringify(await world.store.db.query("SELECT data FROM audit_events WHERE action LIKE 'task_trigger.%'")),
    ).not.toContain(SECRET);
  });

  it('refuses viewers, approvers and callers without a token on every route', async () => {
    const routes: [string, string, unknown?][] = [
      ['PUT', '/v1/task-triggers/refused', trigger()],
      ['GET', '/v1/task-triggers'],
      ['GET', '/v1/task-triggers/other-task'],
      ['DELETE', '/v1/task-triggers/other-task'],
      ['GET', '/v1/task-triggers/dead-letters'],
      ['POST', `/v1/task-triggers/dead-letters/${encodeURIComponent('task-event/API/e/x/0')}/replay`],
    ];
    for (const [method, path, body] of routes) {
      for (const role of ['viewer', 'approver'] as const) {
        const refused = await call(`${url}${path}`, { method, token: tokens[role], body });
        expect([method, path, role, refused.status, refused.json.error]).toEqual([
          method,
          path,
          role,
          403,
          'forbidden',
        ]);
      }
      expect((await call(`${url}${path}`, { method, body })).status).toBe(401);
    }
    expect((await api('/v1/task-triggers/other-task')).status).toBe(200); // the DELETEs above did nothing
    expect((await api('/v1/task-triggers/refused')).status).toBe(404);
  });

  it('answers bad input with 400 naming the field, and writes nothing', async () => {
    const before = await auditActions();
    const bad = await api('/v1/task-triggers/bad', {
      method: 'PUT',
      body: trigger({
        triggerType: 'task_done' as never,
        actions: [{ type: 'webhook', url: 'ftp://partner.example', secret: 'short' }],
      }),
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('bad_input');
    for (const field of ['body.triggerType', 'body.actions.0.url', 'body.actions.0.secret'])
      expect(bad.json.message).toContain(field);

    const mismatch = await api('/v1/task-triggers/bad', { method: 'PUT', body: trigger({ id: 'not-bad' }) });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.message).toMatch(/id: is "not-bad" but the path names trigger "bad"/);
    expect((await api('/v1/task-triggers/bad', { method: 'PUT', body: '{"projectId":' })).status).toBe(400);
    expect((await api('/v1/task-triggers?colour=red')).status).toBe(400);
    expect((await api('/v1/task-triggers/dead-letters?trigger=x')).json.message).toContain('querystring');

    // PostgreSQL cannot store U+0000: bad input, not a 500.
    expect((await api(`/v1/task-triggers/${encodeURIComponent('nul\u0000id')}`)).status).toBe(400);
    expect((await api(`/v1/task-triggers/dead-letters?triggerId=${encodeURIComponent('\u0000')}`)).status).toBe(400);
    const nul = await api('/v1/task-triggers/bad', { method: 'PUT', body: trigger({ projectId: 'A\u0000B' }) });
    expect(nul.status).toBe(400);
    expect(nul.json.message).toContain('NUL');
    expect((await api('/v1/task-triggers/dead-letters', { method: 'PUT', body: trigger() })).json.message).toContain(
      'reserved',
    );

    expect((await api('/v1/task-triggers/bad')).status).toBe(404);
    expect(await world.store.db.query("SELECT id FROM task_triggers WHERE id IN ('bad', 'not-bad')")).toEqual([]);
    expect(await auditActions()).toEqual(before);
  });

  it('describes the routes and their bodies in the OpenAPI document', async () => {
    const document = (await call(`${url}/openapi.json`)).json as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/task-triggers',
        '/v1/task-triggers/{id}',
        '/v1/task-triggers/dead-letters',
        '/v1/task-triggers/dead-letters/{key}/replay',
        '/v1/workflows/taskEvent',
      ]),
    );
    expect(JSON.stringify(document.paths['/v1/task-triggers/{id}']!.put!.requestBody)).toContain('triggerType');
  });

  it('runs a task event started through the registry once: a redelivery after it finished is 409', async () => {
    await api('/v1/task-triggers/registry-notify', {
      method: 'PUT',
      body: trigger({
        projectId: 'REG',
        actions: [
          { type: 'notify', channel: 'log', recipients: ['ops'], subject: 'Task {{taskId}} {{status}}', body: '' },
        ],
      }),
    });
    const event = {
      eventId: 'evt-9',
      projectId: 'REG',
      taskId: 'T-1',
      type: 'task_completed',
      status: 'done',
      occurredAt: '2026-11-25T10:00:00Z',
    };
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    const report = await worker.runUntil(async () => {
      const first = await api('/v1/workflows/taskEvent', { body: event });
      expect(first.status).toBe(201);
      expect(first.json.workflowId).toBe('task-event/REG/evt-9');
      return world.env.client.workflow.getHandle('task-event/REG/evt-9').result();
    });
    expect(report).toMatchObject({ matchedActions: 1, actions: [{ outcome: 'queued' }] });

    const redelivered = await api('/v1/workflows/taskEvent', { body: event });
    expect(redelivered.status).toBe(409);
    expect(redelivered.json).toMatchObject({ error: 'already_started' });
    expect(
      await world.store.db.query("SELECT key, subject FROM notification_outbox WHERE key LIKE 'task-event/REG/%'"),
    ).toEqual([{ key: 'task-event/REG/evt-9/registry-notify/0', subject: 'Task T-1 done' }]);

    expect(
      (await api('/v1/workflows/taskEvent', { token: tokens.viewer, body: { ...event, eventId: 'evt-10' } })).status,
    ).toBe(403);
    const bad = await api('/v1/workflows/taskEvent', {
      body: { ...event, eventId: 'evt-11', occurredAt: 'yesterday' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('occurredAt');
    await expect(world.env.client.workflow.getHandle('task-event/REG/evt-11').describe()).rejects.toThrow(/not found/i);
  });
});
