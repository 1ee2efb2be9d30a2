import { InputError } from '../validation';
import type { Counts, CoverageFile, CoverageFormat, CoverageReport } from './report-types';

/** A report whose totals are the sums over its files. */
export function reportOfFiles(files: CoverageFile[], format: CoverageFormat, source: string): CoverageReport {
  return { formats: [format], sources: [source], ...totalsOf(files), files };
}

function totalsOf(files: CoverageFile[]): { lines: Counts; branches: Counts } {
  const sum = (pick: (file: CoverageFile) => Counts): Counts => ({
    covered: files.reduce((n, file) => n + pick(file).covered, 0),
    total: files.reduce((n, file) => n + pick(file).total, 0),
  });
  return { lines: sum((file) => file.lines), branches: sum((file) => file.branches) };
}

/** covered/total as a percent rounded to 2 decimals (what is shown is what is compared); null for 0 of 0. */
export function percentOf(counts: Counts): number | null {
  return counts.total === 0 ? null : Math.round((counts.covered / counts.total) * 10_000) / 100;
}

/**
 * Several coverage reports as one (unit and integration runs, several packages). The same file in
 * two reports: hits are added line by line and branch by branch when both have per-line data, so a
 * line covered by either run is covered; otherwise (a summary) the better of the two counts is kept.
 */
export function mergeCoverage(reports: CoverageReport[]): CoverageReport {
  if (reports.length === 0) throw new InputError('coverage: no report to merge');
  if (reports.length === 1) return reports[0]!;
  const byPath = new Map<string, CoverageFile>();
  for (const file of reports.flatMap((report) => report.files)) {
    const earlier = byPath.get(file.path);
    byPath.set(file.path, earlier ? mergedFile(earlier, file) : file);
  }
  const files = [...byPath.values()];
  return {
    formats: [...new Set(reports.flatMap((report) => report.formats))],
    sources: reports.flatMap((report) => report.sources),
    ...totalsOf(files),
    files,
  };
}

function mergedFile(a: CoverageFile, b: CoverageFile): CoverageFile {
  if (!a.lineHits || !b.lineHits) return b.lines.covered > a.lines.covered ? b : a;
  const lineHits = addHits(a.lineHits, b.lineHits);
  const branchHits = addHits(a.branchHits ?? {}, b.branchHits ?? {});
  const lines = Object.values(lineHits);
  const branches = Object.values(branchHits);
  return {
    path: a.path,
    lines: { covered: lines.filter((h) => h > 0).length, total: lines.length },
    branches: { covered: branches.filter((h) => h > 0).length, total: branches.length },
    lineHits,
    branchHits,
  };
}

function addHits<K extends string | number>(a: Record<K, number>, b: Record<K, number>): Record<K, number> {
  const sum = { ...a } as Record<K, number>;
  for (const [key, hits] of Object.entries(b) as [K, number][]) sum[key] = (sum[key] ?? 0) + hits;
  return sum;
}
