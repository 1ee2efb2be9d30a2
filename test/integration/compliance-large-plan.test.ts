import { temporal } from '@temporalio/proto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { complianceReviewId } from '../../domain/compliance/review';
import type { ComplianceReviewInput, ReviewStatusView } from '../../domain/compliance/review-types';
import { REVIEW_DOCUMENTS, REVIEW_TEAMS, reviewInput } from '../fixtures/compliance-review';
import { largePlan } from '../fixtures/large-plan';
import { call, tokenFor } from '../support/gateway';
import { useDevServerWorld } from '../support/dev-server-world';

const SPACES = 100_000;

/** The encoded size of each event of a workflow's history, largest first. */
async function eventSizes(handle: WorkflowHandle): Promise<{ type: string; bytes: number }[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((event) => ({
      type: temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType),
      bytes: temporal.api.history.v1.HistoryEvent.encode(event).finish().length,
    }))
    .sort((a, b) => b.bytes - a.bytes);
}

/**
 * What a run waits on: its pending activities (attempts, last failures) and its last events,
 * so an overrun in CI says where the review stood instead of only that the test timed out.
 */
async function whereItWaits(handle: WorkflowHandle): Promise<string> {
  const { raw } = await handle.describe();
  const pending = (raw.pendingActivities ?? []).map((activity) => ({
    type: activity.activityType?.name,
    state: temporal.api.enums.v1.PendingActivityState[activity.state ?? 0],
    attempt: activity.attempt,
    lastFailure: activity.lastFailure?.message,
  }));
  const events = ((await handle.fetchHistory()).events ?? [])
    .slice(-12)
    .map((event) => temporal.api.enums.v1.EventType[event.eventType ?? 0]);
  return `pending activities ${JSON.stringify(pending)}; last events ${events.join(', ')}`;
}

/** `step`, or an error naming it and where the run waits when it takes longer than `ms`. */
async function within<T>(handle: WorkflowHandle, step: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const outcome = await Promise.race([work.then((value) => ({ value })), late]).finally(() => clearTimeout(timer));
  if (outcome !== 'late') return outcome.value;
  throw new Error(`${step}: nothing after ${ms} ms; ${await whereItWaits(handle)}`);
}

async function statusOf(url: string, token: string, planId: string): Promise<ReviewStatusView> {
  const review = `${url}/v1/workflows/${encodeURIComponent(complianceReviewId(planId))}`;
  return (await call(`${review}/queries/status`, { token })).json.result as ReviewStatusView;
}

async function waitFor(
  url: string,
  token: string,
  planId: string,
  ready: (view: ReviewStatusView) => boolean,
): Promise<ReviewStatusView> {
  for (const deadline = Date.now() + 90_000; Date.now() < deadline;) {
    const view = await statusOf(url, token, planId).catch(() => undefined);
    if (view && ready(view)) return view;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`review of ${planId} never became ready`);
}

/**
 * Large inputs by reference (#17): a plan of 100,000 spaces (about 23 MB) through a whole
 * review on the dev server. Inline, Temporal refuses to start it; stored by content hash
 * (POST /v1/compliance/plans), the start carries a reference of two fields, the check
 * activity loads the plan, the element list goes by reference too, and the review ends.
 */
