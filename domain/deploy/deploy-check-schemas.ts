import { z } from 'zod';
import { durationSchema } from '../durations';
import { lazySchema } from '../lazy-schema';
import { conditionProblem } from './analysis-conditions';
import { labelSchema, refuseDuplicateNames, templateSchema } from './deploy-config-fields';
import type { AnalysisConfig, HealthConfig, HttpCheck } from './deploy-types';

/** What the `deployments:` config section says about checking a version: HTTP checks, health, analysis. */

function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (err) {
    return `is not a regular expression: ${(err as Error).message}`;
  }
}

export const httpCheckSchema = lazySchema(() =>
  z
    .strictObject({
      name: labelSchema,
      url: templateSchema().optional(),
      path: templateSchema().optional(),
      method: z.enum(['GET', 'HEAD', 'POST'], { error: 'must be GET, HEAD or POST' }).default('GET'),
      expectStatus: z
        .number()
        .int('must be a whole number')
        .min(100, 'must be an HTTP status 100..599')
        .max(599, 'must be an HTTP status 100..599')
        .default(200),
      bodyMatch: z.string().max(1000, 'must be at most 1000 characters').optional(),
      maxLatencyMs: z.number().int('must be a whole number of ms').positive('must be positive').optional(),
    })
    .superRefine((check, ctx) => {
      if ((check.url === undefined) === (check.path === undefined))
        ctx.addIssue({
          code: 'custom',
          path: [check.url === undefined ? 'url' : 'path'],
          message: 'set exactly one of url (absolute) or path (appended to {{baseUrl}})',
        });
      if (check.path !== undefined && !check.path.startsWith('/'))
        ctx.addIssue({ code: 'custom', path: ['path'], message: 'must start with "/"' });
      const problem = check.bodyMatch === undefined ? undefined : regexProblem(check.bodyMatch);
      if (problem) ctx.addIssue({ code: 'custom', path: ['bodyMatch'], message: problem });
    }),
);

export const httpChecksSchema = lazySchema(() =>
  z
    .array(httpCheckSchema, { error: 'must be a list of checks' })
    .superRefine((checks, ctx) => refuseDuplicateNames(checks, (index) => [index, 'name'], 'check', ctx)),
);

export const healthConfigSchema = lazySchema(() =>
  z.strictObject({
    checks: httpChecksSchema.refine((checks) => checks.length > 0, 'list at least one check'),
    successes: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(100, 'must be at most 100')
      .default(1),
    interval: durationSchema.default('2 seconds'),
    timeout: durationSchema.default('1 minute'),
  }),
);

const conditionSchema = lazySchema(() =>
  z
    .string({ error: 'must be a condition such as "result < 0.05"' })
    .trim()
    .superRefine((text, ctx) => {
      const problem = conditionProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
);

const analysisMetricSchema = lazySchema(() =>
  z
    .strictObject({
      name: labelSchema,
      prometheus: templateSchema().optional(),
      http: templateSchema().optional(),
      successCondition: conditionSchema,
      failureCondition: conditionSchema.optional(),
    })
    .refine((metric) => metric.prometheus !== undefined || metric.http !== undefined, {
      path: ['prometheus'],
      message: 'set prometheus (a PromQL query) or http (a counter selector or ratio), or both',
    }),
);

export const analysisConfigSchema = lazySchema(() =>
  z
    .strictObject({
      provider: z.enum(['auto', 'prometheus', 'http'], { error: 'must be auto, prometheus or http' }).default('auto'),
      prometheusUrl: z.url({ error: 'must be a URL such as http://127.0.0.1:9090' }).optional(),
      metricsUrl: templateSchema().optional(),
      metrics: z
        .array(analysisMetricSchema, { error: 'must be a list of metrics' })
        .min(1, 'list at least one metric')
        .superRefine((metrics, ctx) => refuseDuplicateNames(metrics, (index) => [index, 'name'], 'metric', ctx)),
      interval: durationSchema,
      count: z
        .number({ error: 'must be a number of measurements' })
        .int('must be a whole number')
        .min(1, 'must be at least 1')
        .max(1000, 'must be at most 1000'),
      failureLimit: z.number().int('must be a whole number').min(0, 'must not be negative').default(0),
      inconclusiveLimit: z.number().int('must be a whole number').min(0, 'must not be negative').default(0),
      inconclusiveDeadline: durationSchema.default('1 hour'),
      load: z
        .strictObject({
          path: templateSchema().refine((path) => path.startsWith('/'), 'must start with "/"'),
          perSecond: z.number().positive('must be positive').max(1000, 'must be at most 1000'),
        })
        .optional(),
    })
    .superRefine((analysis, ctx) => {
      // A provider named outright needs its query in every metric; auto needs either.
      const needed = analysis.provider === 'auto' ? undefined : analysis.provider;
      if (!needed) return;
      analysis.metrics.forEach((metric, index) => {
        if (metric[needed] === undefined)
          ctx.addIssue({ code: 'custom', path: ['metrics', index, needed], message: `required by provider ${needed}` });
      });
    }),
);

// Compile-time: these schemas produce exactly the contract's shapes.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const checksExact: [
  Same<z.output<typeof httpCheckSchema>, HttpCheck>,
  Same<z.output<typeof healthConfigSchema>, HealthConfig>,
  Same<z.output<typeof analysisConfigSchema>, AnalysisConfig>,
] = [true, true, true];
void checksExact;
