import { diffViolations } from './cycle-diff';
import { correctionDeadline, SlaClock } from './review-clocks';
import { reviewPolicyFor } from './review-policy';
import { clonePlain, pushCapped } from '../plain-data';
import type { PayloadRef } from './payload-ref';
import { MAX_CYCLES_KEPT } from './review-bounds';
import { shapeRefusal } from '../validation';
import { refusalOfUnverified } from '../identity-stamp';
import { decisionShapeProblemBeforeKit, resubmissionShapeProblemBeforeKit } from './review-before-kit';
import { completenessProblems } from './review-completeness';
import { decisionRequestSchema, resubmissionRequestSchema } from './review-schemas';
import type {
  CheckSummary,
  ComplianceReviewInput,
  RefusedMessage,
  ReviewCycle,
  ReviewDecisionRequest,
  ReviewPolicy,
  ReviewStatusValue,
  ReviewCarried,
  ReviewStatusView,
  ResubmissionRequest,
  Submission,
  TimelineEntry,
} from './review-types';

const iso = (ms: number) => new Date(ms).toISOString();

/** Refused messages kept in the state: a flood of refused signals cannot grow the state and the status without bound. */
export const MAX_REFUSED_KEPT = 200;
/**
 * Timeline entries kept (oldest dropped): a review's own entries are a handful per cycle, so
 * only a flood of refused messages reaches it. The AuditTrail finds its place by identity.
 */
export const MAX_TIMELINE = 500;

export interface PlanReviewOptions {
  /**
   * How many timeline entries are kept; MAX_TIMELINE unless told. Runs begun before the
   * workflow kit pass Infinity: their audit reads the timeline by index, which dropping
   * entries would shift.
   */
  timelineMax?: number;
  /**
   * Runs with the bounds patch keep the last MAX_CYCLES_KEPT cycles and count the refused
   * messages and cycles they drop; runs begun before keep every cycle (their cycle numbers
   * and reports were made from the whole list).
   */
  bounded?: boolean;
}

/**
 * One plan application's review as plain state the complianceReview workflow drives:
 * cycles, clocks, decisions. Every `refusalOf...` returns a reason instead of throwing, so
 * the same rule serves the Update validator (caller is told) and the Signal handler
 * (refusal recorded). `version` changes on every accepted message; the workflow waits on it.
 */
export class PlanReview {
  readonly policy: ReviewPolicy;
  readonly sla: SlaClock;
  readonly cycles: ReviewCycle[] = [];
  readonly refused: RefusedMessage[] = [];
  readonly timeline: TimelineEntry[] = [];
  /** Refused messages and cycles no longer kept (bounded runs), over the whole chain of runs. */
  refusedDropped = 0;
  /** Every refused message over the chain of runs (bounded runs), repeats included. */
  refusedTotal = 0;
  /**
   * The refusal the next identical one is counted into (bounded runs): not yet written to the
   * audit chain, so its count still can change (sealAudited ends it).
   */
  private openRefusal?: { entry: TimelineEntry; refused: RefusedMessage };
  /** The last timeline entry handed to the audit chain (sealAudited): what a continued run still has to audit follows it. */
  private lastSealed?: TimelineEntry;
  /** Entries of a carried timeline the run before did not audit (takeUnaudited). */
  private unauditedCarried = 0;
  cyclesDropped = 0;
  status: ReviewStatusValue = 'intake';
  correctionDueAt?: number;
  pendingResubmission?: ResubmissionRequest;
  pendingDecision?: ReviewDecisionRequest;
  exportRef?: string;
  version = 0;
  /** The checked plan's element ids: reviewer comments must name one of them. */
  private elementIds = new Set<string>();
  /** The checked plan's element ids as a stored list, when there are too many to keep (review-bounds.ts). */
  private elementIdsRef?: PayloadRef;

  private readonly timelineMax: number;
  private readonly cyclesMax: number;
  private readonly bounded: boolean;

  constructor(
    readonly input: ComplianceReviewInput,
    now: number,
    options: PlanReviewOptions = {},
  ) {
    this.timelineMax = options.timelineMax ?? MAX_TIMELINE;
    this.cyclesMax = options.bounded ? MAX_CYCLES_KEPT : Infinity;
    this.bounded = options.bounded ?? false;
    this.policy = reviewPolicyFor(input.jurisdiction, input.policy);
    this.sla = new SlaClock(this.policy.reviewSlaBusinessDays, this.policy);
    if (input.carried) this.restore(input.carried);
    else this.note(now, input.applicant.id, 'submitted', `plan version ${input.submission.planVersion}`);
  }

