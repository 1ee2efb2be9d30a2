import { randomUUID } from 'node:crypto';
import { slackClient, smtpTransport } from '../../activities/notifications/channels';
import type { AlertStatusView } from '../../domain/alerts/alert-state';
import { alertWorkflowId } from '../../domain/alerts/dedup';
import { parseEscalationYaml } from '../../domain/alerts/escalation-policy-schemas';
import { MESSAGES_PER_RUN } from '../../domain/alerts/history-bound';
import {
  acknowledgeUpdate,
  addResponderUpdate,
  alertEscalation,
  alertStatusQuery,
  incident,
  incidentNoteSignal,
  incidentQuery,
  incidentStatusUpdate,
  joinIncidentSignal,
  resolveUpdate,
  sourceEventSignal,
} from '../../workflows';
import { alertEvent } from '../fixtures/alerts';
import { startSlackApiServer, type SlackApiServer } from '../support/slack-api-server';
import { startSmtpServer, type SmtpTestServer } from '../support/smtp-server';
import { createTestWorker, uniqueTaskQueue, useTimeSkippingWorld } from '../support/temporal-env';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

/**
 * Temporal's default `limit.historyCount.suggestContinueAsNew`: a server suggests continuing
 * as new once a run's history holds this many events. Every run of a long-lived alert or
 * incident must stay under it (the time-skipping server never suggests it, so the workflows'
 * own bound, EVENTS_PER_RUN, is what keeps them there).
 */
const SERVER_SUGGESTS_CONTINUE_AS_NEW_AT = 4_096;

const MIN = 60_000;
/**
 * Duplicate triggers sent to one alert. The issue asks for 20,000 (BH_ALERT_MESSAGES=20000): on
 * the project's 2-core machine under a load of 25-30 that ran past 10 minutes, so the default is
 * smaller; every run boundary is the same mechanism.
 */
const MESSAGES = Number(process.env.BH_ALERT_MESSAGES ?? 4_000);
const TOKEN = 'xoxb-test-token';
const ann = { actor: 'ops:ann', roles: ['operator'] };

const config = parseEscalationYaml(`
default: infra
policies:
  - name: infra
    ackTimeout: 30 minutes
    levels:
      - notify: [{ slack: "#infra" }, { email: oncall@example.com }]
        escalateAfter: 10 minutes
      - notify: [{ slackUser: U024BE7LH }]
`);
const infra = config.policies[0]!;

/** Each run of a workflow id's chain, first to last, with its history length (read from the server). */
async function runsOf(env: TestWorkflowEnvironment, workflowId: string, firstRunId: string) {
  const runs: { runId: string; events: number }[] = [];
  let runId: string | null | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await env.client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    runs.push({ runId, events: events.length });
    if (process.env.BH_DEBUG) {
      const types: Record<string, number> = {};
      for (const e of events) types[String(e.eventType)] = (types[String(e.eventType)] ?? 0) + 1;
      console.log(
        runId,
        JSON.stringify(types),
        JSON.stringify(
          events.filter((e) => e.markerRecordedEventAttributes).map((e) => e.markerRecordedEventAttributes?.details),
        ).slice(0, 500),
        JSON.stringify(events.at(-1)).slice(0, 400),
      );
    }
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return runs;
}

/**
 * Sends `count` messages in batches, each batch at once (a flood), then waits until the
 * workflow has taken them all (`settled`) before the next. The pause lets a run that is due
 * continue as new: the server refuses a continue-as-new while new signals wait (the worker is
 * sent the whole history again, replays it, handles them and tries again), so under a flood
 * with no pause a run continues only once the flood stops. Batches end where a run is due
 * (the first one shorter by the messages sent before the flood), so each run continues while
 * nothing waits, and the test stays short on a loaded machine.
 */
