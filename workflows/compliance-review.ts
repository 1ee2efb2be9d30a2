import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { PlanReview } from '../domain/compliance/review';
import { EVENTS_PER_RUN } from '../domain/compliance/review-bounds';
import { complianceReviewInputSchema } from '../domain/compliance/review-schemas';
import type {
  ComplianceReviewInput,
  RefusedMessage,
  ReviewCarried,
  ReviewDecisionRequest,
  ReviewStatusView,
  ResubmissionRequest,
  Submission,
  TimelineEntry,
} from '../domain/compliance/review-types';
import type { ComplianceActivities } from '../activities/compliance';
import type { FundingGateActivities } from '../activities/funding-gate';
import type { AuditEvent } from './kit/audit-trail';
import { AuditTrail } from './kit/audit-trail';
import { parseWorkflowInput } from './kit/workflow-input';
import { wireOperatorMessages } from './kit/operator-messages';
import { now, nowIso } from './kit/time';
import { Jurisdiction, PlanId, ReviewStatus } from './search-attributes';

// Resubmissions and decisions are Updates, so the caller learns at once that it was
// refused (not the applicant, not an assigned reviewer, not their turn); each has a Signal
// of the same payload for the Web UI, where a refusal is recorded in the status instead.
// Both check the message with the schema the gateway parses it with (review-schemas.ts).
export const complianceResubmitUpdate = defineUpdate<ReviewStatusView, [ResubmissionRequest]>('resubmitPlan');
export const complianceResubmitSignal = defineSignal<[ResubmissionRequest]>('resubmitPlan');
export const complianceDecideUpdate = defineUpdate<ReviewStatusView, [ReviewDecisionRequest]>('reviewDecision');
export const complianceDecideSignal = defineSignal<[ReviewDecisionRequest]>('reviewDecision');
export const complianceStatusQuery = defineQuery<ReviewStatusView>('status');

/**
 * Runs begun before the workflow kit parse nothing at their start (their input was checked
 * when they began), judge their messages' shape as they did then (review-before-kit.ts:
 * a Signal is accepted or refused on replay as it was when it came), keep every timeline
 * entry and audit one event per activity call, reading the timeline by index. Runs with this
 * marker parse their input and messages with the gateway's schemas, keep a bounded timeline
 * and audit each burst of events in one call (AuditTrail, which finds entries by identity).
 */
const COMPLIANCE_KIT_PATCH = 'compliance-review-kit';

/**
 * Runs with this marker keep a bounded state (the last cycles, counts of what was dropped:
 * PlanReview's `bounded`) and continue as new when Temporal suggests it, between messages,
 * carrying their state: a flood of refused or duplicate Signals cannot grow one run's history
 * past the suggested limit. Runs begun before keep every cycle in one run.
 */
const COMPLIANCE_BOUNDS_PATCH = 'compliance-review-bounded';

// The outbox is the funding gate's activity (generic: step-keyed notification), and so is
// recordGateEvent, the one-event audit call of runs begun before the kit.
const { recordGateEvent } = proxyActivities<FundingGateActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
// The send heartbeats: one cut off by a dead worker is retried elsewhere within seconds.
const { notify } = proxyActivities<FundingGateActivities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
// Checking is CPU only (10,000 spaces in milliseconds); reports render a PDF. A plan that
// does not parse is returned as problems, so every failure here is worth a retry. They beat:
// a task lost with a worker or a restarted dev server ran out the 2 minutes before (chaos
// server-crash: one review waited 2 min); now it is retried 30 s after its last beat.
const { checkSubmittedPlan, storeComplianceReports, exportPermitRecord, unknownPlanElements } =
  proxyActivities<ComplianceActivities>({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes' },
  });

/**
 * A building plan application before the Authority Having Jurisdiction: completeness,
 * the automated code check, corrections back and forth under the applicant's clock, then
 * a plan reviewer's decision under the review SLA. Every cycle waits on a person under a clock
 * that ends the application, but messages do not: a run continues as new when Temporal
 * suggests it, while it waits, carrying its state (input.carried). The plan travels as a
 * reference to the store (submission.planRef) when the client stored it: activities load it.
 */
