import parseDiff from 'parse-diff';
import { InputError } from '../validation';
import type { CoverageFile, CoverageReport, PatchCoverage } from './report-types';

/**
 * Coverage of the lines a change added or modified: the `+` lines of a unified diff (`git diff -U0
 * base head`) that the coverage report knows as executable, covered when hit at least once. Lines
 * the report does not list (comments, blank lines, files it does not cover) do not count. Diff paths
 * are relative to the repository and coverage paths often absolute: they are matched by path suffix.
 */
export function patchCoverage(diffText: string, coverage: CoverageReport, fileName = 'diff'): PatchCoverage {
  const changed = changedLines(diffText, fileName);
  const withLines = coverage.files.filter((file) => file.lineHits);
  if (changed.size > 0 && withLines.length === 0 && coverage.files.length + coverage.lines.total > 0)
    return {
      covered: 0,
      total: 0,
      percent: null,
      uncovered: [],
      unmeasured: `${coverage.sources.join(', ')} has no per-line hits (coverage-summary.json): patch coverage needs lcov or Cobertura`,
    };
  const find = fileFinder(withLines);
  let covered = 0;
  let total = 0;
  const uncovered: PatchCoverage['uncovered'] = [];
  for (const [path, lines] of changed) {
    const hits = find(path)?.lineHits;
    if (!hits) continue;
    const missed: number[] = [];
    for (const line of lines) {
      const hit = hits[line];
      if (hit === undefined) continue;
      total++;
      if (hit > 0) covered++;
      else missed.push(line);
    }
    if (missed.length) uncovered.push({ file: path, lines: missed });
  }
  return {
    covered,
    total,
    percent: total === 0 ? null : Math.round((covered / total) * 10_000) / 100,
    uncovered,
  };
}

/** Repository path -> the new-side line numbers the diff adds (a modified line is a delete and an add). */
function changedLines(diffText: string, fileName: string): Map<string, number[]> {
  const changed = new Map<string, number[]>();
  if (diffText.trim() === '') return changed;
  const files = parseDiff(diffText);
  if (files.length === 0 || !/^(diff |--- |\+\+\+ )/m.test(diffText))
    throw new InputError(`${fileName}: not a unified diff (no file header such as "diff --git" or "+++ b/...")`);
  for (const file of files) {
    if (file.deleted || !file.to || file.to === '/dev/null') continue;
    const added = file.chunks.flatMap((chunk) =>
      chunk.changes.flatMap((change) => (change.type === 'add' ? [change.ln] : [])),
    );
    if (added.length) changed.set(file.to, [...(changed.get(file.to) ?? []), ...added]);
  }
  return changed;
}

const normal = (path: string) => path.replace(/\\/g, '/').replace(/^\.\//, '');

/** The coverage file a repository path names: the same path, or one ending in it (or it ending in the other). */
function fileFinder(files: CoverageFile[]): (path: string) => CoverageFile | undefined {
  const byBase = new Map<string, { path: string; file: CoverageFile }[]>();
  for (const file of files) {
    const path = normal(file.path);
    const base = path.slice(path.lastIndexOf('/') + 1);
    byBase.set(base, [...(byBase.get(base) ?? []), { path, file }]);
  }
  return (repoPath) => {
    const wanted = normal(repoPath);
    const candidates = byBase.get(wanted.slice(wanted.lastIndexOf('/') + 1)) ?? [];
    const suffixOf = (longer: string, shorter: string) => longer === shorter || longer.endsWith(`/${shorter}`);
    // The longest coverage path that matches: `src/a.ts` over `a.ts` when both are listed.
    return candidates
      .filter((candidate) => suffixOf(candidate.path, wanted) || suffixOf(wanted, candidate.path))
      .sort((a, b) => b.path.length - a.path.length)[0]?.file;
  };
}
