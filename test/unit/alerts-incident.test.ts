import {
  DEFAULT_REVIEW,
  Incident,
  incidentKeyFor,
  INCIDENT_STATUSES,
  reviewDueAt,
  reviewReminderTimes,
  transitionRefusal,
  type IncidentStatus,
} from '../../domain/alerts/incident';

const DAY = 86_400_000;
const T0 = Date.parse('2025-03-01T10:00:00Z');
const ops = { actor: 'ops:ann', roles: ['operator'] };
const viewer = { actor: 'someone', roles: ['viewer'] };
const firstAlert = { dedupKey: 'am-1', summary: 'Disk full on db-1', severity: 'error' as const };

/** Refuse or apply, the way the workflow's Signal handler does. */
function setStatus(
  incident: Incident,
  status: string,
  by: { actor: string; roles: string[] } = ops,
  at = T0,
): string | undefined {
  const request = { ...by, status };
  const refusal = incident.refusalOfStatus(request);
  if (!refusal) incident.setStatus(request as typeof request & { status: IncidentStatus }, at);
  return refusal;
}

describe('incident status transitions', () => {
  it('allows any move between open statuses, and nothing out of resolved', () => {
    const table = INCIDENT_STATUSES.map((from) =>
      INCIDENT_STATUSES.map((to) => (transitionRefusal(from, to) ? '-' : 'y')).join(''),
    );
    expect(table).toEqual(['-yyy', 'y-yy', 'yy-y', '----']);
    expect(transitionRefusal('investigating', 'investigating')).toBe('the incident is already investigating');
    expect(transitionRefusal('resolved', 'investigating')).toBe(
      'the incident is resolved; a new alert opens a new incident',
    );
    const incident = Incident.open('inc-1', firstAlert, 'alert/am-1', T0);
    expect(incident.refusalOfStatus({ ...ops, status: 'fixed' })).toBe(
      'status: must be one of investigating, identified, monitoring, resolved',
    );
  });

  it('walks investigating -> identified -> monitoring -> resolved with a timeline', () => {
    const incident = Incident.open('inc-1', firstAlert, 'alert/am-1', T0);
    expect(incident.status).toBe('investigating');
    expect(setStatus(incident, 'identified', ops, T0 + 1)).toBeUndefined();
    expect(setStatus(incident, 'monitoring', ops, T0 + 2)).toBeUndefined();
    // the fix did not hold
    expect(setStatus(incident, 'investigating', ops, T0 + 3)).toBeUndefined();
    expect(setStatus(incident, 'resolved', ops, T0 + 4)).toBeUndefined();
    expect(setStatus(incident, 'monitoring')).toMatch(/resolved/);
    expect(incident.state.timeline.map((e) => `${e.by} ${e.event}`)).toEqual([
      'alert/am-1 opened',
      'ops:ann identified',
      'ops:ann monitoring',
      'ops:ann investigating',
      'ops:ann resolved',
    ]);
    expect(incident.state).toMatchObject({ resolvedBy: 'ops:ann', resolvedAt: new Date(T0 + 4).toISOString() });
  });

  it('refuses malformed requests and people without a role, unless they are responders', () => {
    const incident = Incident.open('inc-1', firstAlert, 'system', T0);
    expect(incident.refusalOfStatus({ status: 'identified' })).toMatch(/^actor:/);
    expect(incident.refusalOfStatus({ ...ops, roles: 'operator', status: 'identified' })).toMatch(/^roles:/);
    expect(setStatus(incident, 'identified', viewer)).toBe(
      'someone may not update the incident: needs role responder or operator or admin or to be a responder',
    );
    const add = { ...ops, responder: 'someone', role: 'commander' };
    expect(incident.refusalOfResponder(add)).toBeUndefined();
    incident.addResponder(add, T0);
    expect(incident.refusalOfResponder(add)).toBe('someone is already a responder');
    expect(incident.refusalOfResponder({ ...ops, responder: '' })).toMatch(/^responder:/);
    expect(setStatus(incident, 'identified', viewer)).toBeUndefined();
    expect(incident.state.responders).toEqual([
      { who: 'someone', role: 'commander', addedBy: 'ops:ann', addedAt: new Date(T0).toISOString() },
    ]);
    expect(incident.refusalOfNote({ ...viewer, note: ' ' })).toBe('note: must not be empty');
    incident.addNote({ ...viewer, note: 'disk replaced' }, T0);
    expect(incident.state.timeline.at(-1)).toMatchObject({ by: 'someone', event: 'note', detail: 'disk replaced' });
  });
});

