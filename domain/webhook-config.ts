import { z } from 'zod';
import { lazySchema } from './lazy-schema';
import { durationSchema, durationToMs } from './durations';
import { parseInput } from './validation';
import { payloadGrantsRoles, refusedStart, rolesInPayloadRefusal } from './trigger-rules';

/**
 * The `webhooks:` section of the config file: one entry per sender (build system, task
 * tracker, CI), each with its signature scheme and the rules that turn a verified event
 * into a Temporal action. Pure: parsing, templates and rule matching; no I/O.
 *
 *   webhooks:
 *     ci:                                 # POST /v1/webhooks/ci
 *       scheme: timestamped               # X-Arxflow-Signature; github: X-Hub-Signature-256
 *       secrets: [...]                    # ARXFLOW_WEBHOOK_SECRET_CI=new,old replaces these when set
 *       tolerance: 5 minutes              # timestamped only, either direction
 *       rateLimit: { max: 600, timeWindow: 1 minute }
 *       events:                           # first rule whose `when` fields all equal the event's
 *         - when: { kind: build.started }
 *           action: start                 # start | signal | signalWithStart | update
 *           workflowType: durabilityProbe
 *           workflowId: ci-build/{{repository.name}}/{{build.id}}
 *           args: [{ sleep: 1 hour, label: "build {{build.id}}" }]
 *         - when: { kind: build.finished }
 *           action: update
 *           workflowId: ci-build/{{repository.name}}/{{build.id}}
 *           update: wakeUp
 *           payload: { reason: "{{build.summary}}" }   # actor: webhook:ci is set, always
 *
 * Templates: a string that is exactly "{{path}}" takes the field's value and type; other
 * strings interpolate. A path the event lacks refuses the delivery (422) naming it.
 */

export const SIGNATURE_SCHEMES = ['github', 'timestamped'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

export const DEFAULT_RATE_LIMIT = { max: 600, timeWindowMs: 60_000 } as const;
export const DEFAULT_TOLERANCE_MS = 5 * 60_000;
/** Rotation needs the new and the old secret; more than two means an old one was never retired. */
export const MAX_ACTIVE_SECRETS = 2;
export const MIN_SECRET_LENGTH = 16;

// ---------------------------------------------------------------- templates

/** `{{ path }}` anywhere in a string. */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
/** A string that is one placeholder and nothing else keeps the field's type. */
const WHOLE_PLACEHOLDER = /^\{\{\s*([^{}]*?)\s*\}\}$/;
/** Dot path segments: anything but dots, braces and blanks (array indexes are digits). */
const DOT_PATH = /^[^.{}\s]+(\.[^.{}\s]+)*$/;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A field of the event that a template or a `when` needs and the event does not have. */
export class MissingEventFieldError extends Error {
  constructor(readonly paths: string[]) {
    super(`the event has no ${paths.length === 1 ? 'field' : 'fields'} ${paths.join(', ')}`);
    this.name = 'MissingEventFieldError';
  }
}

type Lookup = { found: true; value: unknown } | { found: false };

/** Follows a dot path (`build.id`, `commits.0.sha`) through own properties only. */
export function lookupPath(event: unknown, path: string): Lookup {
  let current: unknown = event;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return { found: false };
    current = (current as Record<string, unknown>)[segment];
  }
  return current === undefined ? { found: false } : { found: true, value: current };
}

/** The paths a template string refers to, for validating config before any event arrives. */
export function placeholderPaths(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}

/**
 * Resolves a template against an event: a string that is exactly `{{path}}` becomes the
 * field's value with its type; other strings interpolate; arrays and objects resolve
 * member by member. Throws MissingEventFieldError naming every missing path.
 */
export function resolveTemplate(template: JsonValue, event: unknown): JsonValue {
  const missing: string[] = [];
  const value = resolveCollecting(template, event, missing);
  if (missing.length > 0) throw new MissingEventFieldError([...new Set(missing)]);
  return value;
}

/** Resolves a template that must produce a string (a workflow id): every placeholder interpolates. */
export function interpolate(template: string, event: unknown): string {
  const missing: string[] = [];
  const text = interpolateCollecting(template, event, missing);
  if (missing.length > 0) throw new MissingEventFieldError([...new Set(missing)]);
  return text;
}

