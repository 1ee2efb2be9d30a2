import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runArxflowInProcess } from '../support/cli-in-process';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'quality');

/** `arxflow quality evaluate ...args` in this process: exit code, what it printed, its error. */
async function evaluate(args: string[]): Promise<{ code: number; stdout: string; error: string }> {
  const { status, stdout, stderr } = await runArxflowInProcess(['quality', 'evaluate', ...args]);
  return { code: status ?? -1, stdout, error: stderr.replace(/^arxflow: /, '') };
}

describe('arxflow quality evaluate (in process)', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };
  const fixture = (name: string) => path.join(FIXTURES, name);
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'arxflow-quality-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('merges several coverage and JUnit files and passes with the numbers of all of them', async () => {
    const thresholds = file('pass.yml', 'coverage: { lines: 60, branches: 60 }\ntests: { maxFailed: 3 }\n');
    const result = await evaluate([
      ...['--coverage', fixture('node-lcov.info'), '--coverage', fixture('cobertura-coverage.xml')],
      ...['--junit', fixture('node-junit.xml'), '--junit', fixture('jest-junit.xml')],
      ...['--thresholds', thresholds, '--json'],
    ]);
    expect(result.code).toBe(0);
    const verdict = JSON.parse(result.stdout);
    expect(verdict.verdict).toBe('pass');
    // src/math.js appears in both (relative in each): its hits add up; the test file comes from lcov only.
    expect(verdict.checks[0]).toMatchObject({ name: 'coverage.lines', actual: 75, detail: '18 of 24 lines covered' });
    // node's 1 failure, jest-junit's failure and error.
    expect(verdict.checks[2]).toMatchObject({ name: 'tests.failed', actual: 3, required: 3, passed: true });
  });

  it('adds coverage.patch from --diff and fails naming the uncovered changed lines', async () => {
    const diff = file(
      'change.diff',
      'diff --git a/src/math.js b/src/math.js\n--- a/src/math.js\n+++ b/src/math.js\n@@ -5,0 +6,3 @@\n+x\n+y\n+z\n',
    );
    const thresholds = file('patch.yml', 'coverage: { patch: 50 }\n');
    const result = await evaluate([
      '--coverage',
      fixture('node-lcov.info'),
      '--diff',
      diff,
      '--thresholds',
      thresholds,
      '--json',
    ]);
    expect(result.code).toBe(1);
    expect(result.error).toBe('quality gate failed: coverage.patch');
    expect(JSON.parse(result.stdout).checks).toEqual([
      {
        name: 'coverage.patch',
        passed: false,
        actual: 33.33,
        required: 50,
        detail: '1 of 3 changed lines covered; not covered: src/math.js 6-7',
      },
    ]);
  });

  it('prints a table and the verdict without --json', async () => {
    const thresholds = file('bench.yml', 'benchmarks: { maxRegressionPercent: 10 }\n');
    const bench = file('bench.json', '{"parse": {"value": 105, "unit": "ms", "better": "lower"}}');
    const baseline = file('baseline.json', '{"parse": {"value": 100, "unit": "ms", "better": "lower"}}');
    const result = await evaluate(['--bench', bench, '--baseline', baseline, '--thresholds', thresholds]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/bench\.parse\s+pass\s+\+5%\s+<= \+10%\s+100\s+105 ms against a baseline of 100 ms/);
    expect(result.stdout).toMatch(/verdict: pass$/);
  });

  it('exits 2 naming the file and the problem, before evaluating anything', async () => {
    const thresholds = file('t.yml', 'coverage: { lines: 1 }\n');
    const truncated = file('cut.info', readFileSync(fixture('node-lcov.info'), 'utf8').slice(0, 200));
    const cases: [string[], RegExp][] = [
      [['--coverage', path.join(dir, 'absent.info'), '--thresholds', thresholds], /absent\.info: no such file$/],
      [
        ['--coverage', truncated, '--thresholds', thresholds],
        /cut\.info: line 21: DA: hit count missing \(a line cut short\?\)$/,
      ],
      [['--coverage', file('empty.info', ''), '--thresholds', thresholds], /empty\.info: empty file$/],
      [
        ['--junit', file('j.xml', '<testsuites><testsuite>'), '--thresholds', thresholds],
        /j\.xml: line 1: not well-formed XML/,
      ],
      [
        ['--coverage', fixture('node-lcov.info'), '--thresholds', file('bad.yml', 'coverage:\n  lines: 101\n')],
        /bad\.yml: coverage\.lines: .* \(line 2\)$/,
      ],
      [['--coverage', fixture('node-lcov.info'), '--thresholds', dir], /a directory, not a file$/],
      // Read whole before: /dev/zero as thresholds aborted the process (std::bad_alloc) in the bad-input chaos run.
      [
        ['--coverage', fixture('node-lcov.info'), '--thresholds', '/dev/zero'],
        /^\/dev\/zero: a character device, not a file$/,
      ],
      [['--junit', '/dev/zero', '--thresholds', thresholds], /^\/dev\/zero: a character device, not a file$/],
      [['--diff', file('d.diff', ''), '--thresholds', thresholds], /^--diff: patch coverage needs a --coverage report/],
      [['--coverage', fixture('node-lcov.info')], /thresholds/],
    ];
    for (const [args, message] of cases) {
      const result = await evaluate(args);
      expect([args, result.code]).toEqual([args, 2]);
      expect(result.error).toMatch(message);
      expect(result.stdout).toBe('');
    }
  });
});
