import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { PlanReview } from '../domain/compliance/review';
import { inputProblems } from '../domain/compliance/review-requests';
import type {
  ComplianceReviewInput,
  ReviewDecisionRequest,
  ReviewStatusView,
  ResubmissionRequest,
  Submission,
} from '../domain/compliance/review-types';
import type { ComplianceActivities } from '../activities/compliance';
import type { FundingGateActivities } from '../activities/funding-gate';
import { Jurisdiction, PlanId, ReviewStatus } from './search-attributes';

// Resubmissions and decisions are Updates, so the caller learns at once that it was
// refused (not the applicant, not an assigned reviewer, not their turn); each has a Signal
// of the same payload for the Web UI, where a refusal is recorded in the status instead.
export const complianceResubmitUpdate = defineUpdate<ReviewStatusView, [ResubmissionRequest]>('resubmitPlan');
export const complianceResubmitSignal = defineSignal<[ResubmissionRequest]>('resubmitPlan');
export const complianceDecideUpdate = defineUpdate<ReviewStatusView, [ReviewDecisionRequest]>('reviewDecision');
export const complianceDecideSignal = defineSignal<[ReviewDecisionRequest]>('reviewDecision');
export const complianceStatusQuery = defineQuery<ReviewStatusView>('status');

// The audit chain and the outbox are the funding gate's activities: both are generic
// (actor/action/subject, step-keyed notification), so the review reuses them as they are.
const { recordGateEvent, notify } = proxyActivities<FundingGateActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
// Checking is CPU only (10,000 spaces in milliseconds); reports render a PDF. A plan that
// does not parse is returned as problems, so every failure here is worth a retry.
const { checkSubmittedPlan, storeComplianceReports, exportPermitRecord } = proxyActivities<ComplianceActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes' },
});

const now = () => Date.now(); // workflow time: deterministic on replay

/**
 * A building plan application before the Authority Having Jurisdiction: completeness,
 * the automated code check, corrections back and forth under the applicant's clock, then
 * a plan reviewer's decision under the review SLA. History stays small without
 * continue-as-new: every cycle waits on a person under a clock that ends the application.
 */