function resolveCollecting(template: JsonValue, event: unknown, missing: string[]): JsonValue {
  if (typeof template === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(template);
    if (!whole) return interpolateCollecting(template, event, missing);
    const path = whole[1] ?? '';
    const lookup = lookupPath(event, path);
    if (!lookup.found) missing.push(path);
    return lookup.found ? (lookup.value as JsonValue) : null;
  }
  if (Array.isArray(template)) return template.map((item) => resolveCollecting(item, event, missing));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(
      Object.entries(template).map(([key, item]) => [key, resolveCollecting(item, event, missing)]),
    );
  }
  return template;
}

function interpolateCollecting(template: string, event: unknown, missing: string[]): string {
  return template.replace(PLACEHOLDER, (_match, path: string) => {
    const lookup = lookupPath(event, path);
    if (!lookup.found) {
      missing.push(path);
      return '';
    }
    return typeof lookup.value === 'string' ? lookup.value : JSON.stringify(lookup.value);
  });
}

// ---------------------------------------------------------------- schema

const jsonValueSchema: z.ZodType<JsonValue> = lazySchema(() =>
  z.lazy(() =>
    z.union(
      [z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)],
      {
        error: 'must be a string, number, boolean, null, list or mapping',
      },
    ),
  ),
);

/** A JSON template whose placeholders are all well-formed dot paths. */
const templateSchema = lazySchema(() =>
  jsonValueSchema.superRefine((value, ctx) => {
    for (const { path, text } of stringsIn(value)) reportBadPlaceholders(text, ctx, path);
  }),
);

function reportBadPlaceholders(text: string, ctx: z.RefinementCtx, path: (string | number)[] = []): void {
  for (const placeholder of placeholderPaths(text)) {
    if (!DOT_PATH.test(placeholder)) {
      ctx.addIssue({ code: 'custom', path, message: `"{{${placeholder}}}" is not a dot path such as {{build.id}}` });
    }
  }
}

function* stringsIn(
  value: JsonValue,
  path: (string | number)[] = [],
): Generator<{ path: (string | number)[]; text: string }> {
  if (typeof value === 'string') yield { path, text: value };
  else if (Array.isArray(value)) for (const [index, item] of value.entries()) yield* stringsIn(item, [...path, index]);
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) yield* stringsIn(item, [...path, key]);
}

const workflowIdTemplateSchema = lazySchema(() =>
  z
    .string({ error: 'must be a workflow id template such as "ci-build/{{repository.name}}/{{build.id}}"' })
    .trim()
    .min(1, 'must not be empty')
    .superRefine((text, ctx) => reportBadPlaceholders(text, ctx)),
);

const nameSchema = (what: string) =>
  z
    .string({ error: `must be the ${what} name` })
    .trim()
    .min(1, `must be the ${what} name`);

const whenSchema = lazySchema(() =>
  z
    .record(
      z.string().regex(DOT_PATH, 'each key of "when" must be a dot path such as build.status'),
      z.union([z.string(), z.number(), z.boolean(), z.null()], {
        error: 'must be a string, number, boolean or null to compare with',
      }),
    )
    .optional(),
);

/** `args` is the workflow's argument list; a mapping is shorthand for a single argument. */
const argsSchema = templateSchema
  .optional()
  .transform((args): JsonValue[] => (args === undefined ? [] : Array.isArray(args) ? args : [args]));

const startFields = {
  workflowType: nameSchema('workflow type'),
  taskQueue: z.string().trim().min(1, 'must not be empty').optional(),
  args: argsSchema,
};

const ruleSchema = lazySchema(() =>
  z
    .discriminatedUnion(
      'action',
      [
        z.strictObject({
          action: z.literal('start'),
          when: whenSchema,
          workflowId: workflowIdTemplateSchema,
          ...startFields,
        }),
        z.strictObject({
          action: z.literal('signal'),
          when: whenSchema,
          workflowId: workflowIdTemplateSchema,
          signal: nameSchema('signal'),
          payload: templateSchema.optional(),
        }),
        z.strictObject({
          action: z.literal('signalWithStart'),
          when: whenSchema,
          workflowId: workflowIdTemplateSchema,
          ...startFields,
          signal: nameSchema('signal'),
          payload: templateSchema.optional(),
        }),
        z.strictObject({
          action: z.literal('update'),
          when: whenSchema,
          workflowId: workflowIdTemplateSchema,
          update: nameSchema('update'),
          payload: templateSchema.optional(),
        }),
      ],
      { error: 'action must be one of start, signal, signalWithStart, update' },
    )
    .superRefine((rule, ctx) => {
      // The task triggers' rules (domain/trigger-rules.ts): a third party's event neither starts
      // what the gateway starts from the caller and the server's configuration, nor grants roles.
      if (rule.action === 'start' || rule.action === 'signalWithStart') {
        const refusal = refusedStart(rule.workflowType, 'a webhook rule');
        if (refusal) ctx.addIssue({ code: 'custom', path: ['workflowType'], message: refusal });
      }
      if (rule.action !== 'start' && payloadGrantsRoles(rule.payload)) {
        ctx.addIssue({
          code: 'custom',
          path: ['payload', 'roles'],
          message: rolesInPayloadRefusal('a webhook rule', 'webhook:<source>'),
        });
      }
    }),
);

