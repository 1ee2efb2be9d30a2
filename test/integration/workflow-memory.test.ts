// The heap a waiting workflow holds, per long-lived type: a fast version of
// `npm run bench -- memory` (bench/workflow-memory.ts says how it is measured: one worker in
// this thread, runs started until they block, heap after full collections, difference / N).
import {
  bundleWithoutPreload,
  measureWaitingTypes,
  WAITING_SAMPLES,
  type MemoryRun,
  type TypeMemory,
  type TypeOutcome,
} from '../../bench/workflow-memory';
import { sharedWorkflowBundle } from '../support/bundle';
import { useTimeSkippingWorld } from '../support/temporal-env';

const WORKFLOWS = 20;
const WARM_UP = 2;
/**
 * Every long-lived type stays under this per waiting workflow. Measured (bench/results,
 * 100 runs per type): 866-1,274 KiB at ab7e41f, fundingGate the largest; 906-1,297 KiB at
 * 3e41e13 without the zod preload. 1,600 KiB leaves 25% over the largest for the noise of
 * 20 runs; a bundle whose modules build their zod schemas at import measured 2,245 KiB
 * (domain/lazy-schema.ts), so that regression fails here.
 */
const BOUND_KIB = 1_600;
/** The zod preload must save memory, or at least cost none: allowed noise at 20 runs. */
const PRELOAD_NOISE = 1.05;

const TYPES = Object.keys(WAITING_SAMPLES);

function measured(outcome: TypeOutcome | undefined): TypeMemory {
  if (!outcome) throw new Error('not measured');
  // A run that never waits (its workflow task fails) is the first thing this test reports.
  if ('error' in outcome) throw new Error(outcome.error);
  return outcome;
}

describe('heap of a waiting workflow, per type', () => {
  const world = useTimeSkippingWorld();
  let project: MemoryRun;

  beforeAll(async () => {
    project = await measureWaitingTypes({
      env: world.env,
      store: world.store,
      bundle: sharedWorkflowBundle(), // the project's bundle (workers/bundle.ts), as every worker runs it
      types: TYPES,
      workflows: WORKFLOWS,
      warmUp: WARM_UP,
      timeoutMs: 60_000,
    });
    const kib = (outcome: TypeOutcome) =>
      'error' in outcome ? outcome.error : Math.round(outcome.bytesPerWorkflow / 1024);
    console.log(
      `KiB per waiting workflow: ${JSON.stringify(Object.fromEntries(TYPES.map((t) => [t, kib(project.types[t]!)])))}`,
    );
  }, 240_000);

  it.each(TYPES)(`%s holds under ${BOUND_KIB} KiB per waiting workflow`, (type) => {
    const kib = measured(project.types[type]).bytesPerWorkflow / 1024;
    expect(kib).toBeGreaterThan(0);
    expect(kib).toBeLessThan(BOUND_KIB);
  });

  it('the shared zod preload costs a waiting fundingGate (it parses with zod) no more than its absence', async () => {
    const without = await measureWaitingTypes({
      env: world.env,
      store: world.store,
      bundle: await bundleWithoutPreload(),
      types: ['fundingGate'],
      workflows: WORKFLOWS,
      warmUp: WARM_UP,
      timeoutMs: 60_000,
    });
    const preloaded = measured(project.types.fundingGate).bytesPerWorkflow;
    expect(preloaded).toBeLessThanOrEqual(measured(without.types.fundingGate).bytesPerWorkflow * PRELOAD_NOISE);
  }, 240_000);
});
