import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../scripts/ports';
import { spawnTiedChild, type TiedChild } from '../scripts/tied-child';

/**
 * The checkout whose workers/main.ts runs: this repository, or ARXFLOW_CHAOS_WORKER_ROOT (another
 * checkout of it with node_modules, e.g. a release to compare, or HEAD while the tree is mid-change).
 */
const WORKER_ROOT = process.env.ARXFLOW_CHAOS_WORKER_ROOT || path.resolve(__dirname, '..');

/**
 * Production worker processes (`npm run worker`: workers/main.ts, workflows and activities)
 * on one task queue, each a child tied to this process (scripts/tied-child.ts: none outlives a
 * crashed chaos run). A slot is killed with SIGKILL and started again; its log is kept per start.
 */
export class WorkerPool {
  private readonly slots: { child?: TiedChild; starts: number; ready: boolean; killing?: boolean }[];
  kills = 0;
  /** Workers that ended without being killed or stopped here (each is started again). */
  readonly unexpectedExits: string[] = [];
  private stopping = false;

  constructor(
    private readonly size: number,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {
    this.slots = Array.from({ length: size }, () => ({ starts: 0, ready: false }));
  }

  /** Starts every slot; resolves once each polls. */
  async startAll(): Promise<void> {
    await Promise.all(this.slots.map((_, i) => this.start(i)));
  }

  /** Starts slot `i`; resolves once its worker polls (its log says `worker running`). */
  start(i: number): Promise<void> {
    const slot = this.slots[i]!;
    const generation = ++slot.starts;
    slot.ready = false;
    const logFile = path.join(this.logDir, `worker-${i}-${generation}.log`);
    return (async () => {
      const metricsPort = await freePort();
      const child = spawnTiedChild(
        'env',
        [
          ...Object.entries({ ...this.env, ARXFLOW_METRICS_PORT: String(metricsPort) }).map(([k, v]) => `${k}=${v}`),
          process.execPath,
          '--import',
          'tsx',
          path.join(WORKER_ROOT, 'workers', 'main.ts'),
        ],
        logFile,
      );
      slot.child = child;
      const exited = child.exited.then(({ code, signal }) => ({ code, signal }));
      void exited.then(({ code, signal }) => {
        if (this.stopping || slot.starts !== generation || slot.killing) return;
        // Not ours: the worker gave up by itself (e.g. its server was gone too long). Counted, then replaced.
        this.unexpectedExits.push(`worker ${i} (${signal ?? `exit code ${code}`}, log ${logFile})`);
        void this.start(i).catch(() => undefined);
      });
      const deadline = Date.now() + 180_000;
      for (;;) {
        const log = readLog(logFile);
        if (log.includes('worker running')) {
          slot.ready = slot.starts === generation;
          return;
        }
        const gone = await Promise.race([exited, sleep(250).then(() => undefined)]);
        if (gone && slot.starts !== generation) return; // killed while starting: the next start waits for itself
        if (gone)
          throw new Error(
            `worker ${i} exited (${gone.signal ?? gone.code}) before polling: ${log.split('\n').slice(-10).join('\n')}`,
          );
        if (Date.now() > deadline) throw new Error(`worker ${i} did not poll within 3 minutes (log: ${logFile})`);
      }
    })();
  }

  /** Slots whose worker polls now (started and not killed since). */
  polling(): number[] {
    return this.slots.flatMap((slot, i) => (slot.ready && slot.child?.child.exitCode === null ? [i] : []));
  }

  /** SIGKILL of slot `i`'s worker (no shutdown of any kind), then a new process in the slot. */
  async killAndRestart(i: number): Promise<void> {
    const slot = this.slots[i]!;
    const child = slot.child;
    if (!child?.child.pid) return;
    slot.ready = false;
    slot.killing = true;
    process.kill(child.child.pid, 'SIGKILL');
    this.kills += 1;
    await child.exited;
    await child.stop(0); // the watcher left behind
    slot.killing = false;
    await this.start(i);
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.slots.map((slot) => slot.child?.stop(15_000)));
  }

  get slotCount(): number {
    return this.size;
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
