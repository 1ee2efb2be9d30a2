import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
// domain/validation.ts is this same pure layer; the lint rule's '../*' ban is meant for
// top-level domain files reaching into workflows/, activities/ and the like.
import { InputError, parseInput } from '../validation';
import { minorUnitsSchema } from './money';

/*
 * Conditions a construction draw must meet before its money is released, as a pure state
 * machine the fundingGate workflow drives. Runs inside workflow code: no I/O, no clock, no
 * randomness; time comes in as arguments.
 *
 * Errors, one rule for the whole funding domain:
 *   - messages from people (evidence, waivers, votes) never throw: `refusalOf...` and the
 *     mutating methods return a reason string, so an Update validator can throw it and a
 *     Signal handler can record it;
 *   - what the workflow itself hands over (definitions, budget lines, policies, snapshots,
 *     the evaluation time) is parsed at once and throws an InputError, so a bad workflow
 *     input fails the start instead of stalling a gate.
 */

export const CONDITION_MODES = ['blocking', 'warning'] as const;
export const CONDITION_STATUSES = ['pending', 'passed', 'failed', 'waived'] as const;
export const WAIVER_TYPES = [
  'conditional-progress',
  'unconditional-progress',
  'conditional-final',
  'unconditional-final',
] as const;
/** Who may waive a condition unless the book is told otherwise. */
export const DEFAULT_WAIVER_ROLES: readonly string[] = ['admin', 'approver'];
/** Refused messages kept per book/ledger: a spamming caller cannot grow the state (and the continue-as-new payload) without bound. */
export const MAX_REFUSED_KEPT = 200;

export type ConditionStatus = (typeof CONDITION_STATUSES)[number];
export type LienWaiverType = (typeof WAIVER_TYPES)[number];

export const idSchema = lazySchema(() => z.string().trim().min(1).max(200));
export const isoDateSchema = lazySchema(() => z.iso.date());
export const isoDateTimeSchema = lazySchema(() => z.iso.datetime({ offset: true }));
const textSchema = lazySchema(() => z.string().trim().max(2000));

// ---- condition definitions ----------------------------------------------------------

const definitionBase = {
  id: idSchema,
  // Fail closed: a condition whose author forgot the mode holds the money.
  mode: z.enum(CONDITION_MODES).default('blocking'),
  description: textSchema.optional(),
};

export const conditionDefinitionSchema = lazySchema(() =>
  z.discriminatedUnion('type', [
    z.object({ ...definitionBase, type: z.literal('task_completed'), taskIds: z.array(idSchema).min(1) }).strict(),
    z
      .object({
        ...definitionBase,
        type: z.literal('inspection_passed'),
        tolerancePercent: z.number().min(0).max(100).default(5),
      })
      .strict(),
    z
      .object({
        ...definitionBase,
        type: z.literal('lien_waiver'),
        waiverType: z.enum(WAIVER_TYPES),
        from: idSchema,
        throughDate: isoDateSchema,
        amount: minorUnitsSchema.optional(),
      })
      .strict(),
    z.object({ ...definitionBase, type: z.literal('document'), name: idSchema }).strict(),
    z.object({ ...definitionBase, type: z.literal('insurance_valid') }).strict(),
    z.object({ ...definitionBase, type: z.literal('compliance_approved') }).strict(),
    z.object({ ...definitionBase, type: z.literal('change_order_executed'), changeOrderId: idSchema }).strict(),
  ]),
);

