import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { ComplianceReports } from '../../db/compliance-reports';
import type { PermitRecord } from '../../domain/compliance/permit-export';
import { complianceReviewId, MAX_REFUSED_KEPT, MAX_TIMELINE } from '../../domain/compliance/review';
import type { ResubmissionRequest, ReviewStatusView } from '../../domain/compliance/review-types';
import {
  complianceDecideSignal,
  complianceDecideUpdate,
  complianceResubmitSignal,
  complianceResubmitUpdate,
  complianceReview,
  complianceStatusQuery,
} from '../../workflows';
import { REVIEW_DOCUMENTS, reviewInput, submission } from '../fixtures/compliance-review';
import {
  createTestWorker,
  uniqueTaskQueue,
  useTimeSkippingWorld,
  type TimeSkippingWorld,
} from '../support/temporal-env';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
type Review = WorkflowHandle<typeof complianceReview>;

/** Moves the server's clock to the next Friday, 15:00 UTC: clocks started then must skip the weekend. */
async function toFridayAfternoon(world: TimeSkippingWorld): Promise<number> {
  const current = await world.env.currentTimeMs();
  const midnight = Math.floor(current / DAY) * DAY;
  const daysAhead = (5 - new Date(midnight).getUTCDay() + 7) % 7 || 7;
  const friday = midnight + daysAhead * DAY + 15 * HOUR;
  await world.env.sleep(friday - current);
  return friday;
}

/** Workflow time runs on in real time between skips, so instants match to within a minute. */
function expectNear(actualIso: string | undefined, expected: number): void {
  expect(Math.abs(Date.parse(actualIso ?? '') - expected)).toBeLessThan(60_000);
}

