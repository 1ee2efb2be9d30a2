import { randomUUID } from 'node:crypto';
import { slackClient, smtpTransport } from '../../activities/notifications/channels';
import type { AlertSnapshot, AlertStatusView } from '../../domain/alerts/alert-state';
import { alertWorkflowId } from '../../domain/alerts/dedup';
import { parseEscalationYaml } from '../../domain/alerts/escalation-policy-schemas';
import { MESSAGES_PER_RUN } from '../../domain/alerts/history-bound';
import type { AlertEscalationInput } from '../../workflows/alerts/messages';
import {
  acknowledgeUpdate,
  alertEscalation,
  alertStatusQuery,
  resolveUpdate,
  sourceEventSignal,
} from '../../workflows';
import { alertEvent } from '../fixtures/alerts';
import { useDevServerWorld } from '../support/dev-server-world';
import { floodInBatches, runsOf, SERVER_SUGGESTS_CONTINUE_AS_NEW_AT } from '../support/history-runs';
import { waitUntil } from '../support/service-process';
import { startSlackApiServer, type SlackApiServer } from '../support/slack-api-server';
import { startSmtpServer, type SmtpTestServer } from '../support/smtp-server';

/**
 * Duplicate triggers sent to one acknowledged alert. The suite's 1,600 cross the workflow's
 * own bound (MESSAGES_PER_RUN, 400 messages a run) at least twice; the 20,000 are
 * `ARXFLOW_FLOOD_SIGNALS=20000`.
 */
const MESSAGES = Math.max(1_600, Number(process.env.ARXFLOW_FLOOD_SIGNALS ?? 0)); // fewer would not cross twice
const BATCH = 200;
/** The test's own bound: 20 signals a second at the least (a loaded 2-core machine took 45-120; 20,000: 19 minutes). */
const MESSAGES_TIMEOUT_MS = 50 * MESSAGES + 120_000;
/** A query unanswered this long is asked again (a run may continue as new while one waits). */
const QUERY_MS = 10_000;
const TOKEN = 'xoxb-test-token';
const ann = { actor: 'ops:ann', roles: ['operator'] };
/**
 * Real time on the dev server: the acknowledgement runs out 15 s after it, while the flood
 * goes on or soon after, then level 1 and, 10 s later, level 2 of the new cycle go out. The
 * ack has 10 s to land after level 1 (it is sent as soon as level 1 shows).
 */
const ACK_TIMEOUT_MS = 15_000;
const ESCALATE_AFTER_MS = 10_000;

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
// The workflow takes the internal shape (durations in ms); the file's minimum of a minute is the YAML's rule.
const file = config.policies[0]!;
const infra = {
  ...file,
  ackTimeoutMs: ACK_TIMEOUT_MS,
  levels: file.levels.map((level, i) => (i === 0 ? { ...level, escalateAfterMs: ESCALATE_AFTER_MS } : level)),
};

/** Seconds after `from` of each timeline entry named `event`. */
function secondsOf(view: AlertStatusView, event: string, from: string): number[] {
  return view.timeline.filter((e) => e.event === event).map((e) => (Date.parse(e.at) - Date.parse(from)) / 1000);
}

/**
 * An acknowledged alert flooded with duplicate triggers on the dev server, which suggests
 * continuing as new and runs real timers: every run of the chain stays under the suggested
 * history length, the count takes every duplicate, the acknowledgement wait carried across
 * the runs still runs out once at its wall time, and each notification went out once.
 */