export const conditionDefinitionsSchema = lazySchema(() =>
  z.array(conditionDefinitionSchema).superRefine((defs, ctx) => {
    const seen = new Set<string>();
    defs.forEach((def, index) => {
      if (seen.has(def.id))
        ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate condition id "${def.id}"` });
      seen.add(def.id);
    });
  }),
);

export type ConditionDefinition = z.output<typeof conditionDefinitionSchema>;
/** What a caller writes: `mode` and `tolerancePercent` may be left out. */
export type ConditionDefinitionInput = z.input<typeof conditionDefinitionSchema>;
export type ConditionType = ConditionDefinition['type'];

// ---- budget lines -------------------------------------------------------------------

/**
 * The figures of a draw line the rules need. Not strict: a richer line (retainage.ts's
 * BudgetLine with description and currency) is accepted and its other fields ignored.
 */
export const conditionBudgetLineSchema = lazySchema(() =>
  z
    .object({
      lineId: idSchema,
      scheduledValue: minorUnitsSchema,
      previouslyReleased: minorUnitsSchema.default(0),
      requestedAmount: minorUnitsSchema,
    })
    // A draw never takes a line past its scheduled value; that needs a change order first.
    .refine((line) => line.previouslyReleased + line.requestedAmount <= line.scheduledValue, {
      message: 'previouslyReleased + requestedAmount exceeds scheduledValue',
      path: ['requestedAmount'],
    }),
);

export const conditionBudgetLinesSchema = lazySchema(() =>
  z
    .array(conditionBudgetLineSchema)
    .min(1)
    .superRefine((lines, ctx) => {
      const seen = new Set<string>();
      lines.forEach((line, index) => {
        if (seen.has(line.lineId))
          ctx.addIssue({ code: 'custom', path: [index, 'lineId'], message: `duplicate lineId "${line.lineId}"` });
        seen.add(line.lineId);
      });
    }),
);

export type ConditionBudgetLine = z.output<typeof conditionBudgetLineSchema>;
export type ConditionBudgetLineInput = z.input<typeof conditionBudgetLineSchema>;

// ---- evidence -----------------------------------------------------------------------

/** `actor` and `at` are set by the workflow from the message (gateway identity, workflow time), never trusted from the payload. */
const evidenceBase = { actor: idSchema, at: isoDateTimeSchema };

export const evidenceSchema = lazySchema(() =>
  z.discriminatedUnion('kind', [
    z.object({ ...evidenceBase, kind: z.literal('task_completed'), taskId: idSchema }).strict(),
    z
      .object({
        ...evidenceBase,
        kind: z.literal('inspection'),
        inspector: idSchema,
        lines: z.array(z.object({ lineId: idSchema, verifiedPercent: z.number().min(0).max(100) }).strict()).min(1),
      })
      .strict(),
    z
      .object({
        ...evidenceBase,
        kind: z.literal('lien_waiver'),
        waiverType: z.enum(WAIVER_TYPES),
        from: idSchema,
        throughDate: isoDateSchema,
        amount: minorUnitsSchema,
      })
      .strict(),
    z
      .object({ ...evidenceBase, kind: z.literal('document'), name: idSchema, reference: textSchema.optional() })
      .strict(),
    z
      .object({ ...evidenceBase, kind: z.literal('insurance'), certificateId: idSchema, expiresOn: isoDateSchema })
      .strict(),
    z
      .object({
        ...evidenceBase,
        kind: z.literal('compliance_result'),
        reviewId: idSchema,
        approved: z.boolean(),
        summary: textSchema.optional(),
      })
      .strict(),
    z
      .object({
        ...evidenceBase,
        kind: z.literal('change_order'),
        changeOrderId: idSchema,
        status: z.enum(['executed', 'voided']),
      })
      .strict(),
  ]),
);

export type Evidence = z.output<typeof evidenceSchema>;
export type EvidenceKind = Evidence['kind'];

// ---- waivers ------------------------------------------------------------------------

export const waiverRequestSchema = lazySchema(() =>
  z
    .object({
      actor: idSchema,
      roles: z.array(z.string()),
      comment: z.string().trim().max(2000),
      at: isoDateTimeSchema,
    })
    .strict(),
);

export type WaiverRequest = z.input<typeof waiverRequestSchema>;

// ---- state --------------------------------------------------------------------------

export interface ConditionHistoryEntry {
  at: string;
  status: ConditionStatus;
  by: string;
  note: string;
}

/** One budget line of an inspection_passed condition. Percentages are rounded to 2 decimals for display only. */
export interface InspectionLineReport {
  lineId: string;
  requestedAmount: number;
  /** Share of the scheduled value paid once this draw is released: (previouslyReleased + requestedAmount) / scheduledValue. */
  claimedPercent: number;
  /** claimedPercent minus the tolerance, not below 0. */
  requiredPercent: number;
  verifiedPercent?: number;
  inspector?: string;
  result: 'passed' | 'failed' | 'missing' | 'not_requested';
}

export interface ConditionState {
  id: string;
  status: ConditionStatus;
  /** What the rules say from the evidence, also while waived (a waiver hides, never erases, a failure). */
  evaluated: Exclude<ConditionStatus, 'waived'>;
  note: string;
  lines?: InspectionLineReport[];
  waiver?: { by: string; at: string; comment: string };
  history: ConditionHistoryEntry[];
}

export interface RefusedMessage {
  actor?: string;
  at?: string;
  kind?: string;
  reason: string;
}

export interface ConditionView extends ConditionState {
  type: ConditionType;
  mode: ConditionDefinition['mode'];
  description?: string;
}

export interface ConditionBookSummary {
  conditions: ConditionView[];
  blockingOutstanding: string[];
  warnings: string[];
  /** The release date time-dependent rules were last evaluated against (UTC ISO), if any. */
  releaseAt?: string;
  evidenceCount: number;
  refusedEvidence: RefusedMessage[];
}

export interface ConditionBookOptions {
  /** Roles allowed to waive; default admin and approver. */
  waiverRoles?: readonly string[];
  /** The planned release date, so insurance can be judged before the first evaluate(). */
  releaseAt?: string | number;
}

const historyEntrySchema = lazySchema(() =>
  z.object({ at: z.string(), status: z.enum(CONDITION_STATUSES), by: z.string(), note: z.string() }).strict(),
);
const conditionStateSchema = lazySchema(() =>
  z
    .object({
      id: z.string(),
      status: z.enum(CONDITION_STATUSES),
      evaluated: z.enum(['pending', 'passed', 'failed']),
      note: z.string(),
      lines: z
        .array(
          z
            .object({
              lineId: z.string(),
              requestedAmount: z.number(),
              claimedPercent: z.number(),
              requiredPercent: z.number(),
              verifiedPercent: z.number().optional(),
              inspector: z.string().optional(),
              result: z.enum(['passed', 'failed', 'missing', 'not_requested']),
            })
            .strict(),
        )
        .optional(),
      waiver: z.object({ by: z.string(), at: z.string(), comment: z.string() }).strict().optional(),
      history: z.array(historyEntrySchema),
    })
    .strict(),
);
export const refusedMessageSchema = lazySchema(() =>
  z
    .object({
      actor: z.string().optional(),
      at: z.string().optional(),
      kind: z.string().optional(),
      reason: z.string(),
    })
    .strict(),
);

export const conditionBookSnapshotSchema = lazySchema(() =>
  z
    .object({
      version: z.literal(1),
      definitions: conditionDefinitionsSchema,
      lines: conditionBudgetLinesSchema,
      waiverRoles: z.array(z.string()),
      releaseAt: isoDateTimeSchema.optional(),
      evidence: z.array(evidenceSchema),
      conditions: z.array(conditionStateSchema),
      refusedEvidence: z.array(refusedMessageSchema),
    })
    .strict(),
);

export type ConditionBookSnapshot = z.output<typeof conditionBookSnapshotSchema>;

// ---- helpers shared with approvals.ts ---------------------------------------------------

/** Deep copy of plain data; JSON because the state is JSON anyway (it travels in queries and continue-as-new). */
export function clonePlain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The zod issues of a refused message as one line naming each field. */
export function describeIssues(error: z.ZodError, what: string): string {
  return error.issues
    .map((issue) => `${what}${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`)
    .join('; ');
}

/** Keeps what identifies a refused message (never the whole payload), truncated. */
export function refusedMessage(message: unknown, reason: string, kindField: string): RefusedMessage {
  const record = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 200) : undefined);
  const refused: RefusedMessage = { reason };
  const actor = text(record.actor);
  const at = text(record.at);
  const kind = text(record[kindField]);
  if (actor !== undefined) refused.actor = actor;
  if (at !== undefined) refused.at = at;
  if (kind !== undefined) refused.kind = kind;
  return refused;
}

export function pushCapped<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > MAX_REFUSED_KEPT) list.splice(0, list.length - MAX_REFUSED_KEPT);
}

/** An instant as a UTC ISO string: ISO date, ISO date-time or epoch ms. */
export function toUtcInstant(asOf: string | number, what: string): string {
  if (typeof asOf === 'number') {
    if (!Number.isFinite(asOf))
      throw new InputError(`${what}: must be a finite epoch-ms number`, [{ path: what, message: 'not finite' }]);
    return new Date(asOf).toISOString();
  }
  const parsed = parseInput(z.union([isoDateTimeSchema, isoDateSchema]), asOf, what);
  return new Date(Date.parse(parsed)).toISOString();
}

// ---- rules --------------------------------------------------------------------------

type Evaluation = Pick<ConditionState, 'evaluated' | 'note' | 'lines'>;

interface EvaluationContext {
  evidence: readonly Evidence[];
  lines: readonly ConditionBudgetLine[];
  releaseAt?: string;
}

/** Latest-wins reads use arrival order: the workflow appends evidence in its own deterministic order. */
function ofKind<K extends EvidenceKind>(evidence: readonly Evidence[], kind: K): Extract<Evidence, { kind: K }>[] {
  return evidence.filter((e): e is Extract<Evidence, { kind: K }> => e.kind === kind);
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function evaluateTasks(
  def: Extract<ConditionDefinition, { type: 'task_completed' }>,
  ctx: EvaluationContext,
): Evaluation {
  const done = new Set(ofKind(ctx.evidence, 'task_completed').map((e) => e.taskId));
  const missing = def.taskIds.filter((id) => !done.has(id));
  if (missing.length === 0) return { evaluated: 'passed', note: `completed: ${def.taskIds.join(', ')}` };
  return { evaluated: 'pending', note: `waiting for task(s) ${missing.join(', ')}` };
}

function evaluateInspection(
  def: Extract<ConditionDefinition, { type: 'inspection_passed' }>,
  ctx: EvaluationContext,
): Evaluation {
  // A re-inspection replaces earlier figures for the lines it covers, and only those.
  const latest = new Map<string, { verifiedPercent: number; inspector: string }>();
  for (const inspection of ofKind(ctx.evidence, 'inspection')) {
    for (const line of inspection.lines)
      latest.set(line.lineId, { verifiedPercent: line.verifiedPercent, inspector: inspection.inspector });
  }
  const lines = ctx.lines.map((line): InspectionLineReport => {
    if (line.requestedAmount === 0) {
      return {
        lineId: line.lineId,
        requestedAmount: 0,
        claimedPercent: 0,
        requiredPercent: 0,
        result: 'not_requested',
      };
    }
    // requestedAmount > 0 and the budget-line invariant make scheduledValue > 0.
    const claimed = ((line.previouslyReleased + line.requestedAmount) * 100) / line.scheduledValue;
    const required = Math.max(0, claimed - def.tolerancePercent);
    const report: InspectionLineReport = {
      lineId: line.lineId,
      requestedAmount: line.requestedAmount,
      claimedPercent: round2(claimed),
      requiredPercent: round2(required),
      result: 'missing',
    };
    const verified = latest.get(line.lineId);
    if (!verified) return report;
    // The epsilon absorbs float noise of the division, so exactly-at-the-threshold passes.
    const ok = verified.verifiedPercent + 1e-9 >= required;
    return {
      ...report,
      verifiedPercent: verified.verifiedPercent,
      inspector: verified.inspector,
      result: ok ? 'passed' : 'failed',
    };
  });
  const failed = lines.filter((l) => l.result === 'failed');
  const missing = lines.filter((l) => l.result === 'missing');
  if (failed.length > 0) {
    const why = failed.map(
      (l) =>
        `${l.lineId} verified ${l.verifiedPercent}% < required ${l.requiredPercent}% (claimed ${l.claimedPercent}% - ${def.tolerancePercent}%)`,
    );
    return { evaluated: 'failed', note: why.join('; '), lines };
  }
  if (missing.length > 0)
    return {
      evaluated: 'pending',
      note: `no inspection yet for line(s) ${missing.map((l) => l.lineId).join(', ')}`,
      lines,
    };
  return { evaluated: 'passed', note: 'every requested line verified within tolerance', lines };
}

function evaluateLienWaiver(
  def: Extract<ConditionDefinition, { type: 'lien_waiver' }>,
  ctx: EvaluationContext,
): Evaluation {
  const wanted = `${def.waiverType} waiver from ${def.from} through ${def.throughDate} or later${def.amount === undefined ? '' : ` for at least ${def.amount}`}`;
  // The type must match exactly: a progress waiver does not release final retainage and vice versa.
  const fromParty = ofKind(ctx.evidence, 'lien_waiver').filter(
    (w) => w.waiverType === def.waiverType && w.from === def.from,
  );
  const match = fromParty.find(
    (w) => w.throughDate >= def.throughDate && (def.amount === undefined || w.amount >= def.amount),
  );
  if (match)
    return {
      evaluated: 'passed',
      note: `received ${def.waiverType} waiver from ${def.from} through ${match.throughDate} for ${match.amount}`,
    };
  const nearMiss = fromParty.length > 0 ? ` (${fromParty.length} received that do not cover the date or amount)` : '';
  return { evaluated: 'pending', note: `waiting for a ${wanted}${nearMiss}` };
}

function evaluateDocument(def: Extract<ConditionDefinition, { type: 'document' }>, ctx: EvaluationContext): Evaluation {
  // Names are typed by people; case differences are not a missing document.
  const doc = ofKind(ctx.evidence, 'document').find((d) => sameName(d.name, def.name));
  if (!doc) return { evaluated: 'pending', note: `waiting for document "${def.name}"` };
  return { evaluated: 'passed', note: `received "${doc.name}"${doc.reference ? ` (${doc.reference})` : ''}` };
}

function evaluateInsurance(ctx: EvaluationContext): Evaluation {
  const certificate = ofKind(ctx.evidence, 'insurance').at(-1);
  if (!certificate) return { evaluated: 'pending', note: 'no insurance certificate received' };
  const what = `certificate ${certificate.certificateId} expires on ${certificate.expiresOn}`;
  if (!ctx.releaseAt) return { evaluated: 'pending', note: `${what}; no release date to check it against yet` };
  // Coverage must outlast the whole release day (UTC): expiring on that day is not enough.
  const releaseDay = ctx.releaseAt.slice(0, 10);
  if (certificate.expiresOn > releaseDay)
    return { evaluated: 'passed', note: `${what}, after the release date ${releaseDay}` };
  return { evaluated: 'failed', note: `${what}, not after the release date ${releaseDay}` };
}

function evaluateCompliance(ctx: EvaluationContext): Evaluation {
  const result = ofKind(ctx.evidence, 'compliance_result').at(-1);
  if (!result) return { evaluated: 'pending', note: 'waiting for a compliance review result' };
  const summary = result.summary ? `: ${result.summary}` : '';
  return result.approved
    ? { evaluated: 'passed', note: `review ${result.reviewId} approved${summary}` }
    : { evaluated: 'failed', note: `review ${result.reviewId} not approved${summary}` };
}

function evaluateChangeOrder(
  def: Extract<ConditionDefinition, { type: 'change_order_executed' }>,
  ctx: EvaluationContext,
): Evaluation {
  const latest = ofKind(ctx.evidence, 'change_order')
    .filter((c) => c.changeOrderId === def.changeOrderId)
    .at(-1);
  if (!latest) return { evaluated: 'pending', note: `waiting for change order ${def.changeOrderId} to be executed` };
  return latest.status === 'executed'
    ? { evaluated: 'passed', note: `change order ${def.changeOrderId} executed` }
    : { evaluated: 'failed', note: `change order ${def.changeOrderId} voided` };
}

export function evaluateCondition(def: ConditionDefinition, ctx: EvaluationContext): Evaluation {
  switch (def.type) {
    case 'task_completed':
      return evaluateTasks(def, ctx);
    case 'inspection_passed':
      return evaluateInspection(def, ctx);
    case 'lien_waiver':
      return evaluateLienWaiver(def, ctx);
    case 'document':
      return evaluateDocument(def, ctx);
    case 'insurance_valid':
      return evaluateInsurance(ctx);
    case 'compliance_approved':
      return evaluateCompliance(ctx);
    case 'change_order_executed':
      return evaluateChangeOrder(def, ctx);
  }
}

// ---- the book -----------------------------------------------------------------------

/**
 * The conditions of one funding gate and the evidence received for them. Every change
 * re-evaluates all conditions from the whole evidence list, so the result depends only on
 * the evidence, its order, the waivers and the release date: replay gives the same book.
 */
export class ConditionBook {
  private state: ConditionBookSnapshot;

  /** Throws an InputError for malformed definitions, lines or options (workflow input, not a person's message). */
  constructor(
    definitions: readonly ConditionDefinitionInput[],
    lines: readonly ConditionBudgetLineInput[],
    options: ConditionBookOptions = {},
  ) {
    const defs = parseInput(conditionDefinitionsSchema, definitions, 'conditions');
    const budget = parseInput(conditionBudgetLinesSchema, lines, 'budget lines');
    const waiverRoles = parseInput(
      z.array(z.string().min(1)).min(1),
      options.waiverRoles ?? DEFAULT_WAIVER_ROLES,
      'waiverRoles',
    );
    this.state = {
      version: 1,
      definitions: defs,
      lines: budget,
      waiverRoles,
      evidence: [],
      conditions: defs.map((def) => ({ id: def.id, status: 'pending', evaluated: 'pending', note: '', history: [] })),
      refusedEvidence: [],
    };
    if (options.releaseAt !== undefined) this.state.releaseAt = toUtcInstant(options.releaseAt, 'releaseAt');
    // The initial evaluation is the starting point, not a change: history records changes only.
    this.reevaluate();
  }

  /** Why `evidence` cannot be added, or undefined when it can. Never throws. */
  refusalOfEvidence(evidence: unknown): string | undefined {
    const parsed = evidenceSchema.safeParse(evidence);
    if (!parsed.success) return describeIssues(parsed.error, 'evidence');
    const e = parsed.data;
    if (e.kind === 'inspection') {
      const known = new Set(this.state.lines.map((l) => l.lineId));
      const seen = new Set<string>();
      for (const line of e.lines) {
        if (!known.has(line.lineId))
          return `inspection names line "${line.lineId}", which is not a budget line of this draw`;
        if (seen.has(line.lineId)) return `inspection names line "${line.lineId}" twice`;
        seen.add(line.lineId);
      }
    }
    return undefined;
  }

  /** Adds evidence and re-evaluates; returns the refusal (also recorded for the summary) when it is malformed. */
  /** Records a refused attempt the gate decided on before the book (an unverified sender). */
  recordRefusedEvidence(evidence: unknown, reason: string): void {
    pushCapped(this.state.refusedEvidence, refusedMessage(evidence, reason, 'kind'));
  }

  addEvidence(evidence: unknown): string | undefined {
    const refusal = this.refusalOfEvidence(evidence);
    if (refusal) {
      this.recordRefusedEvidence(evidence, refusal);
      return refusal;
    }
    const e = evidenceSchema.parse(evidence);
    this.state.evidence.push(e);
    this.reevaluate({ at: e.at, by: e.actor });
    return undefined;
  }

  /** Why `request` cannot waive `conditionId`, or undefined when it can. Never throws. */
  refusalOfWaiver(conditionId: string, request: unknown): string | undefined {
    const parsed = waiverRequestSchema.safeParse(request);
    if (!parsed.success) return describeIssues(parsed.error, 'waiver');
    const { actor, roles, comment } = parsed.data;
    const condition = this.state.conditions.find((c) => c.id === conditionId);
    if (!condition) return `no condition "${conditionId}"`;
    if (!roles.some((role) => this.state.waiverRoles.includes(role))) {
      return `${actor} may not waive conditions: needs one of the roles ${this.state.waiverRoles.join(', ')}`;
    }
    if (comment.length === 0) return 'a comment is required to waive a condition';
    if (condition.waiver) return `condition "${conditionId}" was already waived by ${condition.waiver.by}`;
    return undefined;
  }

  /**
   * Waives a condition: it no longer blocks, whatever the evidence says later (a passed
   * condition may be waived ahead of time, e.g. insurance that may lapse before release).
   * Returns the refusal, or undefined once applied. Never throws.
   */
  waive(conditionId: string, request: WaiverRequest): string | undefined {
    const refusal = this.refusalOfWaiver(conditionId, request);
    if (refusal) return refusal;
    const { actor, comment, at } = waiverRequestSchema.parse(request);
    const condition = this.condition(conditionId);
    condition.waiver = { by: actor, at, comment };
    condition.status = 'waived';
    condition.history.push({ at, status: 'waived', by: actor, note: comment });
    return undefined;
  }

  /**
   * Re-evaluates time-dependent rules against the release date `asOf` (ISO date, ISO
   * date-time or epoch ms): call it with the workflow's time right before releasing money,
   * since a certificate valid when it arrived may have lapsed since. Later evidence is judged
   * against this date too. Throws an InputError for a malformed date.
   */
  evaluate(asOf: string | number, by = 'system'): void {
    this.state.releaseAt = toUtcInstant(asOf, 'asOf');
    this.reevaluate({ at: this.state.releaseAt, by });
  }

  status(conditionId: string): ConditionStatus | undefined {
    return this.state.conditions.find((c) => c.id === conditionId)?.status;
  }

  /** Ids of blocking conditions neither passed nor waived: the money waits for these. */
  blockingOutstanding(): string[] {
    return this.outstanding('blocking');
  }

  /** Ids of warning conditions neither passed nor waived: they do not hold the money, but the release should mention them. */
  warnings(): string[] {
    return this.outstanding('warning');
  }

  summary(): ConditionBookSummary {
    const conditions = this.state.conditions.map((c, index): ConditionView => {
      const def = this.definition(index);
      const view: ConditionView = { ...clonePlain(c), type: def.type, mode: def.mode };
      if (def.description !== undefined) view.description = def.description;
      return view;
    });
    const summary: ConditionBookSummary = {
      conditions,
      blockingOutstanding: this.blockingOutstanding(),
      warnings: this.warnings(),
      evidenceCount: this.state.evidence.length,
      refusedEvidence: clonePlain(this.state.refusedEvidence),
    };
    if (this.state.releaseAt !== undefined) summary.releaseAt = this.state.releaseAt;
    return summary;
  }

  toSnapshot(): ConditionBookSnapshot {
    return clonePlain(this.state);
  }

  /** Rebuilds a book (e.g. after continue-as-new) with its history intact; throws an InputError for a malformed snapshot. */
  static fromSnapshot(snapshot: unknown): ConditionBook {
    const state = parseInput(conditionBookSnapshotSchema, snapshot, 'condition book snapshot');
    const ids = state.definitions.map((d) => d.id).join('\u0000');
    if (state.conditions.map((c) => c.id).join('\u0000') !== ids) {
      throw new InputError('condition book snapshot: conditions do not match definitions', [
        { path: 'conditions', message: 'do not match definitions' },
      ]);
    }
    const book = new ConditionBook(state.definitions, state.lines, { waiverRoles: state.waiverRoles });
    book.state = state;
    return book;
  }

  private outstanding(mode: ConditionDefinition['mode']): string[] {
    return this.state.conditions
      .filter((c, index) => this.definition(index).mode === mode && c.status !== 'passed' && c.status !== 'waived')
      .map((c) => c.id);
  }

  private definition(index: number): ConditionDefinition {
    const def = this.state.definitions[index];
    if (!def) throw new Error(`condition book: no definition at ${index}`);
    return def;
  }

  private condition(id: string): ConditionState {
    const condition = this.state.conditions.find((c) => c.id === id);
    if (!condition) throw new Error(`condition book: no condition "${id}"`);
    return condition;
  }

  /** Recomputes every condition; a change of status is written to its history as `at`/`by` (not at construction). */
  private reevaluate(change?: { at: string; by: string }): void {
    const ctx: EvaluationContext = {
      evidence: this.state.evidence,
      lines: this.state.lines,
      releaseAt: this.state.releaseAt,
    };
    this.state.conditions.forEach((condition, index) => {
      const result = evaluateCondition(this.definition(index), ctx);
      condition.evaluated = result.evaluated;
      condition.note = result.note;
      if (result.lines) condition.lines = result.lines;
      const status: ConditionStatus = condition.waiver ? 'waived' : result.evaluated;
      if (change && status !== condition.status) condition.history.push({ ...change, status, note: result.note });
      condition.status = status;
    });
  }
}
