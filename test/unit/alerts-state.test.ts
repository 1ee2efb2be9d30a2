import { AlertState } from '../../domain/alerts/alert-state';
import type { EscalationPolicy } from '../../domain/alerts/escalation-policy';
import { parseEscalationYaml } from '../../domain/alerts/escalation-policy-schemas';
import { parseMatcherList } from '../../domain/alerts/matchers';
import { activeSilenceFor, type Silence } from '../../domain/alerts/silences';
import type { AlertEvent } from '../../domain/alerts/types';

const MIN = 60_000;
const T0 = Date.parse('2025-03-05T10:00:00Z');

const config = parseEscalationYaml(`
default: infra
policies:
  - name: infra
    repeat: 1
    ackTimeout: 30 minutes
    autoResolve: 4 hours
    levels:
      - notify: [{ slack: "#infra" }, { email: oncall@example.com }]
        escalateAfter: 10 minutes
      - notify: [{ slackUser: U024BE7LH }]
        escalateAfter: 20 minutes
  - name: db
    levels:
      - notify: [{ slack: "#db" }]
        escalateAfter: 5 minutes
      - notify: [{ email: dba@example.com }]
  - name: quiet
    urgency: low
    businessHours: { timeZone: Europe/Berlin, days: [mon, tue, wed, thu, fri], hours: "09:00-17:00" }
    levels: [{ notify: [{ slack: "#ops" }] }]
`);
const policy = (name: string): EscalationPolicy => config.policies.find((p) => p.name === name)!;

const event = (overrides: Partial<AlertEvent> = {}): AlertEvent => ({
  source: 'alertmanager',
  dedupKey: 'am-abc',
  sourceKey: 'fp1',
  action: 'trigger',
  severity: 'error',
  summary: 'Disk full on db-1',
  service: 'billing',
  group: 'g1',
  labels: { alertname: 'DiskFull', service: 'billing' },
  annotations: {},
  startsAt: new Date(T0).toISOString(),
  links: [],
  images: [],
  ...overrides,
});
const open = (name = 'infra', at = T0) => AlertState.open(event(), policy(name), at, { policies: config.policies });
const ann = { actor: 'ops:ann', roles: ['operator'] };
const slackBob = { actor: 'slack:U0BOB0001', roles: ['responder'] };

/**
 * What the alertEscalation workflow does, minus Temporal: take the next due thing, wait
 * for it (or stop at `until`), act, repeat. Silences are checked at each notification.
 */
function drive(alert: AlertState, until: number, silences: Silence[] = []): string[] {
  const log: string[] = [];
  for (let due = alert.nextDue(); due && due.at <= until; due = alert.nextDue()) {
    const at = `+${(due.at - T0) / MIN}m`;
    if (due.kind === 'notify') {
      const silenced = activeSilenceFor(alert.state.labels, silences, due.at);
      if (silenced) {
        alert.recordSuppressed(due.position, { id: silenced.silence.id, until: silenced.until }, due.at);
        log.push(`${at} suppressed l${due.position.level}`);
        continue;
      }
      for (const target of due.targets) alert.recordDelivery(due.position, target, 'sent', due.at);
      alert.markNotified(due.position, due.at);
      const p = due.position;
      log.push(`${at} c${p.cycle} r${p.round} l${p.level} ${due.targets.map((t) => t.to).join(',')}`);
    } else if (due.kind === 'ack_timeout') {
      alert.ackTimedOut(due.at);
      log.push(`${at} ack timed out`);
    } else {
      alert.autoResolve(due.at);
      log.push(`${at} auto-resolved`);
    }
  }
  return log;
}

/** Refuse or apply, as the workflow's Signal handler does (the Update validator calls the same refusalOf…). */
function send<R>(
  alert: AlertState,
  kind: string,
  refusal: (r: unknown) => string | undefined,
  apply: (r: R, now: number) => void,
  request: R,
  now: number,
) {
  const reason = refusal.call(alert, request);
  if (reason) alert.recordRefused(kind, request, reason, now);
  else apply.call(alert, request, now);
  return reason;
}

