import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
// Same pure layer; see the note in condition-book.ts.
import { clonePlain } from '../plain-data';
import { InputError, parseInput } from '../validation';
import { idSchema, isoDateTimeSchema } from './condition-schemas';
import { keepRefused, refusedMessage, type RefusedMessage } from './refused-messages';
import { issuesRefusal } from '../validation';
import { minorUnitsSchema } from './money';

/*
 * Who must approve a construction draw, in which order, and what they approved: a pure
 * state machine the fundingGate workflow drives from an Update (validator = refusalOf)
 * and a Signal of the same payload (refusals recorded with recordRefused).
 *
 * Errors follow condition-book.ts: votes and resubmissions return a reason string and never
 * throw; the policy and the request are workflow input and throw an InputError.
 */

export const DECISIONS = ['approve', 'reject', 'request_changes'] as const;
export const GATE_STATES = ['pending', 'changes_requested', 'approved', 'rejected', 'expired', 'cancelled'] as const;
export type Decision = (typeof DECISIONS)[number];
export type GateState = (typeof GATE_STATES)[number];

// ---- policy -------------------------------------------------------------------------

const distinct = (values: readonly string[] | undefined) => [...new Set(values ?? [])];

export const approvalStageSchema = lazySchema(() =>
  z
    .object({
      name: idSchema,
      approvers: z
        .object({ users: z.array(idSchema).optional(), roles: z.array(idSchema).optional() })
        .strict()
        .refine((a) => (a.users?.length ?? 0) + (a.roles?.length ?? 0) > 0, 'name at least one user or role'),
      quorum: z.number().int().min(1),
    })
    .strict()
    // With roles, any number of people may hold them; with users only, the quorum must be reachable.
    .refine((s) => (s.approvers.roles?.length ?? 0) > 0 || s.quorum <= distinct(s.approvers.users).length, {
      message: 'quorum exceeds the number of users who may approve',
      path: ['quorum'],
    }),
);

export const approvalPolicySchema = lazySchema(() =>
  z
    .object({
      stages: z.array(approvalStageSchema).min(1),
      /** Appended as the last stage when the requested total is strictly above amountOver. */
      highValueStage: z.object({ amountOver: minorUnitsSchema, stage: approvalStageSchema }).strict().optional(),
    })
    .strict()
    .superRefine((policy, ctx) => {
      const names = [
        ...policy.stages.map((s) => s.name),
        ...(policy.highValueStage ? [policy.highValueStage.stage.name] : []),
      ];
      names.forEach((name, index) => {
        if (names.indexOf(name) !== index)
          ctx.addIssue({ code: 'custom', path: ['stages'], message: `duplicate stage name "${name}"` });
      });
    }),
);

export type ApprovalStage = z.output<typeof approvalStageSchema>;
export type ApprovalPolicy = z.output<typeof approvalPolicySchema>;
export type ApprovalPolicyInput = z.input<typeof approvalPolicySchema>;

/** What the ledger needs of a budget line; any richer line (retainage.ts's BudgetLine) fits, other fields ignored. */
export interface RequestedLine {
  lineId: string;
  requestedAmount: number;
}

export interface ApprovalRequest {
  requestedBy: string;
  lines: readonly RequestedLine[];
}

const requestSchema = lazySchema(() =>
  z
    .object({
      requestedBy: idSchema,
      lines: z.array(z.object({ lineId: idSchema, requestedAmount: minorUnitsSchema })).min(1),
    })
    .superRefine((request, ctx) => {
      const ids = request.lines.map((l) => l.lineId);
      ids.forEach((id, index) => {
        if (ids.indexOf(id) !== index)
          ctx.addIssue({ code: 'custom', path: ['lines', index, 'lineId'], message: `duplicate lineId "${id}"` });
      });
    }),
);

// ---- votes --------------------------------------------------------------------------

/**
 * `actor`, `roles` and `at` must come from the authenticated caller and the workflow's
 * clock (the gateway sets them), never from what a person typed.
 * Amounts are checked by refusalOf, not here, so the refusal reads as a business reason.
 */
export const voteSchema = lazySchema(() =>
  z
    .object({
      actor: idSchema,
      roles: z.array(z.string()),
      decision: z.enum(DECISIONS),
      reasonCode: z.string().trim().max(100).optional(),
      comment: z.string().trim().max(2000).optional(),
      approvedAmounts: z.record(z.string(), z.number()).optional(),
      at: isoDateTimeSchema,
    })
    .strict(),
);

export type Vote = z.output<typeof voteSchema>;

/** A resubmission or a cancellation, from a person. */
export const gateActionSchema = lazySchema(() =>
  z.object({ actor: idSchema, at: isoDateTimeSchema, comment: z.string().trim().max(2000).optional() }).strict(),
);
export type GateAction = z.output<typeof gateActionSchema>;

