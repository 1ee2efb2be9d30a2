import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { sleep } from './worker-pool';

/**
 * How the chaos workload calls arxflow while faults land: every call tried again until it
 * lands or the deadline passes (a dead server or worker answers nothing for a while), each try
 * bounded, and the tries counted as the faults seen from the outside. One per workload run,
 * shared by every kind of workflow it drives.
 */
export class ChaosDriver {
  /** Calls that failed and were tried again. */
  retries = 0;

  constructor(readonly deadline: number) {}

  /** Tries `call` until it succeeds or the deadline passes; each try bounded to `tryMs`. */
  async persist<T>(what: string, call: () => Promise<T>, tryMs = 15_000): Promise<T> {
    let delay = 250;
    for (;;) {
      try {
        return await bounded(call(), Math.min(this.deadline - Date.now(), tryMs));
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) throw err;
        if (Date.now() > this.deadline) throw new Error(`${what}: ${describe(err)}`);
        this.retries += 1;
        await sleep(delay);
        delay = Math.min(delay * 2, 3000);
      }
    }
  }

  /** A workflow start, tried until it lands; "already started" means an earlier try did. */
  async startOnce(what: string, start: () => Promise<unknown>): Promise<void> {
    try {
      await this.persist(what, start);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** Polls a query until `ready` holds. */
  async waitFor<V>(what: string, query: () => Promise<V>, ready: (view: V) => boolean): Promise<V> {
    for (;;) {
      const view = await this.persist(what, query);
      if (ready(view)) return view;
      if (Date.now() > this.deadline) throw new Error(`${what}: not reached by the deadline`);
      await sleep(500);
    }
  }

  /** The result, asked again after a lost connection (a long poll cut by a server restart). */
  resultOf<R>(handle: WorkflowHandle, what: string): Promise<R> {
    return this.persist(what, () => handle.result() as Promise<R>, 60_000);
  }
}

/** An error with its causes (the client's "Failed to start Workflow" says why only in its cause). */
function describe(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { message?: string; cause?: unknown } | undefined; e && parts.length < 4; e = e.cause as typeof e)
    parts.push(String(e.message ?? e));
  return parts.join(': ');
}

/** `promise`, or a timeout error after `ms` (the call itself runs on and is ignored). */
function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(ms / 1000)} s`)), Math.max(ms, 0));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