const durationMsSchema = durationSchema.transform(durationToMs);

/**
 * What a webhook source that runs pipelines adds to its settings:
 *   pipelines:
 *     repo: "{{repository.clone_url}}"        # default; a template over the event, e.g. a local
 *                                              # mirror "/srv/git/{{repository.full_name}}.git"
 *     definitionPath: .arxflow/pipeline.yml   # default
 * `repo` is where the worker clones from: a local path, file:// or https URL (a private
 * repository needs credentials git finds by itself, e.g. a credential helper of the worker).
 */
export const githubPipelineSettingSchema = lazySchema(() =>
  z.strictObject({
    repo: z.string().trim().min(1, 'must be a repository template such as "{{repository.clone_url}}"').optional(),
    definitionPath: z
      .string()
      .trim()
      .min(1)
      .refine(
        (file) => !file.startsWith('/') && !file.split('/').includes('..'),
        'must be a path inside the repository',
      )
      .optional(),
  }),
);
export type GithubPipelineSetting = z.output<typeof githubPipelineSettingSchema>;

const sourceSchema = lazySchema(() =>
  z
    .strictObject({
      scheme: z.enum(SIGNATURE_SCHEMES, { error: `must be one of ${SIGNATURE_SCHEMES.join(', ')}` }),
      secrets: z
        .array(z.string().trim().min(MIN_SECRET_LENGTH, `a secret must be at least ${MIN_SECRET_LENGTH} characters`))
        .max(
          MAX_ACTIVE_SECRETS,
          `at most ${MAX_ACTIVE_SECRETS} secrets may be active (the new and the old one while rotating)`,
        )
        .optional(),
      /** How far a timestamped signature's `t` may be from now, either way. */
      tolerance: durationMsSchema.optional().transform((ms) => ms ?? DEFAULT_TOLERANCE_MS),
      rateLimit: z
        .strictObject({
          max: z.number().int().positive('must be a positive whole number').default(DEFAULT_RATE_LIMIT.max),
          /** A duration ("1 minute") or milliseconds, as @fastify/rate-limit takes it. */
          timeWindow: z
            .union([durationMsSchema, z.number().int().positive()], {
              error: 'must be a duration such as "1 minute" or milliseconds',
            })
            .default(DEFAULT_RATE_LIMIT.timeWindowMs),
        })
        .optional()
        .transform((limit) => ({
          max: limit?.max ?? DEFAULT_RATE_LIMIT.max,
          timeWindowMs: limit?.timeWindow ?? DEFAULT_RATE_LIMIT.timeWindowMs,
        })),
      events: z.array(ruleSchema, { error: 'must be a list of rules' }).default([]),
      /** A GitHub source whose push and pull_request events start pipeline runs (docs/pipelines.md). */
      pipelines: githubPipelineSettingSchema.optional(),
    })
    .superRefine((source, ctx) => {
      if (source.pipelines && source.scheme !== 'github')
        ctx.addIssue({ code: 'custom', path: ['pipelines'], message: 'only a github source runs pipelines' });
    }),
);

/** Source names appear in the URL and in ARXFLOW_WEBHOOK_SECRET_<SOURCE>. */
const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const SOURCE_NAME_RULE = 'a source name is lower-case letters, digits, "-" and "_" (it is part of the URL)';

export const webhooksSectionSchema = lazySchema(() =>
  z
    .record(z.string().regex(SOURCE_NAME), sourceSchema, {
      error: (issue) => {
        if (issue.code === 'invalid_key') return SOURCE_NAME_RULE;
        if (issue.code === 'invalid_type') return 'must be a mapping of source name to source settings';
        return undefined;
      },
    })
    .nullish()
    .transform((sources) => sources ?? {})
    .superRefine((sources, ctx) => {
      const byEnvVar = new Map<string, string>();
      for (const name of Object.keys(sources)) {
        const envVar = secretEnvVar(name);
        const other = byEnvVar.get(envVar);
        if (other)
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `shares ${envVar} with source "${other}": rename one`,
          });
        byEnvVar.set(envVar, name);
      }
    }),
);

