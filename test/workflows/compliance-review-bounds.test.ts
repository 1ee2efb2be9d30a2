import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { complianceReviewId, MAX_REFUSED_KEPT } from '../../domain/compliance/review';
import { MAX_CYCLES_KEPT } from '../../domain/compliance/review-bounds';
import type { ResubmissionRequest, ReviewStatusView } from '../../domain/compliance/review-types';
import {
  complianceResubmitSignal,
  complianceResubmitUpdate,
  complianceReview,
  complianceStatusQuery,
} from '../../workflows';
import { REVIEW_DOCUMENTS, reviewInput, submission } from '../fixtures/compliance-review';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

type Review = WorkflowHandle<typeof complianceReview>;

/**
 * Each run of a workflow id's chain, last to first, with its history length: walked back through
 * each start event's continuedExecutionRunId (the time-skipping server's history of a run that
 * continued as new ends before its ContinuedAsNew event).
 */
async function runsOf(env: TestWorkflowEnvironment, workflowId: string) {
  const runs: { runId: string; events: number }[] = [];
  for (let runId: string | undefined = (await env.client.workflow.getHandle(workflowId).describe()).runId; runId;) {
    const events: temporal.api.history.v1.IHistoryEvent[] =
      (await env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    runs.push({ runId, events: events.length });
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs;
}

async function waitForStatus(handle: Review, ready: (view: ReviewStatusView) => boolean): Promise<ReviewStatusView> {
  for (let i = 0; i < 600; i++) {
    const view = await handle.query(complianceStatusQuery).catch(() => undefined);
    if (view && ready(view)) return view;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('status never became ready');
}

async function waitForNewRun(handle: Review, runBefore: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await handle.describe()).runId !== runBefore) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${runBefore} never continued as new`);
}

/**
 * complianceReview's bounds (#17): the refused messages and the cycles it keeps are the last
 * ones with a count of the rest, and a run continues as new between messages carrying its
 * state (here after every `messagesPerRun` messages: the time-skipping server never
 * suggests it; test/integration/compliance-bounded-history.test.ts floods the dev server).
 */
describe('complianceReview bounds (time-skipping server)', () => {
  const world = useTimeSkippingWorld();

  it('keeps the last refused messages and cycles with counts, across runs, and goes on as before', async () => {
    const taskQueue = uniqueTaskQueue('compliance-bounds');
    const worker = await createTestWorker(world.env, taskQueue, { store: world.store });
    const planId = 'BOUNDS-1';
    const perRun = 40; // messages a run handles before it continues as new
    await worker.runUntil(async () => {
      const handle = await world.env.client.workflow.start(complianceReview, {
        taskQueue,
        workflowId: complianceReviewId(planId),
        // No documents: incomplete, waiting on the applicant.
        args: [
          {
            ...reviewInput(planId, { submission: submission(planId, 1, {}, []) }),
            options: { messagesPerRun: perRun },
          },
        ],
      });
      await waitForStatus(handle, (view) => view.status === 'incomplete');

      // Refused: not the applicant. 250 of them (each from another sender: not repeats) over several runs.
      const stranger = (i: number): ResubmissionRequest => ({
        ...submission(planId, 2 + i, {}, []),
        actor: `mallory-${i}`,
      });
      // One run's worth at a time, the next batch only once that run has handed over: this server
      // takes a signal that arrives while a run continues as new into the closing run, and the
      // chain loses it (one run carried 194 of 250 on). The dev server test floods at once.
      for (let sent = 0; sent < 250;) {
        const batch = Math.min(perRun, 250 - sent);
        const runBefore = (await handle.describe()).runId;
        await Promise.all(
          Array.from({ length: batch }, (_, i) => handle.signal(complianceResubmitSignal, stranger(sent + i))),
        );
        sent += batch;
        if (batch === perRun) await waitForNewRun(handle, runBefore);
        await waitForStatus(handle, (view) => view.refusedTotal === sent);
      }
      const flooded = await waitForStatus(handle, (view) => view.refused.length + (view.refusedDropped ?? 0) >= 250);
      expect(flooded.refused).toHaveLength(MAX_REFUSED_KEPT);
      expect(flooded.refusedDropped).toBe(250 - MAX_REFUSED_KEPT);
      expect(flooded.refusedTotal).toBe(250);
      expect(
        flooded.refused.every((r) => r.actor.startsWith('mallory-') && r.reason.includes('only the applicant')),
      ).toBe(true);
      expect(flooded.status).toBe('incomplete');

      // 24 more incomplete cycles from the applicant: the last MAX_CYCLES_KEPT are kept, numbered on.
      for (let version = 2; version <= 25; version++) {
        await handle.executeUpdate(complianceResubmitUpdate, {
          args: [{ ...submission(planId, version, {}, []), actor: 'arch-amy' }],
        });
        await waitForStatus(
          handle,
          (view) => view.cycles.at(-1)?.planVersion === version && view.status === 'incomplete',
        );
      }
      // And the fixed plan: checked, in review.
      await handle.executeUpdate(complianceResubmitUpdate, {
        args: [{ ...submission(planId, 26, { fixDoor: true }, REVIEW_DOCUMENTS), actor: 'arch-amy' }],
      });
      const view = await waitForStatus(handle, (v) => v.status === 'in_review');
      expect(view.cycles).toHaveLength(MAX_CYCLES_KEPT);
      expect(view.cyclesDropped).toBe(26 - MAX_CYCLES_KEPT);
      expect(view.cycles.map((c) => c.number)).toEqual(
        Array.from({ length: MAX_CYCLES_KEPT }, (_, i) => 26 - MAX_CYCLES_KEPT + 1 + i),
      );
      expect(view.cycles.at(-1)).toMatchObject({ number: 26, planVersion: 26, check: { compliant: true } });
      expect(view.refusedDropped).toBe(250 - MAX_REFUSED_KEPT);

      const runs = await runsOf(world.env, handle.workflowId);
      // The run continued as new (the dev server test reads every run of a flooded chain: this
      // server's histories of continued runs end early, and its chain cannot be walked in full).
      expect(runs.length).toBeGreaterThanOrEqual(2);
      expect(runs[0]!.runId).not.toBe(handle.firstExecutionRunId);
      // Every timeline entry reached the audit chain exactly once over the chain of runs.
      const [row] = await world.store.db.query<{ count: string }>(
        "SELECT count(*) AS count FROM audit_events WHERE subject = $1 AND action = 'compliance.refused_resubmit'",
        [planId],
      );
      expect(Number(row?.count)).toBe(250);
      await handle.terminate('test done');
    });
  }, 300_000); // 275 messages and 26 cycles: about two minutes on a loaded 2-core machine.
});