describe('AlertState: escalation without acknowledgement', () => {
  it('notifies each level on time, repeats, then waits for auto-resolve', () => {
    const alert = open();
    expect(alert.nextDue()).toEqual({
      kind: 'notify',
      at: T0,
      position: { cycle: 1, round: 1, level: 1 },
      targets: policy('infra').levels[0]!.targets,
    });
    expect(drive(alert, T0 + 24 * 60 * MIN)).toEqual([
      '+0m c1 r1 l1 #infra,oncall@example.com',
      '+10m c1 r1 l2 U024BE7LH',
      '+30m c1 r2 l1 #infra,oncall@example.com',
      '+40m c1 r2 l2 U024BE7LH',
      '+240m auto-resolved',
    ]);
    expect(alert.view()).toMatchObject({
      status: 'resolved',
      level: 2,
      round: 2,
      notifications: { sent: 6, failed: 0, suppressed: 0 },
      resolved: { by: 'system', reason: 'auto', at: new Date(T0 + 240 * MIN).toISOString() },
    });
    expect(alert.nextDue()).toBeUndefined();
  });

  it('gives every message its own idempotency key, stable for the same step', () => {
    const alert = open();
    drive(alert, T0 + 60 * MIN);
    const keys = alert.state.notifications.map((n) => n.key);
    expect(new Set(keys).size).toBe(keys.length);
    const [first] = alert.state.notifications;
    expect(alert.notificationKey(first!.position, first!.target)).toBe(first!.key);
    expect(first!.key).toMatch(new RegExp(`^am-abc@${T0}/c1r1l1/slack_channel-[0-9a-f]{16}$`));
    // a new run of the same alert (a trigger after resolve) never reuses a key
    expect(open('infra', T0 + 1).notificationKey(first!.position, first!.target)).not.toBe(first!.key);
  });

  it('records a failed channel without holding up the others or the escalation', () => {
    const alert = open();
    const due = alert.nextDue()!;
    if (due.kind !== 'notify') throw new Error('expected a notification');
    alert.recordDelivery(due.position, due.targets[0]!, 'failed', T0, 'slack: channel_not_found');
    alert.recordDelivery(due.position, due.targets[1]!, 'sent', T0);
    alert.markNotified(due.position, T0);
    expect(alert.view().notifications).toEqual({ sent: 1, failed: 1, suppressed: 0 });
    expect(alert.nextDue()).toMatchObject({ kind: 'notify', at: T0 + 10 * MIN, position: { level: 2 } });
  });

  it('low urgency notifies once in business hours and never escalates', () => {
    const saturday = Date.parse('2025-03-08T12:00:00Z');
    const alert = AlertState.open(event(), policy('quiet'), saturday);
    expect(alert.nextDue()).toMatchObject({ kind: 'notify', at: Date.parse('2025-03-10T08:00:00Z') });
    drive(alert, saturday + 7 * 24 * 60 * MIN);
    expect(alert.state.maxLevel).toBe(1);
    expect(alert.nextDue()).toBeUndefined();
  });
});

