import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { Store } from '../../db/store';
import type { EscalationPolicy } from '../../domain/alerts/escalation-policy';
import { parseEscalationYaml } from '../../domain/alerts/escalation-policy-schemas';
import { alertWorkflowId } from '../../domain/alerts/dedup';
import { complianceReviewId } from '../../domain/compliance/review';
import {
  acknowledgeSignal,
  alertClosedSignal,
  alertEscalation,
  complianceDecideSignal,
  complianceDecideUpdate,
  complianceResubmitSignal,
  complianceReview,
  complianceStatusQuery,
  addResponderSignal,
  incident,
  incidentNoteSignal,
  incidentNoteUpdate,
  incidentStatusSignal,
  incidentStatusUpdate,
  joinIncidentSignal,
  resolveSignal,
  resolveUpdate,
} from '../../workflows';
import { reviewInput, submission } from '../fixtures/compliance-review';
import { drawInput, fundProject } from '../fixtures/funding-gate';
import { fundingGateId } from '../../domain/funding/gate-input';
import { decideUpdate, evidenceSignal, evidenceUpdate, fundingGate, statusQuery } from '../../workflows';
import { sharedWorkflowBundle } from '../support/bundle';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';
import { alertEvent } from '../fixtures/alerts';

/**
 * Every timeline entry of a workflow reaches audit_events exactly once, including entries
 * added by messages in the first activation (sent with the start, before any activity
 * returned) and by messages refused while the workflow's last activities run.
 */

interface Entry {
  by: string;
  event: string;
  detail?: string;
}

/** The workflow's audit events as `action|actor|detail`, minus the actions that are not timeline entries. */
async function auditedEntries(store: Store, workflowId: string, notFromTimeline: string[] = []): Promise<string[]> {
  const events = (await store.audit.list({ limit: 5000 })).filter(
    (e) => e.workflowId === workflowId && !notFromTimeline.includes(e.action),
  );
  return events.map((e) => `${e.action}|${e.actor}|${String(e.data.detail ?? '')}`).sort();
}

const expectedEntries = (prefix: string, timeline: Entry[]): string[] =>
  timeline.map((e) => `${prefix}.${e.event.replaceAll(' ', '_')}|${e.by}|${e.detail ?? ''}`).sort();

/**
 * Sends a message every 25 ms until the workflow closes (the send is refused) or `max` were
 * sent: slower than the workflow audits, so its audit loop catches up and the messages
 * land while its closing activities run.
 */
