import { z } from 'zod';
import { lazySchema } from './lazy-schema';
import {
  lookupPath,
  MissingEventFieldError,
  placeholderPaths,
  resolveTemplate,
  interpolate,
  type JsonValue,
} from './webhook-config';
import { inputErrorOf, issuesRefusal, parseInput } from './validation';
import { evidenceBodySchema } from './funding/condition-schemas';
import {
  payloadGrantsRoles,
  refusedStart,
  rolesInPayloadRefusal,
  TRIGGER_REFUSED_WORKFLOW_TYPES,
} from './trigger-rules';

/**
 * Task triggers: the platform's task tracker reports task events (a task completed, its
 * status changed, a milestone completed, a date reached); a trigger stored for the task
 * turns a matching event into actions (signal a funding gate, start a workflow, notify,
 * call a webhook). Pure: schemas, matching and template resolution; no I/O.
 *
 *   { id: close-out-m3, projectId: TOWER1, taskId: T-88, triggerType: task_completed,
 *     conditions: [{ field: fields.phase, equals: framing }],
 *     actions: [{ type: signal_gate, workflowId: "funding-gate/{{projectId}}/M3",
 *                 payload: { kind: task_completed, taskId: "{{taskId}}" } }] }
 *
 * Templates resolve against the whole event (`{{taskId}}`, `{{status}}`,
 * `{{fields.assignee}}`) exactly as the webhook templates do: a string that is one
 * placeholder keeps the field's type, other strings interpolate. Conditions use the same
 * dot paths. A signal's `actor` is always `trigger:<id>`, whatever the payload says.
 *
 * A `submitEvidence` signal (the default) carries evidence a funding gate accepts
 * (domain/funding/condition-schemas.ts): with no payload, the task's completion
 * (`{ kind: task_completed, taskId: "{{taskId}}" }`, which meets the gate's task_completed
 * condition). A stored trigger must name an evidence kind and only that kind's fields; a
 * resolved payload the gate would refuse is never sent, it becomes a dead letter naming the field.
 */

export const TASK_TRIGGER_TYPES = [
  'task_completed',
  'task_status_changed',
  'milestone_completed',
  'date_reached',
] as const;
export type TaskTriggerType = (typeof TASK_TRIGGER_TYPES)[number];
export const NOTIFY_CHANNELS = ['email', 'slack', 'log'] as const;
export const DEFAULT_GATE_SIGNAL = 'submitEvidence';
/** What a submitEvidence action with no payload sends: the event's task is completed. */
export const DEFAULT_GATE_EVIDENCE: Readonly<Record<string, JsonValue>> = {
  kind: 'task_completed',
  taskId: '{{taskId}}',
};
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

const DOT_PATH = /^[^.{}\s]+(\.[^.{}\s]+)*$/;

// ---------------------------------------------------------------- schemas

/**
 * Any JSON value. Every reference to it (the recursion too) is to the built schema, never to
 * a lazySchema proxy: zod's JSON Schema output (the gateway's OpenAPI for PUT /v1/task-triggers)
 * tracks schemas by identity and throws on a z.lazy reached through a proxy.
 */
const jsonValue = lazySchema(() => {
  const schema: z.ZodType<JsonValue> = z.lazy(() =>
    z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(schema), z.record(z.string(), schema)], {
      error: 'must be a string, number, boolean, null, list or mapping',
    }),
  );
  return { schema };
});

function reportBadPlaceholders(text: string, ctx: z.RefinementCtx, path: (string | number)[] = []): void {
  for (const placeholder of placeholderPaths(text)) {
    if (!DOT_PATH.test(placeholder)) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `"{{${placeholder}}}" is not a dot path such as {{fields.assignee}}`,
      });
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

const templateSchema = lazySchema(() =>
  jsonValue.schema.superRefine((value, ctx) => {
    for (const { path, text } of stringsIn(value)) reportBadPlaceholders(text, ctx, path);
  }),
);