/** Polls the status query (without skipping time) until `ready` holds. */
async function waitForStatus(handle: Review, ready: (view: ReviewStatusView) => boolean): Promise<ReviewStatusView> {
  for (let i = 0; i < 400; i++) {
    const view = await handle.query(complianceStatusQuery);
    if (ready(view)) return view;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('status never became ready');
}

function useReviewWorld(prefix: string) {
  const world = useTimeSkippingWorld();
  const run = async <T>(work: (taskQueue: string) => Promise<T>): Promise<T> => {
    const taskQueue = uniqueTaskQueue(prefix);
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    return worker.runUntil(work(taskQueue));
  };
  const outbox = async (workflowId: string) =>
    (
      await world.store.db.query<{ key: string; recipients: string[] }>(
        'SELECT key, recipients FROM notification_outbox WHERE workflow_id = $1 ORDER BY created_at',
        [workflowId],
      )
    ).map((row) => ({ step: row.key.split('/').pop(), recipients: row.recipients }));
  return { world, run, outbox };
}

describe('complianceReview on the time-skipping server', () => {
  const { world, run, outbox } = useReviewWorld('compliance');

  it('runs correction cycles on business days from a Friday, diffs the cycles, and approves with reports and export', async () => {
    const planId = 'CYCLES-1';
    const workflowId = complianceReviewId(planId);
    const friday = await toFridayAfternoon(world);
    const result = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(complianceReview, {
        taskQueue,
        workflowId,
        args: [reviewInput(planId)],
      });
      const first = await waitForStatus(handle, (v) => v.status === 'corrections_required');
      // 10 business days from Friday 15:00: two weekends skipped, so Friday two weeks on.
      expectNear(first.correctionDueAt, friday + 14 * DAY);
      expect(first.sla.running).toBe(false);
      expect(
        first.cycles[0]!.check!.violations.filter((v) => v.severity === 'error').map((v) => [v.rule, v.elements]),
      ).toEqual([['IBC-1010.1.1', ['D3']]]);

      await world.env.sleep(9 * DAY); // the Sunday before the deadline: still open
      await handle.executeUpdate(complianceResubmitUpdate, {
        args: [{ ...submission(planId, 2, { fixDoor: true, narrowD6: true }), actor: 'arch-amy' }],
      });
      const second = await waitForStatus(handle, (v) => v.cycles.length === 2 && v.status === 'corrections_required');
      expect(second.cycles[1]!.diff).toMatchObject({ fromCycle: 1, toCycle: 2 });
      expect(second.cycles[1]!.diff!.resolved.map((v) => v.elements)).toEqual([['D3']]);
      expect(second.cycles[1]!.diff!.new.map((v) => v.elements)).toEqual([['D6']]);

      await handle.signal(complianceResubmitSignal, { ...submission(planId, 3, { fixDoor: true }), actor: 'arch-amy' });
      const third = await waitForStatus(handle, (v) => v.status === 'in_review');
      expect(third.cycles[2]!.diff!.resolved.map((v) => v.elements)).toEqual([['D6']]);
      expect(third.sla.running).toBe(true);
      await handle.executeUpdate(complianceDecideUpdate, {
        args: [{ decision: 'approve', actor: 'rev-ray', comments: [{ element: 'S102', comment: 'Door hardware OK' }] }],
      });
      return handle.result();
    });

    expect(result.status).toBe('approved');
    expect(result.cycles.map((c) => c.planVersion)).toEqual([1, 2, 3]);
    const reports = new ComplianceReports(world.store.db);
    const stored = await reports.listForPlan(planId);
    expect(stored.map((r) => `${r.cycle}/${r.kind}.${r.format}`)).toEqual(
      expect.arrayContaining([
        '1/corrections.html',
        '1/corrections.pdf',
        '1/corrections.json',
        '1/corrections.csv',
        '2/corrections.html',
        '3/final.html',
        '3/final.pdf',
        '3/jurisdiction-export.json',
      ]),
    );
    const [corrections] = stored.filter((r) => r.cycle === 1 && r.kind === 'corrections' && r.format === 'html');
    expect(corrections!.key).toMatch(new RegExp(`^${workflowId}/[0-9a-f-]{36}/cycle-1/corrections\\.html$`));
    const html = (await reports.get(corrections!.key))!.body.toString();
    expect(html).toContain('IBC-1010.1.1');
    expect(html).toContain('D3');
    const record = JSON.parse((await reports.get(result.exportRef!))!.body.toString()) as PermitRecord;
    expect(record).toMatchObject({
      permitNum: expect.stringContaining(planId),
      statusCurrent: 'Issued',
      reviewCycles: 3,
      planVersion: 3,
    });
    expect(record.violations.map((v) => [v.elements[0], v.status, v.firstFoundCycle, v.resolvedCycle])).toEqual(
      expect.arrayContaining([
        ['D3', 'resolved', 1, 2],
        ['D6', 'resolved', 2, 3],
      ]),
    );
    const actions = (await world.store.audit.list({ limit: 5000 }))
      .filter((e) => e.workflowId === workflowId)
      .map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'compliance.corrections_required',
        'compliance.resubmitted',
        'compliance.approve',
        'compliance.approved',
        'compliance.closed',
      ]),
    );
    expect((await world.store.audit.verify()).ok).toBe(true);
    expect((await outbox(workflowId)).map((n) => n.step)).toEqual([
      'cycle-1-corrections',
      'cycle-2-corrections',
      'approved',
    ]);
  });

  it('expires when the applicant does not resubmit within the correction clock, holidays not counted', async () => {
    const planId = 'EXPIRE-1';
    const friday = await toFridayAfternoon(world);
    const holiday = new Date(friday + 10 * DAY).toISOString().slice(0, 10); // the Monday of the second week
    const input = reviewInput(planId, { policy: { holidays: [holiday] } });
    const result = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(complianceReview, {
        taskQueue,
        workflowId: complianceReviewId(planId),
        args: [input],
      });
      return handle.result();
    });
    expect(result.status).toBe('expired');
    const expired = result.timeline.find((entry) => entry.event === 'expired')!;
    expectNear(expired.at, friday + 17 * DAY); // one business day later for the holiday: over the weekend to Monday
    expect((await outbox(complianceReviewId(planId))).map((n) => n.step)).toEqual(['cycle-1-corrections', 'expired']);
  });

  it('pauses the SLA while the applicant revises, escalates to the supervisor when breached, who may then decide', async () => {
    const planId = 'SLA-1';
    const workflowId = complianceReviewId(planId);
    const friday = await toFridayAfternoon(world);
    const input = reviewInput(planId, {
      submission: submission(planId, 1, { fixDoor: true }),
      policy: { reviewSlaBusinessDays: 2 },
    });
    const result = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(complianceReview, { taskQueue, workflowId, args: [input] });
      const open = await waitForStatus(handle, (v) => v.status === 'in_review');
      expectNear(open.sla.dueAt, friday + 4 * DAY); // Fri 9 h + Mon 24 h + Tue 15 h
      await world.env.sleep(3 * DAY); // Monday 15:00: one business day used
      await handle.executeUpdate(complianceDecideUpdate, {
        args: [
          {
            decision: 'request_corrections',
            actor: 'rev-rosa',
            comments: [{ element: 'C2', comment: 'Show the dead-end length on sheet A-102' }],
          },
        ],
      });
      const waiting = await waitForStatus(handle, (v) => v.status === 'corrections_required');
      expect(waiting.sla.running).toBe(false);
      expect(waiting.sla.usedBusinessHours).toBeCloseTo(24, 1);
      await world.env.sleep(3 * DAY); // Thursday: the applicant's time does not count
      await handle.executeUpdate(complianceResubmitUpdate, {
        args: [{ ...submission(planId, 2, { fixDoor: true }), actor: 'arch-amy' }],
      });
      const back = await waitForStatus(handle, (v) => v.status === 'in_review' && v.cycles.length === 2);
      expectNear(back.sla.dueAt, friday + 7 * DAY); // the remaining business day: Friday 15:00
      await world.env.sleep(DAY + HOUR);
      const late = await waitForStatus(handle, (v) => v.sla.escalated);
      expect(late.status).toBe('in_review');
      await handle.executeUpdate(complianceDecideUpdate, {
        args: [{ decision: 'approve', actor: 'sup-sam', summary: 'Approved on escalation' }],
      });
      return handle.result();
    });
    expect(result.status).toBe('approved');
    expect(result.cycles.map((c) => c.decision?.decision)).toEqual(['request_corrections', 'approve']);
    const sent = await outbox(workflowId);
    expect(sent.find((n) => n.step === 'sla-escalation')?.recipients).toEqual(['sup-sam']);
    const actions = (await world.store.audit.list({ limit: 5000 }))
      .filter((e) => e.workflowId === workflowId)
      .map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['compliance.request_corrections', 'compliance.sla_escalated', 'compliance.approve']),
    );
  });

  it('fails at once, naming the field, when started with an input the gateway would refuse', async () => {
    const planId = 'BAD-INPUT-1';
    const input = reviewInput(planId, { applicant: { id: 'arch-amy', email: 'amy' }, asOf: '2026-02-30' });
    const failure = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(complianceReview, {
        taskQueue,
        workflowId: complianceReviewId(planId),
        args: [input],
      });
      return handle.result().then(
        () => undefined,
        (err: WorkflowFailedError) => err.cause as ApplicationFailure,
      );
    });
    expect(failure?.type).toBe('InvalidInput');
    expect(failure?.message).toBe(
      'complianceReview input: applicant.email: must be an email address; asOf: must be YYYY-MM-DD',
    );
    expect(await outbox(complianceReviewId(planId))).toEqual([]);
  });

  it('sends an incomplete submission back with what is missing, and checks the complete resubmission', async () => {
    const planId = 'INCOMPLETE-1';
    const workflowId = complianceReviewId(planId);
    const status = await run(async (taskQueue) => {
      const first = {
        planVersion: 1,
        plan: { ...(submission(planId, 1).plan as object), doors: 'none' },
        documents: [REVIEW_DOCUMENTS[0]!],
      };
      const handle = await world.env.client.workflow.start(complianceReview, {
        taskQueue,
        workflowId,
        args: [reviewInput(planId, { submission: first })],
      });
      const incomplete = await waitForStatus(handle, (v) => v.status === 'incomplete');
      expect(incomplete.cycles[0]!.missing).toEqual(['documents: "code-analysis" is required']);
      await handle.executeUpdate(complianceResubmitUpdate, {
        args: [{ ...first, planVersion: 2, documents: REVIEW_DOCUMENTS, actor: 'arch-amy' }],
      });
      const unparsable = await waitForStatus(handle, (v) => v.cycles.length === 2 && v.status === 'incomplete');
      expect(unparsable.cycles[1]!.missing!.join('\n')).toMatch(/^plan\.doors: /);
      await handle.executeUpdate(complianceResubmitUpdate, {
        args: [{ ...submission(planId, 3, { fixDoor: true }), actor: 'arch-amy' }],
      });
      const view = await waitForStatus(handle, (v) => v.status === 'in_review');
      await handle.terminate('test done');
      return view;
    });
    expect(status.cycles.map((c) => c.missing?.length ?? 0)).toEqual([1, 1, 0]);
    expect(status.cycles[2]!.diff).toBeUndefined(); // nothing checked before it to compare with
    expect((await outbox(workflowId)).map((n) => n.step)).toEqual(['cycle-1-incomplete', 'cycle-2-incomplete']);
  });
});

