import { failureLine, runBadInput, BAD_INPUT_SIZES } from '../../chaos/scenarios/bad-input';
import { CLI_SKIPPED, cliCommands } from '../../chaos/fuzz/cli-fuzz';
import { FILE_FORMATS } from '../../chaos/fuzz/file-fuzz';

// The CI subset of `npm run chaos`: the bad-input scenario at size ci. Every route of the real
// gateway's /openapi.json (dev server, store, no worker), every CLI command (in process through
// cli/main.ts's run, a sample as child processes of bin/arxflow.js) and every file format, fed
// malformed input by fast-check: no 5xx, hang, crash, store row or workflow from a refused request.
// A failing case is named first in the diff (surface, route or command, input, elapsed ms,
// fast-check seed and path); CHAOS_SEED=<seed> repeats the run.
describe('chaos: bad input (size ci)', () => {
  it('answers every malformed request, command line and file without a 5xx, hang, crash, write or start', async () => {
    const lines: string[] = [];
    const result = await runBadInput('ci', (line) => {
      // The seed straight to stderr: jest holds console output until the file ends, and a crash of its worker loses it.
      if (lines.length === 0) process.stderr.write(`chaos-bad-input: ${line}\n`);
      lines.push(line);
    });
    const report = `${lines.join('\n')}\n${JSON.stringify(result, null, 2)}`;
    // Where the time went, in the suite's output whether it passes or not (the bound is 10 s a case).
    console.log(
      `${lines.filter((line) => !line.includes('slowest')).join('\n')}\nbad-input (CHAOS_SEED=${result.seed}) in ${Math.round(result.durationMs / 1000)} s; slowest: ${Object.entries(
        result.slowest,
      )
        .map(([surface, cases]) => `${surface} ${cases.map((c) => `${c.ms} ms ${c.target} -> ${c.answer}`).join(', ')}`)
        .join('; ')}`,
    );

    // The exact number of cases per surface, worked out here (a failing case is shrunk with more runs).
    const size = BAD_INPUT_SIZES.ci;
    const routes = Number(/cases on (\d+) routes/.exec(report)?.[1]);
    expect(routes).toBeGreaterThanOrEqual(80); // the gateway's routes today: 82, each method counted
    const commands = cliCommands().filter((command) => !(command.name in CLI_SKIPPED)).length;
    expect(commands).toBeGreaterThanOrEqual(80);
    const cliCases = commands * size.runsPerCommand;
    const ok = (what: string, n: number) => ({ what, expected: n, observed: n, duplicates: 0, lost: 0 });
    // Failures first: a diff names each failing case, not only a count off by one.
    expect({ failures: result.failures.map(failureLine), counts: result.counts, report }).toEqual({
      failures: [],
      counts: [
        ok('http cases answered without 5xx, hang or crash', routes * size.runsPerRoute),
        ok('cli cases answered without 5xx, hang or crash', cliCases),
        ok('cli (child processes) cases answered without 5xx, hang or crash', Math.ceil(cliCases / size.childEvery)),
        ok('files cases answered without 5xx, hang or crash', FILE_FORMATS.length * size.runsPerFormat),
        ok('store rows written by refused requests', 0),
        ok('workflows started by refused requests', 0),
      ],
      report,
    });
    expect({ failed: result.checks.filter((check) => !check.ok), report }).toEqual({ failed: [], report });
    expect(result).toMatchObject({ ok: true, duplicates: 0, lost: 0 });
    // Refusals were what was exercised, not the happy path: most HTTP cases are 4xx, most command lines exit 2.
    const answers = result.checks.find((check) => check.name.startsWith('how cases were answered'))?.detail ?? '';
    expect(answers).toMatch(/http \{[^}]*"400":\d{3,}/);
    expect(answers).toMatch(/cli \{[^}]*"2":\d{2,}/);
  }, 900_000);
});
