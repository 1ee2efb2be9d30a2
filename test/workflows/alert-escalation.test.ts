import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { slackClient, smtpTransport } from '../../activities/notifications/channels';
import { AlertSilences } from '../../db/alert-silences';
import type { AlertStatusView } from '../../domain/alerts/alert-state';
import type { EscalationPolicy } from '../../domain/alerts/escalation-policy';
import { parseEscalationYaml } from '../../domain/alerts/escalation-policy-schemas';
import { alertWorkflowId } from '../../domain/alerts/dedup';
import type { AlertEvent } from '../../domain/alerts/types';
import {
  acknowledgeUpdate, alertEscalation, alertStatusQuery, incidentQuery, incidentStatusUpdate, resolveSignal, resolveUpdate,
  reviewDoneUpdate, sourceEventSignal,
} from '../../workflows';
import { startSlackApiServer, type SlackApiServer } from '../support/slack-api-server';
import { startSmtpServer, type SmtpTestServer } from '../support/smtp-server';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';

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

const event = (dedupKey: string, overrides: Partial<AlertEvent> = {}): AlertEvent => ({
  source: 'alertmanager', dedupKey, sourceKey: `fp-${dedupKey}`, action: 'trigger', severity: 'error', summary: `Disk full (${dedupKey})`,
  service: 'billing', group: `group-${dedupKey}`, labels: { alertname: 'DiskFull', service: 'billing' }, annotations: {},
  startsAt: new Date().toISOString(), links: [], images: [], ...overrides,
});