// On the Java test server, a run in which Updates were refused stops later runs on the same
// server from skipping time, so the refusal cases get a server of their own.
describe('complianceReview refusals on the time-skipping server', () => {
  const { world, run } = useReviewWorld('compliance-refusals');

  it('refuses strangers, the wrong turn and stale versions through the Update; records a refused Signal', async () => {
    const planId = 'REFUSE-1';
    const view = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(complianceReview, {
        taskQueue,
        workflowId: complianceReviewId(planId),
        args: [reviewInput(planId)],
      });
      await waitForStatus(handle, (v) => v.status === 'corrections_required');
      const refusal = <T>(update: typeof complianceDecideUpdate | typeof complianceResubmitUpdate, request: T) =>
        handle.executeUpdate(update as typeof complianceDecideUpdate, { args: [request as never] }).then(
          () => 'accepted',
          (err: WorkflowUpdateFailedError) => err.cause?.message ?? err.message,
        );
      expect(await refusal(complianceDecideUpdate, { decision: 'approve', actor: 'rev-ray' })).toMatch(
        /not waiting on a reviewer/,
      );
      expect(
        await refusal(complianceResubmitUpdate, { ...submission(planId, 2, { fixDoor: true }), actor: 'mallory' }),
      ).toMatch(/only the applicant \(arch-amy\)/);
      expect(
        await refusal(complianceResubmitUpdate, { ...submission(planId, 1, { fixDoor: true }), actor: 'arch-amy' }),
      ).toMatch(/greater than 1/);
      expect(
        await refusal(complianceResubmitUpdate, { ...submission(planId, 2, { fixDoor: true }), actor: 'arch-amy' }),
      ).toBe('accepted');
      await waitForStatus(handle, (v) => v.status === 'in_review');
      expect(await refusal(complianceDecideUpdate, { decision: 'approve', actor: 'mallory' })).toMatch(
        /mallory is not an assigned plan reviewer/,
      );
      expect(await refusal(complianceDecideUpdate, { decision: 'approve', actor: 'sup-sam' })).toMatch(
        /not an assigned plan reviewer/,
      ); // not escalated yet
      expect(await refusal(complianceDecideUpdate, { decision: 'reject', actor: 'rev-ray' })).toMatch(
        /at least one comment/,
      );
      expect(
        await refusal(complianceDecideUpdate, {
          decision: 'reject',
          actor: 'rev-ray',
          comments: [{ element: 'NOPE', comment: 'x' }],
        }),
      ).toMatch(/"NOPE" is not an element/);
      await handle.signal(complianceDecideSignal, { decision: 'approve', actor: 'arch-amy' });
      // The same schema as the gateway's: a signal without an actor is refused, naming the field.
      const noActor = { planVersion: 3, plan: {}, documents: [] };
      await handle.signal(complianceResubmitSignal, noActor as unknown as ResubmissionRequest);
      const status = await waitForStatus(handle, (v) => v.refused.length > 1);
      await handle.terminate('test done'); // an open review would stop time skipping for later tests
      return status;
    });
    expect(view.status).toBe('in_review');
    expect(view.refused).toEqual([
      expect.objectContaining({
        actor: 'arch-amy',
        message: 'decide',
        reason: expect.stringMatching(/not an assigned plan reviewer/),
      }),
      expect.objectContaining({ actor: 'unknown', message: 'resubmit', reason: 'actor: must be a text' }),
    ]);
    expect(view.timeline.filter((e) => e.event.startsWith('refused')).map((e) => e.event)).toEqual([
      'refused decide',
      'refused resubmit',
    ]);
  });

  it('keeps the status bounded under a flood of refused Signals (the newest kept)', async () => {
    const planId = 'FLOOD-1';
    const floods = MAX_TIMELINE + 20;
    const view = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start(complianceReview, {
        taskQueue,
        workflowId: complianceReviewId(planId),
        args: [reviewInput(planId)],
      });
      await waitForStatus(handle, (v) => v.status === 'corrections_required');
      for (let i = 0; i < floods; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, floods - i) }, (_, j) =>
            handle.signal(complianceDecideSignal, { decision: 'approve', actor: `spam-${i + j}` }),
          ),
        );
      }
      await handle.signal(complianceDecideSignal, { decision: 'approve', actor: 'spam-last' });
      const status = await waitForStatus(handle, (v) => v.refused.at(-1)?.actor === 'spam-last');
      await handle.terminate('test done');
      return status;
    });
    expect(view.refused).toHaveLength(MAX_REFUSED_KEPT);
    expect(view.timeline).toHaveLength(MAX_TIMELINE);
    expect(view.timeline.at(-1)).toMatchObject({ by: 'spam-last', event: 'refused decide' });
    expect(view.status).toBe('corrections_required');
  });
});