export interface StageState {
  name: string;
  users: string[];
  roles: string[];
  quorum: number;
  highValue: boolean;
}
/** An accepted vote; `counted` turns false when a resubmission resets its stage (the vote stays in the record). */
export type RecordedVote = Vote & { stage: string; stageIndex: number; counted: boolean };
export type RefusedVote = RefusedMessage & { stage?: string };
export interface GateEvent {
  at: string;
  by: string;
  kind: 'stage_approved' | 'approved' | 'rejected' | 'changes_requested' | 'resubmitted' | 'expired' | 'cancelled';
  stage?: string;
  reasonCode?: string;
  comment?: string;
}

/** The ledger's plain state: the resolved stages, where the gate stands, every vote and refusal. */
/** What a snapshot holds: the whole plain state (it is small and bounded: votes per person, capped refusals and evidence). */
export type LedgerSnapshot = LedgerState;

export interface LedgerState {
  policy: ApprovalPolicy;
  requestedBy: string;
  lines: RequestedLine[];
  stages: StageState[];
  state: GateState;
  stageIndex: number;
  votes: RecordedVote[];
  refused: RefusedVote[];
  events: GateEvent[];
  approvedAmounts?: Record<string, number>;
}

export interface PendingApprovers {
  /** Undefined when the gate does not take votes (decided, expired, cancelled, or waiting for a resubmission). */
  stage?: string;
  /** Named users of the current stage who may still vote (never the requester, never someone who already voted). */
  users: string[];
  /** Roles of the current stage: who holds them is not known here, so they are always listed. */
  roles: string[];
  approvalsNeeded: number;
}

export interface ApprovalSummary {
  state: GateState;
  requestedBy: string;
  requestedTotal: number;
  currentStage?: string;
  stages: (StageState & { status: 'approved' | 'current' | 'waiting'; approvals: number })[];
  votes: RecordedVote[];
  refused: RefusedVote[];
  events: GateEvent[];
  approvedAmounts?: Record<string, number>;
  approvedTotal?: number;
}

// ---- the ledger ---------------------------------------------------------------------

function resolveStage(stage: ApprovalStage, highValue: boolean): StageState {
  return {
    name: stage.name,
    users: distinct(stage.approvers.users),
    roles: distinct(stage.approvers.roles),
    quorum: stage.quorum,
    highValue,
  };
}

/**
 * The approval record of one funding gate. Rules: stages in order, N-of-M approvals per
 * stage, four eyes (the requester never votes), one vote per person per gate (across
 * stages, so one person cannot carry two stages), any reject ends the gate, a request for
 * changes pauses it until the applicant resubmits. `admin` gets no special rights here:
 * a policy that wants admins lists the role.
 */
export class ApprovalLedger {
  private readonly state: LedgerState;

  /** Throws an InputError for a malformed policy or request, or a stage the requester's four-eyes exclusion makes unreachable. */
  constructor(policy: ApprovalPolicyInput, request: ApprovalRequest) {
    const parsedPolicy = parseInput(approvalPolicySchema, policy, 'approval policy');
    const { requestedBy, lines } = parseInput(requestSchema, request, 'approval request');
    const total = lines.reduce((sum, l) => sum + l.requestedAmount, 0);
    const stages = parsedPolicy.stages.map((s) => resolveStage(s, false));
    const high = parsedPolicy.highValueStage;
    if (high && total > high.amountOver) stages.push(resolveStage(high.stage, true));
    for (const stage of stages) {
      const eligible = stage.users.filter((u) => u !== requestedBy).length;
      if (stage.roles.length === 0 && eligible < stage.quorum) {
        const message = `stage "${stage.name}" needs ${stage.quorum} approval(s) but only ${eligible} user(s) besides the requester ${requestedBy} may vote`;
        throw new InputError(`approval policy: ${message}`, [{ path: 'stages', message }]);
      }
    }
    this.state = {
      policy: parsedPolicy,
      requestedBy,
      lines: lines.map((l) => ({ lineId: l.lineId, requestedAmount: l.requestedAmount })),
      stages,
      state: 'pending',
      stageIndex: 0,
      votes: [],
      refused: [],
      events: [],
    };
  }

  /** The ledger as plain data (a copy), for a run that continues as new. */
  snapshot(): LedgerSnapshot {
    return clonePlain(this.state);
  }

  /** Takes the state of a snapshot of a ledger made from the same policy and request. */
  restore(snapshot: LedgerSnapshot): void {
    const copy = clonePlain(snapshot);
    delete this.state.approvedAmounts;
    Object.assign(this.state, copy);
  }

  get gateState(): GateState {
    return this.state.state;
  }