  /** What a continued run starts from (continue-as-new): the whole state but the input, which goes again as it came. */
  carried(phase: ReviewCarried['phase']): ReviewCarried {
    return clonePlain({
      phase,
      status: this.status,
      cycles: this.cycles,
      cyclesDropped: this.cyclesDropped,
      refused: this.refused,
      refusedDropped: this.refusedDropped,
      refusedTotal: this.refusedTotal,
      timeline: this.timeline,
      unaudited: this.timeline.length - 1 - (this.lastSealed ? this.timeline.lastIndexOf(this.lastSealed) : -1),
      version: this.version,
      sla: {
        usedMs: this.sla.usedMs,
        escalated: this.sla.escalated,
        ...(this.sla.runningSince !== undefined ? { runningSince: this.sla.runningSince } : {}),
      },
      ...(this.correctionDueAt !== undefined ? { correctionDueAt: this.correctionDueAt } : {}),
      ...(this.pendingResubmission ? { pendingResubmission: this.pendingResubmission } : {}),
      ...(this.pendingDecision ? { pendingDecision: this.pendingDecision } : {}),
      ...(this.elementIds.size > 0 ? { elementIds: [...this.elementIds] } : {}),
      ...(this.elementIdsRef ? { elementIdsRef: this.elementIdsRef } : {}),
    });
  }

  private restore(carried: ReviewCarried): void {
    const state = clonePlain(carried);
    this.status = state.status;
    this.cycles.push(...state.cycles);
    this.cyclesDropped = state.cyclesDropped;
    this.refused.push(...state.refused);
    this.refusedDropped = state.refusedDropped;
    this.refusedTotal = state.refusedTotal ?? 0;
    this.timeline.push(...state.timeline);
    this.unauditedCarried = Math.min(state.unaudited ?? 0, this.timeline.length);
    this.version = state.version;
    this.sla.usedMs = state.sla.usedMs;
    this.sla.escalated = state.sla.escalated;
    this.sla.runningSince = state.sla.runningSince;
    this.correctionDueAt = state.correctionDueAt;
    this.pendingResubmission = state.pendingResubmission;
    this.pendingDecision = state.pendingDecision;
    this.elementIds = new Set(state.elementIds ?? []);
    this.elementIdsRef = state.elementIdsRef;
  }

  get current(): ReviewCycle | undefined {
    return this.cycles.at(-1);
  }

  get waitingOn(): 'applicant' | 'reviewer' | 'nobody' {
    if (this.status === 'incomplete' || this.status === 'corrections_required') return 'applicant';
    return this.status === 'in_review' ? 'reviewer' : 'nobody';
  }

  get closed(): boolean {
    return this.status === 'approved' || this.status === 'rejected' || this.status === 'expired';
  }

  openCycle(submission: Submission, by: string, now: number): ReviewCycle {
    const cycle: ReviewCycle = {
      number: this.cyclesDropped + this.cycles.length + 1,
      planVersion: submission.planVersion,
      submittedAt: iso(now),
      submittedBy: by,
      documents: submission.documents,
    };
    this.cycles.push(cycle);
    if (this.cycles.length > this.cyclesMax) this.cyclesDropped += this.cycles.splice(0, 1).length;
    this.status = 'intake';
    this.correctionDueAt = undefined;
    return cycle;
  }

  completenessOf(submission: Submission): string[] {
    return completenessProblems(submission, this.input, this.policy);
  }

  /** The check result of the current cycle, compared with the last cycle that was checked. */
  recordCheck(check: CheckSummary, elementIds: readonly string[], now: number, elementIdsRef?: PayloadRef): void {
    const cycle = this.current!;
    this.elementIds = new Set(elementIds);
    this.elementIdsRef = elementIdsRef;
    cycle.check = check;
    const previous = this.cycles
      .slice(0, -1)
      .reverse()
      .find((c) => c.check);
    if (previous)
      cycle.diff = diffViolations(previous.number, previous.check!.violations, cycle.number, check.violations);
    const errors = check.violations.filter((v) => v.severity === 'error').length;
    this.note(now, 'system', 'checked', `${errors} violation(s), ${check.violations.length - errors} warning(s)`);
  }

  /** Hands the application back to the applicant: the SLA pauses and the correction clock starts. */
  returnToApplicant(status: 'incomplete' | 'corrections_required', now: number, missing?: string[]): void {
    if (missing) this.current!.missing = missing;
    this.status = status;
    this.sla.pause(now);
    this.correctionDueAt = correctionDeadline(now, this.policy.correctionBusinessDays, this.policy);
    this.note(now, 'system', status, missing?.join('; '));
  }

  startReview(now: number): void {
    this.status = 'in_review';
    this.sla.start(now);
    this.note(now, 'system', 'in_review');
  }

  refusalOfResubmission(request: unknown): string | undefined {
    const shape = shapeRefusal(resubmissionRequestSchema, request);
    if (shape) return shape;
    const accepted = request as ResubmissionRequest;
    return refusalOfUnverified(accepted.actor) ?? this.resubmissionOutOfTurn(accepted);
  }

