import { randomBytes } from 'node:crypto';
import { countEffects } from './counts';
import type { ScenarioResult } from './scenario';
import { planWorkload, runWorkload, seedWorkload, type WorkloadOutcome, type WorkloadPlan } from './workload';
import { startChaosWorld, type ChaosWorld } from './world';

export interface FaultInjection {
  /** Faults injected, by kind. */
  faults: Record<string, number>;
  /** When the last fault ended (the part came back), for the time to recover. */
  lastFaultEndedAt?: number;
  /** Checks of the fault itself (e.g. /readyz said not ready meanwhile). */
  checks?: ScenarioResult['checks'];
}

/**
 * The frame of every fault scenario: a fresh world, the mixed workload driven while `inject`
 * breaks something (it gets the moment the workload is done, to stop in time), then the effects
 * counted where they landed. The result's ok needs every count exact (no duplicate, nothing
 * lost), every check passed, and at least `minFaults` faults injected.
 */
export async function runUnderFaults(options: {
  scenario: string;
  workflows: number;
  concurrency: number;
  /** Bound of the whole workload (ms). */
  timeoutMs: number;
  minFaults: number;
  log: (line: string) => void;
  inject(world: ChaosWorld, done: Promise<WorkloadOutcome>, plan: WorkloadPlan): Promise<FaultInjection>;
  /** Checks after the workload (e.g. `npm start` noticing a dead dev server). */
  after?(world: ChaosWorld): Promise<ScenarioResult['checks']>;
}): Promise<ScenarioResult> {
  const { log } = options;
  const started = Date.now();
  const world = await startChaosWorld(log);
  try {
    const plan = planWorkload(randomBytes(3).toString('hex').toUpperCase(), options.workflows);
    const fixtures = await seedWorkload(world, plan);
    log(
      `${options.workflows} workflows: ${plan.funding} funding gates, ${plan.alerts} alerts, ${plan.reviews} compliance reviews, ${plan.documents} documents, ${plan.pipelines} pipeline runs, ${plan.deployments} deployment items`,
    );
    const workloadStarted = Date.now();
    const done = runWorkload(world, plan, fixtures, {
      concurrency: options.concurrency,
      deadline: workloadStarted + options.timeoutMs,
      log,
    });
    const injection = await options.inject(world, done, plan);
    const outcome = await done;
    log(
      `workload done in ${((outcome.doneAt - workloadStarted) / 1000).toFixed(1)} s (${outcome.retries} calls retried)`,
    );
    // Deliveries settle after the last result (e.g. a chat.update after resolve): give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const { counts, checks } = await countEffects(world, plan, fixtures, outcome);
    const faultCount = Object.values(injection.faults).reduce((a, b) => a + b, 0);
    const allChecks = [
      ...checks,
      ...(injection.checks ?? []),
      {
        name: 'no worker process ended by itself',
        ok: world.workers.unexpectedExits.length === 0,
        ...(world.workers.unexpectedExits.length ? { detail: world.workers.unexpectedExits.join('; ') } : {}),
      },
      ...((await options.after?.(world)) ?? []),
      {
        name: `at least ${options.minFaults} fault(s) injected mid-run`,
        ok: faultCount >= options.minFaults,
        detail: String(faultCount),
      },
    ];
    const sum = (field: 'expected' | 'observed' | 'duplicates' | 'lost') =>
      counts.reduce((total, count) => total + count[field], 0);
    return {
      scenario: options.scenario,
      expected: sum('expected'),
      observed: sum('observed'),
      duplicates: sum('duplicates'),
      lost: sum('lost'),
      counts,
      faults: injection.faults,
      ...(injection.lastFaultEndedAt ? { recoveryMs: Math.max(0, outcome.doneAt - injection.lastFaultEndedAt) } : {}),
      durationMs: Date.now() - started,
      checks: allChecks,
      ok:
        allChecks.every((check) => check.ok) &&
        counts.every((count) => count.duplicates === 0 && count.lost === 0 && count.observed === count.expected),
    };
  } finally {
    await world.close();
  }
}

/** A random delay in [min, max) ms. */
export const between = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));