  /** The stage taking votes now (also while changes are requested), undefined once decided. */
  get currentStage(): string | undefined {
    return this.state.state === 'pending' || this.state.state === 'changes_requested' ? this.stage().name : undefined;
  }

  get requestedTotal(): number {
    return this.state.lines.reduce((sum, l) => sum + l.requestedAmount, 0);
  }

  /** Per line, once approved: the lowest amount any counted approve vote proposed, else the requested amount. */
  get approvedAmounts(): Record<string, number> | undefined {
    return this.state.approvedAmounts ? { ...this.state.approvedAmounts } : undefined;
  }

  /** Why `vote` cannot be recorded, or undefined when it can. Never throws. */
  refusalOf(vote: unknown): string | undefined {
    const parsed = voteSchema.safeParse(vote);
    if (!parsed.success) return issuesRefusal(parsed.error, 'vote');
    const v = parsed.data;
    const closed = this.closedReason();
    if (closed) return closed;
    if (v.actor === this.state.requestedBy)
      return `${v.actor} requested this release and may not vote on it (four eyes)`;
    const earlier = this.counted().find((r) => r.actor === v.actor);
    if (earlier)
      return `${v.actor} already voted in this gate (${earlier.decision} in stage "${earlier.stage}"): one vote per person per draw, no one carries two stages (separation of duties)`;
    const stage = this.stage();
    if (!stage.users.includes(v.actor) && !v.roles.some((role) => stage.roles.includes(role))) {
      return `${v.actor} may not vote in stage "${stage.name}" (users: ${stage.users.join(', ') || 'none'}; roles: ${stage.roles.join(', ') || 'none'})`;
    }
    if (v.decision === 'reject' && !v.reasonCode) return 'a reject needs a reasonCode';
    if (v.approvedAmounts !== undefined) return this.amountsRefusal(v);
    return undefined;
  }

  /** Records an accepted vote; call only when refusalOf(vote) is undefined (throws an InputError otherwise). */
  record(vote: Vote): void {
    const refusal = this.refusalOf(vote);
    if (refusal) throw new InputError(`vote refused: ${refusal}`, [{ path: 'vote', message: refusal }]);
    const v = voteSchema.parse(vote);
    const stage = this.stage();
    this.state.votes.push({ ...v, stage: stage.name, stageIndex: this.state.stageIndex, counted: true });
    const event = {
      at: v.at,
      by: v.actor,
      stage: stage.name,
      ...(v.reasonCode ? { reasonCode: v.reasonCode } : {}),
      ...(v.comment ? { comment: v.comment } : {}),
    };
    if (v.decision === 'reject') {
      this.state.state = 'rejected';
      this.state.events.push({ ...event, kind: 'rejected' });
    } else if (v.decision === 'request_changes') {
      this.state.state = 'changes_requested';
      this.state.events.push({ ...event, kind: 'changes_requested' });
    } else if (this.approvalsIn(this.state.stageIndex) >= stage.quorum) {
      this.state.events.push({ at: v.at, by: v.actor, stage: stage.name, kind: 'stage_approved' });
      this.state.stageIndex += 1;
      if (this.state.stageIndex === this.state.stages.length) this.approve(v);
    }
  }

  /** Keeps a refused attempt for the record (the Signal path cannot throw back at its sender); returns how many older ones the cap dropped. */
  recordRefused(vote: unknown, reason: string): number {
    const stage = this.currentStage;
    return keepRefused(this.state.refused, {
      ...refusedMessage(vote, reason, 'decision'),
      ...(stage ? { stage } : {}),
    });
  }

  /**
   * The applicant answered a request for changes: the current stage starts over (its votes
   * stay in the record but no longer count, so those people may vote again); approved
   * stages stay approved. Who may resubmit is the workflow's call. Never throws.
   */
  resubmit(request: GateAction): string | undefined {
    const parsed = gateActionSchema.safeParse(request);
    if (!parsed.success) return issuesRefusal(parsed.error, 'resubmit');
    if (this.state.state !== 'changes_requested') return `nothing to resubmit: the gate is ${this.state.state}`;
    for (const vote of this.state.votes) if (vote.stageIndex === this.state.stageIndex) vote.counted = false;
    this.state.state = 'pending';
    const { actor, at, comment } = parsed.data;
    this.state.events.push({
      at,
      by: actor,
      kind: 'resubmitted',
      stage: this.stage().name,
      ...(comment ? { comment } : {}),
    });
    return undefined;
  }

  /**
   * The workflow's deadline passed without a decision. Returns a refusal when the gate is
   * already closed; throws an InputError for a malformed time (the workflow's own bug).
   */
  expire(at: string, by = 'system'): string | undefined {
    return this.close('expired', { at: parseInput(isoDateTimeSchema, at, 'expire.at'), by });
  }

