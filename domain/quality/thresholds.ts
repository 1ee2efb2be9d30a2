import { z } from 'zod';
import { parseYamlInput } from '../alerts/yaml-input';
import { lazySchema } from '../lazy-schema';
import type { QualityThresholds } from './quality-types';

const percent = () => z.number().min(0, 'must be a percent from 0 to 100').max(100, 'must be a percent from 0 to 100');

/**
 * The thresholds (a thresholds file, or a pipeline's `quality.thresholds`): every key optional,
 * absent means not checked. Unknown keys are refused: a misspelt `line:` must not turn a check off.
 */
export const qualityThresholdsSchema = lazySchema(() =>
  z.strictObject({
    coverage: z
      .strictObject({ lines: percent().optional(), branches: percent().optional(), patch: percent().optional() })
      .optional(),
    tests: z
      .strictObject({ maxFailed: z.number().int('must be a whole number').min(0, 'must be 0 or more').optional() })
      .optional(),
    benchmarks: z
      .strictObject({
        maxRegressionPercent: z.number().min(0, 'must be 0 or more').optional(),
        baselineRuns: z.number().int('must be a whole number').min(1, 'must be 1 or more').optional(),
      })
      .optional(),
  }),
);

/**
 * A thresholds YAML file; errors name the file, the field and its line
 * (`quality.yml: coverage.lines: must be a percent from 0 to 100 (line 2)`). An empty file checks nothing.
 */
export function parseThresholdsYaml(text: string, fileName: string): QualityThresholds {
  return parseYamlInput(qualityThresholdsSchema, text, fileName) as QualityThresholds;
}