const objectTemplateSchema = lazySchema(() =>
  z
    .record(z.string(), jsonValue.schema, { error: 'must be a mapping (the message body)' })
    .superRefine((value, ctx) => {
      for (const { path, text } of stringsIn(value)) reportBadPlaceholders(text, ctx, path);
    }),
);

const textTemplate = (what: string) =>
  z
    .string({ error: `must be the ${what}` })
    .trim()
    .min(1, `must be the ${what}`)
    .superRefine((text, ctx) => reportBadPlaceholders(text, ctx));

const idSchema = (what: string) =>
  z
    .string({ error: `must be the ${what}` })
    .trim()
    .min(1, `must be the ${what}`);

const signalGateSchema = lazySchema(() =>
  z.strictObject({
    type: z.literal('signal_gate'),
    workflowId: textTemplate('gate workflow id, such as "funding-gate/{{projectId}}/M3"'),
    signal: idSchema('signal name').default(DEFAULT_GATE_SIGNAL),
    // The signal's identity is the trigger's (actor trigger:<id>), with no roles: a payload may not grant any.
    payload: objectTemplateSchema.default({}).refine((payload) => !payloadGrantsRoles(payload), {
      path: ['roles'],
      message: rolesInPayloadRefusal('a trigger', 'trigger:<id>'),
    }),
  }),
);

/** The fields each evidence kind has, as a caller sends it (the gate sets `actor` and `at`). */
function evidenceFields(): Map<string, Set<string>> {
  const kinds = new Map<string, Set<string>>();
  for (const option of evidenceBodySchema.options)
    kinds.set(option.shape.kind.value, new Set(Object.keys(option.shape)));
  return kinds;
}

/**
 * Why a submitEvidence payload template cannot become evidence a gate accepts, checked when a
 * trigger is written: its `kind` must name an evidence kind, literally, and it may have only that
 * kind's fields (`actor` is allowed: it is replaced by the trigger's). Values may be templates;
 * the resolved payload is checked again when it is planned (planTaskEvent).
 */
function evidenceTemplateIssues(payload: Record<string, JsonValue>): { path: string[]; message: string }[] {
  if (Object.keys(payload).length === 0) return []; // DEFAULT_GATE_EVIDENCE
  const kinds = evidenceFields();
  const names = [...kinds.keys()].join(', ');
  const fields = typeof payload.kind === 'string' ? kinds.get(payload.kind) : undefined;
  if (!fields)
    return [
      {
        path: ['kind'],
        message: `a submitEvidence payload's kind must be one of ${names} (evidence a funding gate accepts)`,
      },
    ];
  return Object.keys(payload)
    .filter((key) => key !== 'actor' && !fields.has(key))
    .map((key) => ({
      path: [key],
      message: `${payload.kind} evidence has no field "${key}" (it has ${[...fields].filter((f) => f !== 'kind').join(', ')})`,
    }));
}

/** Why a resolved submitEvidence payload is not evidence a funding gate accepts, or undefined when it is. */
export function refusalOfGateEvidence(payload: Record<string, JsonValue>): string | undefined {
  const { actor: _replaced, ...evidence } = payload;
  const parsed = evidenceBodySchema.safeParse(evidence);
  return parsed.success ? undefined : `not evidence a funding gate accepts: ${issuesRefusal(parsed.error, 'payload')}`;
}

// The refused workflow types live with the other trigger rules (domain/trigger-rules.ts), shared with webhooks.
export { TRIGGER_REFUSED_WORKFLOW_TYPES };

const startWorkflowSchema = lazySchema(() =>
  z.strictObject({
    type: z.literal('start_workflow'),
    workflowType: idSchema('workflow type name').refine((type) => refusedStart(type) === undefined, {
      error: (issue) => refusedStart(String(issue.input)),
    }),
    workflowId: textTemplate('workflow id template'),
    /** The workflow's argument list; a mapping is shorthand for a single argument. */
    args: templateSchema
      .optional()
      .transform((args): JsonValue[] => (args === undefined ? [] : Array.isArray(args) ? args : [args])),
  }),
);