/** Minutes after the alert opened at which each (level, round) was notified, from its timeline. */
function notifiedAt(view: AlertStatusView): string[] {
  const opened = Date.parse(view.openedAt);
  return view.timeline.filter((e) => e.event === 'notified').map((e) => `${Math.round((Date.parse(e.at) - opened) / MIN)}m ${e.detail}`);
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

  const start = (taskQueue: string, alert: AlertEvent, policy = infra): Promise<WorkflowHandle<typeof alertEscalation>> =>
    world.env.client.workflow.start(alertEscalation, {
      taskQueue, workflowId: alertWorkflowId(alert.dedupKey), args: [{ event: alert, intakeId: randomUUID(), policy, policies: config.policies }],
    });

  it('notifies each level at its time, repeats the policy once, opens an incident at level 2, and updates Slack on resolve', async () => {
    const alert = event('esc-1');
    const { view, incidentId } = await run(async (taskQueue) => {
      const handle = await start(taskQueue, alert);
      await world.env.sleep(65 * MIN);
      const during = await handle.query(alertStatusQuery);
      await handle.executeUpdate(resolveUpdate, { args: [{ ...ann, note: 'disk extended' }] });
      return { view: await handle.result(), incidentId: during.incident };
    });

    expect(notifiedAt(view)).toEqual(['0m level 1, round 1', '10m level 2, round 1', '30m level 1, round 2', '40m level 2, round 2']);
    expect(view).toMatchObject({ status: 'resolved', resolved: { by: 'ops:ann' }, notifications: { sent: 6, failed: 0, suppressed: 0 } });
    const posted = slack.calls('chat.postMessage').filter((c) => JSON.stringify(c.params).includes('esc-1'));
    expect(posted.map((c) => c.params.channel)).toEqual(['#infra', 'U024BE7LH', '#infra', 'U024BE7LH']);
    const updated = slack.calls('chat.update').filter((c) => JSON.stringify(c.params).includes('Resolved by ops:ann'));
    expect(updated).toHaveLength(4); // every posted message now says who resolved it, without buttons
    const mails = smtp.messages().filter((m) => m.subject?.includes('esc-1'));
    expect(mails.map((m) => m.to)).toEqual([['oncall@example.com'], ['oncall@example.com']]);

    expect(incidentId).toMatch(/^incident\/inc-/);
    const incident = world.env.client.workflow.getHandle(incidentId!);
    expect((await incident.query(incidentQuery)).alerts.map((a) => a.dedupKey)).toEqual(['esc-1']);
    const actions = (await world.store.audit.list({ limit: 5000 })).filter((e) => e.subject === 'alert/esc-1').map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['alert.triggered', 'alert.notified', 'alert.incident', 'alert.resolved']));
  });

  it('stops escalating on acknowledge, and starts again from level 1 when the acknowledgement times out', async () => {
    const view = await run(async (taskQueue) => {
      const handle = await start(taskQueue, event('ack-1'));
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
    expect(view.timeline.map((e) => e.event)).toEqual(expect.arrayContaining(['acknowledged', 'acknowledgement timed out', 'resolved']));
    expect(slack.calls('chat.update').some((c) => JSON.stringify(c.params).includes('Acknowledged by ops:ann'))).toBe(true);
  });

  it('suppresses notifications while a silence matches, and escalates when the alert outlives it', async () => {
    const silenceEnds = Date.now() + 15 * MIN; // the time-skipping server starts at the real time
    const silences = new AlertSilences(world.store.db);
    await silences.add({
      id: `maint-${randomUUID()}`, matchers: [{ name: 'service', op: '=', value: 'payroll' }], startsAt: new Date(Date.now() - MIN).toISOString(),
      endsAt: new Date(silenceEnds).toISOString(), createdBy: 'ops:ann', comment: 'database maintenance',
    });
    const view = await run(async (taskQueue) => {
      const handle = await start(taskQueue, event('sil-1', { labels: { alertname: 'DiskFull', service: 'payroll' } }));
      await world.env.sleep(5 * MIN);
      const during = await handle.query(alertStatusQuery);
      expect(during.silenced?.until).toBe(new Date(silenceEnds).toISOString());
      expect(during.notifications).toEqual({ sent: 0, failed: 0, suppressed: 2 });
      await world.env.sleep(15 * MIN);
      await handle.signal(sourceEventSignal, { event: event('sil-1', { action: 'resolve' }), intakeId: randomUUID() });
      return handle.result();
    });
    const firstNotified = view.timeline.find((e) => e.event === 'notified')!;
    expect(Date.parse(firstNotified.at)).toBeGreaterThanOrEqual(silenceEnds);
    expect(view).toMatchObject({ status: 'resolved', resolved: { reason: 'source' }, notifications: { sent: 2, suppressed: 2 } });
  });

  it('counts duplicates, groups critical alerts of one group into one incident, and runs its review reminders', async () => {
    const group = { group: 'db-cluster-7', severity: 'critical' as const };
    const { incidentId, review } = await run(async (taskQueue) => {
      const first = await start(taskQueue, event('crit-1', group));
      const second = await start(taskQueue, event('crit-2', group));
      await first.signal(sourceEventSignal, { event: event('crit-1', group), intakeId: randomUUID() });
      await world.env.sleep(MIN);
      const [a, b] = [await first.query(alertStatusQuery), await second.query(alertStatusQuery)];
      expect(a.count).toBe(2);
      expect(a.incident).toBeDefined();
      expect(b.incident).toBe(a.incident);
      const incident = world.env.client.workflow.getHandle(a.incident!);
      expect((await incident.query(incidentQuery)).alerts.map((x) => x.dedupKey).sort()).toEqual(['crit-1', 'crit-2']);
      await first.executeUpdate(resolveUpdate, { args: [ann] });
      await second.executeUpdate(resolveUpdate, { args: [ann] });
      for (const status of ['identified', 'monitoring', 'resolved'] as const) {
        await incident.executeUpdate(incidentStatusUpdate, { args: [{ ...ann, status }] });
      }
      const closed = await incident.result();
      const reviewHandle = world.env.client.workflow.getHandle(`incident-review/${closed.key}/${Date.parse(closed.resolvedAt!)}`);
      await world.env.sleep(6 * DAY); // reminders: a day before the 5-day due date, at it, and a day after
      const reminded = await reviewHandle.query(incidentQuery);
      await reviewHandle.executeUpdate(reviewDoneUpdate, { args: [{ ...ann, note: 'review held' }] });
      return { incidentId: a.incident, review: { reminded, done: await reviewHandle.result() } };
    });
    expect(incidentId).toMatch(/^incident\//);
    expect(review.reminded.review.remindersSent).toBe(3);
    expect(review.done.review).toMatchObject({ completedBy: 'ops:ann' });
    expect(review.done.timeline.map((e) => e.event)).toEqual(expect.arrayContaining(['alert resolved', 'identified', 'monitoring', 'resolved']));
  });
});
