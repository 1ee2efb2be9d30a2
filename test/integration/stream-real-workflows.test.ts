import type { IncidentSnapshot } from '../../domain/alerts/incident';
import { alertWorkflowId, pagerdutyDedupKey } from '../../domain/alerts/dedup';
import type { ReviewStatusView } from '../../domain/compliance/review-types';
import type { Role } from '../../domain/roles';
import type { StreamEvent } from '../../domain/stream-topics';
import { readServerSentEvents } from '../../cli/stream-follow';
import { alertStatusQuery, incidentStatusUpdate, reviewDoneUpdate } from '../../workflows';
import { REVIEW_TEAMS, reviewStartBody, submission } from '../fixtures/compliance-review';
import { useDevServerWorld } from '../support/dev-server-world';
import { call, tokenFor } from '../support/gateway';
import { waitUntil } from '../support/service-process';

/**
 * Issue #15 for the two areas no other test streams from a real workflow: a compliance review
 * started and decided through the gateway, and an incident opened by a real critical alert and
 * moved by its responders, each read from GET /v1/stream by a subscriber over real HTTP (dev
 * server, production worker, the audit chain the workflows write), and refused to a token whose
 * roles may not see the area.
 */
const world = useDevServerWorld('stream-real-workflows', { gateway: { compliance: REVIEW_TEAMS } });

/** Every stream a test opened, closed after it (an open stream would hold the gateway's close). */
const open = new Set<AbortController>();
afterEach(() => {
  for (const abort of open) abort.abort();
  open.clear();
});

interface Received {
  /** The SSE `event:` and `id:` fields, which must be the action and the audit id of `data`. */
  name: string | undefined;
  id: number;
  event: StreamEvent;
}

