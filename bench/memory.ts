// `npm run bench -- memory`: the heap one waiting workflow holds, per workflow type that
// waits (bench/workflow-memory.ts says how it is measured), with the project's bundle
// (workers/bundle.ts). The baseline, measured in the same run, is the heap of the same
// worker before the runs start: each figure is (heap with N waiting runs - baseline) / N.
// Beside it, for comparison, the figures recorded at ab7e41f (bench/results/memory-before.json,
// before the architecture cleanup). BENCH_MEMORY_WORKFLOWS (default 100) waiting runs per
// type; BENCH_MEMORY_TYPES=a,b to measure only some types.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { openStore } from '../db/store';
import { buildWorkflowBundle } from '../workers/bundle';
import { startTimeSkippingEnv } from '../test/support/temporal-env';
import { writeResults } from './results';
import { measureWaitingTypes, NOT_LONG_LIVED, WAITING_SAMPLES, type TypeOutcome } from './workflow-memory';

const WORKFLOWS = Number(process.env.BENCH_MEMORY_WORKFLOWS ?? 100);
const WARM_UP = 10;
const TYPES = process.env.BENCH_MEMORY_TYPES?.split(',') ?? Object.keys(WAITING_SAMPLES);

const kib = (bytes: number) => Math.round(bytes / 1024);

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: __dirname, encoding: 'utf8' }).trim();
}

export async function benchMemory(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const variants = [['projectBundle', buildWorkflowBundle()]] as const;
  // The tests' time-skipping server (time only skips while a client awaits a result, which
  // this bench never does: every run stays where it waits), started with their patience.
  const env = await startTimeSkippingEnv();
  const store = await openStore({ inMemory: true });
  const measured: Record<string, Record<string, TypeOutcome & { warmUpBytes?: number; heapEmptyBytes?: number }>> = {};
  try {
    for (const [variant, bundle] of variants) {
      measured[variant] = {};
      for (const type of TYPES) {
        // One fresh worker (V8 context) per type: each type's figure stands alone.
        const run = await measureWaitingTypes({
          env,
          store,
          bundle: await bundle,
          types: [type],
          workflows: WORKFLOWS,
          warmUp: WARM_UP,
        });
        const result = { ...run.types[type]!, warmUpBytes: run.warmUpBytes, heapEmptyBytes: run.heapEmptyBytes };
        measured[variant]![type] = result;
        console.log(
          `${variant} ${type}: ${'error' in result ? result.error : `${kib(result.bytesPerWorkflow)} KiB per waiting workflow`}`,
        );
      }
    }
  } finally {
    await store.close();
    await env.teardown();
  }

  const perWorkflow = (m: TypeOutcome) => ('error' in m ? 'fails' : kib(m.bytesPerWorkflow));
  const before = recordedBefore();
  const rows = TYPES.map((type) => {
    const now = measured.projectBundle![type]!;
    return {
      type,
      'KiB/waiting workflow': perWorkflow(now),
      [`KiB/waiting at ${before.commit.slice(0, 7)} (recorded)`]: before.kib[type] ?? '-',
      'KiB baseline (empty worker)': 'error' in now ? '-' : kib(now.heapEmptyBytes!),
      [`KiB first ${WARM_UP} runs`]: 'error' in now ? '-' : kib(now.warmUpBytes!),
    };
  });
  const commit = git('rev-parse', 'HEAD');
  const uncommitted = git('status', '--porcelain', '--', 'workflows', 'domain', 'workers', 'activities')
    .split('\n')
    .filter(Boolean);
  console.log(
    `memory benchmark at ${commit.slice(0, 7)}${uncommitted.length ? ' (+ uncommitted changes)' : ''}: ` +
      `heap of ${WORKFLOWS} waiting workflows per type after ${WARM_UP} warm-up runs, one worker ` +
      `(debugMode, cache ${WORKFLOWS + WARM_UP + 10}) per type, Temporal time-skipping test server; not long-lived: ${NOT_LONG_LIVED.join(', ')}`,
  );
  console.table(rows);
  writeResults('memory', {
    commit,
    uncommitted,
    node: process.version,
    workflowsPerType: WORKFLOWS,
    warmUp: WARM_UP,
    notLongLived: NOT_LONG_LIVED,
    kibPerWaitingWorkflow: Object.fromEntries(
      Object.entries(measured).map(([variant, types]) => [
        variant,
        Object.fromEntries(
          Object.entries(types).map(([type, m]) => [
            type,
            'error' in m ? m.error : +(m.bytesPerWorkflow / 1024).toFixed(1),
          ]),
        ),
      ]),
    ),
    measured,
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
