import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { fieldIssues, InputError, issuesText } from '../validation';
import type { BenchResults } from './quality-types';

const benchSchema = lazySchema(() =>
  z.record(
    z.string().min(1),
    z.strictObject({
      value: z.number().refine(Number.isFinite, 'must be a finite number'),
      unit: z.string().optional(),
      better: z.enum(['lower', 'higher']),
    }),
  ),
);

/** Benchmark JSON `{name: {value, unit?, better: "lower"|"higher"}}` (`--bench`, `--baseline`, pipeline reports). */
export function parseBenchResults(text: string, fileName: string): BenchResults {
  if (text.trim() === '') throw new InputError(`${fileName}: empty file`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${fileName}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = benchSchema.safeParse(json);
  if (!parsed.success)
    throw new InputError(`${fileName}: not benchmark results: ${issuesText(fieldIssues(parsed.error.issues))}`);
  if (Object.keys(parsed.data).length === 0) throw new InputError(`${fileName}: no benchmark in the file`);
  return parsed.data as BenchResults;
}

/**
 * The baseline of each benchmark: the median of its values over the given green runs (one noisy
 * run moves a median little and a mean a lot). Unit and direction are the latest run's.
 */
export function benchBaseline(runs: BenchResults[]): BenchResults {
  const names = new Set(runs.flatMap((run) => Object.keys(run)));
  const baseline: BenchResults = {};
  for (const name of names) {
    const present = runs.filter((run) => run[name] !== undefined).map((run) => run[name]!);
    const values = present.map((result) => result.value).sort((a, b) => a - b);
    const middle = Math.floor(values.length / 2);
    const median = values.length % 2 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
    const latest = present[present.length - 1]!;
    baseline[name] = { value: median, ...(latest.unit ? { unit: latest.unit } : {}), better: latest.better };
  }
  return baseline;
}

/**
 * How much worse `value` is than `baseline`, in percent of the baseline (negative: better):
 * for lower-is-better (durations) a rise, for higher-is-better (throughput) a fall. Rounded to
 * 2 decimals. Null when the baseline is 0 and the value worse (no finite percent).
 */
export function regressionPercent(value: number, baseline: number, better: 'lower' | 'higher'): number | null {
  const worseBy = better === 'lower' ? value - baseline : baseline - value;
  if (baseline === 0) return worseBy > 0 ? null : 0;
  return Math.round((worseBy / Math.abs(baseline)) * 10_000) / 100;
}
