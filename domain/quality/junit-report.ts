import { InputError } from '../validation';
import type { TestCase, TestReport, TestStatus } from './report-types';
import { childrenOf, parseXmlReport } from './xml-input';

/**
 * JUnit XML: `<testsuites>` or a lone `<testsuite>`, suites nested (node's `--test-reporter=junit`
 * nests describe blocks and puts top-level tests straight under `<testsuites>`; jest-junit has one
 * suite per file). A case is failed with a `<failure>`, error with an `<error>`, skipped with a
 * `<skipped>`, passed otherwise. Counts come from the cases, not the suites' own attributes. Order: a
 * suite's own cases, then those of the suites in it (the parser groups elements by tag).
 */
export function parseJUnitReport(text: string, fileName: string): TestReport {
  const document = parseXmlReport(text, fileName, ['testsuite', 'testcase']);
  const root = 'testsuites' in document ? document.testsuites : 'testsuite' in document ? document : undefined;
  if (root === undefined)
    throw new InputError(`${fileName}: not a JUnit report: the root element is neither <testsuites> nor <testsuite>`);
  const cases: TestCase[] = [];
  const visit = (node: unknown) => {
    for (const testcase of childrenOf(node, 'testcase')) cases.push(caseOf(testcase, fileName, cases.length));
    for (const suite of childrenOf(node, 'testsuite')) visit(suite);
  };
  visit(root);
  return reportOfCases(cases, [fileName]);
}

function caseOf(testcase: Record<string, unknown>, fileName: string, index: number): TestCase {
  if (typeof testcase.name !== 'string' || testcase.name === '')
    throw new InputError(`${fileName}: testcase ${index + 1}: no name attribute`);
  const classname =
    typeof testcase.classname === 'string' && testcase.classname !== '' ? testcase.classname : undefined;
  const status: TestStatus =
    'failure' in testcase ? 'failed' : 'error' in testcase ? 'error' : 'skipped' in testcase ? 'skipped' : 'passed';
  const seconds = Number(testcase.time);
  const message =
    status === 'failed' || status === 'error'
      ? messageOf(testcase[status === 'failed' ? 'failure' : 'error'])
      : undefined;
  return {
    // jest-junit repeats the name as the classname by default: the id is then the name alone.
    id: classname && classname !== testcase.name ? `${classname} > ${testcase.name}` : testcase.name,
    name: testcase.name,
    ...(classname ? { classname } : {}),
    status,
    ...(typeof testcase.time === 'string' && Number.isFinite(seconds)
      ? { durationMs: Math.round(seconds * 1000) }
      : {}),
    ...(message ? { message } : {}),
  };
}

/** The first line of a failure's message attribute or text. */
function messageOf(element: unknown): string | undefined {
  const first = Array.isArray(element) ? element[0] : element;
  const text =
    typeof first === 'string'
      ? first
      : first && typeof first === 'object'
        ? String((first as Record<string, unknown>).message ?? (first as Record<string, unknown>)['#text'] ?? '')
        : '';
  const line = text
    .split('\n')
    .map((part) => part.trim())
    .find((part) => part !== '');
  return line?.slice(0, 300);
}

function reportOfCases(cases: TestCase[], sources: string[]): TestReport {
  const count = (status: TestStatus) => cases.filter((c) => c.status === status).length;
  return {
    sources,
    tests: cases.length,
    passed: count('passed'),
    failed: count('failed'),
    errors: count('error'),
    skipped: count('skipped'),
    cases,
  };
}

/** Several JUnit files (one per package or shard) as one report. */
export function mergeTestReports(reports: TestReport[]): TestReport {
  if (reports.length === 0) throw new InputError('junit: no report to merge');
  if (reports.length === 1) return reports[0]!;
  return reportOfCases(
    reports.flatMap((report) => report.cases),
    reports.flatMap((report) => report.sources),
  );
}
