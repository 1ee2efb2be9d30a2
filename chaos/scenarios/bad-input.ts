/**
 * Chaos scenario 5 (issue 17), bad input: every HTTP route of the gateway's /openapi.json, every
 * CLI command and every file format fed malformed input generated with fast-check (wrong types,
 * 5 MB strings, 10,000-deep nesting, invalid UTF-8, NaN / 1e400 / negative amounts, path-traversal
 * ids, control characters). Zero 5xx, zero hangs over 10 s, zero crashes, zero store rows written
 * and zero workflows started by a refused request. `full` runs at least 10,000 cases; `ci` about
 * 1,300. CHAOS_SEED repeats a run (the seed is printed).
 */
import type { ChaosCount, ChaosScenario, ChaosSize, ScenarioResult } from '../scenario';
import { fuzzCli } from '../fuzz/cli-fuzz';
import { fuzzFiles } from '../fuzz/file-fuzz';
import { fuzzHttp } from '../fuzz/http-fuzz';
import type { Failure, SlowCase, Tally } from '../fuzz/tally';
import { startFuzzWorld } from '../fuzz/world';

/** Cases per target at each size; `full` totals at least 10,000 (87 routes, 91 commands, 8 formats today). */
export const BAD_INPUT_SIZES: Record<
  ChaosSize,
  { runsPerRoute: number; runsPerCommand: number; childEvery: number; runsPerFormat: number }
> = {
  full: { runsPerRoute: 100, runsPerCommand: 8, childEvery: 6, runsPerFormat: 150 },
  ci: { runsPerRoute: 10, runsPerCommand: 2, childEvery: 60, runsPerFormat: 40 },
};

export const MIN_FULL_CASES = 10_000;

/** The scenario's result with every failing case and the slowest cases of each surface, named. */
export interface BadInputResult extends ScenarioResult {
  /** CHAOS_SEED=<seed> repeats the run. */
  seed: number;
  /** Every case that failed: surface, kind, route/command/format, input, detail, elapsed ms, fast-check replay. */
  failures: Failure[];
  /** The slowest cases per surface (what nears the 10 s bound on a loaded machine). */
  slowest: Record<string, SlowCase[]>;
}

/** One failing case on one line: what a report must name to find it again. */
export const failureLine = (f: Failure): string =>
  `${f.surface} ${f.kind} ${f.target} after ${f.ms ?? '?'} ms (${f.replay ?? 'no replay'}, CHAOS_SEED repeats the run): ${f.detail} <- ${f.input}`;

export const badInputScenario: ChaosScenario = {
  name: 'bad-input',
  summary:
    'every HTTP route, CLI command and file format fed malformed input (fast-check): no 5xx, hang, crash, write or start',
  run: ({ size, log }) => runBadInput(size, log),
};

export async function runBadInput(size: ChaosSize, logLine: (line: string) => void): Promise<BadInputResult> {
  const started = Date.now();
  const log = (line: string) => logLine(`[+${Math.round((Date.now() - started) / 1000)}s] ${line}`);
  const seed = Number(process.env.CHAOS_SEED) || Date.now() % 2 ** 31;
  const sizes = BAD_INPUT_SIZES[size];
  log(`bad-input: seed ${seed} (CHAOS_SEED=${seed} repeats this run), size ${size}`);
  const world = await startFuzzWorld();
  try {
    const rowsBefore = await world.rows();
    log('bad-input: HTTP routes from /openapi.json');
    const http = await fuzzHttp(world, { runsPerRoute: sizes.runsPerRoute, seed, log });
    log(`  ${http.tally.cases} cases on ${http.routes.length} routes`);
    log('bad-input: CLI commands');
    const cli = await fuzzCli(world, {
      runsPerCommand: sizes.runsPerCommand,
      childEvery: sizes.childEvery,
      seed,
      log,
    });
    log(
      `  ${cli.inProcess.cases} cases in process, ${cli.children.cases} as child processes, ${cli.commands.length} commands`,
    );
    log('bad-input: file formats');
    const files = await fuzzFiles({ dir: world.dir, runsPerFormat: sizes.runsPerFormat, seed, log });
    log(`  ${files.cases} files`);

    // Strongly consistent: describe each id a refused request named; count the tables again.
    const named = [...http.namedIds].filter((id) => !http.acceptedIds.has(id));
    const startedByRefused = await world.existing(named);
    const rowsAfter = await world.rows();
    const tallies: Tally[] = [http.tally, cli.inProcess, cli.children, files];
    const failures = tallies.flatMap((t) => t.failures);
    for (const failure of failures) log(`  FAILED: ${failureLine(failure)}`);
    for (const t of tallies)
      log(`  slowest ${t.surface}: ${t.slowest.map((c) => `${c.ms} ms ${c.target} -> ${c.answer}`).join('; ')}`);
    const result = resultOf({
      tallies,
      startedByRefused,
      namedIds: named.length,
      rowsWritten: tallies.reduce((sum, t) => sum + t.failuresOf('rows written'), 0),
      rowsBefore: sum(rowsBefore),
      rowsAfter: sum(rowsAfter),
      acceptedStarts: http.acceptedIds.size,
      size,
      durationMs: Date.now() - started,
    });
    return { ...result, seed, failures, slowest: Object.fromEntries(tallies.map((t) => [t.surface, t.slowest])) };
  } finally {
    await world.close();
  }
}