  /** A person withdraws the request (from pending or while changes are requested). Never throws. */
  cancel(request: GateAction): string | undefined {
    const parsed = gateActionSchema.safeParse(request);
    if (!parsed.success) return issuesRefusal(parsed.error, 'cancel');
    const { actor, at, comment } = parsed.data;
    return this.close('cancelled', { at, by: actor, ...(comment ? { comment } : {}) });
  }

  /** Who a reminder should go to. */
  pendingApprovers(): PendingApprovers {
    if (this.state.state !== 'pending') return { users: [], roles: [], approvalsNeeded: 0 };
    const stage = this.stage();
    const voted = new Set(this.counted().map((v) => v.actor));
    return {
      stage: stage.name,
      users: stage.users.filter((u) => u !== this.state.requestedBy && !voted.has(u)),
      roles: [...stage.roles],
      approvalsNeeded: stage.quorum - this.approvalsIn(this.state.stageIndex),
    };
  }

  summary(): ApprovalSummary {
    const s = this.state;
    const summary: ApprovalSummary = {
      state: s.state,
      requestedBy: s.requestedBy,
      requestedTotal: this.requestedTotal,
      stages: s.stages.map((stage, index) => ({
        ...clonePlain(stage),
        status: index < s.stageIndex ? 'approved' : index === s.stageIndex ? 'current' : 'waiting',
        approvals: this.approvalsIn(index),
      })),
      votes: clonePlain(s.votes),
      refused: clonePlain(s.refused),
      events: clonePlain(s.events),
    };
    const current = this.currentStage;
    if (current !== undefined) summary.currentStage = current;
    if (s.approvedAmounts) {
      summary.approvedAmounts = { ...s.approvedAmounts };
      summary.approvedTotal = Object.values(s.approvedAmounts).reduce((a, b) => a + b, 0);
    }
    return summary;
  }

  private stage(): StageState {
    // Once approved, stageIndex is past the end; the last stage stands in for messages.
    const stage = this.state.stages[Math.min(this.state.stageIndex, this.state.stages.length - 1)];
    if (!stage) throw new Error('approval ledger: no stages');
    return stage;
  }

  private counted(): RecordedVote[] {
    return this.state.votes.filter((v) => v.counted);
  }

  private approvalsIn(stageIndex: number): number {
    return this.counted().filter((v) => v.stageIndex === stageIndex && v.decision === 'approve').length;
  }

  private closedReason(): string | undefined {
    switch (this.state.state) {
      case 'pending':
        return undefined;
      case 'changes_requested':
        return 'changes were requested: the gate waits for the applicant to resubmit';
      case 'approved':
        return 'the gate is closed: already approved';
      case 'rejected': {
        const rejected = [...this.state.events].reverse().find((e) => e.kind === 'rejected');
        return `the gate is closed: rejected${rejected ? ` by ${rejected.by} (${rejected.reasonCode ?? 'no reason code'})` : ''}`;
      }
      case 'expired':
        return 'the gate is closed: it expired';
      case 'cancelled':
        return 'the gate is closed: it was cancelled';
    }
  }

  private amountsRefusal(vote: Vote): string | undefined {
    if (vote.decision !== 'approve') return 'approvedAmounts are only allowed on approve';
    const requested = new Map(this.state.lines.map((l) => [l.lineId, l.requestedAmount]));
    for (const [lineId, amount] of Object.entries(vote.approvedAmounts ?? {})) {
      const limit = requested.get(lineId);
      if (limit === undefined) return `approvedAmounts names unknown line "${lineId}"`;
      if (!Number.isSafeInteger(amount) || amount < 0)
        return `approvedAmounts.${lineId} must be a non-negative integer amount in minor units`;
      if (amount > limit) return `approvedAmounts.${lineId} (${amount}) is above the requested ${limit}`;
    }
    return undefined;
  }

  /** Partial approvals: per line the lowest amount proposed by any counted approve vote. */
  private approve(last: Vote): void {
    const amounts: Record<string, number> = {};
    for (const line of this.state.lines) {
      const proposals = this.counted()
        .filter((v) => v.decision === 'approve')
        .map((v) => v.approvedAmounts?.[line.lineId])
        .filter((a): a is number => a !== undefined);
      amounts[line.lineId] = Math.min(line.requestedAmount, ...proposals);
    }
    this.state.state = 'approved';
    this.state.approvedAmounts = amounts;
    this.state.events.push({ at: last.at, by: last.actor, kind: 'approved' });
  }

  private close(state: 'expired' | 'cancelled', event: Omit<GateEvent, 'kind'>): string | undefined {
    if (this.state.state !== 'pending' && this.state.state !== 'changes_requested') return this.closedReason();
    this.state.state = state;
    this.state.events.push({ ...event, kind: state });
    return undefined;
  }
}
