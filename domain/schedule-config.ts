import { z } from 'zod';
import { lazySchema } from './lazy-schema';
import { durationSchema } from './durations';
import { isTimeZone } from './time-zones';

/** What a schedule does when a run is due while the previous one still runs (Temporal's overlap policies). */
export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'allow_all', 'cancel_other', 'terminate_other'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

const SHORTHANDS = ['@yearly', '@monthly', '@weekly', '@daily', '@hourly'];

/**
 * Why `expression` is not a cron expression arxflow accepts, or undefined. Only the shape is
 * checked here; Temporal's own parser checks each field's range when the schedule is created.
 */
function cronProblem(expression: string): string | undefined {
  if (expression.includes('#'))
    return 'must not contain "#": arxflow keeps the expression as the schedule comment; use note';
  if (/^(CRON_)?TZ=/i.test(expression)) return 'must not start with CRON_TZ= or TZ=: set timezone instead';
  if (expression.startsWith('@every')) return 'must not be @every: use every instead of cron';
  if (expression.startsWith('@')) {
    return SHORTHANDS.includes(expression) ? undefined : `must be one of ${SHORTHANDS.join(', ')} or 5 to 7 fields`;
  }
  const fields = expression.split(' ').length;
  return fields >= 5 && fields <= 7 ? undefined : `must have 5 to 7 fields such as "0 2 * * *" (has ${fields})`;
}

const cronExpressionSchema = lazySchema(() =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    // One space between fields, so the expression compares equal to the comment Temporal keeps.
    .transform((expression) => expression.replace(/\s+/g, ' '))
    .superRefine((expression, ctx) => {
      const problem = cronProblem(expression);
      if (problem) ctx.addIssue({ code: 'custom', message: `cron "${expression}" ${problem}` });
    }),
);

/** One cron string or a list of them; always a list after parsing. */
const cronSchema = lazySchema(() =>
  z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z
      .array(cronExpressionSchema, { error: 'cron must be a cron string or a list of cron strings' })
      .min(1, 'cron must list at least one cron string'),
  ),
);

/** "x is required" when missing, "x must be text" when present but not a string. */
const requiredText = (field: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be text`) });

/** One entry of the `schedules:` section of arxflow.config.yaml. */
export const scheduleConfigSchema = lazySchema(() =>
  z
    .strictObject({
      id: requiredText('id')
        .regex(/^[a-z0-9-]+$/, 'id must be lowercase letters, digits and dashes, such as "audit-chain-nightly"')
        .max(200, 'id must be at most 200 characters'),
      workflowType: requiredText('workflowType').regex(
        /^[A-Za-z_$][\w$]*$/,
        'workflowType must be a workflow function name, such as "healthCheck"',
      ),
      args: z.array(z.unknown(), { error: 'args must be a list of workflow arguments' }).default([]),
      cron: cronSchema.optional(),
      every: durationSchema.optional(),
      // Unset means UTC, Temporal's default.
      timezone: z
        .string()
        .trim()
        .refine(isTimeZone, 'timezone must be an IANA time zone such as "UTC" or "Europe/Berlin"')
        .optional(),
      overlap: z
        .enum(OVERLAP_POLICIES, { error: `overlap must be one of ${OVERLAP_POLICIES.join(', ')}` })
        .default('skip'),
      // paused and note are the state a schedule is created in; afterwards its state belongs to operators.
      paused: z.boolean({ error: 'paused must be true or false' }).default(false),
      note: z.string().trim().max(1000, 'note must be at most 1000 characters').optional(),
    })
    .superRefine((schedule, ctx) => {
      const hasCron = schedule.cron !== undefined;
      const hasEvery = schedule.every !== undefined;
      if (hasCron && hasEvery) {
        ctx.addIssue({ code: 'custom', path: ['every'], message: 'set either cron or every, not both' });
      }
      if (!hasCron && !hasEvery) {
        ctx.addIssue({ code: 'custom', path: ['cron'], message: 'set cron or every: when the schedule runs' });
      }
    }),
);

export type ScheduleConfig = z.output<typeof scheduleConfigSchema>;
export type ScheduleConfigInput = z.input<typeof scheduleConfigSchema>;

/** The `schedules:` section: a list with unique ids (the id is the Temporal schedule id). */
export const schedulesConfigSchema = lazySchema(() =>
  z.array(scheduleConfigSchema, { error: 'schedules must be a list' }).superRefine((schedules, ctx) => {
    const firstIndexOf = new Map<string, number>();
    schedules.forEach((schedule, index) => {
      const first = firstIndexOf.get(schedule.id);
      if (first === undefined) firstIndexOf.set(schedule.id, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: [index, 'id'],
          message: `id "${schedule.id}" is already used by schedule ${first}`,
        });
    });
  }),
);