const sum = (rows: Record<string, number>) => Object.values(rows).reduce((a, b) => a + b, 0);

function resultOf(run: {
  tallies: Tally[];
  startedByRefused: string[];
  namedIds: number;
  rowsWritten: number;
  rowsBefore: number;
  rowsAfter: number;
  acceptedStarts: number;
  size: ChaosSize;
  durationMs: number;
}): ScenarioResult {
  const { tallies } = run;
  const failures = tallies.flatMap((t) => t.failures);
  // Per surface: cases answered as they must be (expected: every case).
  const counts: ChaosCount[] = tallies.map((t) => {
    const bad = new Set(t.failures.filter((f) => f.kind !== 'rows written').map((f) => `${f.target}\n${f.input}`)).size;
    return {
      what: `${t.surface} cases answered without 5xx, hang or crash`,
      expected: t.cases,
      observed: t.cases - bad,
      duplicates: 0,
      lost: bad,
    };
  });
  counts.push(
    {
      what: 'store rows written by refused requests',
      expected: 0,
      observed: run.rowsWritten,
      duplicates: run.rowsWritten,
      lost: 0,
    },
    {
      what: 'workflows started by refused requests',
      expected: 0,
      observed: run.startedByRefused.length,
      duplicates: run.startedByRefused.length,
      lost: 0,
    },
  );
  const total = tallies.reduce((n, t) => n + t.cases, 0);
  const of = (kind: string) => failures.filter((f) => f.kind === kind);
  const check = (name: string, list: Failure[]) => ({
    name,
    ok: list.length === 0,
    detail: list.length === 0 ? undefined : list.map(failureLine).join(' || '),
  });
  const checks = [
    check('zero 5xx', of('5xx')),
    check('zero hangs over 10 s', of('hang')),
    check('zero crashes (dropped connections, uncaught errors, stack traces, signals)', of('crash')),
    check(
      'bad input refused as such (exit 2 for a wrong command line; files refused naming the field or file)',
      of('wrong refusal'),
    ),
    check('zero store rows written by a refused request', of('rows written')),
    {
      name: 'zero workflows started by a refused request (describe of every id they named)',
      ok: run.startedByRefused.length === 0,
      detail: `${run.namedIds} ids described${run.startedByRefused.length ? `; found ${run.startedByRefused.slice(0, 5).join(', ')}` : ''}`,
    },
    {
      name: run.size === 'full' ? `at least ${MIN_FULL_CASES} cases` : 'CI-sized run',
      ok: run.size !== 'full' || total >= MIN_FULL_CASES,
      detail: `${total} cases: ${tallies.map((t) => `${t.surface} ${t.cases}`).join(', ')}; store rows ${run.rowsBefore} -> ${run.rowsAfter} (accepted requests only); ${run.acceptedStarts} workflows started by accepted requests`,
    },
    {
      name: 'how cases were answered (HTTP status, exit code, refused/accepted)',
      ok: true,
      detail: tallies
        .map((t) => `${t.surface} ${JSON.stringify(t.answers)}, slowest ${Math.round(t.slowestMs)} ms`)
        .join('; '),
    },
  ];
  const observed = counts.reduce((n, c) => n + c.observed, 0);
  return {
    scenario: 'bad-input',
    expected: counts.reduce((n, c) => n + c.expected, 0),
    observed,
    duplicates: counts.reduce((n, c) => n + c.duplicates, 0),
    lost: counts.reduce((n, c) => n + c.lost, 0),
    counts,
    faults: Object.fromEntries(tallies.map((t) => [`malformed ${t.surface} inputs`, t.cases])),
    durationMs: run.durationMs,
    checks,
    ok: checks.every((c) => c.ok),
  };
}
