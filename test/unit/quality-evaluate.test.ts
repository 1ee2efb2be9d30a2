import { parseBenchResults, benchBaseline, regressionPercent } from '../../domain/quality/bench-results';
import { parseCoverageReport } from '../../domain/quality/coverage-report';
import { evaluateQuality } from '../../domain/quality/evaluate-quality';
import { parseJUnitReport } from '../../domain/quality/junit-report';
import { qualityVerdictMarkdown, remediationText } from '../../domain/quality/verdict-markdown';
import type { BenchResults } from '../../domain/quality/quality-types';
import type { PatchCoverage } from '../../domain/quality/report-types';
import { InputError } from '../../domain/validation';

const run = (value: number, better: 'lower' | 'higher' = 'lower'): BenchResults => ({
  build: { value, unit: 'ms', better },
});

describe('benchmark results and baseline', () => {
  it('reads the benchmark JSON and refuses wrong shapes naming the file and field', () => {
    expect(parseBenchResults('{"parse": {"value": 12.5, "unit": "ms", "better": "lower"}}', 'bench.json')).toEqual({
      parse: { value: 12.5, unit: 'ms', better: 'lower' },
    });
    expect(() => parseBenchResults('{"parse": {"value": 1, "better": "faster"}}', 'bench.json')).toThrow(
      /^bench\.json: not benchmark results: parse\.better: /,
    );
    expect(() => parseBenchResults('{"parse": {"better": "lower"}}', 'bench.json')).toThrow(/parse\.value/);
    expect(() => parseBenchResults('{}', 'bench.json')).toThrow(new InputError('bench.json: no benchmark in the file'));
    expect(() => parseBenchResults('{"parse": {"value": 1,', 'bench.json')).toThrow(/^bench\.json: not valid JSON/);
    expect(() => parseBenchResults('', 'bench.json')).toThrow(new InputError('bench.json: empty file'));
  });

  it('takes the median of the green runs, per benchmark, so one noisy run does not move it', () => {
    expect(benchBaseline([run(100), run(400), run(110)]).build!.value).toBe(110);
    expect(benchBaseline([run(100), run(120), run(900), run(110)]).build!.value).toBe(115);
    const partial = benchBaseline([run(10), { other: { value: 5, better: 'higher' } }]);
    expect(partial).toEqual({
      build: { value: 10, unit: 'ms', better: 'lower' },
      other: { value: 5, better: 'higher' },
    });
    expect(benchBaseline([])).toEqual({});
  });

  it('measures regression as the worse direction in percent of the baseline', () => {
    expect(regressionPercent(110, 100, 'lower')).toBe(10);
    expect(regressionPercent(90, 100, 'lower')).toBe(-10);
    expect(regressionPercent(90, 100, 'higher')).toBe(10);
    expect(regressionPercent(125, 100, 'higher')).toBe(-25);
    expect(regressionPercent(1, 3, 'lower')).toBe(-66.67);
    expect(regressionPercent(5, 0, 'lower')).toBeNull();
    expect(regressionPercent(0, 0, 'lower')).toBe(0);
  });
});