export async function complianceReview(input: ComplianceReviewInput): Promise<ReviewStatusView> {
  const problems = inputProblems(input);
  if (problems.length > 0)
    throw ApplicationFailure.nonRetryable(`complianceReview input: ${problems.join('; ')}`, 'InvalidInput');
  const review = new PlanReview(input, now());
  const { planId, applicant } = input;
  const asOf = input.asOf ?? new Date(now()).toISOString().slice(0, 10);
  let sequence = 0;
  let audited = 0;
  wireMessages(review);
  upsertSearchAttributes([
    { key: PlanId, value: planId },
    { key: Jurisdiction, value: input.jurisdiction },
    { key: ReviewStatus, value: review.status },
  ]);

  let submission: Submission = input.submission;
  let submittedBy = applicant.id;
  for (;;) {
    const cycle = review.openCycle(submission, submittedBy, now());
    const missing = review.completenessOf(submission);
    if (missing.length === 0) {
      review.status = 'checking';
      const outcome = await checkSubmittedPlan({
        planId,
        jurisdiction: input.jurisdiction,
        asOf,
        plan: submission.plan,
      });
      if (outcome.ok) review.recordCheck(outcome.summary, outcome.elementIds, now());
      else missing.push(...outcome.problems);
    }
    if (missing.length > 0) {
      review.returnToApplicant('incomplete', now(), missing);
      await tellApplicant(
        `cycle-${cycle.number}-incomplete`,
        `Plan ${planId}: submission incomplete`,
        missing.join('\n'),
      );
    } else if (!cycle.check!.compliant) {
      review.returnToApplicant('corrections_required', now());
      await sendCorrections(cycle.number);
    } else {
      review.startReview(now());
      await sync();
      const decision = await awaitDecision();
      if (decision.decision !== 'request_corrections')
        return close(decision.decision === 'approve' ? 'approved' : 'rejected');
      review.returnToApplicant('corrections_required', now());
      await sendCorrections(cycle.number);
    }
    await sync();
    const next = await awaitResubmission();
    if (!next) return close('expired');
    submission = next;
    submittedBy = next.actor;
  }

  /** The reviewer's decision; past the SLA the supervisor is told once (and may then decide). */
  async function awaitDecision(): Promise<ReviewDecisionRequest> {
    for (;;) {
      const decision = review.takeDecision();
      if (decision) return decision;
      const seen = review.version;
      const due = review.sla.escalated ? undefined : review.sla.dueAt(now());
      if (due === undefined) await condition(() => review.version !== seen);
      else if (!(due > now() && (await condition(() => review.version !== seen, due - now())))) await escalate();
      await sync();
    }
  }

  /** The next plan version, or undefined when the applicant's correction clock ran out. */
  async function awaitResubmission(): Promise<ResubmissionRequest | undefined> {
    for (;;) {
      const request = review.takeResubmission();
      if (request) return request;
      const seen = review.version;
      const due = review.correctionDueAt!;
      if (!(due > now() && (await condition(() => review.version !== seen, due - now())))) return undefined;
      await sync();
    }
  }

  async function escalate() {
    review.escalate(now());
    const sla = review.view(now()).sla;
    await notify({
      step: 'sla-escalation',
      channel: 'email',
      recipients: [input.supervisor],
      subject: `Plan ${planId} passed its review SLA`,
      body: `Undecided after ${sla.limitBusinessDays} business days with the plan reviewers (${input.reviewers.join(', ')}). You may decide it yourself.`,
    });
  }

  async function sendCorrections(cycleNumber: number) {
    const keys = await storeComplianceReports({
      kind: 'corrections',
      view: review.view(now()),
      generatedAt: new Date(now()).toISOString(),
    });
    review.current!.reports = keys;
    const errors = review.current!.check?.violations.filter((v) => v.severity === 'error') ?? [];
    const lines = [
      ...errors.map((v) => `${v.rule} on ${v.elements.join(', ')}: ${v.message}`),
      ...(review.current!.decision?.comments ?? []).map((c) => `${c.element ?? 'plan'}: ${c.comment}`),
      `Resubmit by ${review.view(now()).correctionDueAt}. Report: ${keys.find((k) => k.endsWith('.html'))}`,
    ];
    await tellApplicant(`cycle-${cycleNumber}-corrections`, `Plan ${planId}: corrections required`, lines.join('\n'));
  }

  async function close(status: 'approved' | 'rejected' | 'expired'): Promise<ReviewStatusView> {
    review.finish(status, now());
    await sync();
    // The permit system keeps denied and expired applications too, so every outcome is exported.
    const at = new Date(now()).toISOString();
    review.current!.reports = [
      ...(review.current!.reports ?? []),
      ...(await storeComplianceReports({ kind: 'final', view: review.view(now()), generatedAt: at })),
    ];
    review.exportRef = await exportPermitRecord({ view: review.view(now()), at, permitNumber: input.permitNumber });
    await tellApplicant(status, `Plan ${planId}: ${status}`, `The review of plan ${planId} ended: ${status}.`);
    await audit('system', 'closed', { status, export: review.exportRef });
    await condition(allHandlersFinished);
    // Messages refused while the reports, the export and the last audit calls ran are in the
    // timeline too: the last step before returning audits them (nothing awaits after it).
    if (patched('audit-timeline-at-close')) await auditTimeline();
    return review.view(now());
  }

  function tellApplicant(step: string, subject: string, body: string) {
    return notify({ step, channel: 'email', recipients: [applicant.email], subject, body });
  }

  function audit(actor: string, event: string, data?: Record<string, unknown>) {
    return recordGateEvent({ sequence: ++sequence, actor, action: `compliance.${event}`, subject: planId, data });
  }

  /** Every decision, message, refusal and clock event is a timeline entry; each reaches the audit chain once. */
  async function sync() {
    await auditTimeline();
    upsertSearchAttributes([{ key: ReviewStatus, value: review.status }]);
  }

  /** Up to the end of the timeline, including entries added while an audit call ran (the index is read after each await). */
  async function auditTimeline() {
    while (audited < review.timeline.length) {
      const entry = review.timeline[audited++]!;
      await audit(entry.by, entry.event.replaceAll(' ', '_'), {
        status: review.status,
        cycle: review.current?.number,
        detail: entry.detail,
      });
    }
  }
}

/** The review's messages: each Update validates with the review's own rule; each Signal applies or records it. */
function wireMessages(review: PlanReview): void {
  const refuse = (reason: string | undefined) => {
    if (reason) throw new Error(reason);
  };
  setHandler(complianceStatusQuery, () => review.view(now()));
  setHandler(complianceResubmitUpdate, (request) => (review.resubmit(request, now()), review.view(now())), {
    validator: (request) => refuse(review.refusalOfResubmission(request)),
  });
  setHandler(complianceResubmitSignal, (request) => {
    const reason = review.refusalOfResubmission(request);
    if (reason) review.recordRefused('resubmit', request, reason, now());
    else review.resubmit(request, now());
  });
  setHandler(complianceDecideUpdate, (request) => (review.decide(request, now()), review.view(now())), {
    validator: (request) => refuse(review.refusalOfDecision(request)),
  });
  setHandler(complianceDecideSignal, (request) => {
    const reason = review.refusalOfDecision(request);
    if (reason) review.recordRefused('decide', request, reason, now());
    else review.decide(request, now());
  });
}
