import { WORKFLOW_REGISTRY } from '../../client/api/registry';
import {
  matchTriggers,
  parseTaskEvent,
  parseTaskTrigger,
  planActions,
  planTaskEvent,
  taskEventWorkflowId,
  taskTriggerSchema,
  TRIGGER_REFUSED_WORKFLOW_TYPES,
  type TaskEvent,
  type TaskTriggerInput,
} from '../../domain/task-triggers';
import { evidenceBodySchema } from '../../domain/funding/condition-schemas';
import { triggerActionRefusal } from '../../domain/trigger-rules';
import * as workflows from '../../workflows';
import { inputErrorOf } from '../support/input-error';

const SECRET = 'trigger-secret-0123456789';

const event: TaskEvent = parseTaskEvent({
  eventId: 'evt-1',
  projectId: 'TOWER1',
  taskId: 'T-88',
  type: 'task_completed',
  status: 'done',
  occurredAt: '2026-11-25T10:00:00Z',
  fields: { phase: 'framing', assignee: { name: 'Alex', email: 'alex@example.com' }, percent: 100, floors: [3, 4] },
});

const trigger = (overrides: Partial<TaskTriggerInput> = {}): TaskTriggerInput => ({
  id: 'close-out',
  projectId: 'TOWER1',
  taskId: 'T-88',
  triggerType: 'task_completed',
  actions: [
    {
      type: 'signal_gate',
      workflowId: 'funding-gate/{{projectId}}/M3',
      payload: { kind: 'task_completed', taskId: '{{taskId}}' },
    },
  ],
  ...overrides,
});

describe('task trigger schemas', () => {
  it('fills defaults: submitEvidence signal, no conditions, args as a list', () => {
    const parsed = parseTaskTrigger(
      trigger({
        actions: [
          { type: 'signal_gate', workflowId: 'funding-gate/TOWER1/M3' },
          {
            type: 'start_workflow',
            workflowType: 'durabilityProbe',
            workflowId: 'probe/{{eventId}}',
            args: { sleep: '1 hour' },
          },
        ],
      }),
    );
    expect(parsed.conditions).toEqual([]);
    expect(parsed.actions[0]).toEqual({
      type: 'signal_gate',
      workflowId: 'funding-gate/TOWER1/M3',
      signal: 'submitEvidence',
      payload: {},
    });
    expect(parsed.actions[1]).toMatchObject({ args: [{ sleep: '1 hour' }] });
  });

  it('names every bad field', () => {
    const err = inputErrorOf(() =>
      parseTaskTrigger({
        id: '',
        projectId: 'TOWER1',
        taskId: 'T-88',
        triggerType: 'task_done',
        conditions: [{ field: 'fields..phase', equals: 'x' }],
        actions: [
          { type: 'webhook', url: 'ftp://example.com', secret: 'short' },
          { type: 'notify', channel: 'fax', recipients: [], subject: 'x', body: 'y' },
          { type: 'teleport' },
          { type: 'signal_gate', workflowId: 'gate/{{ not a path }}' },
        ],
      }),
    );
    const paths = err.issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'id',
        'triggerType',
        'conditions.0.field',
        'actions.0.url',
        'actions.0.secret',
        'actions.1.channel',
        'actions.1.recipients',
        'actions.2.type',
        'actions.3.workflowId',
      ]),
    );
    expect(err.message).toMatch(/^task trigger: /);
    expect(err.message).toContain(
      'triggerType: must be one of task_completed, task_status_changed, milestone_completed, date_reached',
    );
    expect(err.message).toContain('actions.0.secret: a secret must be at least 16 characters');
    expect(err.message).toContain('actions.2.type: type must be one of signal_gate, start_workflow, notify, webhook');
  });

  it('refuses unknown fields and a trigger without actions', () => {
    const err = inputErrorOf(() => parseTaskTrigger({ ...trigger(), actions: [], colour: 'red' }));
    expect(err.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['actions', 'colour']));
  });

  it('validates events, naming the field', () => {
    const err = inputErrorOf(() =>
      parseTaskEvent({ eventId: 'e', projectId: 'P', taskId: 'T', type: 'task_completed', occurredAt: 'yesterday' }),
    );
    expect(err.issues).toEqual([{ path: 'occurredAt', message: expect.stringContaining('ISO 8601') }]);
    expect(
      parseTaskEvent({
        eventId: 'e',
        projectId: 'P',
        taskId: 'T',
        type: 'date_reached',
        occurredAt: '2026-01-01T00:00:00Z',
      }).fields,
    ).toEqual({});
    expect(taskEventWorkflowId(event)).toBe('task-event/TOWER1/evt-1');
  });
});