const notifySchema = lazySchema(() =>
  z.strictObject({
    type: z.literal('notify'),
    channel: z.enum(NOTIFY_CHANNELS, { error: `must be one of ${NOTIFY_CHANNELS.join(', ')}` }),
    recipients: z
      .array(textTemplate('recipient'), { error: 'must be a list of recipients' })
      .min(1, 'must name at least one recipient'),
    subject: textTemplate('subject'),
    body: z.string({ error: 'must be the message body' }).superRefine((text, ctx) => reportBadPlaceholders(text, ctx)),
  }),
);

const webhookSchema = lazySchema(() =>
  z.strictObject({
    type: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    secret: z
      .string({ error: 'must be the signing secret' })
      .min(MIN_WEBHOOK_SECRET_LENGTH, `a secret must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`),
    /** JSON template of the request body; the whole event when omitted. */
    body: templateSchema.optional(),
  }),
);

export const triggerActionSchema = lazySchema(() =>
  z.discriminatedUnion('type', [signalGateSchema, startWorkflowSchema, notifySchema, webhookSchema], {
    error: 'type must be one of signal_gate, start_workflow, notify, webhook',
  }),
);

const conditionSchema = lazySchema(() =>
  z.strictObject({
    field: z
      .string({ error: 'must be a dot path such as fields.phase' })
      .regex(DOT_PATH, 'must be a dot path such as fields.phase'),
    equals: z.union([z.string(), z.number(), z.boolean(), z.null()], {
      error: 'must be a string, number, boolean or null to compare with',
    }),
  }),
);

export const taskTriggerSchema = lazySchema(() =>
  z.strictObject({
    id: idSchema('trigger id'),
    projectId: idSchema('project id'),
    taskId: idSchema('task id'),
    triggerType: z.enum(TASK_TRIGGER_TYPES, { error: `must be one of ${TASK_TRIGGER_TYPES.join(', ')}` }),
    conditions: z.array(conditionSchema, { error: 'must be a list of { field, equals }' }).default([]),
    actions: z
      .array(triggerActionSchema, { error: 'must be a list of actions' })
      .min(1, 'must have at least one action'),
  }),
);

/**
 * The ids of a task event go into its workflow id (task-event/<projectId>/<eventId>), which Temporal
 * caps at 1,000 characters: a longer one was refused by Temporal as INVALID_ARGUMENT, a 500 (found
 * by the bad-input chaos scenario). Trackers' ids are far shorter; refused here naming the field.
 */
const TASK_EVENT_ID_MAX = 200;
const eventIdSchema = (what: string) =>
  idSchema(what).max(TASK_EVENT_ID_MAX, `must be the ${what} (at most ${TASK_EVENT_ID_MAX} characters)`);

export const taskEventSchema = lazySchema(() =>
  z.strictObject({
    /** The tracker's id of this event: a redelivery carries the same one. */
    eventId: eventIdSchema('event id'),
    projectId: eventIdSchema('project id'),
    taskId: eventIdSchema('task id'),
    type: z.enum(TASK_TRIGGER_TYPES, { error: `must be one of ${TASK_TRIGGER_TYPES.join(', ')}` }),
    status: z.string({ error: 'must be the task status' }).optional(),
    occurredAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-11-25T10:00:00Z' }),
    fields: z.record(z.string(), z.unknown(), { error: 'must be a mapping of field name to value' }).default({}),
  }),
);

export type TaskTrigger = z.output<typeof taskTriggerSchema>;
export type TaskTriggerInput = z.input<typeof taskTriggerSchema>;
export type TriggerAction = TaskTrigger['actions'][number];
export type TriggerCondition = TaskTrigger['conditions'][number];
export type TaskEvent = z.output<typeof taskEventSchema>;
export type TaskEventInput = z.input<typeof taskEventSchema>;

