// `npm run bench -- memory`: what open workflows cost a worker, in two parts.
//
// 1. Heap per cached waiting workflow, per workflow type that waits (bench/workflow-memory.ts
//    says how it is measured), with the project's bundle (workers/bundle.ts) plus one bare
//    workflow that only waits (bench/baseline-workflow.ts bareWaiting): the baseline, measured
//    in the same run, is what the SDK itself costs per cached workflow; each type's figure is
//    set against it (the aim: at most 2x). Beside it, the figures recorded at ab7e41f
//    (bench/results/memory-before.json). BENCH_MEMORY_WORKFLOWS (default 100) waiting runs
//    per type; BENCH_MEMORY_TYPES=a,b to measure only some types.
// 2. Open workflows on one real worker: a child process running workers/main.ts with default
//    settings (its cache sized from the machine's memory, workers/worker-cache.ts) on a dev
//    server, BENCH_MEMORY_GATES funding gates (default 10,000) and BENCH_MEMORY_ALERTS alerts
//    (default 1,000) left waiting: the worker's RSS, and the latency of a message to a cached
//    gate beside one to an evicted gate (replayed). BENCH_MEMORY_PARTS=types or open for one part.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { openStore } from '../db/store';
import { workflowBundleOptions } from '../workers/bundle';
import { Client } from '@temporalio/client';
import { freePort } from '../scripts/ports';
import { parseSettings } from '../domain/settings';
import { dataConverterForSettings } from '../platform/codec/data-converter';
import { startDevServerEnv, startTimeSkippingEnv } from '../test/support/temporal-env';
import { writeResults } from './results';
import {
  BARE_TYPE,
  measureWaitingTypes,
  NOT_LONG_LIVED,
  pool,
  WAITING_SAMPLES,
  type TypeMemory,
  type TypeOutcome,
} from './workflow-memory';
import { installBenchRuntime } from './bench-runtime';
import { percentile } from './percentile';

const WORKFLOWS = Number(process.env.BENCH_MEMORY_WORKFLOWS ?? 100);
const WARM_UP = 10;
const TYPES = process.env.BENCH_MEMORY_TYPES?.split(',') ?? Object.keys(WAITING_SAMPLES);
const PARTS = process.env.BENCH_MEMORY_PARTS?.split(',') ?? ['types', 'open'];
/** The aim of issue #17: a cached waiting workflow of each type costs at most this many bare ones. */
export const MAX_RATIO_TO_BARE = 2;

const kib = (bytes: number) => Math.round(bytes / 1024);

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

/** The project's bundle with the bare workflow added (lazily, as every type: it evaluates only its own module). */
export function bundleWithBareWorkflow() {
  return bundleWorkflowCode(
    workflowBundleOptions({ extraWorkflows: { [BARE_TYPE]: require.resolve('./baseline-workflow') } }),
  );
}

type Measured = TypeOutcome & { warmUpBytes?: number; heapEmptyBytes?: number };

/** Part 1: heap per cached waiting workflow of the bare workflow and of each type, on one worker. */
async function measureTypes(): Promise<Record<string, Measured>> {
  const bundle = await bundleWithBareWorkflow();
  // The tests' time-skipping server (time only skips while a client awaits a result, which
  // this bench never does: every run stays where it waits), started with their patience.
  const env = await startTimeSkippingEnv();
  const store = await openStore({ inMemory: true });
  const measured: Record<string, Measured> = {};
  try {
    // One worker for all types, as test/workflows/workflow-memory.test.ts does: a fresh worker
    // per type read three types below zero in a run of 2026-12-02 (the previous worker's
    // context was collected while the next type was measured).
    const run = await measureWaitingTypes({
      env,
      store,
      bundle,
      types: [BARE_TYPE, ...TYPES],
      workflows: WORKFLOWS,
      warmUp: WARM_UP,
    });
    for (const type of [BARE_TYPE, ...TYPES]) {
      measured[type] = { ...run.types[type]!, warmUpBytes: run.warmUpBytes, heapEmptyBytes: run.heapEmptyBytes };
      const result = measured[type]!;
      console.log(
        `${type}: ${'error' in result ? result.error : `${kib(result.bytesPerWorkflow)} KiB per waiting workflow`}`,
      );
    }
  } finally {
    await store.close();
    await env.teardown();
  }
  return measured;
}

