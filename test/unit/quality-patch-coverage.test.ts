import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputError } from '../../domain/validation';
import { parseCoverageReport } from '../../domain/quality/coverage-report';
import { patchCoverage } from '../../domain/quality/patch-coverage';

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

describe('patch coverage on a real git diff', () => {
  let repo: string;
  let diff: string;

  beforeAll(() => {
    repo = mkdtempSync(path.join(tmpdir(), 'arxflow-patch-'));
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'config', 'user.email', 'ci@example.com');
    git(repo, 'config', 'user.name', 'CI');
    mkdirSync(path.join(repo, 'src'));
    const original = ['function add(a, b) {', '  return a + b;', '}', '', 'module.exports = { add };', ''];
    writeFileSync(path.join(repo, 'src', 'math.js'), original.join('\n'));
    writeFileSync(path.join(repo, 'src', 'gone.js'), 'module.exports = 1;\n');
    writeFileSync(path.join(repo, 'README.md'), '# demo\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'base');
    const base = git(repo, 'rev-parse', 'HEAD').trim();
    // Change line 2, add a function (lines 5-10, a comment on 5), delete a file, touch the README.
    const changed = [
      'function add(a, b) {',
      '  return Number(a) + Number(b);',
      '}',
      '',
      '// divides, refusing zero',
      'function divide(a, b) {',
      '  if (b === 0) {',
      "    throw new Error('division by zero');",
      '  }',
      '  return a / b;',
      '}',
      '',
      'module.exports = { add, divide };',
      '',
    ];
    writeFileSync(path.join(repo, 'src', 'math.js'), changed.join('\n'));
    rmSync(path.join(repo, 'src', 'gone.js'));
    writeFileSync(path.join(repo, 'README.md'), '# demo\n\nNow with division.\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'head');
    diff = git(repo, 'diff', '-U0', base, 'HEAD');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  // lcov of the head commit as a runner would write it: absolute paths, comments and braces not executable.
  const lcov = (hits: Record<number, number>) =>
    `TN:\nSF:/home/ci/app/src/math.js\n${Object.entries(hits)
      .map(([line, n]) => `DA:${line},${n}`)
      .join('\n')}\nend_of_record\n`;

  it('counts the added and modified lines the coverage report knows, matched by path suffix', () => {
    const coverage = parseCoverageReport(lcov({ 1: 3, 2: 3, 6: 1, 7: 1, 8: 0, 10: 1, 13: 1 }), 'lcov.info');
    const patch = patchCoverage(diff, coverage);
    // Changed lines: 2, 5-11, 13. Executable among them: 2, 6, 7, 8, 10, 13; line 8 never ran.
    expect(patch).toEqual({
      covered: 5,
      total: 6,
      percent: 83.33,
      uncovered: [{ file: 'src/math.js', lines: [8] }],
    });
  });

  it('matches relative coverage paths too, and is null when no executable line changed', () => {
    const relative = parseCoverageReport('SF:src/math.js\nDA:2,0\nend_of_record\n', 'lcov.info');
    expect(patchCoverage(diff, relative)).toMatchObject({ covered: 0, total: 1, percent: 0 });
    const other = parseCoverageReport('SF:/home/ci/app/src/other.js\nDA:2,0\nend_of_record\n', 'lcov.info');
    expect(patchCoverage(diff, other)).toEqual({ covered: 0, total: 0, percent: null, uncovered: [] });
    expect(patchCoverage('', other).percent).toBeNull();
  });

  it('cannot be measured from a summary without per-line hits, and says why', () => {
    const summary = parseCoverageReport(
      '{"total": {"lines": {"total": 2, "covered": 1}, "branches": {"total": 0, "covered": 0}}}',
      'coverage-summary.json',
    );
    expect(patchCoverage(diff, summary)).toMatchObject({
      percent: null,
      unmeasured: expect.stringMatching(/coverage-summary\.json has no per-line hits/),
    });
  });

  it('refuses text that is not a unified diff, naming it', () => {
    const coverage = parseCoverageReport(lcov({ 1: 1 }), 'lcov.info');
    expect(() => patchCoverage('this is not a diff\n', coverage, 'change.diff')).toThrow(
      new InputError('change.diff: not a unified diff (no file header such as "diff --git" or "+++ b/...")'),
    );
  });
});
