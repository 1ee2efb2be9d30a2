import { loadWebhookSources } from '../../gateway/webhooks/routes';
import type { GateStatusView } from '../../domain/funding/gate';
import type { TaskEventReport } from '../../domain/task-triggers';
import type { Role } from '../../domain/roles';
import { drawRequest, programDefinition, setUpFundingProject } from '../fixtures/funding-gate';
import { Ledger, ledgerAccounts } from '../../db/ledger';
import { useDevServerWorld } from '../support/dev-server-world';
import { gateStatusWhen } from '../support/funding-status';
import { call, tokenFor } from '../support/gateway';
import { githubEventHeaders } from '../support/github-webhooks';

const TRACKER_SECRET = 'tracker-secret-for-task-events-0123';

/** The task tracker's events start taskEvent, the event's own body as its input (config file `webhooks.tracker`). */
const sources = loadWebhookSources(
  {
    tracker: {
      scheme: 'github',
      secrets: [TRACKER_SECRET],
      events: [
        {
          when: { kind: 'task.event' },
          action: 'start',
          workflowType: 'taskEvent',
          workflowId: 'task-event/{{event.projectId}}/{{event.eventId}}',
          args: ['{{event}}'],
        },
      ],
    },
  },
  {},
);

// The whole task-tracker path into a real gate (issue 17): a signed tracker webhook starts
// taskEvent, the stored trigger signals the real fundingGate with task_completed evidence, the
// gate's task_completed condition passes, the approvers approve and the draw is paid.
describe('a task tracker event meets a real funding gate condition (dev server)', () => {
  const world = useDevServerWorld('task-event-gate', { gateway: () => ({ webhookSources: sources }) });
  const as = (subject: string, ...roles: string[]) => tokenFor(subject, ...(roles as Role[]));
  const gateUrl = (workflowId: string) => `${world.url}/v1/workflows/${encodeURIComponent(workflowId)}`;

  it('signed webhook -> taskEvent -> trigger -> task condition passed -> approvals -> disbursed', async () => {
    const projectId = 'TRK1';
    const gateId = `funding-gate/${projectId}/M3`;
    await setUpFundingProject(world.store, projectId, {
      definition: programDefinition({
        conditions: [{ id: 'framing-done', type: 'task_completed', taskIds: ['T-88'], mode: 'blocking' }],
      }),
    });
    const ledger = new Ledger(world.store.db);
    await ledger.ensureAccount(ledgerAccounts.projectFunding(projectId), 'funding', 'USD');
    await ledger.fund(ledgerAccounts.projectFunding(projectId), 10_000_000, `deposit/${projectId}`, 'test deposit');

    const operator = await as('ops-olga', 'operator');
    const started = await call(`${world.url}/v1/workflows/fundingGate`, {
      token: await as('gc-alex', 'operator'),
      body: drawRequest({ projectId, milestoneId: 'M3' }),
    });
    expect(started.status).toBe(201);
    const pending = await gateStatusWhen(world.env.client, gateId, () => true);
    expect(pending.conditions.conditions).toEqual([expect.objectContaining({ id: 'framing-done', status: 'pending' })]);

    const trigger = await call(`${world.url}/v1/task-triggers/framing-m3`, {
      method: 'PUT',
      token: operator,
      body: {
        projectId,
        taskId: 'T-88',
        triggerType: 'task_completed',
        conditions: [{ field: 'fields.phase', equals: 'framing' }],
        // No payload: a submitEvidence signal carries the task's completion.
        actions: [{ type: 'signal_gate', workflowId: 'funding-gate/{{projectId}}/M3' }],
      },
    });
    expect(trigger.status).toBe(200);

    const body = JSON.stringify({
      kind: 'task.event',
      event: {
        eventId: 'evt-1',
        projectId,
        taskId: 'T-88',
        type: 'task_completed',
        status: 'done',
        occurredAt: '2026-11-25T10:00:00Z',
        fields: { phase: 'framing' },
      },
    });
    // An unsigned copy starts nothing; the signed one starts the event's workflow.
    const forged = await call(`${world.url}/v1/webhooks/tracker`, {
      body,
      headers: githubEventHeaders('task', body, { secret: 'not-the-secret-0123456789', delivery: 'd-0' }),
    });
    expect(forged.status).toBe(401);
    const delivered = await call(`${world.url}/v1/webhooks/tracker`, {
      body,
      headers: githubEventHeaders('task', body, { secret: TRACKER_SECRET, delivery: 'd-1' }),
    });
    expect(delivered.status).toBeLessThan(300);

    const report: TaskEventReport = await world.env.client.workflow.getHandle(`task-event/${projectId}/evt-1`).result();
    expect(report).toEqual({
      workflowId: `task-event/${projectId}/evt-1`,
      eventId: 'evt-1',
      matchedActions: 1,
      actions: [{ step: 'framing-m3/0', type: 'signal_gate', outcome: 'signalled', target: gateId }],
    });

    // The real gate took the evidence: its condition passed, nothing refused, the trigger named as who sent it.
    const met = await gateStatusWhen(
      world.env.client,
      gateId,
      (status) => status.conditions.conditions[0]?.status === 'passed',
      60_000,
    );
    expect(met.conditions).toMatchObject({
      conditions: [{ id: 'framing-done', status: 'passed' }],
      blockingOutstanding: [],
      refusedEvidence: [],
    });
    expect(met.conditions.evidenceCount).toBe(1);
    expect(met.timeline).toContainEqual(
      expect.objectContaining({ by: 'trigger:framing-m3', event: 'evidence task_completed' }),
    );

    // Approvals (the review stage's user, then a signatory) release the money.
    const decide = async (token: string) =>
      call(`${gateUrl(gateId)}/updates/decide`, { token, body: { decision: 'approve' } });
    expect((await decide(await as('rita', 'approver'))).status).toBe(200);
    expect((await decide(await as('sam', 'approver', 'signatory'))).status).toBe(200);
    const done = await gateStatusWhen(
      world.env.client,
      gateId,
      // Disbursed, then completed once the draw closes: a fast machine passes both between polls.
      (status: GateStatusView) => ['disbursed', 'completed'].includes(status.status),
      60_000,
    );
    expect(['disbursed', 'completed']).toContain(done.status);
    expect(done.timeline.map((e) => e.event)).toContain('disbursed');
    expect(await world.store.db.query('SELECT status FROM ledger_payouts WHERE workflow_id = $1', [gateId])).toEqual([
      { status: 'done' },
    ]);
  });

  it('replayTriggerAction: an event that came before its gate opened is a dead letter; replayed once the gate is open, the condition passes', async () => {
    const projectId = 'TRK2';
    const gateId = `funding-gate/${projectId}/M3`;
    const operator = await as('ops-olga', 'operator');
    await setUpFundingProject(world.store, projectId, {
      definition: programDefinition({
        conditions: [{ id: 'framing-done', type: 'task_completed', taskIds: ['T-9'], mode: 'blocking' }],
      }),
    });
    const trigger = await call(`${world.url}/v1/task-triggers/early-m3`, {
      method: 'PUT',
      token: operator,
      body: {
        projectId,
        taskId: 'T-9',
        triggerType: 'task_completed',
        actions: [{ type: 'signal_gate', workflowId: 'funding-gate/{{projectId}}/M3' }],
      },
    });
    expect(trigger.status).toBe(200);
    const event = {
      eventId: 'evt-early',
      projectId,
      taskId: 'T-9',
      type: 'task_completed',
      occurredAt: '2026-11-25T10:00:00Z',
      fields: {},
    };
    expect((await call(`${world.url}/v1/workflows/taskEvent`, { token: operator, body: event })).status).toBe(201);
    const early: TaskEventReport = await world.env.client.workflow
      .getHandle(`task-event/${projectId}/evt-early`)
      .result();
    expect(early.actions).toEqual([
      expect.objectContaining({ step: 'early-m3/0', outcome: 'gate_not_found', target: gateId }),
    ]);
    const deadLetterKey = `task-event/${projectId}/evt-early/early-m3/0`;
    const replayUrl = `${world.url}/v1/task-triggers/dead-letters/${encodeURIComponent(deadLetterKey)}/replay`;

    // The gate opens; the operator replays the dead letter through the API.
    const opened = await call(`${world.url}/v1/workflows/fundingGate`, {
      token: await as('gc-alex', 'operator'),
      body: drawRequest({ projectId, milestoneId: 'M3' }),
    });
    expect(opened.status).toBe(201);
    const replay = await call(replayUrl, { method: 'POST', token: operator });
    expect(replay.status).toBe(202);
    expect(replay.json).toMatchObject({ key: deadLetterKey, attempt: 1 });
    const result = await world.env.client.workflow.getHandle(String(replay.json.workflowId)).result();
    expect(result).toMatchObject({
      deadLetterKey,
      outcome: 'signalled',
      target: gateId,
      replayWorkflowId: `trigger-replay/${deadLetterKey}/1`,
    });
    expect(result).not.toHaveProperty('newDeadLetterKey');
    const met = await gateStatusWhen(
      world.env.client,
      gateId,
      (status) => status.conditions.conditions[0]?.status === 'passed',
      60_000,
    );
    expect(met.conditions).toMatchObject({
      conditions: [{ id: 'framing-done', status: 'passed' }],
      refusedEvidence: [],
    });
    // Replayed once: a second replay is refused, and the dead letter says how it ended.
    expect((await call(replayUrl, { method: 'POST', token: operator })).status).toBe(409);
    const letters = await call(`${world.url}/v1/task-triggers/dead-letters?triggerId=early-m3`, { token: operator });
    expect(letters.json).toMatchObject({
      deadLetters: [{ key: deadLetterKey, replayOutcome: 'signalled', replayDeadLetterKey: null }],
    });
  });
});