  /**
   * refusalOfResubmission for runs begun before the workflow kit: the shape check they began
   * with (review-before-kit.ts: more lenient, no unverified rule), so that their Signals are
   * accepted or refused on replay as they were when they came.
   */
  refusalOfResubmissionBeforeKit(request: unknown): string | undefined {
    return resubmissionShapeProblemBeforeKit(request) ?? this.resubmissionOutOfTurn(request as ResubmissionRequest);
  }

  /** Who may resubmit, and when: the applicant, while the review waits on them, a newer version. */
  private resubmissionOutOfTurn({ actor, planVersion }: ResubmissionRequest): string | undefined {
    if (actor !== this.input.applicant.id) return `only the applicant (${this.input.applicant.id}) resubmits`;
    if (this.waitingOn !== 'applicant' || this.pendingResubmission)
      return `the review is ${this.status}, not waiting on a resubmission`;
    const last = this.current?.planVersion ?? 0;
    if (planVersion <= last) return `planVersion must be greater than ${last}, the last version submitted`;
    return undefined;
  }

  resubmit(request: ResubmissionRequest, now: number): void {
    this.pendingResubmission = request;
    this.note(now, request.actor, 'resubmitted', `plan version ${request.planVersion}`);
    this.version++;
  }

  /** Takes the resubmission the workflow waited for. */
  takeResubmission(): ResubmissionRequest | undefined {
    const request = this.pendingResubmission;
    this.pendingResubmission = undefined;
    return request;
  }

  refusalOfDecision(request: unknown): string | undefined {
    const shape = shapeRefusal(decisionRequestSchema, request);
    if (shape) return shape;
    const accepted = request as ReviewDecisionRequest;
    return refusalOfUnverified(accepted.actor) ?? this.decisionOutOfTurn(accepted);
  }

  /** refusalOfDecision for runs begun before the workflow kit (see refusalOfResubmissionBeforeKit). */
  refusalOfDecisionBeforeKit(request: unknown): string | undefined {
    return decisionShapeProblemBeforeKit(request) ?? this.decisionOutOfTurn(request as ReviewDecisionRequest);
  }

  /** Who may decide, and when: an assigned reviewer (the supervisor once escalated), in review, on the plan's elements. */
  private decisionOutOfTurn({ actor, comments }: ReviewDecisionRequest): string | undefined {
    const supervisorMayDecide = this.sla.escalated && actor === this.input.supervisor;
    if (!this.input.reviewers.includes(actor) && !supervisorMayDecide) {
      return `${actor} is not an assigned plan reviewer (assigned: ${this.input.reviewers.join(', ')})`;
    }
    if (this.status !== 'in_review' || this.pendingDecision)
      return `the review is ${this.status}, not waiting on a reviewer's decision`;
    // A plan with too many elements to keep: its stored list is consulted when the decision is taken (elementsToConfirm).
    const unknown = this.elementIdsRef
      ? undefined
      : comments?.find((c) => c.element !== undefined && !this.elementIds.has(c.element));
    if (unknown) return `comments: "${unknown.element}" is not an element of plan version ${this.current!.planVersion}`;
    return undefined;
  }

  decide(request: ReviewDecisionRequest, now: number): void {
    this.pendingDecision = request;
    this.current!.decision = { ...request, at: iso(now) };
    this.note(
      now,
      request.actor,
      request.decision,
      request.summary ?? request.comments?.map((c) => c.comment).join('; '),
    );
    this.version++;
  }

  takeDecision(): ReviewDecisionRequest | undefined {
    const request = this.pendingDecision;
    this.pendingDecision = undefined;
    return request;
  }

  /**
   * The elements a taken decision names that only the plan's stored element list can confirm
   * (a plan with more than MAX_ELEMENT_IDS_INLINE elements); empty otherwise.
   */
  elementsToConfirm(decision: ReviewDecisionRequest): string[] {
    if (!this.elementIdsRef) return [];
    return [...new Set((decision.comments ?? []).flatMap((c) => (c.element === undefined ? [] : [c.element])))];
  }

  get storedElementIds(): PayloadRef | undefined {
    return this.elementIdsRef;
  }

  /** A taken decision that named elements the plan does not have: undone, and refused as a Signal would be. */
  refuseTakenDecision(decision: ReviewDecisionRequest, unknown: readonly string[], now: number): void {
    delete this.current!.decision;
    this.recordRefused(
      'decide',
      decision,
      `comments: ${unknown.map((e) => `"${e}"`).join(', ')} not an element of plan version ${this.current!.planVersion}`,
      now,
    );
  }

