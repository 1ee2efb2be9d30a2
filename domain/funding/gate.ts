import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { clonePlain } from '../plain-data';
import { ApprovalLedger, type ApprovalSummary } from './approvals';
import { ConditionBook, type ConditionBookSummary } from './condition-book';
import { GateClock } from './gate-clock';
import { durationToMs } from '../durations';
import { refusalOfUnverified } from '../identity-stamp';
import { InputError, issuesRefusal } from '../validation';
import { keepRefused, refusedMessage, type RefusedMessage } from './refused-messages';
import { gateRefusals, type GateRefusal } from './refusals';
import type { Maker, ParsedFundingGateInput } from './gate-input';
import { computeRelease, type ReleaseComputation } from './retainage';
import type { GateSnapshot } from './gate-carried';

export const GATE_STATUSES = [
  'open',
  'on_hold',
  'changes_requested',
  'disbursing',
  'disbursed',
  'rejected',
  'expired',
  'reversed',
  'completed',
] as const;
export type GateStatus = (typeof GATE_STATUSES)[number];

const actorSchema = lazySchema(() => z.string().trim().min(1).max(200));
const rolesSchema = lazySchema(() => z.array(z.string()).max(20));

/** Messages, as the gateway/CLI send them: `actor` and `roles` come from the caller's credentials. */
export const voteRequestSchema = lazySchema(() =>
  z
    .object({
      decision: z.enum(['approve', 'reject', 'request_changes']),
      reasonCode: z.string().trim().max(100).optional(),
      comment: z.string().trim().max(2000).optional(),
      approvedAmounts: z.record(z.string(), z.number()).optional(),
      actor: actorSchema,
      roles: rolesSchema,
    })
    .strict(),
);
export type VoteRequest = z.infer<typeof voteRequestSchema>;

export const holdRequestSchema = lazySchema(() =>
  z.object({ reason: z.string().trim().min(1).max(500), actor: actorSchema, roles: rolesSchema }).strict(),
);
export type HoldRequest = z.infer<typeof holdRequestSchema>;
export const reverseRequestSchema = holdRequestSchema;
export type ReverseRequest = HoldRequest;
export const resubmitRequestSchema = lazySchema(() =>
  z.object({ comment: z.string().trim().max(2000).optional(), actor: actorSchema, roles: rolesSchema }).strict(),
);
export type ResubmitRequest = z.infer<typeof resubmitRequestSchema>;
export const waiveRequestSchema = lazySchema(() =>
  z
    .object({
      conditionId: z.string().min(1),
      comment: z.string().trim().max(2000),
      actor: actorSchema,
      roles: rolesSchema,
    })
    .strict(),
);
export type WaiveRequest = z.infer<typeof waiveRequestSchema>;
/** A change of the project's funding program or payees, told to its open draws (maker-checker). */
export const setupChangeSchema = lazySchema(() =>
  z.object({ what: z.string().trim().min(1).max(200), actor: actorSchema }).passthrough(),
);
export type SetupChange = { what: string; actor: string };

/** Evidence as sent: the kind-specific fields; `actor` from credentials; `at` is added by the gate. */
export type EvidenceRequest = Record<string, unknown> & { kind: string; actor: string };

const HOLD_ROLES = ['admin', 'approver', 'operator'];

/** Timeline entries a bounded gate keeps (the newest); older ones are counted in `timelineDropped`. The audit chain has them all. */
export const MAX_TIMELINE_KEPT = 500;
/** Pieces of evidence a bounded gate accepts: every condition is judged again from the whole list, so it is refused past this, not dropped. */
export const MAX_EVIDENCE = 500;
const REVERSE_ROLES = ['admin', 'approver'];

export interface TimelineEntry {
  at: string;
  by: string;
  event: string;
  detail?: string;
}

