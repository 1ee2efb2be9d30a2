import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { InputError, issuesText, fieldIssues } from '../validation';
import type { CoverageFile, CoverageReport } from './report-types';

const countsSchema = lazySchema(() =>
  z.object({ total: z.number().int().min(0), covered: z.number().int().min(0) }).refine((c) => c.covered <= c.total, {
    message: 'covered is more than total',
  }),
);
const entrySchema = lazySchema(() => z.object({ lines: countsSchema, branches: countsSchema }));
const summarySchema = lazySchema(() => z.object({ total: entrySchema }).catchall(entrySchema));

/**
 * istanbul's `coverage-summary.json` (the json-summary reporter): totals and per-file counts, but
 * no per-line hits, so it cannot give patch coverage (lcov or Cobertura can).
 */
export function parseIstanbulSummary(text: string, fileName: string): CoverageReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${fileName}: not valid JSON (${(err as Error).message})`);
  }
  if (json && typeof json === 'object' && !('total' in json) && Object.values(json).some(isFinalCoverage))
    throw new InputError(
      `${fileName}: this is istanbul's coverage-final.json; give coverage-summary.json (json-summary reporter) or lcov`,
    );
  const parsed = summarySchema.safeParse(json);
  if (!parsed.success)
    throw new InputError(
      `${fileName}: not an istanbul coverage summary: ${issuesText(fieldIssues(parsed.error.issues))}`,
    );
  const { total, ...perFile } = parsed.data;
  const files: CoverageFile[] = Object.entries(perFile).map(([path, entry]) => ({
    path,
    lines: { covered: entry.lines.covered, total: entry.lines.total },
    branches: { covered: entry.branches.covered, total: entry.branches.total },
  }));
  return {
    formats: ['istanbul-summary'],
    sources: [fileName],
    lines: { covered: total.lines.covered, total: total.lines.total },
    branches: { covered: total.branches.covered, total: total.branches.total },
    files,
  };
}

const isFinalCoverage = (value: unknown) => !!value && typeof value === 'object' && 'statementMap' in value;