  recordRefused(message: RefusedMessage['message'], request: unknown, reason: string, now: number): void {
    const actor =
      typeof request === 'object' && request !== null && typeof (request as { actor?: unknown }).actor === 'string'
        ? (request as { actor: string }).actor
        : 'unknown';
    this.version++;
    if (this.bounded) {
      this.refusedTotal++;
      // A flood of the same refusal (same sender, message and reason) is one entry with a count
      // until it reaches the audit chain: each counted, the chain and the state not one row each.
      const open = this.openRefusal;
      if (open && open.refused.actor === actor && open.refused.message === message && open.refused.reason === reason) {
        open.refused.repeats = (open.refused.repeats ?? 1) + 1;
        open.entry.repeats = open.refused.repeats;
        return;
      }
    }
    const refused: RefusedMessage = { at: iso(now), actor, message, reason };
    if (this.refused.length >= MAX_REFUSED_KEPT) this.refusedDropped++;
    pushCapped(this.refused, refused, MAX_REFUSED_KEPT);
    this.note(now, actor, `refused ${message}`, reason);
    if (this.bounded) this.openRefusal = { entry: this.timeline.at(-1)!, refused };
  }

  /** A timeline entry is being written to the audit chain: a refusal's count is final from now on. */
  sealAudited(entry: TimelineEntry): void {
    this.lastSealed = entry;
    if (this.openRefusal?.entry === entry) this.openRefusal = undefined;
  }

  /** The timeline up to the last entry handed to the audit chain (what the audit sees while a run hands over). */
  auditedTimeline(): TimelineEntry[] {
    return this.lastSealed ? this.timeline.slice(0, this.timeline.lastIndexOf(this.lastSealed) + 1) : [];
  }

  /**
   * The carried timeline's entries the run before did not audit, taken off the timeline (the
   * workflow marks the rest audited, then puts these back for its audit to write).
   */
  takeUnaudited(): TimelineEntry[] {
    const tail = this.unauditedCarried > 0 ? this.timeline.splice(this.timeline.length - this.unauditedCarried) : [];
    this.unauditedCarried = 0;
    return tail;
  }

  escalate(now: number): void {
    this.sla.escalated = true;
    this.note(now, 'system', 'sla_escalated', this.input.supervisor);
  }

  finish(status: 'approved' | 'rejected' | 'expired', now: number): void {
    this.status = status;
    this.sla.pause(now);
    this.correctionDueAt = undefined;
    this.note(now, 'system', status);
  }

  note(now: number, by: string, event: string, detail?: string): void {
    pushCapped(this.timeline, { at: iso(now), by, event, ...(detail ? { detail } : {}) }, this.timelineMax);
  }

  view(now: number): ReviewStatusView {
    const dueAt = this.sla.dueAt(now);
    return {
      planId: this.input.planId,
      jurisdiction: this.input.jurisdiction,
      status: this.status,
      applicant: this.input.applicant.id,
      reviewers: [...this.input.reviewers],
      supervisor: this.input.supervisor,
      policy: this.policy,
      waitingOn: this.waitingOn,
      ...(this.correctionDueAt !== undefined ? { correctionDueAt: iso(this.correctionDueAt) } : {}),
      sla: {
        usedBusinessHours: Math.round((this.sla.used(now) / 3_600_000) * 100) / 100,
        limitBusinessDays: this.policy.reviewSlaBusinessDays,
        running: this.sla.running,
        ...(dueAt !== undefined ? { dueAt: iso(dueAt) } : {}),
        escalated: this.sla.escalated,
      },
      cycles: this.cycles.map((cycle) => ({ ...cycle })),
      ...(this.cyclesDropped > 0 ? { cyclesDropped: this.cyclesDropped } : {}),
      refused: [...this.refused],
      ...(this.refusedDropped > 0 ? { refusedDropped: this.refusedDropped } : {}),
      ...(this.refusedTotal > 0 ? { refusedTotal: this.refusedTotal } : {}),
      ...(this.exportRef ? { exportRef: this.exportRef } : {}),
      timeline: [...this.timeline],
      ...this.application(),
    };
  }

  /** What the reports print about the application besides the plan; only the fields the input gave. */
  private application(): Partial<ReviewStatusView> {
    const { permitNumber, siteAddress, applicant, timeZone, officials } = this.input;
    return {
      ...(permitNumber !== undefined ? { permitNumber } : {}),
      ...(siteAddress !== undefined ? { siteAddress } : {}),
      ...(applicant.name !== undefined ? { applicantName: applicant.name } : {}),
      ...(timeZone !== undefined ? { timeZone } : {}),
      ...(officials !== undefined ? { officials } : {}),
    };
  }
}

/** One review per plan: a second start for the same plan finds the running one. */
export function complianceReviewId(planId: string): string {
  return `compliance/${planId}`;
}
