import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

/** Temporal's default `limit.historyCount.suggestContinueAsNew`, which the dev server keeps. */
export const SERVER_SUGGESTS_CONTINUE_AS_NEW_AT = 4_096;

export interface RunHistory {
  runId: string;
  /** Events in the run's history, read from the server. */
  events: number;
  /** The run's start input (first argument), decoded: a continued run's carried state. */
  input: unknown;
}

/**
 * Every run of a workflow id's chain, first to last, read from the server: each run's last
 * event names the run it continued as (`newExecutionRunId`).
 */
export async function runsOf(client: Client, workflowId: string, firstRunId: string): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  const { payloadConverter } = client.options.loadedDataConverter;
  for (let runId: string | null | undefined = firstRunId; runId;) {
    const events: temporal.api.history.v1.IHistoryEvent[] =
      (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    const payload = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    runs.push({ runId, events: events.length, input: payload ? payloadConverter.fromPayload(payload) : undefined });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return runs;
}

/**
 * Sends `count` messages in batches of `batch`, each batch all at once (a flood: the workflow
 * gets many per task), and waits until the workflow has handled a batch before sending the
 * next: a server takes at most 10,000 signals per run, so a sender far ahead of the worker
 * would put them all on one run whatever the workflow does. `handled` reads how many the
 * workflow has taken (a query); `seconds` bounds each wait.
 *
 * `runs`: the workflow continues as new every `every` messages (the first run after `first`
 * of these, the messages before the flood counted). A batch then also ends there, and the
 * flood pauses until the run has continued (`runId`, the workflow id's current run, changed).
 * Without the pause a flood that resumes at once can keep a due run from continuing: the
 * server refuses a continue-as-new while new signals wait, so the run goes on taking them
 * (on a fast store the first run took 1,000 messages). Flooded without a pause, a run still
 * continues as new, but only once the flood pauses.
 */
export async function floodInBatches(options: {
  count: number;
  batch: number;
  send: (i: number) => Promise<unknown>;
  handled: () => Promise<number>;
  seconds?: number;
  runs?: { first: number; every: number; runId: () => Promise<string> };
}): Promise<void> {
  const { count, batch, send, handled, seconds = 180, runs } = options;
  let boundary = runs?.first ?? Infinity;
  let run = runs ? await runs.runId() : undefined;
  const waitFor = async <T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<void> => {
    let value: T | undefined;
    for (const deadline = Date.now() + seconds * 1000; ;) {
      // A query can time out while the worker replays a run (a refused continue-as-new): asked again.
      value = await read().catch(() => value);
      if (value !== undefined && done(value)) return;
      if (Date.now() > deadline) throw new Error(`${what} within ${seconds} s (${String(value)})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  for (let from = 0; from < count;) {
    const to = Math.min(count, from + batch, boundary);
    await Promise.all(Array.from({ length: to - from }, (_, k) => send(from + k)));
    await waitFor(`the workflow did not take ${to} messages`, handled, (taken) => taken >= to);
    if (runs && to === boundary) {
      const before = run;
      await waitFor(`the run did not continue as new after ${to} messages`, runs.runId, (id) => id !== before);
      run = await runs.runId();
      boundary += runs.every;
    }
    if (process.env.ARXFLOW_FLOOD_PROGRESS) process.stderr.write(`flood: ${to} of ${count} handled\n`);
    from = to;
  }
}
