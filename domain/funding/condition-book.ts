import { z } from 'zod';
// domain/validation.ts and plain-data.ts are this same pure layer; the lint rule's '../*' ban
// is meant for top-level domain files reaching into workflows/, activities/ and the like.
import { clonePlain } from '../plain-data';
import { InputError, parseInput } from '../validation';
import { evaluateCondition, type EvaluationContext } from './condition-rules';
import {
  conditionBudgetLinesSchema,
  conditionDefinitionsSchema,
  evidenceSchema,
  isoDateSchema,
  isoDateTimeSchema,
  waiverRequestSchema,
  type ConditionBudgetLine,
  type ConditionBudgetLineInput,
  type ConditionDefinition,
  type ConditionDefinitionInput,
  type ConditionStatus,
  type ConditionType,
  type Evidence,
  type InspectionLineReport,
  type WaiverRequest,
} from './condition-schemas';
import { keepRefused, refusedMessage, type RefusedMessage } from './refused-messages';
import { issuesRefusal } from '../validation';

/*
 * Conditions a construction draw must meet before its money is released, as a pure state
 * machine the fundingGate workflow drives. Runs inside workflow code: no I/O, no clock, no
 * randomness; time comes in as arguments.
 *
 * Errors, one rule for the whole funding domain:
 *   - messages from people (evidence, waivers, votes) never throw: `refusalOf...` and the
 *     mutating methods return a reason string, so an Update validator can throw it and a
 *     Signal handler can record it;
 *   - what the workflow itself hands over (definitions, budget lines, policies, the
 *     evaluation time) is parsed at once and throws an InputError, so a bad workflow input
 *     fails the start instead of stalling a gate.
 */

/** Who may waive a condition unless the book is told otherwise. */
export const DEFAULT_WAIVER_ROLES: readonly string[] = ['admin', 'approver'];

export interface ConditionHistoryEntry {
  at: string;
  status: ConditionStatus;
  by: string;
  note: string;
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

/** The book's plain state: what it was given, the evidence in arrival order, and what the rules made of it. */
/** What a snapshot holds: the whole plain state (it is small and bounded: votes per person, capped refusals and evidence). */
export type BookSnapshot = BookState;

export interface BookState {
  definitions: ConditionDefinition[];
  lines: ConditionBudgetLine[];
  waiverRoles: string[];
  releaseAt?: string;
  evidence: Evidence[];
  conditions: ConditionState[];
  refusedEvidence: RefusedMessage[];
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

/**
 * The conditions of one funding gate and the evidence received for them. Every change
 * re-evaluates all conditions from the whole evidence list, so the result depends only on
 * the evidence, its order, the waivers and the release date: replay gives the same book.
 */
export class ConditionBook {
  private readonly state: BookState;

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

  /** Pieces of evidence accepted so far. */
  /** The book as plain data (a copy), for a run that continues as new. */
  snapshot(): BookSnapshot {
    return clonePlain(this.state);
  }

  /** Takes the state of a snapshot of a book made from the same definitions and lines. */
  restore(snapshot: BookSnapshot): void {
    const copy = clonePlain(snapshot);
    delete this.state.releaseAt;
    Object.assign(this.state, copy);
  }

  get evidenceCount(): number {
    return this.state.evidence.length;
  }

  /** Why `evidence` cannot be added, or undefined when it can. Never throws. */
  refusalOfEvidence(evidence: unknown): string | undefined {
    const parsed = evidenceSchema.safeParse(evidence);
    if (!parsed.success) return issuesRefusal(parsed.error, 'evidence');
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

  /** Records a refused attempt: the book's own refusals, and those the gate decided on before the book (an unverified sender, a closed gate). */
  recordRefusedEvidence(evidence: unknown, reason: string): number {
    return keepRefused(this.state.refusedEvidence, refusedMessage(evidence, reason, 'kind'));
  }

  /** Adds evidence and re-evaluates; returns the refusal (also recorded for the summary) when it is malformed. */
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
    if (!parsed.success) return issuesRefusal(parsed.error, 'waiver');
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
