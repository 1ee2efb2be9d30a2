import type { PayloadRef } from './payload-ref';
import type { Violation } from './violation';

/*
 * The complianceReview workflow's contract with its clients (gateway, CLI, MCP, tests):
 * input, messages and the status view. Types only, so anything may import it.
 */

export type ReviewStatusValue =
  'intake' | 'incomplete' | 'checking' | 'corrections_required' | 'in_review' | 'approved' | 'rejected' | 'expired';

/** A drawing set or form attached to a submission; `kind` is what completeness checks (e.g. "floor-plans"). */
export interface PlanDocument {
  kind: string;
  name: string;
  /** Where the file lives (document store URL or id); arxflow does not fetch it. */
  ref?: string;
}

/**
 * One version of the application: the plan (docs/plan-format.md) and its documents. The plan
 * is inline (`plan`) or stored by content hash (`planRef`, payload-ref.ts): one of the two.
 * The API and the CLI store every plan and send the reference; inline plans are what runs
 * and clients from before references carry.
 */
export interface Submission {
  /** 1 for the first submission, higher for each resubmission. */
  planVersion: number;
  plan?: unknown;
  planRef?: PayloadRef;
  documents: PlanDocument[];
  note?: string;
}

/** A resubmission as the applicant sends it; `actor` comes from the caller's credentials. */
export interface ResubmissionRequest extends Submission {
  actor: string;
}

export interface ElementComment {
  /** A plan element id (space, door, ...); absent for a comment on the plan as a whole. */
  element?: string;
  comment: string;
}

export type ReviewDecisionKind = 'approve' | 'request_corrections' | 'reject';

/** The plan reviewer's decision; `actor` comes from the caller's credentials. */
export interface ReviewDecisionRequest {
  decision: ReviewDecisionKind;
  actor: string;
  comments?: ElementComment[];
  summary?: string;
}

/** Clock and completeness settings: each jurisdiction has its own (review-policy.ts); input may override. */
export interface ReviewPolicy {
  /** Business days the authority has for its review, counted only while it holds the application. */
  reviewSlaBusinessDays: number;
  /** Business days the applicant has to answer a notice or a corrections report before the application expires. */
  correctionBusinessDays: number;
  /** YYYY-MM-DD days off besides weekends. */
  holidays: string[];
  /** Document kinds every submission must include. */
  requiredDocuments: string[];
}

/** A reviewer or supervisor as a report names them (config file, compliance.jurisdictions[].officials). */
export interface Official {
  name: string;
  title: string;
  /** The zone this official's reports print dates in when the jurisdiction names none. */
  timeZone?: string;
}

export interface ComplianceReviewInput {
  planId: string;
  /** The code the plan is reviewed against; the plan must name the same jurisdiction. */
  jurisdiction: string;
  /** `name`: the person or firm printed on reports (optional: "not given"). */
  applicant: { id: string; email: string; name?: string };
  /** Plan reviewers assigned to this application: only they decide. */
  reviewers: string[];
  /** Receives the SLA escalation; may decide once the SLA is breached. */
  supervisor: string;
  submission: Submission;
  policy?: Partial<ReviewPolicy>;
  /** YYYY-MM-DD, the code in force on that day; default: the day of the first submission. */
  asOf?: string;
  /** Permit number for the jurisdiction export (default: derived from the plan id) and the reports (default: "not given"). */
  permitNumber?: string;
  /** The building site's street address, printed on the reports. */
  siteAddress?: string;
  /** IANA zone the reports print dates in: the jurisdiction's, from the server's configuration. */
  timeZone?: string;
  /** Names and titles of the reviewers and supervisor for the reports, by person id (server configuration). */
  officials?: Record<string, Official>;
  /** Set by the workflow itself when it continues as new: the state the next run resumes from. */
  carried?: ReviewCarried;
  /** Not for clients (the start body refuses it): a run continues as new after this many messages (tests, recorded histories). */
  options?: { messagesPerRun?: number };
}