export interface GateStatusView {
  /** The gate's status; `on_hold` while a hold stops a gate that has not paid (the GateStatus search attribute agrees). */
  status: GateStatus;
  /**
   * Refused messages, newest first (capped): who, what, why, when. A signal (the Web UI's
   * only way to act) cannot answer, so this is where its sender learns it did not count.
   */
  refusals: GateRefusal[];
  projectId: string;
  milestoneId: string;
  requestedBy: string;
  currency: string;
  requestedTotal: number;
  onHold?: { by: string; reason: string; since: string };
  conditions: ConditionBookSummary;
  approvals: ApprovalSummary;
  clock: { waitingMs: number; paused: boolean; remindersSent: number; escalated: boolean };
  release?: ReleaseComputation;
  payment?: { transactionId: number; providerRef: string | null };
  unconditionalWaiverOverdue: boolean;
  /** The program version the draw started with; later versions do not change it. */
  program?: { programId: string; version: number };
  /** Maker-checker: who changed the project's program or payees, barred from deciding for `window` after. */
  separation?: { window: string; makers: Maker[] };
  /**
   * Refused signals other than votes (approvals.refused) and evidence
   * (conditions.refusedEvidence); `kind` names the message (hold, resume, reverse, ...).
   */
  refused: RefusedMessage[];
  /** Refused messages no longer kept (each list keeps the newest MAX_REFUSED_KEPT). */
  refusalsDropped?: number;
  timeline: TimelineEntry[];
  /** Older timeline entries no longer kept (a bounded gate keeps the newest MAX_TIMELINE_KEPT). */
  timelineDropped?: number;
}

/**
 * One construction draw's gate: conditions, approvals, hold, clocks and the release, as
 * plain state the fundingGate workflow drives. Each operator message has a `refusalOfX`
 * that never throws and returns the reason (or undefined), so one rule serves the Update
 * validator and the Signal twin, and a mutating method that applies a request its
 * `refusalOfX` accepted (`addEvidence`, `waive` and `resubmit` check again and throw when
 * handed a refused one; `vote`, `hold`, `resume` and `reverse` trust the caller, which is
 * always the workflow's message wiring). A refused signal is kept with `recordRefused`. The constructor and
 * `computeRelease` throw an InputError for workflow input that does not fit.
 * `version` changes on every accepted message: the workflow waits on it.
 */
export class FundingGate {
  readonly book: ConditionBook;
  readonly approvals: ApprovalLedger;
  readonly clock: GateClock;
  readonly timeline: TimelineEntry[] = [];
  status: GateStatus = 'open';
  onHold?: { by: string; reason: string; since: string };
  release?: ReleaseComputation;
  payment?: { transactionId: number; providerRef: string | null };
  unconditionalWaiverOverdue = false;
  unconditionalWaiverReceived = false;
  /** Who changed the project's setup before the draw (from its input) and during it (setupChanged). */
  readonly makers: readonly Maker[];
  readonly changedDuringDraw: Maker[] = [];
  /** The reversal asked for once the release was paid; the workflow carries it out. */
  reversal?: ReverseRequest;
  /** Refused signals other than votes and evidence (those are kept by the ledger and the book). */
  readonly refused: RefusedMessage[] = [];
  /**
   * Caps the timeline and the evidence (MAX_TIMELINE_KEPT, MAX_EVIDENCE). Set by the workflow
   * for runs begun after the caps came (patched): older runs keep what they kept.
   */
  bounded = false;
  /** Refused messages the capped lists dropped. */
  refusalsDropped = 0;
  /** Timeline entries the cap dropped. */
  timelineDropped = 0;
  version = 0;

  constructor(
    readonly input: ParsedFundingGateInput,
    now: number,
  ) {
    this.book = new ConditionBook(input.conditions, input.lines, { waiverRoles: input.waiverRoles });
    this.approvals = new ApprovalLedger(input.approvals, { requestedBy: input.requestedBy, lines: input.lines });
    this.clock = new GateClock(now, input.clocks);
    this.makers = [...(input.separation?.makers ?? [])];
    this.note(now, input.requestedBy, 'opened');
  }