describe('a 100,000-space plan through a compliance review', () => {
  const world = useDevServerWorld('compliance-large-plan', { gateway: { compliance: REVIEW_TEAMS } });
  const plan = largePlan('LARGE-1', SPACES);
  const planBytes = Buffer.byteLength(JSON.stringify(plan));

  it('is refused by Temporal inline', async () => {
    const input: ComplianceReviewInput = reviewInput('LARGE-1', {
      submission: { planVersion: 1, plan, documents: REVIEW_DOCUMENTS },
    });
    // A client without the SDK's gRPC retry: a message over the limit is RESOURCE_EXHAUSTED,
    // which the default client retries ten times with backoff (41 s of the suite) to the same end.
    const connection = await Connection.connect({ address: world.env.address, interceptors: [] });
    const client = new Client({ connection, namespace: world.env.namespace ?? 'default' });
    const started = client.workflow.start('complianceReview', {
      taskQueue: world.taskQueue,
      workflowId: complianceReviewId('LARGE-INLINE'),
      args: [
        {
          ...input,
          planId: 'LARGE-INLINE',
          submission: { ...input.submission, plan: { ...plan, planId: 'LARGE-INLINE' } },
        },
      ],
    });
    const refusal = await started.then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    await connection.close();
    expect(refusal).toBeInstanceOf(Error);
    // The server's blob limit (2 MiB) or the gRPC message limit (4 MiB) before it: either way, nothing started.
    expect(`${refusal!.message} ${String((refusal as { cause?: unknown }).cause ?? '')}`).toMatch(
      /size exceeds limit|larger than max|too large|exceeds/i,
    );
    await expect(world.env.client.workflow.getHandle(complianceReviewId('LARGE-INLINE')).describe()).rejects.toThrow(
      /not found/i,
    );
    console.log(`inline start of a ${SPACES}-space plan (${planBytes} bytes) refused: ${refusal!.message}`);
  });

  it('runs by reference: stored by hash, checked, a decision naming an unknown element refused, approved', async () => {
    const portal = await tokenFor('arch-amy', 'operator');
    const reviewer = await tokenFor('rev-ray', 'approver');

    // Where the time went, printed as it goes: a run that overruns says which step it was in.
    const began = Date.now();
    const mark = (step: string) => console.log(`${step} after ${((Date.now() - began) / 1000).toFixed(1)} s`);

    const stored = await call(`${world.url}/v1/compliance/plans`, { token: portal, body: plan });
    expect(stored.status).toBe(201);
    const { planRef } = stored.json as { planRef: { sha256: string; bytes: number } };
    expect(planRef.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(planRef.bytes).toBeGreaterThan(2 * 1024 * 1024);
    // One row of the canonical text (storing it again in another key order is the same row: blob-store.test.ts).
    const rows = await world.store.db.query<{ bytes: number }>('SELECT bytes FROM payload_blobs WHERE hash = $1', [
      planRef.sha256,
    ]);
    expect(rows).toEqual([{ bytes: planRef.bytes }]);
    mark('plan stored');

    const unknownRef = await call(`${world.url}/v1/workflows/complianceReview`, {
      token: portal,
      body: {
        planId: 'LARGE-1',
        jurisdiction: 'IBC-2021',
        applicant: { email: 'amy@architects.example' },
        submission: { planVersion: 1, planRef: { ...planRef, sha256: '0'.repeat(64) }, documents: REVIEW_DOCUMENTS },
      },
    });
    expect(unknownRef.status).toBe(400);
    expect(unknownRef.text).toContain('submission.planRef');

    const started = await call(`${world.url}/v1/workflows/complianceReview`, {
      token: portal,
      body: {
        planId: 'LARGE-1',
        jurisdiction: 'IBC-2021',
        applicant: { email: 'amy@architects.example' },
        asOf: '2026-11-01',
        submission: { planVersion: 1, planRef, documents: REVIEW_DOCUMENTS },
      },
    });
    expect(started.status).toBeLessThan(300);

    mark('review started');
    // Each step below has a budget well inside the test's: one that overruns fails naming itself.
    const handle = world.env.client.workflow.getHandle(complianceReviewId('LARGE-1'));
    const inReview = await within(
      handle,
      'the check',
      40_000,
      waitFor(world.url, portal, 'LARGE-1', (view) => view.status === 'in_review'),
    );
    mark('plan checked');
    expect(inReview.cycles[0]!.check).toMatchObject({ compliant: true, violations: [] });

    const review = `${world.url}/v1/workflows/${encodeURIComponent(complianceReviewId('LARGE-1'))}`;
    // Too many elements to keep in the review: an unknown one is found in the stored list when the decision is taken.
    const unknownElement = await within(
      handle,
      'the decision naming S-NOPE',
      15_000,
      call(`${review}/updates/reviewDecision`, {
        token: reviewer,
        body: { decision: 'approve', comments: [{ element: 'S-NOPE', comment: 'checked' }] },
      }),
    );
    expect(unknownElement.status).toBe(200);
    const refused = await within(
      handle,
      'the refusal',
      15_000,
      waitFor(world.url, portal, 'LARGE-1', (view) => view.refused.length > 0),
    );
    expect(refused.status).toBe('in_review');
    expect(refused.refused[0]).toMatchObject({ actor: 'rev-ray', message: 'decide' });
    expect(refused.refused[0]!.reason).toContain('"S-NOPE"');
    expect(refused.cycles[0]!.decision).toBeUndefined();
    mark('unknown element refused');

    const approved = await within(
      handle,
      'the approval',
      15_000,
      call(`${review}/updates/reviewDecision`, {
        token: reviewer,
        body: { decision: 'approve', comments: [{ element: `S${SPACES - 1}`, comment: 'last office checked' }] },
      }),
    );
    expect(approved.status).toBe(200);
    mark('decisions taken');
    const result = (await within(handle, 'closing', 25_000, handle.result())) as ReviewStatusView;
    mark('review closed');
    expect(result.status).toBe('approved');
    expect(result.cycles[0]!.decision).toMatchObject({ actor: 'rev-ray', decision: 'approve' });
    expect(result.cycles[0]!.reports?.some((key) => key.endsWith('final.pdf'))).toBe(true);

    // What went through Temporal: no event near the payload limit, the start a few KiB.
    const sizes = await eventSizes(handle);
    const start = sizes.find((event) => event.type === 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED')!;
    console.log(
      `plan ${planBytes} bytes inline; by reference the start event is ${start.bytes} bytes; largest events: ${sizes
        .slice(0, 3)
        .map((e) => `${e.type} ${e.bytes}`)
        .join(', ')}`,
    );
    expect(start.bytes).toBeLessThan(8 * 1024);
    expect(sizes[0]!.bytes).toBeLessThan(512 * 1024);
  });
});