describe('evaluateQuality', () => {
  const coverage = parseCoverageReport(
    `SF:/ci/a.ts\n${Array.from({ length: 10 }, (_, i) => `DA:${i + 1},${i < 7 ? 1 : 0}`).join('\n')}\nBRDA:1,0,0,1\nBRDA:1,0,1,0\nend_of_record\n`,
    'lcov.info',
  );
  const tests = parseJUnitReport(
    '<testsuite><testcase classname="m" name="ok"/><testcase classname="m" name="bad"><failure message="boom"/></testcase></testsuite>',
    'junit.xml',
  );

  it('passes and fails each check with its numbers, named as the contract says', () => {
    const patch: PatchCoverage = { covered: 1, total: 4, percent: 25, uncovered: [{ file: 'a.ts', lines: [3, 4, 5] }] };
    const verdict = evaluateQuality({
      coverage,
      tests,
      patch,
      bench: {
        build: { value: 130, unit: 'ms', better: 'lower' },
        rps: { value: 950, better: 'higher' },
        fresh: { value: 1, better: 'lower' },
      },
      baseline: { build: { value: 100, unit: 'ms', better: 'lower' }, rps: { value: 1000, better: 'higher' } },
      thresholds: {
        coverage: { lines: 70, branches: 60, patch: 80 },
        tests: { maxFailed: 0 },
        benchmarks: { maxRegressionPercent: 10 },
      },
    });
    expect(verdict.verdict).toBe('fail');
    expect(verdict.checks).toEqual([
      { name: 'coverage.lines', passed: true, actual: 70, required: 70, detail: '7 of 10 lines covered' },
      { name: 'coverage.branches', passed: false, actual: 50, required: 60, detail: '1 of 2 branches covered' },
      {
        name: 'coverage.patch',
        passed: false,
        actual: 25,
        required: 80,
        detail: '1 of 4 changed lines covered; not covered: a.ts 3-5',
      },
      { name: 'tests.failed', passed: false, actual: 1, required: 0, detail: '1 of 2 tests failed: m > bad' },
      {
        name: 'bench.build',
        passed: false,
        actual: 30,
        required: 10,
        baseline: 100,
        detail: '130 ms against a baseline of 100 ms (lower is better)',
      },
      {
        name: 'bench.rps',
        passed: true,
        actual: 5,
        required: 10,
        baseline: 1000,
        detail: '950 against a baseline of 1000 (higher is better)',
      },
      { name: 'bench.fresh', passed: true, actual: null, required: 10, detail: 'no baseline yet' },
    ]);
  });

  it('checks nothing a threshold does not name; no thresholds is a pass with no checks', () => {
    expect(
      evaluateQuality({ coverage, tests, thresholds: { coverage: { lines: 50 } } }).checks.map((c) => c.name),
    ).toEqual(['coverage.lines']);
    expect(evaluateQuality({ thresholds: {} })).toEqual({ verdict: 'pass', checks: [] });
  });

  it('fails a threshold whose report is missing, never a silent pass; patch without a diff is marked not measured', () => {
    const verdict = evaluateQuality({
      thresholds: {
        coverage: { lines: 1, patch: 50 },
        tests: { maxFailed: 3 },
        benchmarks: { maxRegressionPercent: 5 },
      },
    });
    expect(verdict.verdict).toBe('fail');
    expect(verdict.checks.map((c) => [c.name, c.passed, c.detail])).toEqual([
      ['coverage.lines', false, 'no coverage report'],
      ['coverage.patch', true, 'not measured: no diff against a base'],
      ['tests.failed', false, 'no test report'],
      ['bench', false, 'no benchmark results'],
    ]);
  });

  it('fails a test report without a single case: it ran nothing', () => {
    const empty = parseJUnitReport('<testsuites><testsuite name="none"/></testsuites>', 'junit.xml');
    expect(evaluateQuality({ tests: empty, thresholds: { tests: { maxFailed: 0 } } })).toEqual({
      verdict: 'fail',
      checks: [
        { name: 'tests.failed', passed: false, actual: 0, required: 0, detail: 'the test report has no test case' },
      ],
    });
  });

  it('patch coverage: no executable line changed passes; an unmeasurable report fails', () => {
    const none = evaluateQuality({
      patch: { covered: 0, total: 0, percent: null, uncovered: [] },
      thresholds: { coverage: { patch: 90 } },
    });
    expect(none.checks[0]).toMatchObject({ passed: true, actual: null, detail: 'no executable lines changed' });
    const summary = evaluateQuality({
      patch: { covered: 0, total: 0, percent: null, uncovered: [], unmeasured: 'no per-line hits' },
      thresholds: { coverage: { patch: 90 } },
    });
    expect(summary.verdict).toBe('fail');
  });

  it('reports flaky tests apart: failed in an earlier attempt, passing now', () => {
    const earlier = parseJUnitReport(
      '<testsuite><testcase classname="m" name="ok"><failure/></testcase><testcase classname="m" name="bad"/></testsuite>',
      'junit.xml',
    );
    const verdict = evaluateQuality({ tests, earlierTests: [earlier], thresholds: { tests: { maxFailed: 1 } } });
    expect(verdict).toMatchObject({ verdict: 'pass', flaky: ['m > ok'] });
  });

  it('reads as markdown for the PR comment and as text for the remediation, with numbers and baseline', () => {
    const verdict = evaluateQuality({
      coverage,
      bench: run(130),
      baseline: run(100),
      thresholds: { coverage: { lines: 80 }, benchmarks: { maxRegressionPercent: 10 } },
    });
    const markdown = qualityVerdictMarkdown({ ...verdict, flaky: ['m > ok'] }, { link: 'http://ci/runs/1' });
    expect(markdown).toContain('### ❌ Quality gate failed');
    expect(markdown).toContain('| `coverage.lines` | ❌ fail | 70% | >= 80% |  | 7 of 10 lines covered |');
    expect(markdown).toContain('| `bench.build` | ❌ fail | +30% | <= +10% | 100 |');
    expect(markdown).toContain('- coverage.lines: 70% (required >= 80%): 7 of 10 lines covered');
    expect(markdown).toContain('**Flaky tests**');
    expect(markdown).toContain('[Run details](http://ci/runs/1)');
    expect(remediationText(verdict)).toBe(
      [
        'Quality gate failed: 2 condition(s) not met.',
        '- coverage.lines: 70% (required >= 80%): 7 of 10 lines covered',
        '- bench.build: +30% (required <= +10%, baseline 100): 130 ms against a baseline of 100 ms (lower is better)',
      ].join('\n'),
    );
    expect(qualityVerdictMarkdown({ verdict: 'pass', checks: [] })).toContain('nothing was checked');
  });
});
