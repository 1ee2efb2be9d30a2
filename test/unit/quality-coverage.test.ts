import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inputErrorOf } from '../support/input-error';
import { parseCoverageReport } from '../../domain/quality/coverage-report';
import { mergeCoverage, percentOf } from '../../domain/quality/coverage-files';

const fixture = (name: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'quality', name), 'utf8');

/** The InputError message `parse` throws (fails the test when it throws none). */
const refusal = (parse: () => unknown): string => inputErrorOf(parse).message;

describe('coverage reports', () => {
  it("reads node's lcov output with per-line hits, totals from the DA and BRDA lines", () => {
    const report = parseCoverageReport(fixture('node-lcov.info'), 'coverage/lcov.info');
    expect(report.formats).toEqual(['lcov']);
    expect(report.files.map((f) => f.path)).toEqual(['src/math.js', 'test/math.test.js']);
    const math = report.files[0]!;
    expect(math.lines).toEqual({ covered: 8, total: 14 });
    expect(math.branches).toEqual({ covered: 3, total: 4 });
    expect(math.lineHits![1]).toBe(2);
    expect(math.lineHits![6]).toBe(0);
    expect(report.lines).toEqual({ covered: 18, total: 24 });
    expect(report.branches).toEqual({ covered: 9, total: 10 });
    expect(percentOf(report.lines)).toBe(75);
  });

  it('reads Cobertura XML (only class lines, not method lines) with branches from condition-coverage', () => {
    const report = parseCoverageReport(fixture('cobertura-coverage.xml'), 'coverage/cobertura-coverage.xml');
    expect(report.formats).toEqual(['cobertura']);
    expect(report.lines).toEqual({ covered: 8, total: 14 });
    expect(report.branches).toEqual({ covered: 2, total: 3 });
    expect(report.files[0]!.path).toBe('src/math.js');
    expect(report.files[0]!.lineHits![5]).toBe(1);
    expect(percentOf(report.lines)).toBe(57.14);
  });

  it("reads istanbul's coverage-summary.json: totals and per-file counts, no per-line hits", () => {
    const report = parseCoverageReport(fixture('coverage-summary.json'), 'coverage/coverage-summary.json');
    expect(report.formats).toEqual(['istanbul-summary']);
    expect(report.lines).toEqual({ covered: 8, total: 14 });
    expect(report.branches).toEqual({ covered: 2, total: 3 });
    expect(report.files).toEqual([
      { path: '/home/ci/app/src/math.js', lines: { covered: 8, total: 14 }, branches: { covered: 2, total: 3 } },
    ]);
  });

  it('falls back to LF/LH and BRF/BRH when a record has no DA lines', () => {
    const report = parseCoverageReport('SF:a.ts\nLF:10\nLH:4\nBRF:2\nBRH:1\nend_of_record\n', 'lcov.info');
    expect(report.lines).toEqual({ covered: 4, total: 10 });
    expect(report.branches).toEqual({ covered: 1, total: 2 });
  });

  it('refuses an empty file or whitespace in every format, naming the file', () => {
    expect(refusal(() => parseCoverageReport('', 'coverage/lcov.info'))).toBe('coverage/lcov.info: empty file');
    expect(refusal(() => parseCoverageReport(' \n\n', 'c.xml'))).toBe('c.xml: empty file');
  });

  it('refuses a truncated lcov file: a record with no end_of_record, naming its line and source', () => {
    const text = fixture('node-lcov.info');
    const cut = text.slice(0, text.lastIndexOf('end_of_record'));
    const message = refusal(() => parseCoverageReport(cut, 'coverage/lcov.info'));
    expect(message).toMatch(
      /^coverage\/lcov\.info: line 34: record for test\/math\.test\.js has no end_of_record \(the file ends at line 68\)$/,
    );
    expect(refusal(() => parseCoverageReport('SF:a.ts\nDA:1,1\nSF:b.ts\nend_of_record\n', 'l.info'))).toBe(
      'l.info: line 3: record for a.ts (line 1) has no end_of_record',
    );
  });

  it('refuses malformed lcov lines with their line numbers', () => {
    expect(refusal(() => parseCoverageReport('SF:a.ts\nDA:one,1\nend_of_record\n', 'l.info'))).toBe(
      'l.info: line 2: DA: line number is not a whole number: "one"',
    );
    expect(refusal(() => parseCoverageReport('TN:\nDA:1,1\n', 'l.info'))).toBe(
      'l.info: line 2: DA outside a record (no SF before it)',
    );
    expect(refusal(() => parseCoverageReport('SF:a.ts\nhello world\nend_of_record\n', 'l.info'))).toMatch(
      /^l\.info: line 2: not an lcov line/,
    );
    expect(refusal(() => parseCoverageReport('TN:\n', 'l.info'))).toBe('l.info: no SF record: not an lcov file');
  });

  it('refuses Cobertura cut mid-way, and XML that is not Cobertura', () => {
    const text = fixture('cobertura-coverage.xml');
    const message = refusal(() => parseCoverageReport(text.slice(0, text.indexOf('<line number="9"')), 'cov.xml'));
    expect(message).toMatch(/^cov\.xml: line \d+: not well-formed XML: /);
    expect(refusal(() => parseCoverageReport('<testsuites></testsuites>', 'cov.xml'))).toBe(
      'cov.xml: not a Cobertura report: no <coverage> root element',
    );
    expect(
      refusal(() =>
        parseCoverageReport(
          '<coverage><packages><package><classes><class filename="a.ts"><lines><line number="1" hits="x"/></lines></class></classes></package></packages></coverage>',
          'cov.xml',
        ),
      ),
    ).toBe('cov.xml: a.ts: line 1: hits: not a number: "x"');
  });

  it('refuses a summary cut off, a wrong shape, and coverage-final.json', () => {
    const text = fixture('coverage-summary.json');
    expect(refusal(() => parseCoverageReport(text.slice(0, 120), 's.json'))).toMatch(/^s\.json: not valid JSON/);
    expect(refusal(() => parseCoverageReport('{"total": {"lines": {"total": 3}}}', 's.json'))).toMatch(
      /^s\.json: not an istanbul coverage summary: total\.lines\.covered: .*total\.branches: /,
    );
    expect(refusal(() => parseCoverageReport('{"/a.js": {"path": "/a.js", "statementMap": {}}}', 's.json'))).toMatch(
      /coverage-final\.json/,
    );
  });

  it('refuses text in no known format', () => {
    expect(refusal(() => parseCoverageReport('hello\n', 'cov.txt'))).toBe(
      'cov.txt: not a coverage report: expected istanbul coverage-summary.json, lcov or Cobertura XML',
    );
  });

  it('merges reports: the same file adds its hits line by line, other files are added', () => {
    const unit = parseCoverageReport('SF:/ci/src/a.ts\nDA:1,1\nDA:2,0\nBRDA:1,0,0,0\nend_of_record\n', 'unit.info');
    const integration = parseCoverageReport(
      'SF:/ci/src/a.ts\nDA:1,0\nDA:2,3\nBRDA:1,0,0,-\nend_of_record\nSF:/ci/src/b.ts\nDA:1,0\nend_of_record\n',
      'integration.info',
    );
    const merged = mergeCoverage([unit, integration]);
    expect(merged.sources).toEqual(['unit.info', 'integration.info']);
    expect(merged.lines).toEqual({ covered: 2, total: 3 });
    expect(merged.branches).toEqual({ covered: 0, total: 1 });
    expect(merged.files.find((f) => f.path === '/ci/src/a.ts')!.lineHits).toEqual({ 1: 1, 2: 3 });
    expect(inputErrorOf(() => mergeCoverage([])).message).toBe('coverage: no report to merge');
  });
});
