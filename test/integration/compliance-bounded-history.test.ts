import { complianceReviewId, MAX_REFUSED_KEPT } from '../../domain/compliance/review';
import { EVENTS_PER_RUN } from '../../domain/compliance/review-bounds';
import type { ResubmissionRequest, ReviewStatusView } from '../../domain/compliance/review-types';
import {
  complianceResubmitSignal,
  complianceResubmitUpdate,
  complianceReview,
  complianceStatusQuery,
} from '../../workflows';
import { REVIEW_DOCUMENTS, reviewInput, submission } from '../fixtures/compliance-review';
import { useDevServerWorld } from '../support/dev-server-world';

/** Temporal's default `limit.historyCount.suggestContinueAsNew`, which the dev server keeps. */
const SERVER_SUGGESTS_CONTINUE_AS_NEW_AT = 4_096;
/**
 * The suite's flood: 6,000 signals cross the workflow's own bound (EVENTS_PER_RUN) at least
 * once, the mechanism the 20,000 prove seven times over. The full size is
 * `ARXFLOW_FLOOD_SIGNALS=20000`: on 2026-12-02, on this 2-core machine with other work running,
 * 20,000 refused signals in 109 s over 7 runs of 3182, 3182, 3188, 3161, 3170, 3158 and 2122
 * events, audited as 106 events. In a full CI run the 20,000 took 336 s, a quarter of the suite.
 */
const SIGNALS = Number(process.env.ARXFLOW_FLOOD_SIGNALS ?? 6_000);
const BATCH = 200;

/**
 * A review flooded with refused resubmissions (not the applicant) on the dev server, which
 * suggests continuing as new: every run of the chain stays under the suggested history length,
 * the state keeps the last refused messages with a count of the rest, and the review goes on.
 */
describe('complianceReview under a flood of refused signals (dev server)', () => {
  const world = useDevServerWorld('compliance-flood');

  it('continues as new, each run under the suggested limit, with its state right', async () => {
    const planId = 'FLOOD-1';
    const client = world.env.client;
    const handle = await client.workflow.start(complianceReview, {
      taskQueue: world.taskQueue,
      workflowId: complianceReviewId(planId),
      args: [reviewInput(planId, { submission: submission(planId, 1, {}, []) })],
    });
    const view = async () => client.workflow.getHandle(handle.workflowId).query(complianceStatusQuery);
    const waitFor = async (ready: (v: ReviewStatusView) => boolean, seconds: number) => {
      for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline;) {
        const current = await view().catch(() => undefined);
        if (current && ready(current)) return current;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error('the review never became ready');
    };
    await waitFor((v) => v.status === 'incomplete', 60);

    const began = Date.now();
    // A duplicate of a stored plan's resubmission, from someone who is not the applicant.
    const refused: ResubmissionRequest = {
      planVersion: 2,
      planRef: { sha256: 'a'.repeat(64), bytes: 1234 },
      documents: [],
      actor: 'mallory',
    };
    // Concurrently, in batches of 200 in flight at once; the next batch once the review has
    // handled this one (a server takes at most 10,000 signals per run: a sender far ahead of the
    // worker would put them all on one run, whatever the workflow does). Signals go to the
    // workflow id, so they reach whichever run is current.
    const target = client.workflow.getHandle(handle.workflowId);
    const handled = (v: ReviewStatusView) => v.refusedTotal ?? 0;
    for (let sent = 0; sent < SIGNALS;) {
      await Promise.all(Array.from({ length: BATCH }, () => target.signal(complianceResubmitSignal, refused)));
      sent += BATCH;
      await waitFor((v) => handled(v) >= sent, 180);
    }
    const flooded = await view();
    const seconds = (Date.now() - began) / 1000;

    // Every one counted; the same refusal in a row is one entry with its count until audited.
    expect(flooded.refusedTotal).toBe(SIGNALS);
    expect(flooded.refused.length).toBeLessThanOrEqual(MAX_REFUSED_KEPT);
    expect(flooded.refused.every((r) => r.actor === 'mallory' && r.reason.includes('only the applicant'))).toBe(true);
    expect(flooded.refused.some((r) => (r.repeats ?? 1) > 1)).toBe(true);
    expect(flooded.status).toBe('incomplete');
    expect(flooded.cycles).toHaveLength(1);
    expect(flooded.timeline.length).toBeLessThanOrEqual(500);

    // Every run of the chain, read from the server.
    const runs: number[] = [];
    for (let runId: string | undefined = handle.firstExecutionRunId; runId;) {
      const events: {
        workflowExecutionContinuedAsNewEventAttributes?: { newExecutionRunId?: string | null } | null;
      }[] = (await client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events ?? [];
      runs.push(events.length);
      runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    console.log(
      `${SIGNALS} refused signals in ${seconds.toFixed(1)} s over ${runs.length} runs of ${runs.join(', ')} events`,
    );
    expect(runs.length).toBeGreaterThan(SIGNALS / SERVER_SUGGESTS_CONTINUE_AS_NEW_AT);
    for (const events of runs) expect(events).toBeLessThan(SERVER_SUGGESTS_CONTINUE_AS_NEW_AT);
    expect(Math.max(...runs.slice(0, -1))).toBeGreaterThanOrEqual(EVENTS_PER_RUN);

    // Each refusal reached the audit chain once over the runs (an event with a count for repeats).
    const [row] = await world.store.db.query<{ count: string; events: string }>(
      `SELECT sum(coalesce((data->>'repeats')::int, 1)) AS count, count(*) AS events
         FROM audit_events WHERE subject = $1 AND action = 'compliance.refused_resubmit'`,
      [planId],
    );
    expect(Number(row?.count)).toBe(SIGNALS);
    console.log(`audited as ${row?.events} events`);

    // And the review goes on: the applicant's resubmission is checked in the current run.
    await target.executeUpdate(complianceResubmitUpdate, {
      args: [{ ...submission(planId, 2, {}, REVIEW_DOCUMENTS), actor: 'arch-amy' }],
    });
    const checked = await waitFor((v) => v.status === 'corrections_required', 60);
    expect(checked.cycles.map((c) => c.number)).toEqual([1, 2]);
    expect(checked.refusedTotal).toBe(SIGNALS);
    await target.terminate('test done');
  }, 900_000); // 20,000 signals through a dev server: about 60 a second on a loaded 2-core machine.
});