  /** The gate as plain data (copies), for the run it continues as: FundingGate.resume takes it back. */
  snapshot(): GateSnapshot {
    return clonePlain({
      book: this.book.snapshot(),
      approvals: this.approvals.snapshot(),
      clock: this.clock.snapshot(),
      timeline: this.timeline,
      status: this.status,
      ...(this.onHold ? { onHold: this.onHold } : {}),
      ...(this.release ? { release: this.release } : {}),
      ...(this.payment ? { payment: this.payment } : {}),
      unconditionalWaiverOverdue: this.unconditionalWaiverOverdue,
      unconditionalWaiverReceived: this.unconditionalWaiverReceived,
      changedDuringDraw: this.changedDuringDraw,
      ...(this.reversal ? { reversal: this.reversal } : {}),
      refused: this.refused,
      refusalsDropped: this.refusalsDropped,
      timelineDropped: this.timelineDropped,
      version: this.version,
    });
  }

  /**
   * The gate of `input` as a snapshot of it left it (a run that continued as new): the input
   * is checked as at the start, then every piece of state is the snapshot's. Always bounded:
   * only bounded runs continue as new.
   */
  static resume(input: ParsedFundingGateInput, snapshot: GateSnapshot, now: number): FundingGate {
    const gate = new FundingGate(input, now);
    const state = clonePlain(snapshot);
    gate.bounded = true;
    gate.book.restore(state.book);
    gate.approvals.restore(state.approvals);
    gate.clock.restore(state.clock);
    gate.timeline.splice(0, gate.timeline.length, ...state.timeline);
    gate.status = state.status;
    gate.onHold = state.onHold;
    gate.release = state.release;
    gate.payment = state.payment;
    gate.unconditionalWaiverOverdue = state.unconditionalWaiverOverdue;
    gate.unconditionalWaiverReceived = state.unconditionalWaiverReceived;
    gate.changedDuringDraw.splice(0, gate.changedDuringDraw.length, ...state.changedDuringDraw);
    gate.reversal = state.reversal;
    gate.refused.splice(0, gate.refused.length, ...state.refused);
    gate.refusalsDropped = state.refusalsDropped;
    gate.timelineDropped = state.timelineDropped;
    gate.version = state.version;
    return gate;
  }

  get closed(): boolean {
    return ['rejected', 'expired', 'completed', 'reversed'].includes(this.status);
  }

  /** What the status query and the GateStatus search attribute show: `on_hold` while a hold stops a gate that has not paid. */
  get reportedStatus(): GateStatus {
    return this.onHold && (this.status === 'open' || this.status === 'changes_requested') ? 'on_hold' : this.status;
  }

  /** After payment, a conditional waiver must be followed by an unconditional one. */
  get awaitsUnconditionalWaiver(): boolean {
    return (
      this.input.conditions.some((c) => c.type === 'lien_waiver' && c.waiverType.startsWith('conditional')) &&
      !this.unconditionalWaiverReceived
    );
  }

  /** Approved by every stage, no blocking condition outstanding as of `now`, not on hold. */
  readyToPay(now: number): boolean {
    if (this.approvals.gateState !== 'approved' || this.onHold) return false;
    this.book.evaluate(new Date(now).toISOString());
    return this.book.blockingOutstanding().length === 0;
  }

  refusalOfVote(request: unknown, now: number): string | undefined {
    const parsed = voteRequestSchema.safeParse(request);
    if (!parsed.success) return issuesRefusal(parsed.error);
    if (this.closed || this.status === 'disbursing' || this.status === 'disbursed') return `the gate is ${this.status}`;
    return (
      refusalOfUnverified(parsed.data.actor) ??
      this.refusalOfMaker(parsed.data.actor, now) ??
      this.approvals.refusalOf(this.voteOf(parsed.data, now))
    );
  }