/** A subscription to GET /v1/stream?<query>, once the stream said where it began (`begun`). */
async function follow(query: string, token: string) {
  const abort = new AbortController();
  open.add(abort);
  const response = await fetch(`${world.url}/v1/stream?${query}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  const received: Received[] = [];
  let begun: number | undefined;
  void (async () => {
    try {
      for await (const m of readServerSentEvents(response.body!)) {
        if (m.data === undefined) begun ??= Number(m.id);
        else received.push({ name: m.event, id: Number(m.id), event: JSON.parse(m.data) as StreamEvent });
      }
    } catch {
      // aborted
    }
  })();
  await waitUntil('the stream says where it began', () => begun !== undefined, 15_000);
  const events = () => received.map((r) => r.event);
  return {
    begun: begun!,
    received,
    events,
    /** Waits (60 s: a loaded machine) until `action` arrived; the error names what did. */
    async until(action: string) {
      const seen = () => events().map((e) => e.action);
      await waitUntil(`${action} on the stream`, () => seen().includes(action), 60_000).catch(() => {
        throw new Error(`no ${action} on the stream; saw ${seen().join(', ') || 'nothing'}`);
      });
    },
  };
}

/**
 * What a subscriber must have received: every event once, in audit id order, each the audit
 * chain's own event of the subject (no more, no fewer), with the SSE fields matching; and after
 * a pause (the tailer polls every 200 ms) nothing more.
 */
async function expectExactlyTheAuditedEvents(stream: Awaited<ReturnType<typeof follow>>, subject: string) {
  const ids = stream.received.map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  expect(stream.received.map((r) => [r.name, r.id])).toEqual(stream.events().map((e) => [e.action, e.id]));
  const audited = (await world.store.audit.list({ afterId: stream.begun })).filter((e) => e.subject === subject);
  expect(audited.map((e) => [e.id, e.action, e.workflowId])).toEqual(
    stream.events().map((e) => [e.id, e.action, e.workflowId]),
  );
  const count = stream.received.length;
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(stream.received.length).toBe(count);
}

/** A token whose roles may not see `area` is refused each topic of it, the 403 naming topic and roles. */
async function expectRefused(area: 'compliance' | 'incidents', subjectTopic: string) {
  for (const role of ['deployer', 'editor', 'reviewer'] as const satisfies readonly Role[]) {
    const token = await tokenFor(`no-${area}-${role}`, role);
    for (const topics of [area, subjectTopic, `deploy,${subjectTopic}`]) {
      const refused = await call(`${world.url}/v1/stream?topics=${encodeURIComponent(topics)}`, { token });
      const topic = topics.replace(/^deploy,/, '');
      expect({ role, topics, status: refused.status, json: refused.json }).toEqual({
        role,
        topics,
        status: 403,
        json: {
          error: 'forbidden',
          message: `topic ${topic}: role viewer or operator or approver required to see ${area}; token has ${role}`,
        },
      });
    }
  }
}

describe('real workflows on the live stream', () => {
  it("a compliance review's status changes reach a compliance subscriber in order, each once; other roles get 403", async () => {
    const planId = 'STREAM-PLAN-1';
    const workflowId = `compliance/${planId}`;
    const [viewer, applicant, reviewer] = await Promise.all([
      tokenFor('vera', 'viewer'),
      tokenFor('arch-amy', 'operator'),
      tokenFor('rev-ray', 'approver'),
    ]);
    const area = await follow('topics=compliance', viewer);
    const review = `${world.url}/v1/workflows/${encodeURIComponent(workflowId)}`;
    const statusIs = (wanted: ReviewStatusView['status']) =>
      waitUntil(
        `the review is ${wanted}`,
        async () =>
          ((await call(`${review}/queries/status`, { token: applicant })).json?.result as ReviewStatusView | undefined)
            ?.status === wanted,
        60_000,
      );

    // As the applicant's portal would: version 1 (door D3 too narrow), corrections, version 2, approval.
    const started = await call(`${world.url}/v1/workflows/complianceReview`, {
      token: applicant,
      body: reviewStartBody(planId),
    });
    expect(started.status).toBeLessThan(300);
    expect(started.json).toMatchObject({ workflowId });
    await statusIs('corrections_required');
    await area.until('compliance.corrections_required');
    const resubmitted = await call(`${review}/updates/resubmitPlan`, {
      token: applicant,
      body: submission(planId, 2, { fixDoor: true }),
    });
    expect(resubmitted.status).toBe(200);
    await statusIs('in_review');
    await area.until('compliance.in_review');
    const decided = await call(`${review}/updates/reviewDecision`, {
      token: reviewer,
      body: { decision: 'approve', summary: 'D3 now 36 in' },
    });
    expect(decided.status).toBe(200);
    const result = (await world.env.client.workflow.getHandle(workflowId).result()) as ReviewStatusView;
    expect(result.status).toBe('approved');
    await area.until('compliance.closed');

    // The workflow's timeline (domain/compliance/review.ts) and its close, as it audits them.
    expect(area.events().map((e) => [e.action, e.actor])).toEqual([
      ['compliance.submitted', 'arch-amy'],
      ['compliance.checked', 'system'],
      ['compliance.corrections_required', 'system'],
      ['compliance.resubmitted', 'arch-amy'],
      ['compliance.checked', 'system'],
      ['compliance.in_review', 'system'],
      ['compliance.approve', 'rev-ray'],
      ['compliance.approved', 'system'],
      ['compliance.closed', 'system'],
    ]);
    for (const event of area.events())
      expect([event.topic, event.subject, event.workflowId]).toEqual([`compliance/${planId}`, planId, workflowId]);
    const [submitted, , , again, , , approve, approved, closed] = area.events();
    expect([submitted!.data.detail, again!.data.detail, approve!.data.detail]).toEqual([
      'plan version 1',
      'plan version 2',
      'D3 now 36 in',
    ]);
    expect(approved!.data.status).toBe('approved');
    expect(closed!.data).toEqual({ status: 'approved', export: result.exportRef });
    await expectExactlyTheAuditedEvents(area, planId);

    // The review's own topic, from where the area subscriber began: the same events.
    const subject = await follow(`topics=compliance/${planId}&after=${area.begun}`, viewer);
    await subject.until('compliance.closed');
    expect(subject.received).toEqual(area.received);

    await expectRefused('compliance', `compliance/${planId}`);
  });

  it("a critical alert's incident: its own status changes reach an incidents subscriber in order, each once; other roles get 403", async () => {
    const viewer = await tokenFor('vera', 'viewer');
    const stream = await follow('topics=incidents', viewer);
    // A PagerDuty event (loopback: this world's gateway has no intake token); the default policy opens an incident for critical.
    const triggered = await call(`${world.url}/v1/events`, {
      body: {
        routing_key: 'STREAM1KEY',
        event_action: 'trigger',
        dedup_key: 'stream-checkout-down',
        payload: { summary: 'Checkout down', source: 'web-1', severity: 'critical', component: 'checkout' },
      },
    });
    expect(triggered.status).toBe(202);
    const dedupKey = pagerdutyDedupKey('STREAM1KEY', 'stream-checkout-down');
    const alert = world.env.client.workflow.getHandle(alertWorkflowId(dedupKey));
    const incidentId = await waitUntil(
      'the alert opens its incident',
      async () => (await alert.query(alertStatusQuery)).incident,
      60_000,
    );
    expect(incidentId).toMatch(/^incident\/inc-[0-9a-f]{24}$/);
    const key = incidentId.slice('incident/'.length);
    await stream.until('incident.opened');

    // Its responders move it with Temporal Updates (the Web UI's way: the gateway's workflow routes do not serve incidents).
    const incident = world.env.client.workflow.getHandle(incidentId);
    const ann = { actor: 'ops-ann', roles: ['operator'] };
    for (const status of ['identified', 'monitoring', 'resolved'] as const) {
      await incident.executeUpdate(incidentStatusUpdate, { args: [{ ...ann, status }] });
      await stream.until(`incident.${status}`);
    }
    const resolved = (await incident.result()) as IncidentSnapshot;
    expect(resolved).toMatchObject({ key, status: 'resolved', resolvedBy: 'ops-ann' });
    const reviewId = `incident-review/${key}/${Date.parse(resolved.resolvedAt!)}`;
    const review = world.env.client.workflow.getHandle(reviewId);
    await waitUntil('the review starts', () => review.describe().then((d) => d.status.name === 'RUNNING'), 60_000);
    await review.executeUpdate(reviewDoneUpdate, { args: [{ ...ann, note: 'postmortem held' }] });
    await review.result();
    await stream.until('incident.review_completed');

    expect(stream.events().map((e) => [e.action, e.actor, e.workflowId, e.data.detail ?? null])).toEqual([
      ['incident.opened', `alert:${dedupKey}`, incidentId, `${dedupKey}: Checkout down`],
      ['incident.identified', 'ops-ann', incidentId, null],
      ['incident.monitoring', 'ops-ann', incidentId, null],
      ['incident.resolved', 'ops-ann', incidentId, null],
      ['incident.review_completed', 'ops-ann', reviewId, 'postmortem held'],
    ]);
    for (const event of stream.events())
      expect([event.topic, event.subject]).toEqual([`incidents/${key}`, `incident/${key}`]);
    await expectExactlyTheAuditedEvents(stream, `incident/${key}`);

    // The incident's own topic, from where the area subscriber began: the same events.
    const subject = await follow(`topics=incidents/${key}&after=${stream.begun}`, viewer);
    await subject.until('incident.review_completed');
    expect(subject.received).toEqual(stream.received);

    await expectRefused('incidents', `incidents/${key}`);
  });
});
