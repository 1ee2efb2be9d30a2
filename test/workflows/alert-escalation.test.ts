import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { slackClient, smtpTransport } from '../../activities/notifications/channels';
import { AlertSilences } from '../../db/alert-silences';
import type { AlertStatusView } from '../../domain/alerts/alert-state';
import type { EscalationPolicy } from '../../domain/alerts/escalation-policy';
import { parseEscalationYaml } from '../../domain/alerts/escalation-policy-schemas';
import { alertWorkflowId } from '../../domain/alerts/dedup';
import { Incident } from '../../domain/alerts/incident';
import type { AlertEvent } from '../../domain/alerts/types';
import {
  acknowledgeUpdate,
  alertEscalation,
  alertStatusQuery,
  incidentQuery,
  incidentReview,
  incidentStatusUpdate,
  resolveSignal,
  resolveUpdate,
  reviewDoneSignal,
  reviewDoneUpdate,
  sourceEventSignal,
} from '../../workflows';
import { startSlackApiServer, type SlackApiServer } from '../support/slack-api-server';
import { startSmtpServer, type SmtpTestServer } from '../support/smtp-server';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';
import { alertEvent } from '../fixtures/alerts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const TOKEN = 'xoxb-test-token';

const config = parseEscalationYaml(`
default: infra
policies:
  - name: infra
    repeat: 1
    ackTimeout: 30 minutes
    levels:
      - notify: [{ slack: "#infra" }, { email: oncall@example.com }]
        escalateAfter: 10 minutes
      - notify: [{ slackUser: U024BE7LH }]
        escalateAfter: 20 minutes
`);
const infra: EscalationPolicy = config.policies[0]!;
const ann = { actor: 'ops:ann', roles: ['operator'] };

/** Minutes after the alert opened at which each (level, round) was notified, from its timeline. */
function notifiedAt(view: AlertStatusView): string[] {
  const opened = Date.parse(view.openedAt);
  return view.timeline
    .filter((e) => e.event === 'notified')
    .map((e) => `${Math.round((Date.parse(e.at) - opened) / MIN)}m ${e.detail}`);
}