  vote(request: VoteRequest, now: number): void {
    this.approvals.record(this.voteOf(request, now));
    this.note(now, request.actor, `vote ${request.decision}`, request.reasonCode ?? request.comment);
    const state = this.approvals.gateState;
    if (state === 'rejected') this.status = 'rejected';
    if (state === 'changes_requested') {
      this.status = 'changes_requested';
      this.clock.pause(now); // waiting on the applicant stops the approvers' clock
    }
    this.version++;
  }

  /**
   * Keeps a refused signal for the status, stamped with the workflow time: votes with the
   * approvals, evidence with the conditions, the other messages (`kind` is the message
   * name) in `refused`. Bounded: the oldest are dropped.
   */
  recordRefused(kind: string, request: unknown, reason: string, now: number): void {
    const stamped = this.stamped(request, now);
    if (kind === 'decide') this.refusalsDropped += this.approvals.recordRefused(stamped, reason);
    else if (kind === 'submitEvidence') this.refusalsDropped += this.book.recordRefusedEvidence(stamped, reason);
    else this.refusalsDropped += keepRefused(this.refused, { ...refusedMessage(stamped, reason, 'kind'), kind });
  }

  refusalOfEvidence(request: unknown, now: number): string | undefined {
    if (this.closed) return `the gate is ${this.status}`;
    if (this.bounded && this.book.evidenceCount >= MAX_EVIDENCE)
      return `the gate holds ${MAX_EVIDENCE} pieces of evidence, the most it takes`;
    return this.refusalOfEvidenceContent(request, now);
  }

  /** The evidence's own refusal (sender, shape, lines), whatever the gate's status. */
  refusalOfEvidenceContent(request: unknown, now: number): string | undefined {
    return unverifiedSender(request) ?? this.book.refusalOfEvidence(this.stamped(request, now));
  }

  addEvidence(request: EvidenceRequest, now: number): void {
    const refusal = this.book.addEvidence(this.stamped(request, now));
    if (refusal) throw new InputError(`evidence refused: ${refusal}`, [{ path: 'evidence', message: refusal }]);
    const { kind, actor, waiverType } = request;
    if (kind === 'lien_waiver' && String(waiverType).startsWith('unconditional'))
      this.unconditionalWaiverReceived = true;
    this.note(now, actor, `evidence ${kind}`);
    this.version++;
  }

  refusalOfWaiver(request: unknown, now: number): string | undefined {
    const parsed = waiveRequestSchema.safeParse(request);
    if (!parsed.success) return issuesRefusal(parsed.error);
    if (this.closed) return `the gate is ${this.status}`;
    const { conditionId, ...waiver } = parsed.data;
    const unverified = refusalOfUnverified(waiver.actor);
    if (unverified) return unverified;
    if (waiver.actor === this.input.requestedBy)
      return `${waiver.actor} requested this release and may not waive its conditions (four eyes)`;
    const maker = this.refusalOfMaker(waiver.actor, now);
    if (maker) return maker;
    return this.book.refusalOfWaiver(conditionId, { ...waiver, at: new Date(now).toISOString() });
  }

  waive(request: WaiveRequest, now: number): void {
    const { conditionId, ...waiver } = request;
    const refusal = this.book.waive(conditionId, { ...waiver, at: new Date(now).toISOString() });
    if (refusal) throw new InputError(`waiver refused: ${refusal}`, [{ path: 'conditionId', message: refusal }]);
    this.note(now, request.actor, `waived ${conditionId}`, request.comment);
    this.version++;
  }

  refusalOfHold(request: unknown): string | undefined {
    const parsed = holdRequestSchema.safeParse(request);
    if (!parsed.success) return issuesRefusal(parsed.error);
    const unverified = refusalOfUnverified(parsed.data.actor);
    if (unverified) return unverified;
    if (!parsed.data.roles.some((role) => HOLD_ROLES.includes(role)))
      return `hold needs role ${HOLD_ROLES.join(' or ')}`;
    if (this.closed) return `the gate is ${this.status}`;
    if (this.onHold) return `the gate is already on hold (by ${this.onHold.by})`;
    return undefined;
  }