export async function benchMemory(): Promise<void> {
  installBenchRuntime();
  const commit = git('rev-parse', 'HEAD');
  const uncommitted = git('status', '--porcelain', '--', 'workflows', 'domain', 'workers', 'activities')
    .split('\n')
    .filter(Boolean);
  const results: Record<string, unknown> = { commit, uncommitted, node: process.version };

  if (PARTS.includes('types')) {
    const measured = await measureTypes();
    const bare = measured[BARE_TYPE]!;
    if ('error' in bare) throw new Error(`the bare workflow does not wait: ${bare.error}`);
    const perWorkflow = (m: TypeOutcome) => ('error' in m ? 'fails' : kib(m.bytesPerWorkflow));
    const ratio = (m: TypeOutcome) => ('error' in m ? '-' : +(m.bytesPerWorkflow / bare.bytesPerWorkflow).toFixed(2));
    const before = recordedBefore();
    const rows = [BARE_TYPE, ...TYPES].map((type) => {
      const now = measured[type]!;
      return {
        type,
        'KiB/waiting workflow': perWorkflow(now),
        'x bare': ratio(now),
        [`KiB/waiting at ${before.commit.slice(0, 7)} (recorded)`]: before.kib[type] ?? '-',
        'KiB baseline (empty worker)': 'error' in now ? '-' : kib(now.heapEmptyBytes!),
        [`KiB first ${WARM_UP} runs`]: 'error' in now ? '-' : kib(now.warmUpBytes!),
      };
    });
    console.log(
      `memory benchmark at ${commit.slice(0, 7)}${uncommitted.length ? ' (+ uncommitted changes)' : ''}: ` +
        `heap of ${WORKFLOWS} waiting workflows per type after ${WARM_UP} warm-up runs of each, one worker ` +
        `(debugMode, cache ${(TYPES.length + 1) * (WORKFLOWS + WARM_UP) + 10}) for all types, Temporal time-skipping test server; ` +
        `baseline: ${BARE_TYPE} in the same bundle (aim: at most ${MAX_RATIO_TO_BARE}x); not long-lived: ${NOT_LONG_LIVED.join(', ')}`,
    );
    console.table(rows);
    const types = TYPES.map((type) => measured[type]!);
    const done = types.filter((m): m is TypeMemory => !('error' in m));
    const worst = Math.max(...done.map((m) => m.bytesPerWorkflow));
    Object.assign(results, {
      workflowsPerType: WORKFLOWS,
      warmUp: WARM_UP,
      notLongLived: NOT_LONG_LIVED,
      bareWorkflowKiB: +(bare.bytesPerWorkflow / 1024).toFixed(1),
      /** The most any type costs per cached waiting workflow (every type: kibPerWaitingWorkflow). */
      perWorkflowKiB: +(worst / 1024).toFixed(1),
      maxRatioToBare: +(worst / bare.bytesPerWorkflow).toFixed(2),
      /** Types whose runs did not all wait in time (a loaded machine): not in perWorkflowKiB. */
      notMeasured: types.filter((m) => 'error' in m).map((m) => m.type),
      kibPerWaitingWorkflow: {
        projectBundle: Object.fromEntries(
          TYPES.map((type) => {
            const m = measured[type]!;
            return [type, 'error' in m ? m.error : +(m.bytesPerWorkflow / 1024).toFixed(1)];
          }),
        ),
      },
      measured: { projectBundle: measured },
    });
  }

  if (PARTS.includes('open')) {
    const open = await measureOpenWorkflows(OPEN_GATES, OPEN_ALERTS);
    console.log(
      `open workflows: ${open.gates} funding gates + ${open.alerts} alerts waiting on one worker process ` +
        `(workers/main.ts, default settings: ${open.cache.maxCachedWorkflows} cached from a ${open.cache.memoryBudgetMiB} MiB budget, ` +
        `${open.cache.memoryBudget}), dev server; started and waiting in ${open.startSeconds} s`,
    );
    console.table({
      'worker RSS, MiB': { idle: open.workerIdleRssMiB, 'all waiting': open.workerRssMiB, peak: open.workerPeakRssMiB },
    });
    console.table(
      Object.fromEntries(
        Object.entries(open.latencyMs).map(([kind, l]) => [
          `decide Update (refused) to a ${kind} gate`,
          {
            probes: l.probes,
            'p50 ms': l.p50,
            'p99 ms': l.p99,
            'cache hits': l.cacheHits,
            'cache misses': l.cacheMisses,
          },
        ]),
      ),
    );
    Object.assign(results, {
      openWorkflows: open.openWorkflows,
      workerRssMiB: open.workerRssMiB,
      open,
    });
  }
  // One part run alone keeps the other part's figures of the last run, said so.
  const file = path.join(__dirname, 'results', 'memory.json');
  const kept =
    PARTS.length < 2 && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const keptKeys = Object.keys(kept).filter((key) => !(key in results) && key !== 'at');
  writeResults('memory', {
    ...Object.fromEntries(keptKeys.map((key) => [key, kept[key]])),
    ...results,
    ...(keptKeys.length ? { keptFromRunAt: kept.at, keptKeys } : {}),
  });
}

