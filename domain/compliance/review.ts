import { diffViolations } from './cycle-diff';
import { correctionDeadline, SlaClock } from './review-clocks';
import { reviewPolicyFor } from './review-policy';
import { fieldIssues, issuesText } from '../validation';
import { refusalOfUnverified } from '../identity-stamp';
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
  ReviewStatusView,
  ResubmissionRequest,
  Submission,
  TimelineEntry,
} from './review-types';

const iso = (ms: number) => new Date(ms).toISOString();

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
  status: ReviewStatusValue = 'intake';
  correctionDueAt?: number;
  pendingResubmission?: ResubmissionRequest;
  pendingDecision?: ReviewDecisionRequest;
  exportRef?: string;
  version = 0;
  /** The checked plan's element ids: reviewer comments must name one of them. */
  private elementIds = new Set<string>();

  constructor(
    readonly input: ComplianceReviewInput,
    now: number,
  ) {
    this.policy = reviewPolicyFor(input.jurisdiction, input.policy);
    this.sla = new SlaClock(this.policy.reviewSlaBusinessDays, this.policy);
    this.note(now, input.applicant.id, 'submitted', `plan version ${input.submission.planVersion}`);
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
      number: this.cycles.length + 1,
      planVersion: submission.planVersion,
      submittedAt: iso(now),
      submittedBy: by,
      documents: submission.documents,
    };
    this.cycles.push(cycle);
    this.status = 'intake';
    this.correctionDueAt = undefined;
    return cycle;
  }

  completenessOf(submission: Submission): string[] {
    return completenessProblems(submission, this.input, this.policy);
  }

  /** The check result of the current cycle, compared with the last cycle that was checked. */
  recordCheck(check: CheckSummary, elementIds: readonly string[], now: number): void {
    const cycle = this.current!;
    this.elementIds = new Set(elementIds);
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
    const parsed = resubmissionRequestSchema.safeParse(request);
    if (!parsed.success) return issuesText(fieldIssues(parsed.error.issues));
    const { actor, planVersion } = parsed.data;
    const unverified = refusalOfUnverified(actor);
    if (unverified) return unverified;
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
    const parsed = decisionRequestSchema.safeParse(request);
    if (!parsed.success) return issuesText(fieldIssues(parsed.error.issues));
    const { actor, comments } = parsed.data;
    const unverified = refusalOfUnverified(actor);
    if (unverified) return unverified;
    const supervisorMayDecide = this.sla.escalated && actor === this.input.supervisor;
    if (!this.input.reviewers.includes(actor) && !supervisorMayDecide) {
      return `${actor} is not an assigned plan reviewer (assigned: ${this.input.reviewers.join(', ')})`;
    }
    if (this.status !== 'in_review' || this.pendingDecision)
      return `the review is ${this.status}, not waiting on a reviewer's decision`;
    const unknown = comments?.find((c) => c.element !== undefined && !this.elementIds.has(c.element));
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

  recordRefused(message: RefusedMessage['message'], request: unknown, reason: string, now: number): void {
    const actor =
      typeof request === 'object' && request !== null && typeof (request as { actor?: unknown }).actor === 'string'
        ? (request as { actor: string }).actor
        : 'unknown';
    this.refused.push({ at: iso(now), actor, message, reason });
    this.note(now, actor, `refused ${message}`, reason);
    this.version++;
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
    this.timeline.push({ at: iso(now), by, event, ...(detail ? { detail } : {}) });
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
      refused: [...this.refused],
      ...(this.exportRef ? { exportRef: this.exportRef } : {}),
      timeline: [...this.timeline],
    };
  }
}

/** One review per plan: a second start for the same plan finds the running one. */
export function complianceReviewId(planId: string): string {
  return `compliance/${planId}`;
}
