import type { IncidentSnapshot } from '../../domain/alerts/incident';
import { alertWorkflowId, pagerdutyDedupKey } from '../../domain/alerts/dedup';
import type { Role } from '../../domain/roles';
import {
  addResponderUpdate,
  alertStatusQuery,
  incidentQuery,
  incidentStatusUpdate,
  reviewDoneUpdate,
} from '../../workflows';
import { useDevServerWorld } from '../support/dev-server-world';
import { call, tokenFor } from '../support/gateway';
import { waitUntil } from '../support/service-process';

const EVENTS_TOKEN = 'events-token-for-incidents-0123456789';

// incident and incidentReview on the dev server with the real store, started the way
// production starts them (issue 17): a critical alert through POST /v1/events opens the
// incident; its responders move it with Temporal Updates to resolved, which
// starts the post-incident review; completing the review ends it; each step is audited.
describe('incident and its review on the dev server', () => {
  const world = useDevServerWorld('incident', { gateway: { alerts: { tokens: { events: EVENTS_TOKEN } } } });
  const as = (subject: string, ...roles: string[]) => tokenFor(subject, ...(roles as Role[]));
  const update = async (workflowId: string, name: string, token: string, body: unknown) =>
    call(`${world.url}/v1/workflows/${encodeURIComponent(workflowId)}/updates/${name}`, { token, body });

  it('a critical alert opens the incident; responders resolve it; the review starts, is completed and ends', async () => {
    const triggered = await call(`${world.url}/v1/events`, {
      token: EVENTS_TOKEN,
      body: {
        routing_key: 'R0UTING0KEY',
        event_action: 'trigger',
        dedup_key: 'checkout-down',
        payload: { summary: 'Checkout down', source: 'web-1', severity: 'critical', component: 'checkout' },
      },
    });
    expect(triggered.status).toBe(202);
    const alertId = alertWorkflowId(pagerdutyDedupKey('R0UTING0KEY', 'checkout-down'));
    const alert = world.env.client.workflow.getHandle(alertId);
    // The alert links its incident once the child has started: waited for by the clock.
    const incidentId = await waitUntil(
      'the alert opens its incident',
      async () => (await alert.query(alertStatusQuery)).incident,
      60_000,
    );
    expect(incidentId).toMatch(/^incident\//);
    const incident = world.env.client.workflow.getHandle(incidentId);
    expect((await incident.describe()).type).toBe('incident');
    expect(await incident.query(incidentQuery)).toMatchObject({
      status: 'investigating',
      severity: 'critical',
      alerts: [expect.objectContaining({ dedupKey: pagerdutyDedupKey('R0UTING0KEY', 'checkout-down') })],
    });

    // Responders move it with Temporal's own Update (the Web UI, a client): the gateway's
    // workflow routes do not serve incidents (a 404 even for an operator).
    const ops = await as('ops-ann', 'operator');
    expect((await update(incidentId, 'setStatus', ops, { status: 'identified' })).status).toBe(404);
    const ann = { actor: 'ops-ann', roles: ['operator'] };
    await expect(
      incident.executeUpdate(incidentStatusUpdate, { args: [{ ...ann, status: 'investigating' }] }),
    ).rejects.toMatchObject({ cause: { message: expect.stringContaining('the incident is already investigating') } });
    await incident.executeUpdate(addResponderUpdate, {
      args: [{ ...ann, responder: 'bob@example.com', role: 'lead' }],
    });
    for (const status of ['identified', 'monitoring', 'resolved'] as const)
      await incident.executeUpdate(incidentStatusUpdate, { args: [{ ...ann, status }] });
    const resolved = (await incident.result()) as IncidentSnapshot;
    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'ops-ann' });
    expect(resolved.responders).toEqual([expect.objectContaining({ who: 'bob@example.com', addedBy: 'ops-ann' })]);

    // The review runs as its own workflow, keyed by the incident and its resolve time.
    const reviewId = `incident-review/${resolved.key}/${Date.parse(resolved.resolvedAt!)}`;
    const review = world.env.client.workflow.getHandle(reviewId);
    await waitUntil('the review starts', () => review.describe().then((d) => d.status.name === 'RUNNING'), 60_000);
    expect((await review.describe()).type).toBe('incidentReview');
    expect((await review.query(incidentQuery)).review).toMatchObject({ dueDays: 5, remindersSent: 0 });
    await review.executeUpdate(reviewDoneUpdate, { args: [ann] });
    const reviewed = (await review.result()) as IncidentSnapshot;
    expect(reviewed.review).toMatchObject({ completedBy: 'ops-ann', completedAt: expect.any(String) });

    // Both workflows audited under the incident's subject, in the store the worker writes.
    const actions = (await world.store.audit.list())
      .filter((event) => event.subject === `incident/${resolved.key}`)
      .map((event) => `${event.actor} ${event.action}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'ops-ann incident.responder_added',
        'ops-ann incident.identified',
        'ops-ann incident.monitoring',
        'ops-ann incident.resolved',
        'ops-ann incident.review_completed',
      ]),
    );
    expect((await world.store.audit.verify()).ok).toBe(true);
  });
});