describe('matching', () => {
  const triggers = [
    parseTaskTrigger(trigger({ id: 'a' })),
    parseTaskTrigger(trigger({ id: 'other-task', taskId: 'T-89' })),
    parseTaskTrigger(trigger({ id: 'other-project', projectId: 'TOWER2' })),
    parseTaskTrigger(trigger({ id: 'other-type', triggerType: 'task_status_changed' })),
    parseTaskTrigger(
      trigger({
        id: 'framing-only',
        conditions: [
          { field: 'fields.phase', equals: 'framing' },
          { field: 'status', equals: 'done' },
        ],
      }),
    ),
    parseTaskTrigger(trigger({ id: 'roofing-only', conditions: [{ field: 'fields.phase', equals: 'roofing' }] })),
    parseTaskTrigger(trigger({ id: 'typed', conditions: [{ field: 'fields.percent', equals: '100' }] })),
    parseTaskTrigger(trigger({ id: 'missing-field', conditions: [{ field: 'fields.nothing', equals: null }] })),
    parseTaskTrigger(
      trigger({
        id: 'nested',
        conditions: [
          { field: 'fields.assignee.name', equals: 'Alex' },
          { field: 'fields.floors.1', equals: 4 },
        ],
      }),
    ),
  ];

  it('matches task, project and type, and every condition, in order', () => {
    expect(matchTriggers(triggers, event).map((t) => t.id)).toEqual(['a', 'framing-only', 'nested']);
  });

  it('compares values with their type, and a missing field never holds', () => {
    const ids = matchTriggers(triggers, event).map((t) => t.id);
    expect(ids).not.toContain('typed');
    expect(ids).not.toContain('missing-field');
  });
});