/** Parses a trigger definition; throws InputError naming each bad field (`task trigger: actions.0.url: ...`). */
export function parseTaskTrigger(input: unknown): TaskTrigger {
  const trigger = parseInput(taskTriggerSchema, input, 'task trigger');
  // Checked on write only: a trigger stored before this rule still loads, and its payload is checked when planned.
  const issues = trigger.actions.flatMap((action, index) =>
    action.type === 'signal_gate' && action.signal === DEFAULT_GATE_SIGNAL
      ? evidenceTemplateIssues(action.payload).map((issue) => ({
          ...issue,
          path: ['actions', index, 'payload', ...issue.path],
        }))
      : [],
  );
  if (issues.length > 0) throw inputErrorOf(issues, 'task trigger');
  return trigger;
}

export function parseTaskEvent(input: unknown): TaskEvent {
  return parseInput(taskEventSchema, input, 'task event');
}

/** One workflow per tracker event, so a redelivered event finds the first one. */
export function taskEventWorkflowId(event: Pick<TaskEvent, 'projectId' | 'eventId'>): string {
  return `task-event/${event.projectId}/${event.eventId}`;
}

/**
 * One workflow per dead letter and replay attempt: a second click on "replay" computes the
 * same attempt and is refused by Temporal (REJECT_DUPLICATE), while a replay that was cut
 * off (terminated, timed out) can still be followed by the next attempt.
 */
export function triggerReplayWorkflowId(deadLetterKey: string, attempt: number): string {
  return `trigger-replay/${deadLetterKey}/${attempt}`;
}

/** The identity a trigger's signals carry: the trigger, never a field of the event. */
export function triggerActor(triggerId: string): string {
  return `trigger:${triggerId}`;
}

// ---------------------------------------------------------------- matching

export function conditionHolds(condition: TriggerCondition, event: TaskEvent): boolean {
  const lookup = lookupPath(event, condition.field);
  return lookup.found && lookup.value === condition.equals; // a field the event lacks never holds, as in webhook `when`
}

/** The triggers for this event's task, project and type whose conditions all hold, in the given order. */
export function matchTriggers(triggers: readonly TaskTrigger[], event: TaskEvent): TaskTrigger[] {
  return triggers.filter(
    (trigger) =>
      trigger.projectId === event.projectId &&
      trigger.taskId === event.taskId &&
      trigger.triggerType === event.type &&
      trigger.conditions.every((condition) => conditionHolds(condition, event)),
  );
}

// ---------------------------------------------------------------- planning

interface PlannedBase {
  /** `<triggerId>/<action index>`: with the workflow id, the idempotency key of the action's effect. */
  step: string;
  triggerId: string;
  actionIndex: number;
}

/**
 * An action with its templates resolved. A webhook's secret is left out on purpose: planned
 * actions travel through workflow histories, so the delivering activity reads the secret
 * from the stored trigger.
 */
export type PlannedAction =
  | (PlannedBase & { type: 'signal_gate'; workflowId: string; signal: string; payload: Record<string, JsonValue> })
  | (PlannedBase & { type: 'start_workflow'; workflowType: string; workflowId: string; args: JsonValue[] })
  | (PlannedBase & {
      type: 'notify';
      channel: (typeof NOTIFY_CHANNELS)[number];
      recipients: string[];
      subject: string;
      body: string;
    })
  | (PlannedBase & { type: 'webhook'; url: string; body: JsonValue })
  /** Its templates need fields the event does not have: recorded as a dead letter, never run. */
  | (PlannedBase & { type: 'unresolved'; actionType: TriggerAction['type']; error: string });

/** An action whose resolved form would be refused where it goes (a gate's evidence): planned as `unresolved`. */
class UnplannableActionError extends Error {}

/** Resolves every action of a matched trigger against the event; an action that cannot resolve becomes `unresolved`. */
export function planActions(trigger: TaskTrigger, event: TaskEvent): PlannedAction[] {
  return trigger.actions.map((action, actionIndex) => {
    const base: PlannedBase = { step: `${trigger.id}/${actionIndex}`, triggerId: trigger.id, actionIndex };
    try {
      return planAction(action, event, trigger.id, base);
    } catch (err) {
      if (!(err instanceof MissingEventFieldError) && !(err instanceof UnplannableActionError)) throw err;
      return { ...base, type: 'unresolved', actionType: action.type, error: err.message };
    }
  });
}