describe('AlertState: acknowledge, ack timeout, resolve', () => {
  it('acknowledging stops escalation; the ack timeout restarts it at level 1 in a new cycle', () => {
    const alert = open();
    drive(alert, T0 + 5 * MIN);
    expect(
      send(alert, 'acknowledge', alert.refusalOfAcknowledge, alert.acknowledge, slackBob, T0 + 5 * MIN),
    ).toBeUndefined();
    expect(alert.nextDue()).toEqual({ kind: 'ack_timeout', at: T0 + 35 * MIN });
    expect(drive(alert, T0 + 50 * MIN)).toEqual([
      '+35m ack timed out',
      '+35m c2 r1 l1 #infra,oncall@example.com',
      '+45m c2 r1 l2 U024BE7LH',
    ]);
    expect(alert.view()).toMatchObject({ status: 'triggered', cycle: 2 });
    expect(alert.view().acknowledged).toBeUndefined();
  });

  it('refuses a second acknowledgement, naming who acknowledged', () => {
    const alert = open();
    alert.acknowledge(slackBob, T0);
    expect(alert.refusalOfAcknowledge(ann)).toBe('already acknowledged by slack:U0BOB0001');
  });

  it('resolve ends everything; later messages are refused as resolved', () => {
    const alert = open();
    drive(alert, T0);
    expect(
      send(alert, 'resolve', alert.refusalOfResolve, alert.resolve, { ...ann, note: 'disk cleaned' }, T0 + MIN),
    ).toBeUndefined();
    expect(alert.nextDue()).toBeUndefined();
    expect(alert.closed).toBe(true);
    for (const refusal of [
      alert.refusalOfAcknowledge(ann),
      alert.refusalOfResolve(ann),
      alert.refusalOfEscalateNow(ann),
      alert.refusalOfReassign({ ...ann, policy: 'db' }),
    ]) {
      expect(refusal).toBe('the alert is resolved (by ops:ann)');
    }
    expect(alert.view().resolved).toEqual({ by: 'ops:ann', at: new Date(T0 + MIN).toISOString(), reason: 'manual' });
  });

  it('checks the request and the actor role before anything else, and records refusals in the timeline', () => {
    const alert = open();
    expect(alert.refusalOfAcknowledge(undefined)).toBe('request: must be an object with actor and roles');
    expect(alert.refusalOfAcknowledge({ actor: '', roles: [] })).toMatch(/^actor:/);
    expect(alert.refusalOfAcknowledge({ actor: 'x', roles: [1] })).toMatch(/^roles(\.0)?:/);
    expect(alert.refusalOfAcknowledge({ ...ann, note: 'x'.repeat(3000) })).toMatch(/^note:/);
    const viewer = { actor: 'web:vic', roles: ['viewer'] };
    expect(send(alert, 'acknowledge', alert.refusalOfAcknowledge, alert.acknowledge, viewer, T0)).toBe(
      'web:vic may not acknowledge alerts: needs role responder or operator or admin',
    );
    // reassigning is an operator's call, not a responder's
    expect(alert.refusalOfReassign({ ...slackBob, policy: 'db' })).toBe(
      'slack:U0BOB0001 may not reassign alerts: needs role operator or admin',
    );
    expect(alert.refusalOfReassign({ actor: 'root', roles: ['admin'], policy: 'db' })).toBeUndefined();
    expect(alert.state.timeline.at(-1)).toMatchObject({
      by: 'web:vic',
      event: 'refused acknowledge',
      detail: expect.stringMatching(/may not acknowledge/),
    });
    expect(alert.status).toBe('triggered');
  });
});

describe('AlertState: events from the source', () => {
  it('a duplicate trigger only moves last-seen and the count (and keeps auto-resolve away)', () => {
    const alert = open();
    drive(alert, T0);
    const before = alert.nextDue();
    expect(alert.observe(event({ severity: 'critical', summary: 'Disk full on db-1 (99%)' }), T0 + 3 * 60 * MIN)).toBe(
      'duplicate',
    );
    expect(alert.view()).toMatchObject({
      count: 2,
      lastSeenAt: new Date(T0 + 180 * MIN).toISOString(),
      severity: 'critical',
      summary: 'Disk full on db-1 (99%)',
      level: 1,
    });
    expect(alert.nextDue()).toEqual(before);
    expect(alert.state.timeline.map((e) => e.event)).toContain('severity changed');
    alert.acknowledge(ann, T0 + 180 * MIN);
    expect(drive(alert, T0 + 24 * 60 * MIN)).toEqual([
      '+210m ack timed out',
      '+210m c2 r1 l1 #infra,oncall@example.com',
      '+220m c2 r1 l2 U024BE7LH',
      '+240m c2 r2 l1 #infra,oncall@example.com',
      '+250m c2 r2 l2 U024BE7LH',
      '+420m auto-resolved',
    ]);
  });

  it('the source resolves or acknowledges; anything after resolve, or for another key, is ignored', () => {
    const alert = open();
    expect(alert.observe(event({ dedupKey: 'am-other', action: 'resolve' }), T0)).toBe('ignored');
    expect(alert.observe(event({ action: 'acknowledge', source: 'pagerduty' }), T0 + 1)).toBe('acknowledged');
    expect(alert.observe(event({ action: 'acknowledge' }), T0 + 2)).toBe('ignored');
    expect(alert.view().acknowledged?.by).toBe('source:pagerduty');
    expect(alert.observe(event({ action: 'resolve' }), T0 + 3)).toBe('resolved');
    expect(alert.view().resolved).toMatchObject({ by: 'source:alertmanager', reason: 'source' });
    expect(alert.observe(event(), T0 + 4)).toBe('ignored');
    expect(alert.state.count).toBe(1);
  });
});

