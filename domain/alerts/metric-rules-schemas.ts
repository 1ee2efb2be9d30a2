import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { durationSchema, durationToMs } from '../durations';
import { parseInput } from '../validation';
import { matcherListSchema } from './matcher-schemas';
import { LABEL_NAME } from './matchers';
import { METRIC_NAME_PATTERN, SUMMARY_FIELDS, type Comparator, type ThresholdRule } from './metric-rules';
import { SEVERITIES } from './types';
import { parseYamlInput } from './yaml-input';

/**
 * The metric rules file, parsed into metric-rules.ts's ThresholdRule list:
 *
 *   rules:
 *     - name: disk-full                      # lower-case, digits, - and _
 *       expr: disk.used_percent > 90         # one metric, one of > >= < <=, a number
 *       for: 5 minutes                       # breaching this long before it fires (default 0)
 *       severity: critical                   # default warning
 *       summary: "Disk on {{tags.host}} at {{value}}%"
 *       labels: { team: infra }              # added to the alert's labels (policy matching)
 *       match: ['host=~"web-.*"']            # only series whose tags match
 *       service: storage                     # optional; else the series' `service` tag
 */

const EXPR = new RegExp(
  String.raw`^\s*(${METRIC_NAME_PATTERN})\s*(>=|<=|>|<)\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*$`,
);
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

const exprSchema = lazySchema(() =>
  z
    .string({ error: 'must be an expression such as "disk.used_percent > 90"' })
    .regex(EXPR, 'must be "<metric> <op> <number>" with op one of >, >=, <, <= (e.g. "disk.used_percent > 90")')
    .transform((text) => {
      const [, metric = '', op = '>', threshold = '0'] = EXPR.exec(text) ?? [];
      return { metric, op: op as Comparator, threshold: Number(threshold) };
    }),
);

const summarySchema = lazySchema(() =>
  z
    .string()
    .trim()
    .min(1)
    .max(1024)
    .superRefine((text, ctx) => {
      for (const [, field = ''] of text.matchAll(PLACEHOLDER)) {
        if (!SUMMARY_FIELDS.includes(field) && !/^tags\.[A-Za-z_][A-Za-z0-9_.-]*$/.test(field)) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown placeholder {{${field}}}: use ${SUMMARY_FIELDS.map((f) => `{{${f}}}`).join(' ')} or {{tags.NAME}}`,
          });
        }
      }
    }),
);

const ruleSchema = lazySchema(() =>
  z
    .strictObject({
      name: z
        .string()
        .trim()
        .regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'must be lower-case letters, digits, "-" and "_"'),
      expr: exprSchema,
      for: durationSchema.transform(durationToMs).optional(),
      severity: z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` }).default('warning'),
      summary: summarySchema.optional(),
      labels: z
        .record(z.string().regex(LABEL_NAME), z.string().max(1024), {
          error: (issue) =>
            issue.code === 'invalid_key'
              ? 'label names are letters, digits and _'
              : 'must be a mapping of label names to strings',
        })
        .default({}),
      match: matcherListSchema.optional(),
      service: z.string().trim().min(1).max(200).optional(),
    })
    .transform((r): ThresholdRule => ({
      name: r.name,
      ...r.expr,
      forMs: r.for ?? 0,
      severity: r.severity,
      ...(r.summary ? { summary: r.summary } : {}),
      labels: r.labels,
      match: r.match ?? [],
      ...(r.service ? { service: r.service } : {}),
    })),
);

export const metricRulesSchema = lazySchema(() =>
  z
    .strictObject({ rules: z.array(ruleSchema, { error: 'must be a list of rules' }).default([]) })
    .superRefine(({ rules }, ctx) => {
      const names = rules.map((rule) => rule.name);
      names.forEach((name, index) => {
        if (names.indexOf(name) !== index)
          ctx.addIssue({ code: 'custom', path: ['rules', index, 'name'], message: `duplicate rule name "${name}"` });
      });
    })
    .transform(({ rules }) => rules),
);

/** The rules section as a parsed object ({ rules: [...] }); throws InputError naming each field. */
export function parseMetricRules(section: unknown): ThresholdRule[] {
  return parseInput(metricRulesSchema, section ?? {}, 'metric rules');
}

/** A metric rules YAML file; errors name the path and line. */
export function parseMetricRulesYaml(text: string): ThresholdRule[] {
  return parseYamlInput(metricRulesSchema, text, 'metric rules');
}