export async function complianceReview(started: ComplianceReviewInput): Promise<ReviewStatusView> {
  const kit = patched(COMPLIANCE_KIT_PATCH);
  const bounded = kit && patched(COMPLIANCE_BOUNDS_PATCH);
  const input = kit
    ? (parseWorkflowInput(complianceReviewInputSchema, started, 'complianceReview input') as ComplianceReviewInput)
    : started;
  const review = new PlanReview(input, now(), kit ? { bounded } : { timelineMax: Infinity });
  const versionAtStart = review.version;
  const { planId, applicant } = input;
  const asOf = input.asOf ?? nowIso().slice(0, 10);
  let closing = false;
  // While a new run is due, the audit writes nothing more (a flood would keep it writing): the next run does.
  const audit = kit ? auditTrailOf(review, () => !closing && newRunDue()) : auditBeforeKit(review);
  // A continued run's timeline reached the audit chain in the run before, but for its last
  // entries when a flood kept that run from finishing its audit: this run writes those.
  const unaudited = input.carried ? review.takeUnaudited() : [];
  if (input.carried) audit.skipTimeline();
  review.timeline.push(...unaudited);
  wireMessages(review, kit);
  upsertSearchAttributes([
    { key: PlanId, value: planId },
    { key: Jurisdiction, value: input.jurisdiction },
    { key: ReviewStatus, value: review.status },
  ]);

  let submission: Submission = input.submission;
  let submittedBy = applicant.id;
  let phase: 'submitted' | ReviewCarried['phase'] = input.carried?.phase ?? 'submitted';
  if (unaudited.length > 0) await sync();
  for (;;) {
    if (phase === 'submitted') phase = await intake(submission, submittedBy);
    if (phase === 'awaiting_decision') {
      const decision = await awaitDecision();
      if (decision.decision !== 'request_corrections')
        return close(decision.decision === 'approve' ? 'approved' : 'rejected');
      review.returnToApplicant('corrections_required', now());
      await sendCorrections(review.current!.number);
      await sync();
    }
    const next = await awaitResubmission();
    if (!next) return close('expired');
    submission = next;
    submittedBy = next.actor;
    phase = 'submitted';
  }

  /** A submitted version: completeness, the code check, and back to the applicant or on to a reviewer. */
  async function intake(submitted: Submission, by: string): Promise<ReviewCarried['phase']> {
    const cycle = review.openCycle(submitted, by, now());
    const missing = review.completenessOf(submitted);
    if (missing.length === 0) {
      review.status = 'checking';
      const outcome = await checkSubmittedPlan({
        planId,
        jurisdiction: input.jurisdiction,
        asOf,
        ...(submitted.planRef ? { planRef: submitted.planRef } : { plan: submitted.plan }),
      });
      if (outcome.ok) review.recordCheck(outcome.summary, outcome.elementIds, now(), outcome.elementIdsRef);
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
      return 'awaiting_decision';
    }
    await sync();
    return 'awaiting_resubmission';
  }

  /** The reviewer's decision; past the SLA the supervisor is told once (and may then decide). */
  async function awaitDecision(): Promise<ReviewDecisionRequest> {
    for (;;) {
      const decision = review.takeDecision();
      if (decision && (await elementsKnown(decision))) return decision;
      if (newRunDue()) await continueWaiting('awaiting_decision');
      const seen = review.version;
      const due = review.sla.escalated ? undefined : review.sla.dueAt(now());
      if (due === undefined) await condition(() => review.version !== seen || newRunDue());
      else if (!(due > now() && (await condition(() => review.version !== seen || newRunDue(), due - now()))))
        await escalate();
      await sync();
    }
  }

  /**
   * Whether the elements a decision's comments name are the plan's: checked against the stored
   * element list of a plan too large to keep them (the validator let them through); a decision
   * naming others is undone and recorded as refused.
   */
  async function elementsKnown(decision: ReviewDecisionRequest): Promise<boolean> {
    const named = review.elementsToConfirm(decision);
    if (named.length === 0) return true;
    const unknown = await unknownPlanElements({ elementIdsRef: review.storedElementIds!, elements: named });
    if (unknown.length === 0) return true;
    review.refuseTakenDecision(decision, unknown, now());
    await sync();
    return false;
  }

  /** The next plan version, or undefined when the applicant's correction clock ran out. */
  async function awaitResubmission(): Promise<ResubmissionRequest | undefined> {
    for (;;) {
      const request = review.takeResubmission();
      if (request) return request;
      if (newRunDue()) await continueWaiting('awaiting_resubmission');
      const seen = review.version;
      const due = review.correctionDueAt!;
      if (!(due > now() && (await condition(() => review.version !== seen || newRunDue(), due - now()))))
        return undefined;
      await sync();
    }
  }

  /**
   * Temporal suggests it (history length or size), the run has EVENTS_PER_RUN events (servers
   * that never suggest it, and a margin below the suggestion for what a flood adds while the
   * run hands over), or it handled the messages a run may (tests, recorded histories).
   */
  function newRunDue(): boolean {
    if (!bounded) return false;
    const perRun = input.options?.messagesPerRun;
    const { continueAsNewSuggested, historyLength } = workflowInfo();
    return (
      continueAsNewSuggested ||
      historyLength >= EVENTS_PER_RUN ||
      (perRun !== undefined && review.version - versionAtStart >= perRun)
    );
  }

  /**
   * Continues as new while waiting on a person: every message handled first, then the state
   * (with anything a message left pending, and the timeline entries not audited yet: the next
   * run writes them) goes to the next run, which waits again. Not "audit everything first":
   * under a flood each audit call lets more messages in, and the run would never hand over.
   */
  async function continueWaiting(waiting: ReviewCarried['phase']): Promise<never> {
    await condition(allHandlersFinished);
    return continueAsNew<typeof complianceReview>({ ...input, carried: review.carried(waiting) });
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
    const keys = await storeComplianceReports({ kind: 'corrections', view: review.view(now()), generatedAt: nowIso() });
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
    closing = true;
    review.finish(status, now());
    await sync();
    // The permit system keeps denied and expired applications too, so every outcome is exported.
    const at = nowIso();
    review.current!.reports = [
      ...(review.current!.reports ?? []),
      ...(await storeComplianceReports({ kind: 'final', view: review.view(now()), generatedAt: at })),
    ];
    review.exportRef = await exportPermitRecord({ view: review.view(now()), at, permitNumber: input.permitNumber });
    await tellApplicant(status, `Plan ${planId}: ${status}`, `The review of plan ${planId} ended: ${status}.`);
    await audit.close({ status, export: review.exportRef });
    return review.view(now());
  }

  function tellApplicant(step: string, subject: string, body: string) {
    return notify({ step, channel: 'email', recipients: [applicant.email], subject, body });
  }

  /** Every decision, message, refusal and clock event is a timeline entry; each reaches the audit chain once. */
  async function sync() {
    await audit.timeline();
    upsertSearchAttributes([{ key: ReviewStatus, value: review.status }]);
  }
}