describe('grouping alerts into incidents', () => {
  it('keys by configured labels, else by the source group, the service, or the alert itself', () => {
    const a = {
      dedupKey: 'am-1',
      group: '{}:{alertname="X"}',
      service: 'billing',
      labels: { service: 'billing', env: 'prod', instance: 'a' },
    };
    const b = { ...a, dedupKey: 'am-2', labels: { ...a.labels, instance: 'b' } };
    expect(incidentKeyFor(a)).toBe(incidentKeyFor(b));
    expect(incidentKeyFor(a)).toMatch(/^inc-[0-9a-f]{24}$/);
    expect(incidentKeyFor(a, ['service', 'env'])).toBe(incidentKeyFor({ ...b, group: 'other' }, ['service', 'env']));
    expect(incidentKeyFor(a, ['service', 'env'])).not.toBe(
      incidentKeyFor({ ...b, labels: { ...b.labels, env: 'dev' } }, ['service', 'env']),
    );
    expect(incidentKeyFor({ dedupKey: 'pd-1', service: 'billing', labels: {} })).not.toBe(
      incidentKeyFor({ dedupKey: 'pd-1', group: 'billing', labels: {} }),
    );
    expect(incidentKeyFor({ dedupKey: 'pd-1', labels: {} })).not.toBe(incidentKeyFor({ dedupKey: 'pd-2', labels: {} }));
  });

  it('joins alerts of the group while open (once each), takes the worst severity, and refuses after resolve', () => {
    const incident = Incident.open('inc-1', firstAlert, 'system', T0);
    expect(incident.refusalOfJoin()).toBeUndefined();
    expect(incident.join({ dedupKey: 'am-2', summary: 'Disk full on db-2', severity: 'critical' }, T0 + 1)).toBe(true);
    expect(incident.join({ dedupKey: 'am-2', summary: 'Disk full on db-2', severity: 'critical' }, T0 + 2)).toBe(false);
    expect(incident.join({ dedupKey: 'am-3', summary: 'minor', severity: 'info' }, T0 + 3)).toBe(true);
    expect(incident.state.alerts.map((a) => a.dedupKey)).toEqual(['am-1', 'am-2', 'am-3']);
    expect(incident.state.severity).toBe('critical');
    setStatus(incident, 'resolved');
    expect(incident.refusalOfJoin()).toBe('the incident is resolved; a new alert opens a new incident');
  });
});

describe('post-incident review', () => {
  it('is due N days after resolve, with a reminder the day before, at the due date, then daily while overdue', () => {
    expect(reviewDueAt(T0, 5)).toBe(T0 + 5 * DAY);
    expect(reviewReminderTimes(T0)).toEqual([T0 + 4 * DAY, T0 + 5 * DAY, T0 + 6 * DAY, T0 + 7 * DAY, T0 + 8 * DAY]);
    // a one-day review has no "day before" reminder: that would be the resolve itself
    expect(reviewReminderTimes(T0, { ...DEFAULT_REVIEW, dueDays: 1, overdueReminders: 0 })).toEqual([T0 + DAY]);
  });

  it('counts reminders until the review is done, and only after resolve', () => {
    const incident = Incident.open('inc-1', firstAlert, 'system', T0, { dueDays: 3, overdueReminders: 1 });
    expect(incident.nextReviewReminderAt).toBeUndefined();
    expect(incident.refusalOfReviewDone(ops)).toBe('the review comes after the incident is resolved');
    setStatus(incident, 'resolved', ops, T0 + DAY);
    expect(incident.reviewDueAt).toBe(T0 + 4 * DAY);
    const sent: number[] = [];
    for (let at = incident.nextReviewReminderAt; at !== undefined; at = incident.nextReviewReminderAt) {
      sent.push(at);
      incident.markReminderSent(at);
    }
    expect(sent).toEqual([T0 + 3 * DAY, T0 + 4 * DAY, T0 + 5 * DAY]);
    expect(incident.refusalOfReviewDone(ops)).toBeUndefined();
    incident.completeReview({ ...ops, note: 'https://wiki.test/pir/1' }, T0 + 6 * DAY);
    expect(incident.refusalOfReviewDone(ops)).toBe('the review was completed by ops:ann');
    expect(Incident.open('inc-2', firstAlert, 'system', T0).snapshot().review.remindersSent).toBe(0);
  });

  it('round-trips through a snapshot for continue-as-new', () => {
    const incident = Incident.open('inc-1', firstAlert, 'system', T0);
    setStatus(incident, 'identified');
    const copy = new Incident(JSON.parse(JSON.stringify(incident.snapshot())));
    expect(copy.state).toEqual(incident.state);
    setStatus(copy, 'monitoring');
    expect(incident.status).toBe('identified');
  });
});

describe('the refusal rule of runs begun before the workflow kit', () => {
  // Signal handlers run again on replay: a run begun before the kit must accept exactly
  // what it accepted then (extra keys ignored), whatever the kit's strict schemas say.
  it('accepts extra keys the kit refuses, and refuses what the old rule refused', () => {
    const incident = Incident.open('inc-1', firstAlert, 'alert:am-1', T0);
    const extra = { ...ops, status: 'identified', extra: 1 };
    expect(incident.refusalOfStatus(extra)).toBe('extra: unknown field');
    expect(incident.refusalBeforeKit('status change', extra)).toBeUndefined();
    expect(incident.refusalBeforeKit('status change', { ...ops, status: 'done' })).toBe(
      `status: must be one of ${INCIDENT_STATUSES.join(', ')}`,
    );
    expect(incident.refusalBeforeKit('status change', { ...viewer, status: 'identified' })).toMatch(
      /^someone may not update the incident/,
    );
    expect(incident.refusalBeforeKit('add responder', { ...ops, responder: 'dba', extra: 1 })).toBeUndefined();
    expect(incident.refusalBeforeKit('add responder', { ...ops, responder: ' ' })).toBe(
      'responder: must be 1 to 200 characters',
    );
    expect(incident.refusalBeforeKit('add note', { ...ops, note: '' })).toBe('note: must not be empty');
    expect(incident.refusalBeforeKit('complete review', { ...ops, extra: 1 })).toBe(
      'the review comes after the incident is resolved',
    );
    incident.setStatus({ ...ops, status: 'resolved' }, T0);
    expect(incident.refusalOfReviewDone({ ...ops, extra: 1 })).toBe('extra: unknown field');
    expect(incident.refusalBeforeKit('complete review', { ...ops, extra: 1 })).toBeUndefined();
  });
});