async function sendUntilClosed(send: () => Promise<unknown>, max: number): Promise<number> {
  let sent = 0;
  for (; sent < max; sent++) {
    try {
      await send();
    } catch {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return sent;
}

const policy: EscalationPolicy = parseEscalationYaml(`
default: mail
policies:
  - name: mail
    repeat: 0
    levels:
      - notify: [{ email: oncall@example.com }]
        escalateAfter: 10 minutes
`).policies[0]!;
const ann = { actor: 'ops:ann', roles: ['operator'] };
const stranger = { actor: 'someone', roles: [] as string[] };

describe('timeline entries reach the audit chain exactly once (time-skipping server)', () => {
  const world = useTimeSkippingWorld();
  const run = async <T>(work: (taskQueue: string) => Promise<T>): Promise<T> => {
    const taskQueue = uniqueTaskQueue('audit-timeline');
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    return worker.runUntil(work(taskQueue));
  };

  it('complianceReview: messages in the first activation and refusals during the close are all audited once', async () => {
    const planId = `AUDIT-${randomUUID().slice(0, 8)}`;
    const workflowId = complianceReviewId(planId);
    // The permit export is the close's last activity but one: decisions refused while it
    // runs arrive after the review's last audit loop.
    const activities = createActivities({ store: world.store });
    const taskQueue = uniqueTaskQueue('audit-timeline');
    const worker = await Worker.create({
      connection: world.env.nativeConnection,
      namespace: world.env.namespace ?? 'default',
      taskQueue,
      workflowBundle: sharedWorkflowBundle(),
      activities: {
        ...activities,
        async exportPermitRecord(input: Parameters<typeof activities.exportPermitRecord>[0]) {
          const running = world.env.client.workflow.getHandle(Context.current().info.workflowExecution!.workflowId);
          for (let i = 0; i < 3; i++)
            await running.signal(complianceDecideSignal, { decision: 'reject', actor: 'rev-rosa' });
          return activities.exportPermitRecord(input);
        },
      },
    });
    const outcome = await worker.runUntil(async () => {
      const handle = await world.env.client.workflow.start(complianceReview, {
        taskQueue,
        workflowId,
        args: [reviewInput(planId, { submission: submission(planId, 1, { fixDoor: true }) })],
      });
      // Before the first activity (the code check) returns: refused resubmissions and decisions.
      await Promise.all([
        handle.signal(complianceResubmitSignal, { ...submission(planId, 2), actor: 'not-the-applicant' }),
        handle.signal(complianceDecideSignal, { decision: 'approve', actor: 'not-a-reviewer' }),
        handle.signal(complianceResubmitSignal, { ...submission(planId, 2), actor: 'arch-amy' }),
      ]);
      await waitFor(
        async () => (await handle.describe()).status.name !== 'RUNNING' || (await statusOf(handle)) === 'in_review',
      );
      await handle.executeUpdate(complianceDecideUpdate, { args: [{ decision: 'approve', actor: 'rev-ray' }] });
      const result = await handle.result();
      const scheduled = (await handle.fetchHistory()).events!.flatMap(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
      );
      return { result, auditCalls: scheduled.filter((name) => /^record(Gate|Workflow)Event/.test(name)) };
    });
    const { result, auditCalls } = outcome;
    expect(result.status).toBe('approved');
    // A run of the same refusal (same sender, message and reason: rev-rosa's three rejects
    // during the close) is one entry with its repeat count (domain/compliance/review.ts).
    const refused = result.timeline.filter((e) => e.event.startsWith('refused'));
    expect(refused.reduce((n, e) => n + ((e as { repeats?: number }).repeats ?? 1), 0)).toBeGreaterThanOrEqual(6);
    expect(await auditedEntries(world.store, workflowId, ['compliance.closed'])).toEqual(
      expectedEntries('compliance', result.timeline),
    );
    // Batched (AuditTrail): one recordWorkflowEvents call per burst, far fewer calls than entries.
    expect(new Set(auditCalls)).toEqual(new Set(['recordWorkflowEvents']));
    expect(auditCalls.length).toBeLessThan(result.timeline.length / 2);
    expect((await world.store.audit.verify()).ok).toBe(true);
  });

  it('alertEscalation: acknowledgements with the start and refusals after resolve are all audited once', async () => {
    const alert = alertEvent(`audit-${randomUUID().slice(0, 8)}`);
    const workflowId = alertWorkflowId(alert.dedupKey);
    const result = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(alertEscalation, {
        taskQueue,
        workflowId,
        args: [{ event: alert, intakeId: randomUUID(), policy, policies: [policy] }],
      });
      await Promise.all([
        handle.signal(acknowledgeSignal, ann),
        handle.signal(acknowledgeSignal, ann), // refused: already acknowledged
        handle.signal(acknowledgeSignal, stranger), // refused: no role
      ]);
      await handle.executeUpdate(resolveUpdate, { args: [ann] });
      const late = await sendUntilClosed(() => handle.signal(resolveSignal, ann), 120); // refused: resolved
      expect(late).toBeGreaterThan(0);
      return handle.result();
    });
    expect(result.status).toBe('resolved');
    expect(result.timeline.length).toBeLessThan(300); // nothing dropped from the bounded timeline
    expect(await auditedEntries(world.store, workflowId)).toEqual(expectedEntries('alert', result.timeline));
  });

  it('incident: joins with the start and alerts closing during the close are all audited once', async () => {
    const key = `audit-${randomUUID().slice(0, 8)}`;
    const workflowId = `incident/${key}`;
    const first = { dedupKey: `${key}-a`, summary: 'API down', severity: 'critical' as const };
    const result = await run(async (taskQueue) => {
      const handle: WorkflowHandle<typeof incident> = await world.env.client.workflow.start(incident, {
        taskQueue,
        workflowId,
        args: [{ key, title: 'API down', severity: 'critical', firstAlert: first }],
      });
      await Promise.all([
        handle.signal(joinIncidentSignal, { dedupKey: `${key}-b`, summary: 'DB slow', severity: 'error' }),
        handle.signal(alertClosedSignal, { dedupKey: `${key}-b`, resolvedBy: 'ops:ann' }),
        handle.signal(incidentStatusSignal, { ...stranger, status: 'identified' }), // refused: no role
        handle.signal(incidentNoteSignal, { ...stranger, note: 'me too' }), // refused: no role
        handle.signal(addResponderSignal, { ...ann, responder: 'sre-lead@example.com' }),
      ]);
      await handle.executeUpdate(incidentNoteUpdate, { args: [{ ...ann, note: 'looking' }] });
      await handle.executeUpdate(incidentStatusUpdate, { args: [{ ...ann, status: 'resolved' }] });
      const late = await sendUntilClosed(
        () => handle.signal(alertClosedSignal, { dedupKey: `${key}-a`, resolvedBy: 'ops:ann' }),
        150,
      );
      expect(late).toBeGreaterThan(0);
      return handle.result();
    });
    expect(result.status).toBe('resolved');
    // Every operator message is an Update and a Signal: the signals' refusals are in the timeline.
    expect(result.timeline.map((e) => `${e.by} ${e.event}`)).toEqual(
      expect.arrayContaining(['someone refused status change', 'someone refused add note', 'ops:ann responder added']),
    );
    expect(result.timeline.length).toBeLessThan(500);
    expect(await auditedEntries(world.store, workflowId)).toEqual(expectedEntries('incident', result.timeline));
  });

  it('fundingGate: evidence in the first activation and while the opening is being audited is audited once', async () => {
    const input = drawInput({ projectId: `AUDIT-${randomUUID().slice(0, 8)}`, milestoneId: 'M1' });
    const workflowId = fundingGateId(input);
    // Evidence arrives while the 'funding.opened' audit call runs (one batch with the first
    // activation's entries): the trail writes what was added meanwhile in the next batch.
    const activities = createActivities({ store: world.store });
    const taskQueue = uniqueTaskQueue('audit-timeline');
    const worker = await Worker.create({
      connection: world.env.nativeConnection,
      namespace: world.env.namespace ?? 'default',
      taskQueue,
      workflowBundle: sharedWorkflowBundle(),
      activities: {
        ...activities,
        async recordWorkflowEvents(events: Parameters<typeof activities.recordWorkflowEvents>[0]) {
          if (events.some((event) => event.action === 'funding.opened')) {
            const running = world.env.client.workflow.getHandle(Context.current().info.workflowExecution!.workflowId);
            await running.signal(evidenceSignal, {
              kind: 'lien_waiver',
              waiverType: 'conditional-progress',
              from: 'acme-builders',
              throughDate: '2026-11-30',
              amount: 3_000_000,
              actor: 'gc-alex',
            });
          }
          return activities.recordWorkflowEvents(events);
        },
      },
    });
    // Started and signalled before any worker polls: both reach the workflow's first activation.
    const handle = await world.env.client.workflow.start(fundingGate, { taskQueue, workflowId, args: [input] });
    await handle.signal(evidenceSignal, { kind: 'document', name: 'schedule-of-values', actor: 'gc-alex' });
    const timeline = await worker.runUntil(async () => {
      await waitFor(async () => (await handle.query(statusQuery)).timeline.length >= 3);
      await waitFor(async () => (await auditedEntries(world.store, workflowId)).length >= 3);
      const { timeline } = await handle.query(statusQuery);
      await handle.terminate('test over');
      return timeline;
    });
    expect(timeline.map((e) => e.event)).toEqual(['opened', 'evidence document', 'evidence lien_waiver']);
    expect(await auditedEntries(world.store, workflowId)).toEqual(expectedEntries('funding', timeline));
  });

  it('fundingGate: payment, the unconditional waiver and refusals while closing are audited once', async () => {
    const input = drawInput({ projectId: `AUDIT-${randomUUID().slice(0, 8)}`, milestoneId: 'M2' });
    const workflowId = fundingGateId(input);
    await fundProject(world.store, input.projectId, 10_000_000);
    const waiver = {
      kind: 'lien_waiver',
      from: 'acme-builders',
      throughDate: '2026-11-30',
      amount: 3_000_000,
      actor: 'gc-alex',
    };
    const result = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(fundingGate, { taskQueue, workflowId, args: [input] });
      await handle.executeUpdate(evidenceUpdate, {
        args: [{ kind: 'document', name: 'schedule-of-values', actor: 'gc-alex' }],
      });
      await handle.executeUpdate(evidenceUpdate, { args: [{ ...waiver, waiverType: 'conditional-progress' }] });
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'rita', roles: [] }] });
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', actor: 'sam', roles: ['signatory'] }] });
      await waitFor(async () => (await handle.query(statusQuery)).status === 'disbursed');
      await handle.executeUpdate(evidenceUpdate, { args: [{ ...waiver, waiverType: 'unconditional-progress' }] });
      // Refused (the gate closes): recorded while the last activities run.
      const late = await sendUntilClosed(
        () => handle.signal(evidenceSignal, { kind: 'document', name: 'late', actor: 'gc-alex' }),
        40,
      );
      expect(late).toBeGreaterThan(0);
      return handle.result();
    });
    expect(result.status).toBe('completed');
    const events = result.timeline.map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['disbursed', 'evidence lien_waiver']));
    // Besides timeline entries: status changes (no detail) and the payment activity's own events.
    const notTimeline = [
      'funding.disbursing|system|',
      'funding.disbursed|system|',
      'funding.completed|system|',
      'funding.closed|system|',
    ];
    const audited = await auditedEntries(world.store, workflowId, ['funding.payment.sent', 'funding.released']);
    expect(audited.filter((entry) => !notTimeline.includes(entry))).toEqual(
      expectedEntries('funding', result.timeline),
    );
  });
});

async function statusOf(handle: WorkflowHandle<typeof complianceReview>): Promise<string> {
  return (await handle.query(complianceStatusQuery)).status;
}

async function waitFor(ready: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('never became ready');
}
