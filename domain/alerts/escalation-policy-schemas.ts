import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { durationSchema, durationToMs } from '../durations';
import { parseInput } from '../validation';
import { WEEKDAYS, type BusinessHours } from './business-hours';
import {
  policyProblem,
  URGENCIES,
  type EscalationConfig,
  type EscalationPolicy,
  type EscalationTarget,
} from './escalation-policy';
import { matcherListSchema } from './matcher-schemas';
import { SEVERITIES } from './types';
import { parseYamlInput } from './yaml-input';

/**
 * The escalation policies file (or the `escalation:` section of the config), parsed into
 * escalation-policy.ts's plain types. Boundary code: the worker or gateway loads it and
 * passes the chosen policy into the workflow, so a config change never alters a running
 * alert's history.
 *
 *   default: business-hours
 *   policies:                               # first match wins
 *     - name: infra-critical
 *       match: ['team="infra"', 'env=~"prod|staging"']
 *       severity: [critical, error]         # optional
 *       urgency: high                       # high (default) | low
 *       repeat: 2                           # extra rounds after the first
 *       ackTimeout: 30 minutes              # optional
 *       autoResolve: 24 hours               # optional, since the source last reported it
 *       incident: { severities: [critical], atLevel: 2 }   # the default (atLevel: never to turn off)
 *       levels:
 *         - notify: [{ slack: "#infra-oncall" }, { slackUser: U024BE7LH }]
 *           escalateAfter: 15 minutes
 *         - notify: [{ email: lead@example.com }, { webhook: https://pager.example.com/hook }]
 *           escalateAfter: 30 minutes       # may be left out on the last level when repeat is 0
 *     - name: business-hours
 *       urgency: low
 *       businessHours: { timeZone: Europe/Berlin, days: [mon, tue, wed, thu, fri], hours: "09:00-17:00" }
 *       levels: [{ notify: [{ slack: "#ops" }] }]
 */

export const MIN_ESCALATE_AFTER_MS = 60_000;
export const MAX_REPEAT = 10;
export const MAX_LEVELS = 20;

const SLACK_CHANNEL = /^(#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{6,20})$/;
const SLACK_USER = /^[UW][A-Z0-9]{6,20}$/;

const durationMsSchema = lazySchema(() => durationSchema.transform(durationToMs));
const severitySchema = lazySchema(() => z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` }));
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

const targetSchema = lazySchema(() =>
  z
    .strictObject(
      {
        slack: z
          .string()
          .trim()
          .regex(SLACK_CHANNEL, 'must be a Slack channel "#name" or a channel id such as C024BE91L')
          .optional(),
        slackUser: z.string().trim().regex(SLACK_USER, 'must be a Slack user id such as U024BE7LH').optional(),
        email: z.email('must be an email address').optional(),
        webhook: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
      },
      { error: 'must be one of { slack: "#channel" }, { slackUser: U… }, { email: … }, { webhook: https://… }' },
    )
    .refine((t) => Object.values(t).filter((v) => v !== undefined).length === 1, {
      message: 'name exactly one of slack, slackUser, email, webhook',
      // Only once the fields themselves are fine: one message per mistake.
      when: (payload) => payload.issues.length === 0,
    })
    .transform((t): EscalationTarget => {
      if (t.slack) return { kind: 'slack_channel', to: t.slack };
      if (t.slackUser) return { kind: 'slack_user', to: t.slackUser };
      if (t.email) return { kind: 'email', to: t.email };
      return { kind: 'webhook', to: t.webhook ?? '' };
    }),
);

const levelSchema = lazySchema(() =>
  z.strictObject({
    notify: z.array(targetSchema, { error: 'must be a list of targets' }).min(1, 'name at least one target'),
    escalateAfter: durationMsSchema
      .refine((ms) => ms >= MIN_ESCALATE_AFTER_MS, 'must be at least 1 minute (shorter pages people in a loop)')
      .optional(),
  }),
);

const businessHoursSchema = lazySchema(() =>
  z
    .strictObject({
      timeZone: z.string().trim().min(1),
      days: z
        .array(z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(', ')}` }))
        .min(1, 'name at least one day'),
      hours: z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'must be "HH:MM-HH:MM" such as "09:00-17:00"'),
    })
    .transform(({ timeZone, days, hours }): BusinessHours => {
      const [start = '', end = ''] = hours.split('-');
      return { timeZone, days: [...new Set(days)], start, end };
    }),
);

