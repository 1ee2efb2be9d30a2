import type { TestReport } from './report-types';

/**
 * Tests that failed (or errored) in an earlier attempt of the same sha and pass now: flaky, reported
 * apart from real failures. A test that fails now is a failure, whatever it did before.
 */
export function flakyTests(earlier: TestReport[], current: TestReport): string[] {
  const failedBefore = new Set(
    earlier.flatMap((report) =>
      report.cases.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => c.id),
    ),
  );
  const flaky = current.cases.filter((c) => c.status === 'passed' && failedBefore.has(c.id)).map((c) => c.id);
  return [...new Set(flaky)].sort();
}