/** A review's state carried into its next run (PlanReview.carried): where it waits and all it keeps. */
export interface ReviewCarried {
  phase: 'awaiting_decision' | 'awaiting_resubmission';
  status: ReviewStatusValue;
  cycles: ReviewCycle[];
  cyclesDropped: number;
  refused: RefusedMessage[];
  refusedDropped: number;
  refusedTotal?: number;
  timeline: TimelineEntry[];
  /** The last entries of `timeline` the run before did not write to the audit chain (the next run does). */
  unaudited?: number;
  version: number;
  sla: { usedMs: number; escalated: boolean; runningSince?: number };
  correctionDueAt?: number;
  pendingResubmission?: ResubmissionRequest;
  pendingDecision?: ReviewDecisionRequest;
  elementIds?: string[];
  elementIdsRef?: PayloadRef;
}

/** The violations of a checked cycle compared with the cycle checked before it. */
export interface CycleDiff {
  fromCycle: number;
  toCycle: number;
  resolved: Violation[];
  new: Violation[];
  persisting: Violation[];
}

export interface CheckSummary {
  compliant: boolean;
  planName: string;
  edition: string;
  asOf: string;
  occupantLoad: number;
  /** The first MAX_VIOLATIONS_INLINE violations (review-bounds.ts); all of them when `violationsRef` is absent. */
  violations: Violation[];
  /** Set when the list above was cut: how many there are in all, and the whole list stored by content hash (the reports load it). */
  violationsTotal?: number;
  violationsRef?: PayloadRef;
}

export interface ReviewDecision extends ReviewDecisionRequest {
  at: string;
}

/** One submitted plan version and what became of it. */
export interface ReviewCycle {
  number: number;
  planVersion: number;
  submittedAt: string;
  submittedBy: string;
  documents: PlanDocument[];
  /** Completeness problems (missing documents or fields, a plan that does not parse): the cycle went back to the applicant. */
  missing?: string[];
  check?: CheckSummary;
  diff?: CycleDiff;
  decision?: ReviewDecision;
  reports?: string[];
}

export interface RefusedMessage {
  at: string;
  actor: string;
  message: 'resubmit' | 'decide';
  reason: string;
  /** How many times in a row it came (the same sender, message and reason), when more than once. */
  repeats?: number;
}

export interface TimelineEntry {
  at: string;
  by: string;
  event: string;
  detail?: string;
  /** A refusal that came this many times in a row (RefusedMessage.repeats). */
  repeats?: number;
}

export interface ReviewStatusView {
  planId: string;
  jurisdiction: string;
  status: ReviewStatusValue;
  applicant: string;
  reviewers: string[];
  supervisor: string;
  policy: ReviewPolicy;
  /** Who must act next. */
  waitingOn: 'applicant' | 'reviewer' | 'nobody';
  /** When the applicant's correction clock runs out (while waiting on the applicant). */
  correctionDueAt?: string;
  sla: { usedBusinessHours: number; limitBusinessDays: number; running: boolean; dueAt?: string; escalated: boolean };
  /** The last cycles (at most MAX_CYCLES_KEPT, review-bounds.ts); `cyclesDropped` earlier ones are not kept. */
  cycles: ReviewCycle[];
  cyclesDropped?: number;
  /** The last refused messages (at most MAX_REFUSED_KEPT); `refusedDropped` earlier ones are counted only. */
  refused: RefusedMessage[];
  refusedDropped?: number;
  /** Every refused message (repeats included) since the review began; bounded runs only. */
  refusedTotal?: number;
  exportRef?: string;
  timeline: TimelineEntry[];
  /** From the input, when it gave them (reports print "not given" otherwise). */
  permitNumber?: string;
  siteAddress?: string;
  applicantName?: string;
  timeZone?: string;
  officials?: Record<string, Official>;
}