/** The figures recorded before the architecture cleanup (ab7e41f), for the comparison column. */
function recordedBefore(): { commit: string; kib: Record<string, number> } {
  const file = path.join(__dirname, 'results', 'memory-before.json');
  if (!existsSync(file)) return { commit: '-------', kib: {} };
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as {
    commit: string;
    kibPerWaitingWorkflow: { projectBundle: Record<string, number> };
  };
  return {
    commit: recorded.commit,
    kib: Object.fromEntries(
      Object.entries(recorded.kibPerWaitingWorkflow.projectBundle).map(([type, k]) => [type, Math.round(k)]),
    ),
  };
}

// ---- Open workflows on one real worker process (the issue's 10,000 gates + 1,000 alerts) ----

const ROOT = path.resolve(__dirname, '..');
const OPEN_GATES = Number(process.env.BENCH_MEMORY_GATES ?? 10_000);
const OPEN_ALERTS = Number(process.env.BENCH_MEMORY_ALERTS ?? 1_000);
/** Probes per latency figure: sequential decide Updates to cached gates, then to evicted ones. */
const PROBES = Number(process.env.BENCH_MEMORY_PROBES ?? 200);

/** Resident and peak resident memory of a process, in MiB (Linux /proc). */
function rssOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: +(kib('VmRSS') / 1024).toFixed(1), peakMiB: +(kib('VmHWM') / 1024).toFixed(1) };
}

/** The worker's sticky-cache counters and gauge from its Prometheus endpoint. */
async function cacheMetrics(port: number): Promise<{ hits: number; misses: number; size: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sum = (name: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`temporal_${name}`) && !line.startsWith('#'))
      .reduce((total, line) => total + Number(line.split(' ').pop()), 0);
  return { hits: sum('sticky_cache_hit'), misses: sum('sticky_cache_miss'), size: sum('sticky_cache_size') };
}

export interface OpenRun {
  gates: number;
  alerts: number;
  openWorkflows: number;
  /** What the worker logged at start: the cache from its memory budget (default settings). */
  cache: { maxCachedWorkflows: number; memoryBudgetMiB: number; memoryBudget: string };
  workerIdleRssMiB: number;
  workerRssMiB: number;
  workerPeakRssMiB: number;
  /** Cached runs at the end (the worker's sticky_cache_size). */
  cachedAtEnd: number;
  startSeconds: number;
  latencyMs: Record<
    'cached' | 'evicted',
    { probes: number; p50: number; p99: number; cacheHits: number; cacheMisses: number }
  >;
}

/**
 * A child process running the production worker (workers/main.ts, default settings but for
 * its ports, task queue and data dir) on a dev server; `gates` funding gates and `alerts`
 * alert escalations started and left where they wait (no pending activity or workflow task:
 * DescribeWorkflowExecution, which does not touch the worker), then the worker's RSS. Then the
 * price of eviction: a decide Update the gate refuses (nothing written, so every probe finds
 * the gate as it was), sent one at a time to the most recently started gates (cached) and to
 * the first ones (evicted long ago: replayed from history), with the worker's cache hit and
 * miss counters read around each set to show which it was.
 */
