// Worker failover on the cluster: gates are driven to disbursement, `concurrency` at a time,
// and one of the two worker processes gets SIGKILL while they are in flight. The killed
// worker's workflows are read from their histories afterwards: those whose last task before
// the kill was its own (sticky in its cache, or a task it held), or that show a task lost with
// it after the kill (an activity retried as attempt 2+, a workflow task timed out). Progress on
// the other worker: its first completed workflow task of each (it has replayed the state and
// moves it on). Times are the server's event times; the kill time is this process's clock, on
// the same machine.
import type { temporal } from '@temporalio/proto';
import { fundingGateId } from '../domain/funding/gate-input';
import type { Running } from './cluster-deployments';
import { runGate } from './cluster-load';
import { draw } from './funding';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface Failover {
  gates: number;
  /** Gates started and not finished when the kill came. */
  inFlightAtKill: number;
  /** Of those, the killed worker's: its task was the last before the kill, or one of their tasks was lost with it. */
  killedWorkersWorkflows: number;
  /** Activity attempts lost with the killed worker and retried on the other (heartbeat or start-to-close timeout). */
  activityRetries: number;
  /** The activity types of those retries, with how many of each. */
  retriedActivityTypes: Record<string, number>;
  /** Workflow tasks that timed out on the killed worker (sticky queue or started there) and ran on the other. */
  workflowTaskTimeouts: number;
  /** Kill to the other worker's first completed workflow task, over the killed worker's workflows. */
  progressP50Seconds: number;
  progressMaxSeconds: number;
  /** Kill to the last in-flight gate disbursed and closed. */
  allInFlightDoneSeconds: number;
}

const eventMs = (e: HistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/** The identity (`<pid>@<host>`) a task event carries, if any. */
function identityOf(e: HistoryEvent): string | undefined {
  return (
    e.workflowTaskStartedEventAttributes?.identity ??
    e.workflowTaskCompletedEventAttributes?.identity ??
    e.activityTaskStartedEventAttributes?.identity ??
    e.activityTaskCompletedEventAttributes?.identity ??
    e.activityTaskFailedEventAttributes?.identity ??
    undefined
  );
}

export async function measureFailover(
  cluster: Running,
  projectId: string,
  gates: number,
  concurrency: number,
): Promise<Failover> {
  const [victim, survivor] = cluster.workerPids;
  if (victim === undefined || survivor === undefined) throw new Error('failover needs a cluster of two workers');
  // Kill once a quarter of the gates is done: both workers are warm and `concurrency` gates run.
  const killAfter = Math.max(1, Math.floor(gates / 4));
  const startedAt = new Map<number, number>();
  const doneAt = new Map<number, number>();
  let killedAt = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < gates) {
        const i = next++;
        startedAt.set(i, Date.now());
        await runGate(cluster, projectId, `F${i}`);
        doneAt.set(i, Date.now());
        if (!killedAt && doneAt.size >= killAfter) {
          process.kill(victim, 'SIGKILL');
          killedAt = Date.now();
        }
      }
    }),
  );
  const inFlight = [...startedAt.keys()].filter((i) => startedAt.get(i)! <= killedAt && doneAt.get(i)! > killedAt);

  const progress: number[] = [];
  let activityRetries = 0;
  let workflowTaskTimeouts = 0;
  const retriedActivityTypes: Record<string, number> = {};
  for (const i of inFlight) {
    const workflowId = fundingGateId(draw(projectId, `F${i}`));
    const events = (await cluster.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const after = events.filter((e) => eventMs(e) > killedAt);
    const lastBefore = events.filter((e) => eventMs(e) <= killedAt && identityOf(e)).at(-1);
    // An activity attempt lost with the worker leaves no event; its retry on the other is attempt 2 or later.
    const retries = after.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
    for (const e of retries) {
      const scheduledId = Number(e.activityTaskStartedEventAttributes!.scheduledEventId);
      const scheduled = events.find((s) => Number(s.eventId) === scheduledId);
      const type = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
      retriedActivityTypes[type] = (retriedActivityTypes[type] ?? 0) + 1;
    }
    const retried = retries.length;
    // A workflow task on the dead worker's sticky queue (or started by it) times out, then runs on the other.
    const timedOut = after.filter((e) => e.workflowTaskTimedOutEventAttributes).length;
    activityRetries += retried;
    workflowTaskTimeouts += timedOut;
    if (!identityOf(lastBefore ?? {})?.startsWith(`${victim}@`) && !retried && !timedOut) continue;
    // Progress: the other worker completes a workflow task of it, i.e. has its state (replayed) and moves it on.
    const firstAfter = after.find(
      (e) => e.workflowTaskCompletedEventAttributes && identityOf(e)!.startsWith(`${survivor}@`),
    );
    if (!firstAfter)
      throw new Error(`${workflowId} finished with no workflow task of worker ${survivor} after the kill`);
    progress.push((eventMs(firstAfter) - killedAt) / 1000);
  }
  progress.sort((a, b) => a - b);
  return {
    gates,
    inFlightAtKill: inFlight.length,
    killedWorkersWorkflows: progress.length,
    activityRetries,
    retriedActivityTypes,
    workflowTaskTimeouts,
    progressP50Seconds: progress[Math.floor(progress.length / 2)] ?? NaN,
    progressMaxSeconds: progress.at(-1) ?? NaN,
    allInFlightDoneSeconds: (Math.max(...inFlight.map((i) => doneAt.get(i)!)) - killedAt) / 1000,
  };
}