async function flood(
  count: number,
  batches: { first: number; size: number },
  send: (i: number) => Promise<void>,
  settled: (sent: number) => Promise<boolean | string>,
): Promise<void> {
  for (let from = 0; from < count;) {
    const to = Math.min(count, from === 0 ? batches.first : from + batches.size);
    await Promise.all(Array.from({ length: to - from }, (_, k) => send(from + k)));
    if (process.env.BH_PROGRESS) process.stderr.write(`flood: ${to} sent\n`);
    for (let tries = 0; ; tries++) {
      const taken = await settled(to);
      if (taken === true) break;
      if (tries > 1_200) throw new Error(`the workflow did not take ${to} messages (${String(taken)})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    from = to;
  }
}

/** Minutes after `from` of each timeline entry named `event`, with its detail. */
function minutesOf(view: AlertStatusView, event: string, from: string): string[] {
  return view.timeline
    .filter((e) => e.event === event)
    .map((e) => `${(Date.parse(e.at) - Date.parse(from)) / MIN}m ${e.detail ?? ''}`.trim());
}

/**
 * Not in the suite yet (issue #17 stays open on it): on the time-skipping server these floods
 * ran past 8 minutes with the machine idle (each continue-as-new refused while signals wait
 * makes the worker replay the whole run), so neither case has passed end to end. The boundary
 * itself is covered by the recorded histories that cross it (alertEscalation-continued,
 * -carried, incident-continued, -carried), which the replay test replays.
 * ARXFLOW_BOUNDED_HISTORY_TESTS=1 runs them.
 */
const describeFlood = process.env.ARXFLOW_BOUNDED_HISTORY_TESTS ? describe : describe.skip;

describeFlood(
  'bounded histories: alerts and incidents continue as new, carrying their state (time-skipping server)',
  () => {
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
      const taskQueue = uniqueTaskQueue('bounded');
      const worker = await createTestWorker(world.env, taskQueue, {
        store: world.store,
        slack: slackClient({ token: TOKEN, apiUrl: slack.apiUrl }),
        email: { transport: smtpTransport(smtp.url), from: 'arxflow <alerts@example.com>' },
      });
      return worker.runUntil(work(taskQueue));
    }

    it('an acknowledged alert fed thousands of duplicate triggers keeps every run under the suggested limit, counts them all, and times out its acknowledgement at the same wall time', async () => {
      const alert = alertEvent('flooded-1');
      const workflowId = alertWorkflowId(alert.dedupKey);
      const { view, runs, acked } = await run(async (taskQueue) => {
        const handle = await world.env.client.workflow.start(alertEscalation, {
          taskQueue,
          workflowId,
          args: [{ event: alert, intakeId: randomUUID(), policy: infra, policies: config.policies }],
        });
        while ((await handle.query(alertStatusQuery)).level < 1) await new Promise((r) => setTimeout(r, 100));
        const acked = await handle.executeUpdate(acknowledgeUpdate, { args: [ann] });
        // Concurrent batches: the test stays short, and the workflow sees many signals per task.
        // The acknowledgement was the run's first message: each run takes MESSAGES_PER_RUN.
        await flood(
          MESSAGES,
          { first: MESSAGES_PER_RUN - 1, size: MESSAGES_PER_RUN },
          (i) =>
            handle.signal(sourceEventSignal, {
              event: { ...alert, summary: `Disk full, repeat ${i}` },
              intakeId: `dup-${i}`,
            }),
          async (sent) => {
            const { count } = await handle.query(alertStatusQuery);
            return count === sent + 1 || `count ${count}`;
          },
        );
        const during = await handle.query(alertStatusQuery);
        expect(during).toMatchObject({ status: 'acknowledged', count: MESSAGES + 1, level: 1 });
        // Past the acknowledgement wait (30 minutes after the ack), then level 2 of the new cycle.
        await world.env.sleep(45 * MIN);
        await handle.executeUpdate(resolveUpdate, { args: [{ ...ann, note: 'disk extended' }] });
        const view = await handle.result();
        return { view, acked, runs: await runsOf(world.env, workflowId, handle.firstExecutionRunId) };
      });

      console.log(
        `alertEscalation, ${MESSAGES} duplicate triggers: ${runs.length} runs of ${runs.map((r) => r.events).join(', ')} events`,
      );
      expect(runs.length).toBeGreaterThan(1);
      for (const { events } of runs) expect(events).toBeLessThan(SERVER_SUGGESTS_CONTINUE_AS_NEW_AT);
      expect(view).toMatchObject({
        status: 'resolved',
        count: MESSAGES + 1,
        resolved: { by: 'ops:ann' },
        cycle: 2,
      });
      expect(view.summary).toMatch(/^Disk full, repeat \d+$/);
      // The ack wait carried across every run: it ran out exactly 30 minutes after the ack, and
      // level 2 of the new cycle 10 minutes later: the same wall times as without a new run.
      const ackAt = acked.acknowledged!.at;
      expect(minutesOf(view, 'acknowledgement timed out', ackAt)).toEqual(['30m escalation restarts at level 1']);
      expect(minutesOf(view, 'notified', ackAt).slice(1)).toEqual([
        '30m level 1, round 1, cycle 2',
        '40m level 2, round 1, cycle 2',
      ]);
      // Each step was sent once (the notification keys are the alert's, whatever the run).
      const posted = slack.calls('chat.postMessage').filter((c) => JSON.stringify(c.params).includes('flooded-1'));
      expect(posted.map((c) => c.params.channel)).toEqual(['#infra', '#infra', 'U024BE7LH']);
      // The audit chain has every entry once, across the runs.
      const actions = (await world.store.audit.list({ limit: 5000 }))
        .filter((e) => e.subject === 'alert/flooded-1')
        .map((e) => e.action);
      expect(actions.filter((a) => a === 'alert.triggered')).toHaveLength(1);
      expect(actions.filter((a) => a === 'alert.notified')).toHaveLength(3);
      expect(actions.filter((a) => a === 'alert.acknowledgement_timed_out')).toHaveLength(1);
    }, 600_000);

    it('an incident fed duplicate joins and notes continues as new at its bound and resolves with its state whole', async () => {
      const key = `inc-flood-${randomUUID().slice(0, 8)}`;
      const workflowId = `incident/${key}`;
      const { snapshot, runs } = await run(async (taskQueue) => {
        const handle = await world.env.client.workflow.start(incident, {
          taskQueue,
          workflowId,
          args: [
            {
              key,
              title: 'Disk full',
              severity: 'error',
              firstAlert: { dedupKey: 'a-0', summary: 'Disk full', severity: 'error' },
              options: { messagesPerRun: 250 },
            },
          ],
        });
        await handle.executeUpdate(addResponderUpdate, {
          args: [{ ...ann, responder: 'sre-lead', role: 'commander' }],
        });
        await flood(
          3_000,
          { first: 249, size: 250 }, // after the responder, 250 messages a run
          async (i) => {
            // The same alert again and again (a retried signal), and refused notes from a stranger.
            if (i % 2 === 0)
              await handle.signal(joinIncidentSignal, { dedupKey: 'a-1', summary: 'Lag', severity: 'critical' });
            else await handle.signal(incidentNoteSignal, { actor: 'visitor', roles: [], note: `hello ${i}` });
          },
          async (sent) => {
            // opened, responder added, a-1 joined, and one refusal per note
            const { timeline, dropped } = await handle.query(incidentQuery);
            const entries = timeline.length + (dropped?.timeline ?? 0);
            return entries === 3 + Math.floor(sent / 2) || `${entries} timeline entries`;
          },
        );
        await handle.executeUpdate(incidentStatusUpdate, { args: [{ ...ann, status: 'resolved' }] });
        const snapshot = await handle.result();
        return { snapshot, runs: await runsOf(world.env, workflowId, handle.firstExecutionRunId) };
      });

      console.log(
        `incident, 3,000 duplicate signals, 250 messages a run: ${runs.length} runs of ${runs.map((r) => r.events).join(', ')} events`,
      );
      expect(runs.length).toBeGreaterThan(2);
      // The bound plus what arrives while a run finishes.
      for (const { events } of runs) expect(events).toBeLessThan(SERVER_SUGGESTS_CONTINUE_AS_NEW_AT);
      expect(snapshot).toMatchObject({ status: 'resolved', severity: 'critical', resolvedBy: 'ops:ann' });
      expect(snapshot.alerts.map((a) => a.dedupKey)).toEqual(['a-0', 'a-1']);
      expect(snapshot.responders.map((r) => r.who)).toEqual(['sre-lead']);
      const refused = snapshot.timeline.filter((e) => e.event === 'refused add note');
      // 1,500 refusals plus opened, responder, joined, resolved: the timeline kept the newest 500 and counted the rest.
      expect(snapshot.timeline).toHaveLength(500);
      expect(snapshot.dropped).toEqual({ timeline: 1_500 + 4 - 500, alerts: 0 });
      expect(refused.length).toBe(499);
      expect(snapshot.timeline.at(-1)).toMatchObject({ event: 'resolved', by: 'ops:ann' });
      // The timeline entries were audited once each, across the runs.
      const audited = (await world.store.audit.list({ limit: 10_000 })).filter((e) => e.subject === workflowId);
      expect(audited.filter((e) => e.action === 'incident.refused_add_note')).toHaveLength(1_500);
      expect(audited.filter((e) => e.action === 'incident.opened')).toHaveLength(1);
      const review = world.env.client.workflow.getHandle(`incident-review/${key}/${Date.parse(snapshot.resolvedAt!)}`);
      expect((await review.query(incidentQuery)).status).toBe('resolved');
      await review.terminate('test over');
    }, 600_000);
  },
);