  hold(request: HoldRequest, now: number): void {
    this.onHold = { by: request.actor, reason: request.reason, since: new Date(now).toISOString() };
    this.clock.pause(now);
    this.note(now, request.actor, 'hold', request.reason);
    this.version++;
  }

  refusalOfResume(request: unknown): string | undefined {
    const parsed = holdRequestSchema.safeParse(request);
    if (!parsed.success) return issuesRefusal(parsed.error);
    const unverified = refusalOfUnverified(parsed.data.actor);
    if (unverified) return unverified;
    if (!parsed.data.roles.some((role) => HOLD_ROLES.includes(role)))
      return `resume needs role ${HOLD_ROLES.join(' or ')}`;
    return this.onHold ? undefined : 'the gate is not on hold';
  }

  resume(request: HoldRequest, now: number): void {
    this.onHold = undefined;
    if (this.status === 'open') this.clock.resume(now);
    this.note(now, request.actor, 'resume', request.reason);
    this.version++;
  }

  refusalOfResubmit(request: unknown): string | undefined {
    const parsed = resubmitRequestSchema.safeParse(request);
    if (!parsed.success) return issuesRefusal(parsed.error);
    const unverified = refusalOfUnverified(parsed.data.actor);
    if (unverified) return unverified;
    if (parsed.data.actor !== this.input.requestedBy) return `only the requester (${this.input.requestedBy}) resubmits`;
    if (this.status !== 'changes_requested') return `the gate is ${this.status}, not waiting on changes`;
    return undefined;
  }

  resubmit(request: ResubmitRequest, now: number): void {
    const refusal = this.approvals.resubmit({
      actor: request.actor,
      at: new Date(now).toISOString(),
      ...(request.comment === undefined ? {} : { comment: request.comment }),
    });
    if (refusal) throw new InputError(`resubmit refused: ${refusal}`, [{ path: 'resubmit', message: refusal }]);
    this.status = 'open';
    if (!this.onHold) this.clock.resume(now);
    this.note(now, request.actor, 'resubmitted', request.comment);
    this.version++;
  }

  refusalOfReverse(request: unknown): string | undefined {
    const parsed = reverseRequestSchema.safeParse(request);
    if (!parsed.success) return issuesRefusal(parsed.error);
    const unverified = refusalOfUnverified(parsed.data.actor);
    if (unverified) return unverified;
    if (!parsed.data.roles.some((role) => REVERSE_ROLES.includes(role)))
      return `reverse needs role ${REVERSE_ROLES.join(' or ')}`;
    if (this.status !== 'disbursed') return `only a disbursed release can be reversed (the gate is ${this.status})`;
    if (this.reversal) return `a reversal was already asked for by ${this.reversal.actor}`;
    return undefined;
  }

  /** Asks for the release to be reversed; the workflow moves the money back and then closes the gate. */
  reverse(request: ReverseRequest): void {
    this.reversal = request;
    this.version++;
  }

  /**
   * Maker-checker: whoever changed the project's funding program or payees within the
   * window may not decide its draws (their own change could be what lets the money move).
   */
  refusalOfMaker(actor: string, now: number): string | undefined {
    const window = this.input.separation ? durationToMs(this.input.separation.window) : 0;
    const recent = [...this.makers, ...this.changedDuringDraw].filter(
      (m) => m.actor === actor && now < Date.parse(m.at) + window,
    );
    const latest = recent.sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
    if (!latest) return undefined;
    const until = new Date(Date.parse(latest.at) + window).toISOString();
    return `${actor} changed the project's ${latest.what} at ${latest.at} and may not decide its draws until ${until} (maker-checker)`;
  }

  /** Any change of the setup bars its author; it only ever restricts, so it is accepted from anyone. */
  refusalOfSetupChange(request: unknown): string | undefined {
    const parsed = setupChangeSchema.safeParse(request);
    if (!parsed.success) return issuesRefusal(parsed.error);
    return refusalOfUnverified(parsed.data.actor);
  }