describe('planning', () => {
  it('resolves templates against the event, keeping types, and stamps the actor', () => {
    const planned = planActions(
      parseTaskTrigger(
        trigger({
          actions: [
            {
              type: 'signal_gate',
              workflowId: 'funding-gate/{{projectId}}/M3',
              payload: {
                kind: 'document',
                name: 'task-{{taskId}}-{{fields.percent}}',
                reference: 'done by {{fields.assignee.name}}',
                actor: 'mallory',
              },
            },
            {
              type: 'start_workflow',
              workflowType: 'durabilityProbe',
              workflowId: 'probe/{{taskId}}/{{eventId}}',
              args: [{ label: '{{fields.phase}}' }, '{{fields.floors}}'],
            },
            {
              type: 'notify',
              channel: 'email',
              recipients: ['{{fields.assignee.email}}', 'ops@example.com'],
              subject: 'Task {{taskId}} {{status}}',
              body: 'Floors {{fields.floors}}',
            },
            {
              type: 'webhook',
              url: 'https://partner.example.com/hook',
              secret: SECRET,
              body: { task: '{{taskId}}', at: '{{occurredAt}}' },
            },
            { type: 'webhook', url: 'https://partner.example.com/all', secret: SECRET },
          ],
        }),
      ),
      event,
    );

    expect(planned).toEqual([
      {
        step: 'close-out/0',
        triggerId: 'close-out',
        actionIndex: 0,
        type: 'signal_gate',
        workflowId: 'funding-gate/TOWER1/M3',
        signal: 'submitEvidence',
        payload: { kind: 'document', name: 'task-T-88-100', reference: 'done by Alex', actor: 'trigger:close-out' },
      },
      {
        step: 'close-out/1',
        triggerId: 'close-out',
        actionIndex: 1,
        type: 'start_workflow',
        workflowType: 'durabilityProbe',
        workflowId: 'probe/T-88/evt-1',
        args: [{ label: 'framing' }, [3, 4]],
      },
      {
        step: 'close-out/2',
        triggerId: 'close-out',
        actionIndex: 2,
        type: 'notify',
        channel: 'email',
        recipients: ['alex@example.com', 'ops@example.com'],
        subject: 'Task T-88 done',
        body: 'Floors [3,4]',
      },
      {
        step: 'close-out/3',
        triggerId: 'close-out',
        actionIndex: 3,
        type: 'webhook',
        url: 'https://partner.example.com/hook',
        body: { task: 'T-88', at: '2026-11-25T10:00:00Z' },
      },
      {
        step: 'close-out/4',
        triggerId: 'close-out',
        actionIndex: 4,
        type: 'webhook',
        url: 'https://partner.example.com/all',
        body: event,
      },
    ]);
    expect(JSON.stringify(planned)).not.toContain(SECRET);
  });

  it('turns an action whose fields the event lacks into `unresolved`, naming them, and plans the others', () => {
    const planned = planActions(
      parseTaskTrigger(
        trigger({
          actions: [
            {
              type: 'signal_gate',
              workflowId: 'funding-gate/{{projectId}}/{{fields.milestone}}',
              payload: { kind: 'inspection', inspector: '{{fields.inspector}}', lines: [] },
            },
            { type: 'notify', channel: 'log', recipients: ['ops'], subject: 'ok', body: '' },
          ],
        }),
      ),
      event,
    );
    expect(planned[0]).toEqual({
      step: 'close-out/0',
      triggerId: 'close-out',
      actionIndex: 0,
      type: 'unresolved',
      actionType: 'signal_gate',
      error: 'the event has no fields fields.milestone, fields.inspector',
    });
    expect(planned[1]).toMatchObject({ type: 'notify', subject: 'ok' });
  });

  it('plans every action of every matching trigger', () => {
    const triggers = [
      parseTaskTrigger(trigger({ id: 'x' })),
      parseTaskTrigger(trigger({ id: 'y', taskId: 'T-1' })),
      parseTaskTrigger(trigger({ id: 'z' })),
    ];
    expect(planTaskEvent(triggers, event).map((a) => a.step)).toEqual(['x/0', 'z/0']);
  });
});

describe('task triggers cannot start what the server prepares (issue 10)', () => {
  it('refuses a start_workflow action of a type whose start the API builds from the caller and server state, naming the field and the reason', () => {
    const err = inputErrorOf(() =>
      parseTaskTrigger(
        trigger({
          actions: [
            {
              type: 'start_workflow',
              workflowType: 'fundingGate',
              workflowId: 'funding-gate/{{projectId}}/M9',
              args: { requestedBy: '{{fields.assignee.name}}' },
            },
          ],
        }),
      ),
    );
    expect(err.message).toContain(
      "actions.0.workflowType: a trigger may not start fundingGate: a draw's requester is the caller",
    );
  });

  it('refuses every registry type that has a prepare hook or that operators may not start, and every internal type', () => {
    for (const entry of Object.values(WORKFLOW_REGISTRY)) {
      const operatorMayStartAsIs = !entry.prepare && entry.startRoles.includes('operator');
      expect({ type: entry.type, refused: Object.hasOwn(TRIGGER_REFUSED_WORKFLOW_TYPES, entry.type) }).toEqual({
        type: entry.type,
        refused: !operatorMayStartAsIs,
      });
    }
    // Every workflow of this worker is either API-startable as is by operators, a harmless check, or refused.
    const startable = ['durabilityProbe', 'taskEvent', 'healthCheck', 'auditChainCheck'];
    const types = Object.entries(workflows)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name);
    for (const type of types)
      expect({
        type,
        covered: startable.includes(type) || Object.hasOwn(TRIGGER_REFUSED_WORKFLOW_TYPES, type),
      }).toEqual({ type, covered: true });
  });
});