/**
 * Resubmit and decide: an Update and a Signal each, one rule (the review's refusalOf...) for
 * both; runs begun before the kit keep the rule they began with (refusalOf...BeforeKit).
 */
function wireMessages(review: PlanReview, kit: boolean): void {
  wireOperatorMessages<ReviewStatusView>(
    {
      view: () => review.view(now()),
      recordRefused: (kind, request, reason) =>
        review.recordRefused(kind as RefusedMessage['message'], request, reason, now()),
    },
    {
      resubmit: {
        update: complianceResubmitUpdate,
        signal: complianceResubmitSignal,
        refusal: (request) =>
          kit ? review.refusalOfResubmission(request) : review.refusalOfResubmissionBeforeKit(request),
        apply: (request) => review.resubmit(request, now()),
      },
      decide: {
        update: complianceDecideUpdate,
        signal: complianceDecideSignal,
        refusal: (request) => (kit ? review.refusalOfDecision(request) : review.refusalOfDecisionBeforeKit(request)),
        apply: (request) => review.decide(request, now()),
      },
    },
  );
  setHandler(complianceStatusQuery, () => review.view(now()));
}

/** How the review's timeline reaches the audit chain. */
interface ReviewAudit {
  /** Writes every timeline entry not audited yet, including those added while it writes. */
  timeline(): Promise<void>;
  /** Treats the timeline there is now as audited (a continued run's, audited by the run before). */
  skipTimeline(): void;
  /** The last audit of a run: 'closed', and the messages refused while the review closed. */
  close(data: Record<string, unknown>): Promise<void>;
}

/** A timeline entry as an audit event; the status is the review's at the time of the write. */
function auditEventOf(review: PlanReview, entry: TimelineEntry): AuditEvent {
  return {
    actor: entry.by,
    action: `compliance.${entry.event.replaceAll(' ', '_')}`,
    data: {
      status: review.status,
      cycle: review.current?.number,
      detail: entry.detail,
      ...(entry.repeats ? { repeats: entry.repeats } : {}),
    },
  };
}

function auditTrailOf(review: PlanReview, handingOver: () => boolean): ReviewAudit {
  const trail = new AuditTrail<TimelineEntry>({
    subject: review.input.planId,
    timeline: () => (handingOver() ? review.auditedTimeline() : review.timeline),
    toEvent: (entry) => {
      review.sealAudited(entry);
      return auditEventOf(review, entry);
    },
  });
  return {
    timeline: () => trail.flush(),
    skipTimeline: () => trail.skipTimeline(),
    async close(data) {
      await trail.record('system', 'compliance.closed', data);
      // Messages refused while the last calls ran are timeline entries too: nothing awaits after this flush.
      await condition(allHandlersFinished);
      await trail.flush();
    },
  };
}

/**
 * The audit of runs begun before the kit, command for command: one recordGateEvent per
 * event, 'closed' on its own, and (behind its own patch) the entries refused meanwhile.
 */
function auditBeforeKit(review: PlanReview): ReviewAudit {
  let sequence = 0;
  let audited = 0;
  const record = (event: AuditEvent) =>
    recordGateEvent({ ...event, sequence: ++sequence, subject: review.input.planId });
  const timeline = async () => {
    // The length is read again after each await: entries added while one was written are written too.
    while (audited < review.timeline.length) await record(auditEventOf(review, review.timeline[audited++]!));
  };
  return {
    timeline,
    skipTimeline: () => {
      audited = review.timeline.length;
    },
    async close(data) {
      await record({ actor: 'system', action: 'compliance.closed', data });
      await condition(allHandlersFinished);
      if (patched('audit-timeline-at-close')) await timeline();
    },
  };
}