describe('alertEscalation under a flood of duplicate triggers (dev server)', () => {
  let slack: SlackApiServer;
  let smtp: SmtpTestServer;
  beforeAll(async () => {
    [slack, smtp] = await Promise.all([startSlackApiServer({ token: TOKEN }), startSmtpServer()]);
  });
  const world = useDevServerWorld('alert-flood', {
    activities: () => ({
      slack: slackClient({ token: TOKEN, apiUrl: slack.apiUrl }),
      email: { transport: smtpTransport(smtp.url), from: 'arxflow <alerts@example.com>' },
    }),
  });
  afterAll(async () => {
    await Promise.all([slack?.close(), smtp?.close()]);
  });

  it(
    'continues as new, each run under the suggested limit, counts every duplicate and escalates once',
    async () => {
      const client = world.env.client;
      const dedupKey = `flooded-${randomUUID().slice(0, 8)}`;
      const alert = alertEvent(dedupKey);
      const workflowId = alertWorkflowId(alert.dedupKey);
      const input: AlertEscalationInput = { event: alert, intakeId: randomUUID(), policy: infra, policies: [infra] };
      const handle = await client.workflow.start(alertEscalation, {
        taskQueue: world.taskQueue,
        workflowId,
        args: [input],
      });
      const view = () => client.workflow.getHandle(workflowId).query(alertStatusQuery);
      await waitUntil('level 1 goes out', async () => (await view()).level >= 1, 60_000);
      const acked = await handle.executeUpdate(acknowledgeUpdate, { args: [ann] });
      const ackAt = acked.acknowledged!.at;

      const began = Date.now();
      // To the workflow id, so each reaches whichever run is current.
      const target = client.workflow.getHandle(workflowId);
      await floodInBatches({
        count: MESSAGES,
        batch: BATCH,
        send: (i) =>
          target.signal(sourceEventSignal, {
            event: { ...alert, summary: `Disk full, repeat ${i}` },
            intakeId: `dup-${i}`,
          }),
        handled: async () => (await client.withDeadline(Date.now() + QUERY_MS, view)).count - 1,
        // The acknowledgement was the first run's first message.
        runs: {
          first: MESSAGES_PER_RUN - 1,
          every: MESSAGES_PER_RUN,
          runId: async () => (await target.describe()).runId,
        },
      });
      const seconds = (Date.now() - began) / 1000;
      expect((await view()).count).toBe(MESSAGES + 1);

      // The acknowledgement ran out (during the flood or after it), then both levels of cycle 2.
      await waitUntil(
        'level 2 of the second cycle goes out',
        async () => (await view()).cycle === 2 && (await view()).level === 2,
        120_000,
      );
      await target.executeUpdate(resolveUpdate, { args: [{ ...ann, note: 'disk extended' }] });
      const resolved = await target.result();
      const runs = await runsOf(client, workflowId, handle.firstExecutionRunId);

      console.log(
        `alertEscalation, ${MESSAGES} duplicate triggers in ${seconds.toFixed(1)} s: ${runs.length} runs of ${runs.map((r) => r.events).join(', ')} events`,
      );
      expect(runs.length).toBeGreaterThanOrEqual(3);
      for (const { events } of runs) expect(events).toBeLessThan(SERVER_SUGGESTS_CONTINUE_AS_NEW_AT);
      expect(resolved).toMatchObject({
        status: 'resolved',
        count: MESSAGES + 1,
        resolved: { by: 'ops:ann' },
        cycle: 2,
      });
      expect(resolved.summary).toMatch(/^Disk full, repeat \d+$/);

      // Each continued run started from the alert as it stood: the same acknowledgement (its
      // wait counts from that instant, not from the run's start) and the count so far.
      const carried = runs.slice(1).map((run) => (run.input as AlertEscalationInput).carried?.state as AlertSnapshot);
      expect(carried.every((state) => state?.ack?.at === Date.parse(ackAt) || state?.status === 'triggered')).toBe(
        true,
      );
      const counts = carried.map((state) => state.count);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      expect(counts[0]).toBeGreaterThanOrEqual(MESSAGES_PER_RUN - 1);

      // The wait ran out once, at its wall time (a wait restarted by a new run would be later),
      // and level 2 of the new cycle came after its own wait.
      const [timedOut, ...more] = secondsOf(resolved, 'acknowledgement timed out', ackAt);
      expect(more).toEqual([]);
      expect(timedOut).toBeGreaterThanOrEqual(ACK_TIMEOUT_MS / 1000);
      const notified = secondsOf(resolved, 'notified', ackAt);
      expect(notified).toHaveLength(3);
      expect(notified[2]! - notified[1]!).toBeGreaterThanOrEqual(ESCALATE_AFTER_MS / 1000);

      // Each step was sent once (the notification keys are the alert's, whatever the run).
      const posted = slack.calls('chat.postMessage').filter((c) => JSON.stringify(c.params).includes(dedupKey));
      expect(posted.map((c) => c.params.channel)).toEqual(['#infra', '#infra', 'U024BE7LH']);
      const mailed = smtp.messages().filter((m) => m.subject.includes(dedupKey) || m.raw.includes(dedupKey));
      expect(mailed.map((m) => m.to)).toEqual([['oncall@example.com'], ['oncall@example.com']]);
      // The audit chain has every entry once, across the runs.
      const actions = (await world.store.audit.list({ limit: 5_000 }))
        .filter((e) => e.subject === `alert/${dedupKey}`)
        .map((e) => e.action);
      expect(actions.filter((a) => a === 'alert.triggered')).toHaveLength(1);
      expect(actions.filter((a) => a === 'alert.notified')).toHaveLength(3);
      expect(actions.filter((a) => a === 'alert.acknowledgement_timed_out')).toHaveLength(1);
      expect(actions.filter((a) => a === 'alert.resolved')).toHaveLength(1);
    },
    Math.max(300_000, MESSAGES_TIMEOUT_MS),
  );
});