function planAction(action: TriggerAction, event: TaskEvent, triggerId: string, base: PlannedBase): PlannedAction {
  // Every missing field of the action is named at once, not only the first.
  const missing: string[] = [];
  const collect = <T>(resolve: () => T, fallback: T): T => {
    try {
      return resolve();
    } catch (err) {
      if (!(err instanceof MissingEventFieldError)) throw err;
      missing.push(...err.paths);
      return fallback;
    }
  };
  const text = (template: string) => collect(() => interpolate(template, event), '');
  const json = (template: JsonValue) => collect(() => resolveTemplate(template, event), null);
  const planned = ((): PlannedAction => {
    switch (action.type) {
      case 'signal_gate': {
        const workflowId = text(action.workflowId);
        const evidence = action.signal === DEFAULT_GATE_SIGNAL;
        const template = evidence && Object.keys(action.payload).length === 0 ? DEFAULT_GATE_EVIDENCE : action.payload;
        const payload = json(template) as Record<string, JsonValue>;
        const refusal = evidence && missing.length === 0 ? refusalOfGateEvidence(payload) : undefined;
        if (refusal) throw new UnplannableActionError(refusal);
        return {
          ...base,
          type: 'signal_gate',
          workflowId,
          signal: action.signal,
          payload: { ...payload, actor: triggerActor(triggerId) },
        };
      }
      case 'start_workflow':
        return {
          ...base,
          type: 'start_workflow',
          workflowType: action.workflowType,
          workflowId: text(action.workflowId),
          args: action.args.map(json),
        };
      case 'notify':
        return {
          ...base,
          type: 'notify',
          channel: action.channel,
          recipients: action.recipients.map(text),
          subject: text(action.subject),
          body: text(action.body),
        };
      case 'webhook':
        return {
          ...base,
          type: 'webhook',
          url: action.url,
          body: action.body === undefined ? (event as unknown as JsonValue) : json(action.body),
        };
    }
  })();
  if (missing.length > 0) throw new MissingEventFieldError([...new Set(missing)]);
  return planned;
}

/** Matches and plans in one step: every action of every matching trigger, in trigger order. */
export function planTaskEvent(triggers: readonly TaskTrigger[], event: TaskEvent): PlannedAction[] {
  return matchTriggers(triggers, event).flatMap((trigger) => planActions(trigger, event));
}

// ---------------------------------------------------------------- report

export type ActionOutcome =
  | 'signalled'
  | 'gate_not_found'
  | 'signal_failed'
  | 'started'
  | 'already_started'
  | 'start_failed'
  | 'queued'
  | 'delivered'
  | 'dead_lettered'
  | 'unresolved';

/** Outcomes that left a dead letter behind. */
const DEAD_LETTER_OUTCOMES: readonly ActionOutcome[] = [
  'gate_not_found',
  'signal_failed',
  'start_failed',
  'dead_lettered',
  'unresolved',
];

export function isDeadLettered(outcome: ActionOutcome): boolean {
  return DEAD_LETTER_OUTCOMES.includes(outcome);
}

export interface ActionReport {
  step: string;
  type: PlannedAction['type'];
  outcome: ActionOutcome;
  /** The workflow signalled or started, the webhook URL, the notification channel. */
  target?: string;
  detail?: string;
}

export interface TaskEventReport {
  workflowId: string;
  eventId: string;
  matchedActions: number;
  actions: ActionReport[];
}

/**
 * The replayTriggerAction workflow's input. Accepts what the hand-written check before it
 * accepted (other keys pass; any whole attempt from 1): runs already started must start the
 * same way on replay.
 */
export const replayTriggerActionInputSchema = lazySchema(() =>
  z.looseObject({
    deadLetterKey: z.string({ error: 'needs deadLetterKey (text)' }).min(1, 'needs deadLetterKey (text)'),
    attempt: z
      .number({ error: 'needs attempt (1, 2, ...)' })
      .refine((attempt) => Number.isInteger(attempt) && attempt >= 1, 'needs attempt (1, 2, ...)'),
  }),
);