describe('AlertState: escalate now and reassign', () => {
  it('escalate-now notifies the next level at once and escalation continues from there', () => {
    const alert = open();
    drive(alert, T0 + MIN);
    expect(
      send(
        alert,
        'escalate',
        alert.refusalOfEscalateNow,
        alert.escalateNow,
        { ...ann, note: 'customer down' },
        T0 + 2 * MIN,
      ),
    ).toBeUndefined();
    expect(drive(alert, T0 + 35 * MIN)).toEqual([
      '+2m c1 r1 l2 U024BE7LH',
      '+22m c1 r2 l1 #infra,oncall@example.com',
      '+32m c1 r2 l2 U024BE7LH',
    ]);
    expect(alert.refusalOfEscalateNow(ann)).toBe('already at the last level (2) of the last round');
    expect(alert.refusalOfEscalateNow({ ...ann, level: 1 })).toBeUndefined();
    expect(alert.refusalOfEscalateNow({ ...ann, level: 7 })).toBe('level must be between 1 and 2 (policy "infra")');
    expect(alert.refusalOfEscalateNow({ ...ann, level: 'two' })).toBe('level: must be a level number');
  });

  it('escalating an acknowledged alert triggers it again', () => {
    const alert = open();
    drive(alert, T0);
    alert.acknowledge(slackBob, T0 + MIN);
    alert.escalateNow({ ...ann, level: 2 }, T0 + 2 * MIN);
    expect(alert.status).toBe('triggered');
    expect(alert.nextDue()).toMatchObject({ kind: 'notify', at: T0 + 2 * MIN, position: { level: 2 } });
  });

  it('reassigns to another policy or to explicit targets, restarting at level 1', () => {
    const alert = open();
    drive(alert, T0 + 15 * MIN);
    expect(alert.refusalOfReassign({ ...ann })).toBe('name either policy or targets');
    expect(alert.refusalOfReassign({ ...ann, policy: 'nope' })).toBe(
      'policy: no policy named "nope" (known: infra, db, quiet)',
    );
    expect(alert.refusalOfReassign({ ...ann, policy: 'infra' })).toBe('the alert already follows policy "infra"');
    expect(alert.refusalOfReassign({ ...ann, targets: [{ kind: 'pager', to: 'x' }] })).toMatch(/^targets\.0\.kind/);
    expect(alert.refusalOfReassign({ ...ann, targets: [{ kind: 'webhook', to: 'ftp://x' }] })).toBe(
      'targets.0.to: must be an http(s) URL',
    );
    send(alert, 'reassign', alert.refusalOfReassign, alert.reassign, { ...ann, policy: 'db' }, T0 + 16 * MIN);
    expect(drive(alert, T0 + 60 * MIN)).toEqual(['+16m c2 r1 l1 #db', '+21m c2 r1 l2 dba@example.com']);
    send(
      alert,
      'reassign',
      alert.refusalOfReassign,
      alert.reassign,
      { ...ann, targets: [{ kind: 'slack_user', to: 'U0CAROL01' }] },
      T0 + 61 * MIN,
    );
    expect(alert.view().policy).toBe('db/reassigned');
    expect(drive(alert, T0 + 62 * MIN)).toEqual(['+61m c3 r1 l1 U0CAROL01']);
  });
});