export type WebhookSourceConfig = z.output<typeof sourceSchema>;
export type WebhookRule = WebhookSourceConfig['events'][number];
export type WebhookActionName = WebhookRule['action'];

/**
 * Parses the `webhooks:` section (missing or null: no sources); throws InputError naming each
 * field. `what` prefixes the message: the config file's name and the section, when known.
 */
export function parseWebhooksSection(section: unknown, what = 'webhooks'): Record<string, WebhookSourceConfig> {
  return parseInput(webhooksSectionSchema, section, what);
}

/** ARXFLOW_WEBHOOK_SECRET_<SOURCE>: upper-cased, every non-alphanumeric as "_". */
export function secretEnvVar(source: string): string {
  return `ARXFLOW_WEBHOOK_SECRET_${source.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

// ---------------------------------------------------------------- rules

/** The first rule whose `when` fields all equal the event's (a rule without `when` matches all). */
export function matchRule(rules: readonly WebhookRule[], event: unknown): WebhookRule | undefined {
  return rules.find((rule) =>
    Object.entries(rule.when ?? {}).every(([path, expected]) => {
      const lookup = lookupPath(event, path);
      return lookup.found && lookup.value === expected;
    }),
  );
}

/** What to ask Temporal for, fully resolved from one event. */
export type WebhookCommand =
  | { action: 'start'; workflowId: string; workflowType: string; taskQueue?: string; args: JsonValue[] }
  | { action: 'signal'; workflowId: string; signal: string; args: JsonValue[] }
  | {
      action: 'signalWithStart';
      workflowId: string;
      workflowType: string;
      taskQueue?: string;
      args: JsonValue[];
      signal: string;
      signalArgs: JsonValue[];
    }
  | { action: 'update'; workflowId: string; update: string; args: JsonValue[] };

/** The actor a webhook's signals and updates carry: the verified source, never a field of the event. */
export function webhookActor(source: string): string {
  return `webhook:${source}`;
}

/**
 * Resolves the first matching rule into a command, or undefined when no rule matches.
 * Throws MissingEventFieldError when the event lacks a field the rule needs.
 */
export function planWebhookCommand(
  source: string,
  rules: readonly WebhookRule[],
  event: unknown,
): WebhookCommand | undefined {
  const rule = matchRule(rules, event);
  if (!rule) return undefined;
  const missing: string[] = [];
  const command = commandOf(rule, source, event, missing);
  if (missing.length > 0) throw new MissingEventFieldError([...new Set(missing)]);
  return command;
}

function commandOf(rule: WebhookRule, source: string, event: unknown, missing: string[]): WebhookCommand {
  const workflowId = interpolateCollecting(rule.workflowId, event, missing);
  const resolve = (template: JsonValue) => resolveCollecting(template, event, missing);
  // Identities come only from credentials: whatever the event says, the actor is the source.
  const messageArgs = (payload: JsonValue | undefined): JsonValue[] =>
    payload === undefined ? [] : [withActor(resolve(payload), source)];
  switch (rule.action) {
    case 'start':
      return {
        action: 'start',
        workflowId,
        workflowType: rule.workflowType,
        taskQueue: rule.taskQueue,
        args: rule.args.map(resolve),
      };
    case 'signal':
      return { action: 'signal', workflowId, signal: rule.signal, args: messageArgs(rule.payload) };
    case 'signalWithStart':
      return {
        action: 'signalWithStart',
        workflowId,
        workflowType: rule.workflowType,
        taskQueue: rule.taskQueue,
        args: rule.args.map(resolve),
        signal: rule.signal,
        signalArgs: messageArgs(rule.payload),
      };
    case 'update':
      return { action: 'update', workflowId, update: rule.update, args: messageArgs(rule.payload) };
  }
}

function withActor(payload: JsonValue, source: string): JsonValue {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return payload;
  // No roles either: a payload that is a whole placeholder ("{{approval}}") could bring the event's.
  const { roles: _fromEvent, ...message } = payload;
  return { ...message, actor: webhookActor(source) };
}
