/**
 * The contract between `npm run chaos` (chaos/run.ts) and its scenarios: each scenario drives a
 * real arxflow (dev server, worker processes, store, stand-in servers) on loopback, injects one
 * kind of fault, and counts what happened against what should have. chaos/results.json holds
 * one ScenarioResult per scenario run (checks outside the repository read its fields).
 */

/** One row of a scenario's table: a kind of effect, expected vs observed. */
export interface ChaosCount {
  /** What is counted, e.g. `ledger payouts`, `emails at the SMTP stand-in`. */
  what: string;
  expected: number;
  observed: number;
  /** Effects seen more than once for one logical step. */
  duplicates: number;
  /** Effects expected and never seen. */
  lost: number;
}

export interface ScenarioResult {
  /** e.g. `worker-crash`. */
  scenario: string;
  /** Totals over `counts`. */
  expected: number;
  observed: number;
  duplicates: number;
  lost: number;
  counts: ChaosCount[];
  /** Faults injected, e.g. `{ "SIGKILL of a worker": 12 }`. */
  faults: Record<string, number>;
  /** From the last fault to everything done (or to the service answering again), in ms. */
  recoveryMs?: number;
  durationMs: number;
  /** Anything the scenario checked beyond counts, e.g. `zero 5xx`, with pass/fail. */
  checks: { name: string; ok: boolean; detail?: string }[];
  ok: boolean;
}

/** How big a run is: `ci` for the subset the test suite runs, `full` for `npm run chaos`. */
export type ChaosSize = 'ci' | 'full';

export interface ChaosScenario {
  name: string;
  /** One line for `npm run chaos -- --list`. */
  summary: string;
  run(options: { size: ChaosSize; log: (line: string) => void }): Promise<ScenarioResult>;
}