describe('alertEscalation on the time-skipping server (real Slack stand-in and SMTP server)', () => {
  const world = useTimeSkippingWorld();
  let slack: SlackApiServer;
  let smtp: SmtpTestServer;

  beforeAll(async () => {
    [slack, smtp] = await Promise.all([startSlackApiServer({ token: TOKEN }), startSmtpServer()]);
  });
  afterAll(async () => {
    await Promise.all([slack?.close(), smtp?.close()]);
  });

  async function run<T>(work: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = uniqueTaskQueue('alerts');
    const worker = await createTestWorker(world.env, taskQueue, {
      store: world.store,
      slack: slackClient({ token: TOKEN, apiUrl: slack.apiUrl }),
      email: { transport: smtpTransport(smtp.url), from: 'arxflow <alerts@example.com>' },
    });
    return worker.runUntil(work(taskQueue));
  }

  const start = (
    taskQueue: string,
    alert: AlertEvent,
    policy = infra,
  ): Promise<WorkflowHandle<typeof alertEscalation>> =>
    world.env.client.workflow.start(alertEscalation, {
      taskQueue,
      workflowId: alertWorkflowId(alert.dedupKey),
      args: [{ event: alert, intakeId: randomUUID(), policy, policies: config.policies }],
    });

  it('notifies each level at its time, repeats the policy once, opens an incident at level 2, and updates Slack on resolve', async () => {
    const alert = alertEvent('esc-1');
    const { view, incidentId, members } = await run(async (taskQueue) => {
      const handle = await start(taskQueue, alert);
      await world.env.sleep(65 * MIN);
      const during = await handle.query(alertStatusQuery);
      await handle.executeUpdate(resolveUpdate, { args: [{ ...ann, note: 'disk extended' }] });
      const incident = world.env.client.workflow.getHandle(during.incident!);
      const members = (await incident.query(incidentQuery)).alerts.map((a) => a.dedupKey);
      await incident.terminate('test over');
      return { view: await handle.result(), incidentId: during.incident, members };
    });

    expect(notifiedAt(view)).toEqual([
      '0m level 1, round 1',
      '10m level 2, round 1',
      '30m level 1, round 2',
      '40m level 2, round 2',
    ]);
    expect(view).toMatchObject({
      status: 'resolved',
      resolved: { by: 'ops:ann' },
      notifications: { sent: 6, failed: 0, suppressed: 0 },
    });
    const posted = slack.calls('chat.postMessage').filter((c) => JSON.stringify(c.params).includes('esc-1'));
    expect(posted.map((c) => c.params.channel)).toEqual(['#infra', 'U024BE7LH', '#infra', 'U024BE7LH']);
    const updated = slack.calls('chat.update').filter((c) => JSON.stringify(c.params).includes('Resolved by ops:ann'));
    expect(updated).toHaveLength(4); // every posted message now says who resolved it, without buttons
    const mails = smtp.messages().filter((m) => m.subject?.includes('esc-1'));
    expect(mails.map((m) => m.to)).toEqual([['oncall@example.com'], ['oncall@example.com']]);

    expect(incidentId).toMatch(/^incident\/inc-/);
    expect(members).toEqual(['esc-1']);
    const actions = (await world.store.audit.list({ limit: 5000 }))
      .filter((e) => e.subject === 'alert/esc-1')
      .map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['alert.triggered', 'alert.notified', 'alert.incident', 'alert.resolved']),
    );
  });

  it('retries a failing channel without posting twice, and a channel that keeps failing does not hold the others back', async () => {
    slack.failNext('chat.postMessage', 2, 'server_error');
    smtp.rejectNext(6, 451); // every attempt of the email delivery (deliverNotification tries 6 times)
    const view = await run(async (taskQueue) => {
      const handle = await start(taskQueue, alertEvent('flaky-1'));
      await world.env.sleep(2 * MIN);
      const status = await handle.query(alertStatusQuery);
      await handle.executeUpdate(resolveUpdate, { args: [ann] });
      await handle.result();
      return status;
    });
    const attempts = slack.calls('chat.postMessage').filter((c) => JSON.stringify(c.params).includes('flaky-1'));
    expect(attempts.map((c) => c.outcome)).toEqual(['http_500', 'http_500', 'ok']); // retried by Temporal, posted once
    expect(view.notifications).toEqual({ sent: 1, failed: 1, suppressed: 0 });
    expect(notifiedAt(view)).toEqual(['0m level 1, round 1']);
    expect(smtp.messages().filter((m) => m.subject?.includes('flaky-1'))).toHaveLength(0);
  });

  it('stops escalating on acknowledge, and starts again from level 1 when the acknowledgement times out', async () => {
    const view = await run(async (taskQueue) => {
      const handle = await start(taskQueue, alertEvent('ack-1'));
      await world.env.sleep(5 * MIN);
      const acked = await handle.executeUpdate(acknowledgeUpdate, { args: [ann] });
      expect(acked.status).toBe('acknowledged');
      await world.env.sleep(25 * MIN); // 30m: level 2 would have been due at 10m
      expect(notifiedAt(await handle.query(alertStatusQuery))).toEqual(['0m level 1, round 1']);
      await world.env.sleep(6 * MIN); // the acknowledgement timed out at 35m
      await handle.signal(resolveSignal, ann);
      return handle.result();
    });
    expect(notifiedAt(view)).toEqual(['0m level 1, round 1', '35m level 1, round 1, cycle 2']);
    expect(view.timeline.map((e) => e.event)).toEqual(
      expect.arrayContaining(['acknowledged', 'acknowledgement timed out', 'resolved']),
    );
    expect(slack.calls('chat.update').some((c) => JSON.stringify(c.params).includes('Acknowledged by ops:ann'))).toBe(
      true,
    );
  });

  it('suppresses notifications while a silence matches, and escalates when the alert outlives it', async () => {
    const serverNow = await world.env.currentTimeMs(); // ahead of the real time once earlier tests skipped time
    const silenceEnds = serverNow + 15 * MIN;
    const silences = new AlertSilences(world.store.db);
    await silences.add({
      id: `maint-${randomUUID()}`,
      matchers: [{ name: 'service', op: '=', value: 'payroll' }],
      startsAt: new Date(serverNow - MIN).toISOString(),
      endsAt: new Date(silenceEnds).toISOString(),
      createdBy: 'ops:ann',
      comment: 'database maintenance',
    });
    const view = await run(async (taskQueue) => {
      const handle = await start(
        taskQueue,
        alertEvent('sil-1', { labels: { alertname: 'DiskFull', service: 'payroll' } }),
      );
      await world.env.sleep(5 * MIN);
      const during = await handle.query(alertStatusQuery);
      expect(during.silenced?.until).toBe(new Date(silenceEnds).toISOString());
      expect(during.notifications).toEqual({ sent: 0, failed: 0, suppressed: 2 });
      await world.env.sleep(15 * MIN);
      await handle.signal(sourceEventSignal, {
        event: alertEvent('sil-1', { action: 'resolve' }),
        intakeId: randomUUID(),
      });
      return handle.result();
    });
    const firstNotified = view.timeline.find((e) => e.event === 'notified')!;
    expect(Date.parse(firstNotified.at)).toBeGreaterThanOrEqual(silenceEnds);
    expect(view).toMatchObject({
      status: 'resolved',
      resolved: { reason: 'source' },
      notifications: { sent: 2, suppressed: 2 },
    });
  });

  it('releases a held alert within five minutes when its silence is expired early', async () => {
    const serverNow = await world.env.currentTimeMs();
    const silences = new AlertSilences(world.store.db);
    const id = `maint-${randomUUID()}`;
    await silences.add({
      id,
      matchers: [{ name: 'service', op: '=', value: 'ledger' }],
      startsAt: new Date(serverNow - MIN).toISOString(),
      endsAt: new Date(serverNow + 2 * 60 * MIN).toISOString(),
      createdBy: 'ops:ann',
      comment: 'long maintenance',
    });
    const view = await run(async (taskQueue) => {
      const handle = await start(
        taskQueue,
        alertEvent('sil-2', { labels: { alertname: 'DiskFull', service: 'ledger' } }),
      );
      await world.env.sleep(2 * MIN);
      expect((await handle.query(alertStatusQuery)).notifications.sent).toBe(0);
      await silences.expire(id, new Date(serverNow + 2 * MIN)); // the operator ends the maintenance early
      await world.env.sleep(4 * MIN);
      const released = await handle.query(alertStatusQuery);
      await handle.executeUpdate(resolveUpdate, { args: [ann] });
      await handle.result(); // nothing left in flight when the worker stops
      return released;
    });
    expect(view.notifications).toMatchObject({ sent: 2, suppressed: 2 });
    expect(notifiedAt(view)).toEqual(['5m level 1, round 1']);
  });

  it('reminds the responders of a post-incident review before, at and after its due date, until it is done', async () => {
    const resolvedAt = await world.env.currentTimeMs();
    const snapshot = Incident.open(
      'inc-review-test',
      { dedupKey: 'rev-1', summary: 'Checkout down', severity: 'critical' },
      'alert:rev-1',
      resolvedAt - 3_600_000,
    );
    snapshot.addResponder({ ...ann, responder: 'sre-lead@example.com', role: 'commander' }, resolvedAt - 1_800_000);
    snapshot.setStatus({ ...ann, status: 'resolved' }, resolvedAt);
    const done = await run(async (taskQueue) => {
      const review = await world.env.client.workflow.start(incidentReview, {
        taskQueue,
        workflowId: `incident-review/inc-review-test/${resolvedAt}`,
        args: [snapshot.snapshot()],
      });
      await world.env.sleep(3 * DAY + 23 * 60 * MIN);
      expect((await review.query(incidentQuery)).review.remindersSent).toBe(0);
      await world.env.sleep(DAY + 2 * 60 * MIN); // day 4 (a day before due) and day 5 (due)
      expect((await review.query(incidentQuery)).review.remindersSent).toBe(2);
      await world.env.sleep(DAY);
      // The Web UI's signal applies the Update's rule: no role, refused and kept in the timeline.
      await review.signal(reviewDoneSignal, { actor: 'visitor', roles: [] });
      await review.executeUpdate(reviewDoneUpdate, { args: [{ ...ann, note: 'review held, 4 actions' }] });
      return review.result();
    });
    expect(done.review).toMatchObject({ remindersSent: 3, completedBy: 'ops:ann' });
    expect(done.timeline.filter((e) => e.event === 'refused complete review')).toEqual([
      expect.objectContaining({ by: 'visitor', detail: expect.stringMatching(/^visitor may not update the incident/) }),
    ]);
    // The review's own entries (reminders, the refusal, the completion) reach the audit chain once.
    const audited = (await world.store.audit.list({ limit: 5000 }))
      .filter((e) => e.workflowId === `incident-review/inc-review-test/${resolvedAt}`)
      .map((e) => `${e.action}|${e.actor}`);
    expect(audited).toEqual([
      'incident.review_reminder|system',
      'incident.review_reminder|system',
      'incident.review_reminder|system',
      'incident.refused_complete_review|visitor',
      'incident.review_completed|ops:ann',
    ]);
    const reminders = smtp.messages().filter((m) => m.subject === 'Post-incident review due: Checkout down');
    expect(reminders.map((m) => m.to)).toEqual([
      ['sre-lead@example.com'],
      ['sre-lead@example.com'],
      ['sre-lead@example.com'],
    ]);
  });

  // Last: the Java test server stops skipping time once a workflow started by a parent that
  // closed with ABANDON is awaited (sdk-typescript#1101), so nothing sleeps after this.
  it('counts duplicates, groups critical alerts of one group into one incident, and starts its review at resolve', async () => {
    const group = { group: 'db-cluster-7', severity: 'critical' as const };
    const result = await run(async (taskQueue) => {
      const first = await start(taskQueue, alertEvent('crit-1', group));
      const second = await start(taskQueue, alertEvent('crit-2', group));
      await first.signal(sourceEventSignal, { event: alertEvent('crit-1', group), intakeId: randomUUID() });
      await world.env.sleep(MIN);
      const [a, b] = [await first.query(alertStatusQuery), await second.query(alertStatusQuery)];
      const incident = world.env.client.workflow.getHandle(a.incident!);
      const members = (await incident.query(incidentQuery)).alerts.map((x) => x.dedupKey).sort();
      await first.executeUpdate(resolveUpdate, { args: [ann] });
      await second.executeUpdate(resolveUpdate, { args: [ann] });
      for (const status of ['identified', 'monitoring', 'resolved'] as const) {
        await incident.executeUpdate(incidentStatusUpdate, { args: [{ ...ann, status }] });
      }
      // Bounded by the clock, so a stuck incident fails here naming what it waited for.
      for (const deadline = Date.now() + 60_000; (await incident.describe()).status.name === 'RUNNING';) {
        if (Date.now() > deadline) throw new Error('the resolved incident never closed');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const closed = await incident.query(incidentQuery);
      const review = world.env.client.workflow.getHandle(
        `incident-review/${closed.key}/${Date.parse(closed.resolvedAt!)}`,
      );
      const reviewStatus = (await review.describe()).status.name;
      await review.terminate('test over');
      return { a, b, members, closed, reviewStatus };
    });
    expect(result.a.count).toBe(2);
    expect(result.a.incident).toMatch(/^incident\/inc-/);
    expect(result.b.incident).toBe(result.a.incident);
    expect(result.members).toEqual(['crit-1', 'crit-2']);
    expect(result.closed.timeline.map((e) => e.event)).toEqual(
      expect.arrayContaining(['alert joined', 'alert resolved', 'identified', 'monitoring', 'resolved']),
    );
    expect(result.reviewStatus).toBe('RUNNING');
  });

  it('fails a start with a malformed input at once (InvalidInput, non-retryable), naming each refused field', async () => {
    const failure = await run(async (taskQueue) => {
      const handle = await world.env.client.workflow.start('alertEscalation', {
        taskQueue,
        workflowId: alertWorkflowId('bad-input-1'),
        args: [{ event: { ...alertEvent('bad-input-1'), severity: 'page' }, intakeId: '', policy: infra }],
      });
      return handle.result().then(
        () => undefined,
        (err: { cause?: { type?: string; nonRetryable?: boolean; message?: string; details?: unknown[] } }) =>
          err.cause,
      );
    });
    expect(failure?.type).toBe('InvalidInput');
    expect(failure?.nonRetryable).toBe(true);
    expect(failure?.message).toMatch(/^alertEscalation input: /);
    expect(failure?.message).toContain('intakeId:');
    expect(failure?.message).toContain('event.severity:');
  });
});
