// `npm run bench -- memory`: the heap one waiting workflow holds, per workflow type that
// waits (bench/workflow-memory.ts says how it is measured), with the project's bundle
// (workers/bundle.ts). Should the bundle preload modules again (a `SHARED_LIBRARY_MODULES`
// export, as 3e41e13 had for zod), the same bundle without the preload is measured in the
// same run beside it. BENCH_MEMORY_WORKFLOWS (default 100) waiting runs per type;
// BENCH_MEMORY_TYPES=a,b to measure only some types.
import { execFileSync } from 'node:child_process';
import { DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { openStore } from '../db/store';
import * as projectBundle from '../workers/bundle';
import { startTimeSkippingEnv } from '../test/support/temporal-env';
import { writeResults } from './results';
import {
  bundleWithoutPreload,
  measureWaitingTypes,
  NOT_LONG_LIVED,
  WAITING_SAMPLES,
  type TypeOutcome,
} from './workflow-memory';

const WORKFLOWS = Number(process.env.BENCH_MEMORY_WORKFLOWS ?? 100);
const WARM_UP = 10;
const TYPES = process.env.BENCH_MEMORY_TYPES?.split(',') ?? Object.keys(WAITING_SAMPLES);

const kib = (bytes: number) => Math.round(bytes / 1024);

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: __dirname, encoding: 'utf8' }).trim();
}

export async function benchMemory(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // Preloaded modules: 3e41e13 only (zod; removed in 1677e4b because the SDK freezes them and zod writes to its own).
  const preloads = 'SHARED_LIBRARY_MODULES' in projectBundle;
  const variants: [string, Promise<WorkflowBundle>][] = [
    [preloads ? 'preloaded' : 'projectBundle', projectBundle.buildWorkflowBundle()],
    ...(preloads ? [['withoutPreload', bundleWithoutPreload()] as [string, Promise<WorkflowBundle>]] : []),
  ];
  // The tests' time-skipping server (time only skips while a client awaits a result, which
  // this bench never does: every run stays where it waits), started with their patience.
  const env = await startTimeSkippingEnv();
  const store = await openStore({ inMemory: true });
  const measured: Record<string, Record<string, TypeOutcome & { warmUpBytes?: number }>> = {};
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
        const result = { ...run.types[type]!, warmUpBytes: run.warmUpBytes };
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

  const perWorkflow = (m: TypeOutcome | undefined) =>
    m === undefined ? undefined : 'error' in m ? 'fails' : kib(m.bytesPerWorkflow);
  const [main, other] = Object.keys(measured);
  const rows = TYPES.map((type) => {
    const a = measured[main!]![type]!;
    const b = other ? measured[other]![type] : undefined;
    const saved = b && !('error' in a) && !('error' in b) ? kib(b.bytesPerWorkflow - a.bytesPerWorkflow) : '-';
    return {
      type,
      [`KiB/waiting (${main})`]: perWorkflow(a),
      ...(b ? { [`KiB/waiting (${other})`]: perWorkflow(b), 'KiB saved by preload': saved } : {}),
      [`KiB first ${WARM_UP} runs (${main})`]: 'error' in a ? '-' : kib(a.warmUpBytes!),
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