const policySchema = lazySchema(() =>
  z
    .strictObject({
      name: z
        .string()
        .trim()
        .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, "-" and "_"'),
      match: matcherListSchema.optional(),
      severity: oneOrMany(severitySchema).optional(),
      urgency: z.enum(URGENCIES, { error: 'must be high or low' }).default('high'),
      repeat: z.number().int().min(0).max(MAX_REPEAT, `must be at most ${MAX_REPEAT}`).default(0),
      ackTimeout: durationMsSchema.refine((ms) => ms >= 60_000, 'must be at least 1 minute').optional(),
      autoResolve: durationMsSchema.refine((ms) => ms >= 60_000, 'must be at least 1 minute').optional(),
      businessHours: businessHoursSchema.optional(),
      incident: z
        .strictObject({
          severities: z.array(severitySchema).default(['critical']),
          /** Default: level 2 when the policy has one. */
          atLevel: z
            .union([z.number().int().min(1), z.literal('never')], { error: 'must be a level number or "never"' })
            .optional(),
        })
        .default({ severities: ['critical'] }),
      levels: z
        .array(levelSchema, { error: 'must be a list of levels' })
        .min(1, 'name at least one level')
        .max(MAX_LEVELS),
    })
    .superRefine((policy, ctx) => {
      policy.levels.forEach((level, index) => {
        const last = index === policy.levels.length - 1;
        if (level.escalateAfter === undefined && !(last && policy.repeat === 0)) {
          ctx.addIssue({
            code: 'custom',
            path: ['levels', index, 'escalateAfter'],
            message: 'required: how long this level has to acknowledge before escalating',
          });
        }
      });
      const { incident } = policy;
      if (typeof incident.atLevel === 'number' && incident.atLevel > policy.levels.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['incident', 'atLevel'],
          message: `the policy has only ${policy.levels.length} level(s)`,
        });
      }
    })
    .transform((p): EscalationPolicy => ({
      name: p.name,
      match: p.match ?? [],
      ...(p.severity ? { severities: [...new Set(p.severity)] } : {}),
      urgency: p.urgency,
      levels: p.levels.map((level) => ({ targets: level.notify, escalateAfterMs: level.escalateAfter ?? 0 })),
      repeat: p.repeat,
      ...(p.businessHours ? { businessHours: p.businessHours } : {}),
      ...(p.ackTimeout !== undefined ? { ackTimeoutMs: p.ackTimeout } : {}),
      ...(p.autoResolve !== undefined ? { autoResolveMs: p.autoResolve } : {}),
      incident: { severities: p.incident.severities, ...incidentLevel(p.incident.atLevel, p.levels.length) },
    }))
    .superRefine((policy, ctx) => {
      const problem = policyProblem(policy);
      if (!problem) return;
      // The file writes start and end as one `hours` field.
      const path = problem.path[1] === 'start' || problem.path[1] === 'end' ? ['businessHours', 'hours'] : problem.path;
      ctx.addIssue({ code: 'custom', path, message: problem.message });
    }),
);

function incidentLevel(atLevel: number | 'never' | undefined, levels: number): { atLevel?: number } {
  if (atLevel === 'never') return {};
  if (atLevel === undefined) return levels >= 2 ? { atLevel: 2 } : {};
  return { atLevel };
}

export const escalationConfigSchema = lazySchema(() =>
  z
    .strictObject({
      default: z.string({ error: 'must name the policy used when none matches' }).trim().min(1),
      policies: z.array(policySchema, { error: 'must be a list of policies' }).min(1, 'name at least one policy'),
    })
    .superRefine((config, ctx) => {
      const names = config.policies.map((p) => p.name);
      names.forEach((name, index) => {
        if (names.indexOf(name) !== index)
          ctx.addIssue({
            code: 'custom',
            path: ['policies', index, 'name'],
            message: `duplicate policy name "${name}"`,
          });
      });
      if (!names.includes(config.default))
        ctx.addIssue({ code: 'custom', path: ['default'], message: `no policy is named "${config.default}"` });
    })
    .transform((config): EscalationConfig => ({ policies: config.policies, defaultPolicy: config.default })),
);

/** The escalation section as a parsed object (from the config file); throws InputError naming each field. */
export function parseEscalationConfig(section: unknown): EscalationConfig {
  return parseInput(escalationConfigSchema, section, 'escalation');
}

/** An escalation policies YAML file; errors name the path and line. */
export function parseEscalationYaml(text: string): EscalationConfig {
  return parseYamlInput(escalationConfigSchema, text, 'escalation');
}