export async function measureOpenWorkflows(gates: number, alerts: number): Promise<OpenRun> {
  const env = await startDevServerEnv();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'arxflow-memory-'));
  const metricsPort = await freePort();
  const taskQueue = `memory-open-${Math.random().toString(36).slice(2, 10)}`;
  // node itself (not the tsx launcher, which would be a parent process): its RSS is the worker's.
  const workerEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: env.address,
    ARXFLOW_TASK_QUEUE: taskQueue,
    ARXFLOW_DATA_DIR: dataDir,
    ARXFLOW_METRICS_PORT: String(metricsPort),
    ARXFLOW_CONFIG: path.join(dataDir, 'no-config.yaml'),
    ARXFLOW_LOG_LEVEL: 'info',
    ARXFLOW_WORKER_MEMORY_MIB: process.env.ARXFLOW_WORKER_MEMORY_MIB ?? '', // default settings unless asked
  };
  // BENCH_WORKER_NODE_ARGS: node flags for the worker alone (experiments with V8's heap limits).
  const nodeArgs = process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, 'workers', 'main.ts')], {
    cwd: ROOT,
    env: workerEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const started = await Promise.race([
      (async () => {
        while (!/worker running/.test(output)) await new Promise((resolve) => setTimeout(resolve, 200));
      })(),
      exited.then((code) => {
        throw new Error(`worker exited (${code}) before running:\n${output.slice(-2000)}`);
      }),
    ]);
    void started;
    const line = output.split('\n').find((l) => l.includes('worker running'))!;
    const field = (name: string) => new RegExp(`"${name}":"?([^,"}]+)`).exec(line)?.[1] ?? '?';
    const cache = {
      maxCachedWorkflows: Number(field('maxCachedWorkflows')),
      memoryBudgetMiB: Number(field('memoryBudgetMiB')),
      memoryBudget: field('memoryBudget'),
    };
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idle = rssOf(child.pid!);
    // Gate inputs count as arxflow's only when stamped with the worker's keys (its data dir's dev key).
    const client = new Client({
      connection: env.connection,
      dataConverter: dataConverterForSettings(parseSettings(workerEnv), 'client'),
    });
    const handle = (type: string, id: string) => client.workflow.getHandle(`memory/${type}/${id}`);
    const alertIds = Array.from({ length: alerts }, (_, i) => `${taskQueue}-a${i}`);
    const gateIds = Array.from({ length: gates }, (_, i) => `${taskQueue}-g${i}`);
    const t0 = Date.now();
    // Alerts first, then gates: the last gates started are the ones the cache holds at the end.
    await pool(alerts, 32, (i) => WAITING_SAMPLES.alertEscalation!.start(client, taskQueue, alertIds[i]!));
    await pool(gates, 32, (i) => WAITING_SAMPLES.fundingGate!.start(client, taskQueue, gateIds[i]!));
    let pending = [
      ...alertIds.map((id) => ['alertEscalation', id] as const),
      ...gateIds.map((id) => ['fundingGate', id] as const),
    ];
    const deadline = Date.now() + 60 * 60_000;
    while (pending.length) {
      if (Date.now() > deadline) throw new Error(`${pending.length} runs not waiting after an hour`);
      const still: typeof pending = [];
      await pool(pending.length, 32, async (i) => {
        const [type, id] = pending[i]!;
        const { raw, status } = await handle(type, id).describe();
        if (status.name !== 'RUNNING') {
          const why = await handle(type, id)
            .result()
            .then(
              () => 'completed',
              (err: Error & { cause?: Error }) => err.cause?.message ?? err.message,
            );
          throw new Error(
            `${type} ${id} is ${status.name}, not waiting: ${why}\nworker output:\n${output.slice(-3000)}`,
          );
        }
        if (raw.pendingWorkflowTask || raw.pendingActivities?.length) still.push(pending[i]!);
      });
      if (still.length) await new Promise((resolve) => setTimeout(resolve, 2_000));
      pending = still;
    }
    const startSeconds = (Date.now() - t0) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const loaded = rssOf(child.pid!);
    const cachedAtEnd = (await cacheMetrics(metricsPort)).size;

    const probe = async (ids: string[]) => {
      const before = await cacheMetrics(metricsPort);
      const times: number[] = [];
      for (const id of ids) {
        const t = performance.now();
        const refused = await handle('fundingGate', id)
          .executeUpdate('decide', { args: [{}] })
          .then(
            () => false,
            () => true,
          );
        times.push(performance.now() - t);
        if (!refused) throw new Error(`gate ${id} accepted an empty vote: the probe must be refused`);
      }
      const after = await cacheMetrics(metricsPort);
      times.sort((a, b) => a - b);
      return {
        probes: ids.length,
        p50: +percentile(times, 50).toFixed(1),
        p99: +percentile(times, 99).toFixed(1),
        cacheHits: after.hits - before.hits,
        cacheMisses: after.misses - before.misses,
      };
    };
    const probes = Math.min(PROBES, Math.floor(gates / 4));
    // Cached: gates just touched by a first probe (which replays them if they were not), so the
    // measured one finds them in the cache whatever woke up while 11,000 runs were starting.
    const cachedIds = gateIds.slice(-Math.min(probes, Math.floor(cache.maxCachedWorkflows / 2)));
    await probe(cachedIds);
    const latencyMs = {
      cached: await probe(cachedIds),
      evicted: await probe(gateIds.slice(0, probes)),
    };
    return {
      gates,
      alerts,
      openWorkflows: gates + alerts,
      cache,
      workerIdleRssMiB: idle.rssMiB,
      workerRssMiB: loaded.rssMiB,
      workerPeakRssMiB: loaded.peakMiB,
      cachedAtEnd,
      startSeconds: +startSeconds.toFixed(1),
      latencyMs,
    };
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    await env.teardown();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
