import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inputErrorOf } from '../support/input-error';
import { mergeTestReports, parseJUnitReport } from '../../domain/quality/junit-report';
import { flakyTests } from '../../domain/quality/flaky-tests';

const fixture = (name: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'quality', name), 'utf8');

/** The InputError message `parse` throws (fails the test when it throws none). */
const refusal = (parse: () => unknown): string => inputErrorOf(parse).message;

describe('JUnit reports', () => {
  it("reads node's --test-reporter=junit output: nested suites and top-level cases", () => {
    const report = parseJUnitReport(fixture('node-junit.xml'), 'junit.xml');
    expect(report).toMatchObject({ sources: ['junit.xml'], tests: 5, passed: 3, failed: 1, errors: 0, skipped: 1 });
    // A suite's own cases come before those of the suites in it.
    expect(report.cases.map((c) => [c.id, c.status])).toEqual([
      ['test > top-level passes', 'passed'],
      ['test > adds', 'passed'],
      ['test > divides', 'passed'],
      ['test > fails on purpose', 'failed'],
      ['test > is skipped', 'skipped'],
    ]);
    const failed = report.cases[3]!;
    expect(failed.message).toBe('Expected values to be strictly equal:2 !== 3');
    expect(failed.durationMs).toBe(3);
  });

  it('reads the jest-junit shape: suites per file, errors apart from failures, the name as the id', () => {
    const report = parseJUnitReport(fixture('jest-junit.xml'), 'reports/jest-junit.xml');
    expect(report).toMatchObject({ tests: 5, passed: 2, failed: 1, errors: 1, skipped: 1 });
    expect(report.cases.find((c) => c.status === 'error')).toMatchObject({
      id: 'strings pads',
      message: 'TypeError: pad is not a function',
    });
    expect(report.cases.find((c) => c.status === 'failed')!.message).toBe(
      'Error: expect(received).toBe(expected) // Object.is equality',
    );
  });

  it('reads a lone <testsuite> root and an empty <testsuites/>', () => {
    expect(parseJUnitReport('<testsuite name="s"><testcase name="a"/></testsuite>', 'j.xml').passed).toBe(1);
    expect(parseJUnitReport('<?xml version="1.0"?>\n<testsuites/>', 'j.xml').tests).toBe(0);
  });

  it('refuses an empty file, XML cut mid-way (with its line), another root, a case without a name', () => {
    expect(refusal(() => parseJUnitReport('', 'junit.xml'))).toBe('junit.xml: empty file');
    const text = fixture('node-junit.xml');
    expect(
      refusal(() => parseJUnitReport(text.slice(0, text.indexOf('<testcase name="is skipped"')), 'junit.xml')),
    ).toMatch(/^junit\.xml: line \d+: not well-formed XML: /);
    expect(refusal(() => parseJUnitReport('<coverage/>', 'junit.xml'))).toBe(
      'junit.xml: not a JUnit report: the root element is neither <testsuites> nor <testsuite>',
    );
    expect(
      refusal(() => parseJUnitReport('<testsuites><testsuite><testcase/></testsuite></testsuites>', 'j.xml')),
    ).toBe('j.xml: testcase 1: no name attribute');
    expect(refusal(() => parseJUnitReport('not xml at all', 'j.xml'))).toMatch(/^j\.xml: line 1: not well-formed XML/);
  });

  it('merges several files into one report', () => {
    const merged = mergeTestReports([
      parseJUnitReport(fixture('node-junit.xml'), 'a.xml'),
      parseJUnitReport(fixture('jest-junit.xml'), 'b.xml'),
    ]);
    expect(merged).toMatchObject({ sources: ['a.xml', 'b.xml'], tests: 10, failed: 2, errors: 1, skipped: 2 });
  });
});

describe('flaky tests', () => {
  const report = (cases: Record<string, 'passed' | 'failed' | 'error' | 'skipped'>) =>
    parseJUnitReport(
      `<testsuite>${Object.entries(cases)
        .map(([name, status]) =>
          status === 'passed'
            ? `<testcase name="${name}"/>`
            : `<testcase name="${name}"><${status === 'error' ? 'error' : status === 'failed' ? 'failure' : 'skipped'}/></testcase>`,
        )
        .join('')}</testsuite>`,
      'j.xml',
    );

  it('are those that failed in an earlier attempt of the sha and pass now; failing now is a failure', () => {
    const first = report({ a: 'failed', b: 'passed', c: 'failed', d: 'error' });
    const second = report({ a: 'passed', b: 'failed', c: 'passed', d: 'skipped' });
    const third = report({ a: 'passed', b: 'passed', c: 'failed', d: 'passed' });
    expect(flakyTests([first], second)).toEqual(['a', 'c']);
    expect(flakyTests([first, second], third)).toEqual(['a', 'b', 'd']);
    expect(flakyTests([], third)).toEqual([]);
  });
});
