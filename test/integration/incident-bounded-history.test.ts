import { randomUUID } from 'node:crypto';
import { MESSAGES_PER_RUN } from '../../domain/alerts/history-bound';
import { MAX_TIMELINE, type IncidentSnapshot } from '../../domain/alerts/incident';
import type { IncidentInput } from '../../workflows/alerts/messages';
import {
  addResponderUpdate,
  incident,
  incidentNoteSignal,
  incidentQuery,
  incidentStatusUpdate,
  joinIncidentSignal,
} from '../../workflows';
import { useDevServerWorld } from '../support/dev-server-world';
import { floodInBatches, runsOf, SERVER_SUGGESTS_CONTINUE_AS_NEW_AT } from '../support/history-runs';
import { waitUntil } from '../support/service-process';

/**
 * Signals sent to one incident, half a duplicate join of the same alert (a retried signal),
 * half a refused note from a stranger. The suite's 1,600 cross the workflow's own bound
 * (MESSAGES_PER_RUN, 400 messages a run) at least twice; the 20,000 are
 * `ARXFLOW_FLOOD_SIGNALS=20000`.
 */
// Even: as many notes as joins.
const SIGNALS = 2 * Math.ceil(Math.max(1_600, Number(process.env.ARXFLOW_FLOOD_SIGNALS ?? 0)) / 2); // fewer would not cross twice
const BATCH = 200;
/** The test's own bound: 20 signals a second at the least (a loaded 2-core machine took 45-120; 20,000: 19 minutes). */
const MESSAGES_TIMEOUT_MS = 50 * SIGNALS + 120_000;
/** A query unanswered this long is asked again (a run may continue as new while one waits). */
const QUERY_MS = 10_000;
const ann = { actor: 'ops:ann', roles: ['operator'] };

/**
 * An incident flooded on the dev server, which suggests continuing as new: every run of the
 * chain stays under the suggested history length, the state handed from run to run stays
 * whole (alerts, responders, severity, the capped timeline with a count of what it dropped),
 * every refusal is audited once, and the incident resolves and starts its review once.
 */
describe('incident under a flood of duplicate joins and refused notes (dev server)', () => {
  const world = useDevServerWorld('incident-flood');

  it(
    'continues as new, each run under the suggested limit, and resolves with its state whole',
    async () => {
      const client = world.env.client;
      const key = `inc-flood-${randomUUID().slice(0, 8)}`;
      const workflowId = `incident/${key}`;
      const input: IncidentInput = {
        key,
        title: 'Disk full',
        severity: 'error',
        firstAlert: { dedupKey: 'a-0', summary: 'Disk full', severity: 'error' },
      };
      const handle = await client.workflow.start(incident, { taskQueue: world.taskQueue, workflowId, args: [input] });
      await handle.executeUpdate(addResponderUpdate, { args: [{ ...ann, responder: 'sre-lead', role: 'commander' }] });

      const began = Date.now();
      // To the workflow id, so each reaches whichever run is current.
      const target = client.workflow.getHandle(workflowId);
      const snapshot = () => target.query(incidentQuery);
      const notes = SIGNALS / 2;
      await floodInBatches({
        count: SIGNALS,
        batch: BATCH,
        send: (i) =>
          i % 2 === 1
            ? target.signal(joinIncidentSignal, { dedupKey: 'a-1', summary: 'Lag', severity: 'critical' })
            : target.signal(incidentNoteSignal, { actor: 'visitor', roles: [], note: `hello ${i}` }),
        // A duplicate join leaves no trace: the refusals (one timeline entry each, the even messages)
        // count the notes; the batch's joins were accepted by the server and reach the same run.
        handled: async () => {
          const { timeline, dropped } = await client.withDeadline(Date.now() + QUERY_MS, snapshot);
          const refusals = timeline.filter((e) => e.event === 'refused add note').length + (dropped?.timeline ?? 0);
          return refusals * 2;
        },
        // The responder was the first run's first message.
        runs: {
          first: MESSAGES_PER_RUN - 1,
          every: MESSAGES_PER_RUN,
          runId: async () => (await target.describe()).runId,
        },
      });
      const seconds = (Date.now() - began) / 1000;

      const flooded = await snapshot();
      expect(flooded.status).toBe('investigating');
      expect(flooded.alerts.map((a) => a.dedupKey)).toEqual(['a-0', 'a-1']);
      await target.executeUpdate(incidentStatusUpdate, { args: [{ ...ann, status: 'resolved' }] });
      const resolved = (await target.result()) as IncidentSnapshot;
      const runs = await runsOf(client, workflowId, handle.firstExecutionRunId);

      console.log(
        `incident, ${SIGNALS} duplicate joins and refused notes in ${seconds.toFixed(1)} s: ${runs.length} runs of ${runs.map((r) => r.events).join(', ')} events`,
      );
      expect(runs.length).toBeGreaterThanOrEqual(3);
      for (const { events } of runs) expect(events).toBeLessThan(SERVER_SUGGESTS_CONTINUE_AS_NEW_AT);
      // Each continued run began from the incident as it stood: its alerts and responder.
      for (const run of runs.slice(1)) {
        const carried = (run.input as IncidentInput).carried?.state;
        expect(carried?.alerts.map((a) => a.dedupKey)).toEqual(['a-0', 'a-1']);
        expect(carried?.responders.map((r) => r.who)).toEqual(['sre-lead']);
      }

      expect(resolved).toMatchObject({ status: 'resolved', severity: 'critical', resolvedBy: 'ops:ann' });
      expect(resolved.alerts.map((a) => a.dedupKey)).toEqual(['a-0', 'a-1']);
      expect(resolved.responders.map((r) => r.who)).toEqual(['sre-lead']);
      // Opened, responder added, a-1 joined (once: the duplicates change nothing), a refusal per
      // note, resolved: the timeline keeps the newest MAX_TIMELINE and counts the rest.
      const entries = 4 + notes;
      expect(resolved.timeline).toHaveLength(Math.min(entries, MAX_TIMELINE));
      expect(resolved.dropped).toEqual({ timeline: Math.max(0, entries - MAX_TIMELINE), alerts: 0 });
      expect(resolved.timeline.filter((e) => e.event === 'alert joined')).toHaveLength(entries > MAX_TIMELINE ? 0 : 1);
      expect(resolved.timeline.at(-1)).toMatchObject({ event: 'resolved', by: 'ops:ann' });

      // The audit chain has every entry once, across the runs.
      const audited = (await world.store.audit.list({ limit: SIGNALS + 1_000 })).filter(
        (e) => e.subject === workflowId,
      );
      const count = (action: string) => audited.filter((e) => e.action === action).length;
      expect(count('incident.refused_add_note')).toBe(notes);
      expect(count('incident.opened')).toBe(1);
      expect(count('incident.alert_joined')).toBe(1);
      expect(count('incident.responder_added')).toBe(1);
      expect(count('incident.resolved')).toBe(1);

      // The review started once, from the resolved incident.
      const review = client.workflow.getHandle(`incident-review/${key}/${Date.parse(resolved.resolvedAt!)}`);
      await waitUntil('the review starts', async () => (await review.describe()).status.name === 'RUNNING', 60_000);
      expect((await review.query(incidentQuery)).status).toBe('resolved');
      await review.terminate('test over');
    },
    Math.max(300_000, MESSAGES_TIMEOUT_MS),
  );
});
