import { InputError } from '../validation';
import type { CoverageReport } from './report-types';
import { parseCobertura } from './coverage-cobertura';
import { parseIstanbulSummary } from './coverage-istanbul';
import { parseLcov } from './coverage-lcov';

/**
 * A coverage report in any of the formats the gate reads, told apart by its content (not its
 * name): JSON is istanbul's coverage-summary.json, XML is Cobertura, `SF:`/`TN:` lines are lcov.
 */
export function parseCoverageReport(text: string, fileName: string): CoverageReport {
  const start = text.trimStart();
  if (start === '') throw new InputError(`${fileName}: empty file`);
  if (start.startsWith('{')) return parseIstanbulSummary(text, fileName);
  if (start.startsWith('<')) return parseCobertura(text, fileName);
  if (/^(TN|SF):/m.test(start.slice(0, 4096))) return parseLcov(text, fileName);
  throw new InputError(
    `${fileName}: not a coverage report: expected istanbul coverage-summary.json, lcov or Cobertura XML`,
  );
}
