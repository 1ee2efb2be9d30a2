// `npm run chaos [-- <name>...] [--size ci|full] [--list]`: runs the chaos scenarios on loopback,
// prints a table per scenario and writes chaos/results.json; exits 1 if any scenario is not ok.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChaosScenario, ChaosSize, ScenarioResult } from './scenario';
import { badInputScenario } from './scenarios/bad-input';
import { notificationOutageScenario } from './scenarios/notification-outage';
import { serverCrashScenario } from './scenarios/server-crash';
import { storeOutageScenario } from './scenarios/store-outage';
import { workerCrashScenario } from './scenarios/worker-crash';

export const RESULTS_FILE = path.join(__dirname, 'results.json');

/** Every scenario, in the order they run. */
export function scenarios(): ChaosScenario[] {
  return [workerCrashScenario, serverCrashScenario, storeOutageScenario, notificationOutageScenario, badInputScenario];
}

/** The table printed for one scenario. */
export function printResult(result: ScenarioResult, print: (line: string) => void = console.log): void {
  print(
    `\n${result.scenario}: ${result.ok ? 'ok' : 'NOT OK'} in ${(result.durationMs / 1000).toFixed(0)} s; faults: ${
      Object.entries(result.faults)
        .map(([what, n]) => `${what} x${n}`)
        .join(', ') || 'none'
    }${result.recoveryMs === undefined ? '' : `; recovered ${(result.recoveryMs / 1000).toFixed(1)} s after the last fault`}`,
  );
  console.table(
    [...result.counts, { what: 'total', ...result }].map(({ what, expected, observed, duplicates, lost }) => ({
      what,
      expected,
      observed,
      duplicates,
      lost,
    })),
  );
  for (const check of result.checks)
    print(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}${check.detail ? ` (${check.detail})` : ''}`);
}

/** One line per scenario, for a run of several. */
export function printSummary(results: ScenarioResult[], size: ChaosSize): void {
  console.log(`\nsummary (size ${size})`);
  console.table(
    results.map((r) => ({
      scenario: r.scenario,
      ok: r.ok ? 'ok' : 'NOT OK',
      faults: Object.values(r.faults).reduce((a, b) => a + b, 0),
      expected: r.expected,
      observed: r.observed,
      duplicates: r.duplicates,
      lost: r.lost,
      'recovered (s)': r.recoveryMs === undefined ? '-' : (r.recoveryMs / 1000).toFixed(1),
      'took (s)': Math.round(r.durationMs / 1000),
    })),
  );
}

function parseArgs(argv: string[]): { names: string[]; size: ChaosSize; list: boolean } {
  const names: string[] = [];
  let size: ChaosSize = 'full';
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--list') list = true;
    else if (arg === '--size' || arg.startsWith('--size=')) {
      const value = arg.includes('=') ? arg.split('=')[1] : argv[++i];
      if (value !== 'ci' && value !== 'full') throw new Error(`--size must be ci or full, not ${value}`);
      size = value;
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else names.push(arg);
  }
  return { names, size, list };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`npm run chaos: ${(err as Error).message}`);
    return 2;
  }
  const all = scenarios();
  if (args.list) {
    for (const scenario of all) console.log(`${scenario.name.padEnd(22)} ${scenario.summary}`);
    return 0;
  }
  const unknown = args.names.filter((name) => !all.some((s) => s.name === name));
  if (unknown.length) {
    console.error(`npm run chaos: no scenario ${unknown.join(', ')} (known: ${all.map((s) => s.name).join(', ')})`);
    return 2;
  }
  const chosen = args.names.length ? all.filter((s) => args.names.includes(s.name)) : all;
  const results: ScenarioResult[] = [];
  for (const scenario of chosen) {
    const started = Date.now();
    const log = (line: string) =>
      console.log(`[${scenario.name} +${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);
    log(`size ${args.size}`);
    let result: ScenarioResult;
    try {
      result = await scenario.run({ size: args.size, log });
    } catch (err) {
      log(`crashed: ${(err as Error).stack ?? String(err)}`);
      result = {
        scenario: scenario.name,
        expected: 0,
        observed: 0,
        duplicates: 0,
        lost: 0,
        counts: [],
        faults: {},
        durationMs: Date.now() - started,
        checks: [{ name: 'the scenario ran to the end', ok: false, detail: (err as Error).message }],
        ok: false,
      };
    }
    results.push(result);
    printResult(result);
    writeFileSync(
      RESULTS_FILE,
      `${JSON.stringify({ at: new Date().toISOString(), size: args.size, scenarios: results }, null, 2)}\n`,
    );
  }
  if (results.length > 1) printSummary(results, args.size);
  console.log(`\nresults: ${path.relative(process.cwd(), RESULTS_FILE)}`);
  return results.every((r) => r.ok) ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
