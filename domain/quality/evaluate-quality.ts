import { regressionPercent } from './bench-results';
import { percentOf } from './coverage-files';
import { flakyTests } from './flaky-tests';
import { lineRanges } from './line-ranges';
import type { BenchResults, QualityCheck, QualityThresholds, QualityVerdict } from './quality-types';
import type { Counts, CoverageReport, PatchCoverage, TestReport } from './report-types';

export interface QualityInputs {
  coverage?: CoverageReport;
  tests?: TestReport;
  bench?: BenchResults;
  /** Median of the last green runs of the service and base branch (benchBaseline). */
  baseline?: BenchResults;
  patch?: PatchCoverage;
  /** Test reports of earlier attempts of the same sha: tests that failed there and pass now are flaky. */
  earlierTests?: TestReport[];
  thresholds: QualityThresholds;
}

/**
 * The gate's verdict: one check per threshold given (absent: not checked), failed when any check
 * fails. A threshold whose report is missing or measured nothing fails (a pipeline that lost its
 * coverage report must not pass), except patch coverage, which needs a base to diff against and is
 * marked not measured.
 */
export function evaluateQuality(inputs: QualityInputs): QualityVerdict {
  const { thresholds } = inputs;
  const checks: QualityCheck[] = [];
  const coverage = thresholds.coverage ?? {};
  if (coverage.lines !== undefined) checks.push(coverageCheck('lines', inputs.coverage, coverage.lines));
  if (coverage.branches !== undefined) checks.push(coverageCheck('branches', inputs.coverage, coverage.branches));
  if (coverage.patch !== undefined) checks.push(patchCheck(inputs.patch, coverage.patch));
  if (thresholds.tests?.maxFailed !== undefined) checks.push(testsCheck(inputs.tests, thresholds.tests.maxFailed));
  const maxRegression = thresholds.benchmarks?.maxRegressionPercent;
  if (maxRegression !== undefined) checks.push(...benchChecks(inputs.bench, inputs.baseline, maxRegression));
  const flaky = inputs.tests && inputs.earlierTests?.length ? flakyTests(inputs.earlierTests, inputs.tests) : [];
  return {
    verdict: checks.every((check) => check.passed) ? 'pass' : 'fail',
    checks,
    ...(flaky.length ? { flaky } : {}),
  };
}

function coverageCheck(kind: 'lines' | 'branches', report: CoverageReport | undefined, required: number): QualityCheck {
  const name = `coverage.${kind}`;
  if (!report) return { name, passed: false, actual: null, required, detail: 'no coverage report' };
  const counts: Counts = report[kind];
  const actual = percentOf(counts);
  if (actual === null)
    // Code without a branch is fine; a report without a single executable line measured nothing.
    return kind === 'branches'
      ? { name, passed: true, actual, required, detail: 'no branches in the covered code' }
      : { name, passed: false, actual, required, detail: 'the coverage report has no executable lines' };
  return {
    name,
    passed: actual >= required,
    actual,
    required,
    detail: `${counts.covered} of ${counts.total} ${kind} covered`,
  };
}

function patchCheck(patch: PatchCoverage | undefined, required: number): QualityCheck {
  const name = 'coverage.patch';
  if (!patch) return { name, passed: true, actual: null, required, detail: 'not measured: no diff against a base' };
  if (patch.unmeasured) return { name, passed: false, actual: null, required, detail: patch.unmeasured };
  if (patch.percent === null)
    return { name, passed: true, actual: null, required, detail: 'no executable lines changed' };
  const missed = patch.uncovered.slice(0, 10).map((file) => `${file.file} ${lineRanges(file.lines)}`);
  const more = patch.uncovered.length > 10 ? `; ${patch.uncovered.length - 10} more files` : '';
  return {
    name,
    passed: patch.percent >= required,
    actual: patch.percent,
    required,
    detail:
      `${patch.covered} of ${patch.total} changed lines covered` +
      (missed.length ? `; not covered: ${missed.join('; ')}${more}` : ''),
  };
}

function testsCheck(tests: TestReport | undefined, required: number): QualityCheck {
  const name = 'tests.failed';
  if (!tests) return { name, passed: false, actual: null, required, detail: 'no test report' };
  // A report without a single case ran nothing (or lost its cases): not a pass.
  if (tests.tests === 0)
    return { name, passed: false, actual: 0, required, detail: 'the test report has no test case' };
  const actual = tests.failed + tests.errors;
  const failing = tests.cases.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => c.id);
  const listed = failing.slice(0, 5).join('; ') + (failing.length > 5 ? `; ${failing.length - 5} more` : '');
  return {
    name,
    passed: actual <= required,
    actual,
    required,
    detail: `${actual} of ${tests.tests} tests failed${tests.errors ? ` (${tests.errors} with errors)` : ''}${listed ? `: ${listed}` : ''}`,
  };
}

function benchChecks(
  bench: BenchResults | undefined,
  baseline: BenchResults | undefined,
  required: number,
): QualityCheck[] {
  if (!bench) return [{ name: 'bench', passed: false, actual: null, required, detail: 'no benchmark results' }];
  return Object.entries(bench).map(([benchmark, result]): QualityCheck => {
    const name = `bench.${benchmark}`;
    const base = baseline?.[benchmark];
    const unit = result.unit ? ` ${result.unit}` : '';
    if (!base) return { name, passed: true, actual: null, required, detail: 'no baseline yet' };
    const actual = regressionPercent(result.value, base.value, result.better);
    const detail = `${result.value}${unit} against a baseline of ${base.value}${unit} (${result.better} is better)`;
    if (actual === null)
      return {
        name,
        passed: false,
        actual,
        required,
        baseline: base.value,
        detail: `${detail}: worse than a baseline of 0`,
      };
    return { name, passed: actual <= required, actual, required, baseline: base.value, detail };
  });
}