  /**
   * Keeps the latest change per author (so a flood of changes cannot push the makers out);
   * the makers the draw started with are never dropped, those past their window are.
   */
  noteSetupChange(change: SetupChange, now: number): void {
    const at = new Date(now).toISOString();
    const window = this.input.separation ? durationToMs(this.input.separation.window) : 0;
    const kept = this.changedDuringDraw.filter((m) => m.actor !== change.actor && now < Date.parse(m.at) + window);
    this.changedDuringDraw.splice(0, this.changedDuringDraw.length, ...kept, {
      actor: change.actor,
      at,
      what: change.what,
    });
    this.note(now, change.actor, 'funding setup changed', change.what);
    this.version++;
  }

  expire(now: number): void {
    this.approvals.expire(new Date(now).toISOString());
    this.status = 'expired';
    this.note(now, 'system', 'expired');
    this.version++;
  }

  /** The release the approvals and retainage policy give; throws an InputError if the amounts do not fit. */
  computeRelease(): ReleaseComputation {
    return computeRelease({
      lines: this.input.lines,
      approvedAmounts: this.approvals.approvedAmounts ?? {},
      policy: this.input.retainage,
      projectPercentComplete: this.input.projectPercentComplete,
      currency: this.input.currency,
    });
  }

  note(now: number, by: string, event: string, detail?: string): void {
    this.timeline.push({ at: new Date(now).toISOString(), by, event, ...(detail ? { detail } : {}) });
    if (!this.bounded || this.timeline.length <= MAX_TIMELINE_KEPT) return;
    const dropped = this.timeline.length - MAX_TIMELINE_KEPT;
    this.timeline.splice(0, dropped);
    this.timelineDropped += dropped;
  }

  view(now: number): GateStatusView {
    const conditions = this.book.summary();
    const approvals = this.approvals.summary();
    return {
      status: this.reportedStatus,
      refusals: gateRefusals({
        votes: approvals.refused,
        evidence: conditions.refusedEvidence,
        others: this.refused,
      }),
      projectId: this.input.projectId,
      milestoneId: this.input.milestoneId,
      requestedBy: this.input.requestedBy,
      currency: this.input.currency,
      requestedTotal: this.approvals.requestedTotal,
      onHold: this.onHold,
      conditions,
      approvals,
      clock: {
        waitingMs: this.clock.elapsed(now),
        paused: this.clock.paused,
        remindersSent: this.clock.remindersSent,
        escalated: this.clock.escalated,
      },
      release: this.release,
      payment: this.payment,
      unconditionalWaiverOverdue: this.unconditionalWaiverOverdue,
      ...(this.input.program ? { program: { ...this.input.program } } : {}),
      ...(this.input.separation
        ? {
            separation: {
              window: this.input.separation.window,
              makers: [...this.makers, ...this.changedDuringDraw].map((m) => ({ ...m })),
            },
          }
        : {}),
      refused: this.refused.map((refused) => ({ ...refused })),
      ...(this.refusalsDropped > 0 ? { refusalsDropped: this.refusalsDropped } : {}),
      timeline: [...this.timeline],
      ...(this.timelineDropped > 0 ? { timelineDropped: this.timelineDropped } : {}),
    };
  }

  private voteOf(request: VoteRequest, now: number) {
    return { ...request, at: new Date(now).toISOString() };
  }

  private stamped(request: unknown, now: number): unknown {
    return typeof request === 'object' && request !== null ? { ...request, at: new Date(now).toISOString() } : request;
  }
}

/** The refusal of a message from an unverified actor, whatever its shape. */
function unverifiedSender(request: unknown): string | undefined {
  const actor = typeof request === 'object' && request !== null ? (request as { actor?: unknown }).actor : undefined;
  return typeof actor === 'string' ? refusalOfUnverified(actor) : undefined;
}