describe('AlertState: silences', () => {
  const silence = (id: string, from: number, to: number): Silence => ({
    id,
    matchers: parseMatcherList('service="billing"'),
    startsAt: new Date(from).toISOString(),
    endsAt: new Date(to).toISOString(),
    createdBy: 'ops:ann',
    comment: 'maintenance',
  });

  it('suppresses (and records) notifications while silenced, then resumes where it stopped', () => {
    const alert = open();
    const window = silence('mw-1', T0 - MIN, T0 + 25 * MIN);
    expect(drive(alert, T0 + 45 * MIN, [window])).toEqual([
      '+0m suppressed l1',
      '+25m c1 r1 l1 #infra,oncall@example.com',
      '+35m c1 r1 l2 U024BE7LH',
    ]);
    expect(alert.view().notifications).toEqual({ sent: 3, failed: 0, suppressed: 2 });
    expect(alert.state.notifications.filter((n) => n.outcome === 'suppressed').map((n) => n.detail)).toEqual([
      'silence mw-1',
      'silence mw-1',
    ]);
  });

  it('shows the silence in the view; a held step looks again at its recheck time (a silence can be expired early)', () => {
    const alert = open();
    drive(alert, T0, [silence('mw-1', T0, T0 + 60 * MIN)]);
    expect(alert.view().silenced).toEqual({ id: 'mw-1', until: new Date(T0 + 60 * MIN).toISOString() });
    expect(alert.nextDue()).toMatchObject({ at: T0 + 60 * MIN });
    const due = alert.nextDue()!;
    if (due.kind !== 'notify') throw new Error(`expected a notification, got ${due.kind}`);
    alert.recordSuppressed(due.position, { id: 'mw-1', until: T0 + 60 * MIN, recheckAt: T0 + 5 * MIN }, T0);
    expect(alert.nextDue()).toMatchObject({ kind: 'notify', at: T0 + 5 * MIN, position: { level: 1 } });
    expect(alert.view().notifications.suppressed).toBe(2); // the same silence again: nothing new recorded
  });

  it('an alert resolved during the silence never notifies', () => {
    const alert = open();
    drive(alert, T0, [silence('mw-1', T0, T0 + 60 * MIN)]);
    alert.observe(event({ action: 'resolve' }), T0 + 30 * MIN);
    expect(drive(alert, T0 + 120 * MIN)).toEqual([]);
    expect(alert.view().notifications.sent).toBe(0);
  });
});

describe('AlertState: incidents, view and snapshot', () => {
  it('needs an incident for a critical alert or once level 2 is reached, once', () => {
    const alert = open();
    expect(alert.needsIncident).toBe(false);
    drive(alert, T0 + 10 * MIN);
    expect(alert.needsIncident).toBe(true);
    alert.linkIncident('incident/inc-123', T0 + 10 * MIN);
    expect(alert.needsIncident).toBe(false);
    expect(AlertState.open(event({ severity: 'critical' }), policy('infra'), T0).needsIncident).toBe(true);
  });

  it('answers the status query and survives a snapshot round trip', () => {
    const alert = open();
    drive(alert, T0);
    alert.acknowledge(slackBob, T0 + MIN);
    expect(alert.view()).toEqual({
      dedupKey: 'am-abc',
      source: 'alertmanager',
      sourceKey: 'fp1',
      status: 'acknowledged',
      severity: 'error',
      summary: 'Disk full on db-1',
      service: 'billing',
      labels: { alertname: 'DiskFull', service: 'billing' },
      policy: 'infra',
      urgency: 'high',
      level: 1,
      round: 1,
      cycle: 1,
      count: 1,
      openedAt: new Date(T0).toISOString(),
      lastSeenAt: new Date(T0).toISOString(),
      acknowledged: { by: 'slack:U0BOB0001', at: new Date(T0 + MIN).toISOString() },
      next: { kind: 'ack_timeout', at: new Date(T0 + 31 * MIN).toISOString() },
      notifications: { sent: 2, failed: 0, suppressed: 0 },
      timeline: [
        {
          at: new Date(T0).toISOString(),
          by: 'source:alertmanager',
          event: 'triggered',
          detail: 'error: Disk full on db-1 (policy infra)',
        },
        { at: new Date(T0).toISOString(), by: 'system', event: 'notified', detail: 'level 1, round 1' },
        { at: new Date(T0 + MIN).toISOString(), by: 'slack:U0BOB0001', event: 'acknowledged' },
      ],
    });
    const copy = new AlertState(JSON.parse(JSON.stringify(alert.state)), { policies: config.policies });
    expect(copy.view()).toEqual(alert.view());
    expect(copy.nextDue()).toEqual(alert.nextDue());
  });

  describe('escalate now and steps that overlap', () => {
    const notify = (alert: AlertState, at: number) => {
      const due = alert.nextDue();
      if (due?.kind !== 'notify') throw new Error(`expected a notification, got ${due?.kind}`);
      return {
        due,
        key: alert.notificationKey(due.position, due.targets[0]!),
        done: () => alert.markNotified(due.position, at),
      };
    };

    it('gives a manual page of a level already paged its own delivery keys', () => {
      const alert = open();
      const first = notify(alert, T0);
      first.done();
      alert.escalateNow({ ...ann, level: 1 }, T0 + MIN);
      const again = notify(alert, T0 + MIN);
      expect(again.due.position).toMatchObject({ level: 1, round: 1, manualAt: T0 + MIN });
      expect(again.key).not.toBe(first.key);
      again.done();
      expect(alert.nextDue()).toMatchObject({ kind: 'notify', position: { level: 2 } });
    });

    it('pages the current cycle, not cycle 1, when someone escalates before its first step went out', () => {
      const alert = open();
      notify(alert, T0).done();
      alert.acknowledge(ann, T0 + MIN);
      alert.ackTimedOut(T0 + 31 * MIN); // cycle 2 starts; nothing sent in it yet
      alert.escalateNow(ann, T0 + 31 * MIN + 1);
      expect(notify(alert, T0 + 32 * MIN).due.position).toMatchObject({ cycle: 2, round: 1, level: 1 });
    });

    it('does not let a step that finished sending after an ack timeout overwrite the new cycle', () => {
      const alert = open();
      const sending = notify(alert, T0); // a failing channel keeps this step busy...
      alert.acknowledge(ann, T0 + MIN);
      alert.ackTimedOut(T0 + 31 * MIN); // ...while cycle 2 begins
      sending.done();
      expect(alert.state.cycle).toBe(2);
      expect(alert.nextDue()).toMatchObject({ kind: 'notify', position: { cycle: 2, round: 1, level: 1 } });
    });

    it('escalates past a step still going out: an escalate-now before its markNotified pages the next level, not it again', () => {
      const alert = open();
      const due = alert.nextDue();
      if (due?.kind !== 'notify') throw new Error('expected level 1 due');
      alert.startSending(due.position); // level 1's messages are out, their results not handled yet
      alert.escalateNow(ann, T0 + 1); // handled first when the task is run again after a worker died
      alert.markNotified(due.position, T0);
      expect(alert.nextDue()).toMatchObject({ kind: 'notify', position: { level: 2, manualAt: T0 + 1 } });
      expect(alert.state.sending).toBeUndefined();
    });

    it('keeps an escalate-now that arrives while a regular step is being sent', () => {
      const alert = open();
      const sending = notify(alert, T0);
      alert.escalateNow({ ...ann, level: 2 }, T0 + 1);
      sending.done();
      expect(alert.nextDue()).toMatchObject({ kind: 'notify', position: { level: 2, manualAt: T0 + 1 } });
    });
  });
});