describe('a submitEvidence action sends evidence a funding gate accepts (issue 17)', () => {
  const planFirst = (action: Record<string, unknown>, input = event) =>
    planActions(parseTaskTrigger(trigger({ actions: [action as never] })), input)[0];

  it("sends the task's completion when the payload is left out: the gate's task_completed condition", () => {
    const planned = planFirst({ type: 'signal_gate', workflowId: 'funding-gate/{{projectId}}/M3' });
    expect(planned).toMatchObject({
      type: 'signal_gate',
      signal: 'submitEvidence',
      payload: { kind: 'task_completed', taskId: 'T-88', actor: 'trigger:close-out' },
    });
    const { actor: _actor, ...evidence } = (planned as { payload: Record<string, unknown> }).payload;
    expect(evidenceBodySchema.safeParse(evidence).success).toBe(true);
    // Another signal's empty payload stays empty: only gate evidence has a default.
    expect(planFirst({ type: 'signal_gate', workflowId: 'g', signal: 'nudge' })).toMatchObject({
      payload: { actor: 'trigger:close-out' },
    });
  });

  it('refuses on write a kind the gate does not know and fields its kind does not have, naming each', () => {
    const err = inputErrorOf(() =>
      parseTaskTrigger(
        trigger({
          actions: [
            { type: 'signal_gate', workflowId: 'g', payload: { kind: 'task', taskId: '{{taskId}}' } },
            {
              type: 'signal_gate',
              workflowId: 'g',
              payload: { kind: 'task_completed', taskId: '{{taskId}}', status: '{{status}}', actor: 'x' },
            },
          ],
        }),
      ),
    );
    expect(err.message).toContain(
      "actions.0.payload.kind: a submitEvidence payload's kind must be one of task_completed,",
    );
    expect(err.message).toContain('actions.1.payload.status: task_completed evidence has no field "status"');
    expect(err.message).not.toContain('actions.1.payload.actor');
  });

  it('plans a resolved payload the gate would refuse as unresolved (a stored trigger from before the rule), never sent', () => {
    const stored = taskTriggerSchema.parse(
      trigger({ actions: [{ type: 'signal_gate', workflowId: 'g', payload: { kind: 'task', by: '{{status}}' } }] }),
    );
    expect(planActions(stored, event)[0]).toMatchObject({
      type: 'unresolved',
      actionType: 'signal_gate',
      error: expect.stringMatching(/^not evidence a funding gate accepts: payload\.kind: /),
    });
    // A template that resolves to the wrong type is caught too: taskId must be text.
    expect(
      planFirst(
        { type: 'signal_gate', workflowId: 'g', payload: { kind: 'task_completed', taskId: '{{fields.floors}}' } },
        event,
      ),
    ).toMatchObject({ type: 'unresolved', error: expect.stringContaining('payload.taskId') });
  });
});

describe('task triggers cannot grant their signals roles (issue 10)', () => {
  it('refuses a signal_gate payload carrying roles, naming the field', () => {
    const err = inputErrorOf(() =>
      parseTaskTrigger(
        trigger({
          actions: [
            {
              type: 'signal_gate',
              workflowId: 'funding-gate/{{projectId}}/M3',
              signal: 'hold',
              payload: { reason: 'x', roles: ['approver'] },
            },
          ],
        }),
      ),
    );
    expect(err.message).toContain("actions.0.payload.roles: a trigger's signals carry no roles");
  });
});

describe('triggerActionRefusal: the rules where an action runs (stored dead letters, old triggers)', () => {
  it('refuses a start of a refused type and a gate signal granting roles, and nothing else', () => {
    expect(triggerActionRefusal({ type: 'start_workflow', workflowType: 'fundingGate' })).toContain(
      'a trigger may not start fundingGate',
    );
    expect(triggerActionRefusal({ type: 'signal_gate', payload: { roles: ['approver'] } })).toContain(
      "a trigger's signals carry no roles",
    );
    expect(triggerActionRefusal({ type: 'start_workflow', workflowType: 'durabilityProbe' })).toBeUndefined();
    expect(triggerActionRefusal({ type: 'signal_gate', payload: { kind: 'task_completed' } })).toBeUndefined();
    expect(triggerActionRefusal({ type: 'notify' })).toBeUndefined();
    expect(triggerActionRefusal(null)).toBeUndefined();
  });
});
