// The heap a waiting workflow holds, per long-lived type, against a bare workflow of the same
// bundle: a fast version of `npm run bench -- memory` (bench/workflow-memory.ts says how it is
// measured: one worker in this thread, runs started until they block, heap after full
// collections, difference / N).
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWithBareWorkflow, MAX_RATIO_TO_BARE } from '../../bench/memory';
import {
  BARE_TYPE,
  measureWaitingTypes,
  WAITING_SAMPLES,
  type MemoryRun,
  type TypeMemory,
  type TypeOutcome,
} from '../../bench/workflow-memory';
import { useTimeSkippingWorld } from '../support/temporal-env';

const WORKFLOWS = 30;
const WARM_UP = 3;
/**
 * The aim of issue #17: a cached waiting workflow of each type costs at most twice the bare
 * one (bench/baseline-workflow.ts bareWaiting, the SDK's own price). Measured with 100 runs
 * per type at edbf93d: bare about 130 KiB, every type 1.3-1.5x of it (zod and domain/ evaluated
 * once per V8 context, the index lazy: workers/bundle.ts). Before that every workflow
 * evaluated every module of the bundle: 1,484 KiB for a gate against a bare 1,057 KiB in the
 * eager bundle (106 KiB with a lazy index), 11x.
 */
const ABSOLUTE_BOUND_KIB = 600;
/**
 * complianceReview holds its whole plan in its input and state (the example plan: 152 KiB
 * against a bare 75 KiB in one run, 2.03x): its own data, not modules. Bounded at 2.5x until
 * plans travel by reference (issue #17, "Large inputs"); then the 2x aim applies to it too.
 */
const RATIO_EXCEPTIONS: Record<string, number> = { complianceReview: 2.5 };
/**
 * What this test holds in the full suite: the bench's aim (MAX_RATIO_TO_BARE, measured alone,
 * 1.0-1.6x) is not what a heap reads while other test files run beside it. In a full CI run
 * (jest workers busy, 33b00c2's parent) the bare workflow read 242 KiB, a gate 497 (2.05x),
 * an alert 523 (2.16x), a compliance review 553 (2.29x). 3x still fails the eager bundle
 * (11x) and any module evaluated per workflow again; the 2x aim is the bench's to show.
 */
const SUITE_RATIO_BOUND = 3;

const TYPES = Object.keys(WAITING_SAMPLES);

function measured(outcome: TypeOutcome | undefined): TypeMemory {
  if (!outcome) throw new Error('not measured');
  // A run that never waits (its workflow task fails) is the first thing this test reports.
  if ('error' in outcome) throw new Error(outcome.error);
  return outcome;
}

describe('heap of a waiting workflow, per type, against a bare workflow of the same bundle', () => {
  const world = useTimeSkippingWorld();
  let bundle: WorkflowBundleWithSourceMap;
  let run: MemoryRun;

  beforeAll(async () => {
    // The project's bundle (workers/bundle.ts) with the bare workflow added: built here (webpack, seconds).
    bundle = await bundleWithBareWorkflow();
    // One worker for all (a fresh worker per type in one process measured one type's
    // figure below zero: the previous worker's context was collected during it).
    run = await measureWaitingTypes({
      env: world.env,
      store: world.store,
      bundle,
      types: [BARE_TYPE, ...TYPES],
      workflows: WORKFLOWS,
      warmUp: WARM_UP,
      timeoutMs: 90_000,
    });
    const kib = (outcome: TypeOutcome) =>
      'error' in outcome ? outcome.error : Math.round(outcome.bytesPerWorkflow / 1024);
    console.log(
      `KiB per waiting workflow: ${JSON.stringify(Object.fromEntries([BARE_TYPE, ...TYPES].map((t) => [t, kib(run.types[t]!)])))}`,
    );
  }, 420_000);

  it('the bare workflow waits and costs something', () => {
    expect(measured(run.types[BARE_TYPE]).bytesPerWorkflow).toBeGreaterThan(0);
  });

  it.each(
    TYPES.map((type) => [type, Math.max(RATIO_EXCEPTIONS[type] ?? MAX_RATIO_TO_BARE, SUITE_RATIO_BOUND)] as const),
  )('%s costs at most %sx the bare workflow', (type, bound) => {
    const bare = measured(run.types[BARE_TYPE]).bytesPerWorkflow;
    const bytes = measured(run.types[type]).bytesPerWorkflow;
    expect(bytes).toBeGreaterThan(0);
    expect(bytes / bare).toBeLessThanOrEqual(bound);
    // And not by a bare workflow grown too: the bundle's modules evaluated per workflow cost 1,000+ KiB.
    expect(bytes / 1024).toBeLessThan(ABSOLUTE_BOUND_KIB);
  });
});