describe('AlertState: the refusal rule of runs begun before the workflow kit', () => {
  // Signal handlers run again on replay: a run begun before the kit must accept exactly
  // what it accepted then (extra keys ignored), whatever the kit's strict schemas say.
  it('accepts extra keys the kit refuses, and refuses what the old rule refused', () => {
    const alert = open();
    const extra = { ...ann, note: 'on it', extra: 1 };
    expect(alert.refusalOfAcknowledge(extra)).toBe('extra: unknown field');
    expect(alert.refusalBeforeKit('acknowledge', extra)).toBeUndefined();
    expect(alert.refusalBeforeKit('acknowledge', undefined)).toBe('request: must be an object with actor and roles');
    expect(alert.refusalBeforeKit('acknowledge', { actor: 'x', roles: ['viewer'] })).toBe(
      'x may not acknowledge alerts: needs role responder or operator or admin',
    );
    expect(alert.refusalBeforeKit('reassign', { ...slackBob, policy: 'db' })).toMatch(/may not reassign alerts/);
    expect(alert.refusalBeforeKit('reassign', { ...ann, policy: 'db', extra: 1 })).toBeUndefined();
    expect(alert.refusalBeforeKit('reassign', { ...ann, targets: [{ kind: 'webhook', to: 'ftp://x' }] })).toBe(
      'targets.0.to: must be an http(s) URL',
    );
    expect(alert.refusalBeforeKit('escalate', { ...ann, level: '1' })).toBe('level: must be a level number');
    expect(alert.refusalBeforeKit('escalate', { ...ann, level: 1, extra: 1 })).toBeUndefined();
    alert.acknowledge(extra, T0);
    expect(alert.refusalBeforeKit('acknowledge', ann)).toBe('already acknowledged by ops:ann');
    alert.resolve(ann, T0);
    expect(alert.refusalBeforeKit('resolve', ann)).toBe('the alert is resolved (by ops:ann)');
  });
});
