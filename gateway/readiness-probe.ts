import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { temporalUnreachable } from '../client/api/errors';
import { withinDeadline } from '../client/api/temporal-deadline';
import type { Store } from '../db/store';

export interface ProbeDeps {
  temporal: Client;
  taskQueue: string;
  store: Pick<Store, 'db' | 'ping'>;
}

interface ProbeTiming {
  /** Pause between the end of one probe and the start of the next. */
  intervalMs: number;
  /** Each check's deadline: a part that does not answer within it has failed. */
  checkMs: number;
  /**
   * How long after its last poll a poller still counts. Temporal records a poll when it
   * starts, and an idle worker's long poll lasts about a minute: anything shorter would
   * call an idle, healthy worker gone. So a worker killed without shutting down drops out
   * after up to this long; one that shuts down (SIGTERM, npm stop) is gone at the next probe.
   */
  pollerFreshMs: number;
}

const PROBE_TIMING: ProbeTiming = { intervalMs: 2000, checkMs: 1000, pollerFreshMs: 75_000 };

export type CheckName = 'temporal' | 'worker' | 'store';

export type CheckState = {
  ok: boolean;
  /** When this check last turned ok or failing (ISO 8601). */
  since: string;
  detail?: unknown;
  error?: string;
};

export interface Readiness {
  ready: boolean;
  /** When the probe this comes from ran (ISO 8601). */
  checkedAt: string;
  checks: Record<CheckName, CheckState>;
}

type Outcome = { ok: true; detail: unknown } | { ok: false; error: string };

/**
 * The gateway's readiness, checked in the background so GET /readyz answers at once and
 * starts nothing: Temporal answers (getSystemInfo), a worker polls the task queue for
 * workflow and activity tasks (describeTaskQueue), the store answers a query. The
 * end-to-end healthCheck workflow is the schedule's and `arxflow health`'s, not this.
 */
export class ReadinessProbe {
  private last: Readiness | undefined;
  private inFlight: Promise<Readiness> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly deps: ProbeDeps,
    private readonly timing: ProbeTiming = PROBE_TIMING,
  ) {}

  /** Probes now, then `intervalMs` after each probe ends, until stop(). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = (): void => {
      if (this.stopped) return;
      void this.probe().finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(loop, this.timing.intervalMs);
        this.timer.unref(); // the gateway's close stops it; never what keeps a process alive
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  /** The last probe's result; before the first one ended, that probe's (at most `checkMs` away). */
  async current(): Promise<Readiness> {
    return this.last ?? this.probe();
  }

  private probe(): Promise<Readiness> {
    this.inFlight ??= this.check().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async check(): Promise<Readiness> {
    const [temporal, worker, store] = await Promise.all([
      outcomeOf(() => this.temporalAnswers()),
      outcomeOf(() => this.workerPolls()),
      outcomeOf(() => this.storeAnswers()),
    ]);
    const checkedAt = new Date().toISOString();
    const checks = {
      temporal: this.stateOf('temporal', temporal, checkedAt),
      worker: this.stateOf('worker', worker, checkedAt),
      store: this.stateOf('store', store, checkedAt),
    };
    this.last = { ready: temporal.ok && worker.ok && store.ok, checkedAt, checks };
    return this.last;
  }

  /** A check keeps its `since` while it stays ok (or failing). */
  private stateOf(name: CheckName, outcome: Outcome, checkedAt: string): CheckState {
    const previous = this.last?.checks[name];
    const since = previous && previous.ok === outcome.ok ? previous.since : checkedAt;
    return outcome.ok ? { ok: true, since, detail: outcome.detail } : { ok: false, since, error: outcome.error };
  }

  private async temporalAnswers() {
    const { temporal } = this.deps;
    const info = await withinDeadline(temporal, () => temporal.workflowService.getSystemInfo({}), this.timing.checkMs);
    return { serverVersion: info.serverVersion || undefined };
  }

  private async workerPolls() {
    const { temporal, taskQueue } = this.deps;
    const { TaskQueueType } = proto.api.enums.v1;
    const pollersOf = async (taskQueueType: proto.api.enums.v1.TaskQueueType) => {
      const described = await temporal.workflowService.describeTaskQueue({
        namespace: temporal.options.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType,
      });
      return (described.pollers ?? []).map((poller) => millisOf(poller.lastAccessTime));
    };
    const [workflow, activity] = await withinDeadline(
      temporal,
      () =>
        Promise.all([
          pollersOf(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
          pollersOf(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
        ]),
      this.timing.checkMs,
    );
    const now = Date.now();
    const fresh = (polls: number[]) => polls.filter((at) => now - at < this.timing.pollerFreshMs).length;
    const missing = [
      ...(fresh(workflow) === 0 ? [`workflow tasks${lastPoll(workflow, now)}`] : []),
      ...(fresh(activity) === 0 ? [`activity tasks${lastPoll(activity, now)}`] : []),
    ];
    if (missing.length > 0) throw new Error(`no worker polls task queue ${taskQueue} for ${missing.join(' or ')}`);
    return { taskQueue, workflowPollers: fresh(workflow), activityPollers: fresh(activity) };
  }

  private async storeAnswers() {
    const { store } = this.deps;
    await withTimeout(store.ping(), this.timing.checkMs, `the store did not answer within ${this.timing.checkMs} ms`);
    return { database: store.db.kind };
  }
}

async function outcomeOf(check: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, detail: await check() };
  } catch (err) {
    const error = (temporalUnreachable(err) ?? err) as Error & { cause?: Error };
    return { ok: false, error: [error.message, error.cause?.message].filter(Boolean).join(': ') };
  }
}

function millisOf(timestamp: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return timestamp ? Number(timestamp.seconds ?? 0) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6) : 0;
}

function lastPoll(polls: number[], now: number): string {
  const latest = Math.max(0, ...polls);
  return latest > 0 ? ` (last poll ${Math.round((now - latest) / 1000)} s ago)` : '';
}

async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  work.catch(() => undefined); // a failure after the timeout answered is nobody's to handle
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
