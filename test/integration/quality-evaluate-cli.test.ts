// `arxflow quality evaluate` as a user (or a CI script) runs it: the real binary, its exit codes and
// its JSON. The behaviour in detail is tested in process (test/unit/quality-evaluate-command.test.ts).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runArxflow } from '../support/cli-process';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'quality');
const fixture = (name: string) => path.join(FIXTURES, name);

describe('arxflow quality evaluate (the binary)', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'arxflow-quality-cli-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on a pass, 1 on a fail, 2 on a truncated or missing report; prints the contract JSON', async () => {
    const thresholds = file(
      'quality.yml',
      'coverage:\n  lines: 70\n  branches: 60\ntests:\n  maxFailed: 0\nbenchmarks:\n  maxRegressionPercent: 10\n',
    );
    const lenient = file('lenient.yml', 'coverage: { lines: 50 }\ntests: { maxFailed: 1 }\n');
    const bench = file('bench.json', JSON.stringify({ parse: { value: 130, unit: 'ms', better: 'lower' } }));
    const baseline = file('baseline.json', JSON.stringify({ parse: { value: 100, unit: 'ms', better: 'lower' } }));
    const cobertura = readFileSync(fixture('cobertura-coverage.xml'), 'utf8');
    const truncated = file('cobertura-cut.xml', cobertura.slice(0, Math.floor(cobertura.length / 2)));
    const [pass, fail, cut, missing] = await Promise.all([
      runArxflow(
        ['quality', 'evaluate', '--coverage', fixture('node-lcov.info'), '--junit', fixture('node-junit.xml')].concat([
          '--thresholds',
          lenient,
          '--json',
        ]),
        {},
      ),
      runArxflow(
        ['quality', 'evaluate', '--coverage', fixture('node-lcov.info'), '--junit', fixture('node-junit.xml')].concat([
          '--bench',
          bench,
          '--baseline',
          baseline,
          '--thresholds',
          thresholds,
          '--json',
        ]),
        {},
      ),
      runArxflow(['quality', 'evaluate', '--coverage', truncated, '--thresholds', lenient, '--json'], {}),
      runArxflow(['quality', 'evaluate', '--junit', path.join(dir, 'nope.xml'), '--thresholds', lenient, '--json'], {}),
    ]);

    expect(pass.status).toBe(0);
    expect(JSON.parse(pass.stdout)).toEqual({
      verdict: 'pass',
      checks: [
        { name: 'coverage.lines', passed: true, actual: 75, required: 50, detail: '18 of 24 lines covered' },
        {
          name: 'tests.failed',
          passed: true,
          actual: 1,
          required: 1,
          detail: '1 of 5 tests failed: test > fails on purpose',
        },
      ],
    });

    expect(fail.status).toBe(1);
    const failed = JSON.parse(fail.stdout);
    expect(failed.verdict).toBe('fail');
    expect(failed.checks.map((c: { name: string; passed: boolean }) => [c.name, c.passed])).toEqual([
      ['coverage.lines', true],
      ['coverage.branches', true],
      ['tests.failed', false],
      ['bench.parse', false],
    ]);
    expect(failed.checks[3]).toMatchObject({ actual: 30, required: 10, baseline: 100 });
    expect(fail.stderr).toContain('quality gate failed: tests.failed, bench.parse');

    expect(cut.status).toBe(2);
    expect(cut.stdout).toBe('');
    expect(cut.stderr).toMatch(/cobertura-cut\.xml: line \d+: not well-formed XML/);

    expect(missing.status).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('nope.xml: no such file');
  });
});
