import { findingKey } from './cycle-diff';
import type { ReviewStatusView } from './review-types';
import type { Violation } from './violation';

/*
 * The record a review hands to the jurisdiction's permit system, version 1. Field names
 * follow the BLDS permit core (PermitNum, AppliedDate, IssuedDate, StatusCurrent, ...) in
 * camelCase; docs/jurisdiction-export.md is the contract.
 */

const PERMIT_RECORD_TYPE = 'arxflow.permit-review/1';

export type PermitStatus = 'Applied' | 'In Review' | 'Corrections Required' | 'Issued' | 'Denied' | 'Expired';

export interface PermitViolation extends Violation {
  status: 'open' | 'resolved';
  firstFoundCycle: number;
  resolvedCycle?: number;
}

export interface PermitRecord {
  recordType: typeof PERMIT_RECORD_TYPE;
  permitNum: string;
  description: string;
  permitClass: 'Commercial';
  permitType: 'Building';
  jurisdiction: string;
  codeEdition: string | null;
  planId: string;
  planVersion: number;
  appliedDate: string;
  issuedDate: string | null;
  statusCurrent: PermitStatus;
  statusDate: string;
  reviewCycles: number;
  occupantLoad: number | null;
  reviewers: string[];
  decision: { decision: string; by: string; at: string; summary?: string } | null;
  violations: PermitViolation[];
}

const STATUS: Record<ReviewStatusView['status'], PermitStatus> = {
  intake: 'Applied',
  checking: 'Applied',
  incomplete: 'Corrections Required',
  corrections_required: 'Corrections Required',
  in_review: 'In Review',
  approved: 'Issued',
  rejected: 'Denied',
  expired: 'Expired',
};

/** The permit number a plan gets when the application did not bring one. */
function defaultPermitNumber(planId: string, appliedDate: string): string {
  return `BLD-${appliedDate.slice(0, 4)}-${planId}`;
}

export function permitRecord(view: ReviewStatusView, at: string, permitNumber?: string): PermitRecord {
  const cycles = view.cycles;
  const appliedDate = (cycles[0]?.submittedAt ?? at).slice(0, 10);
  const checked = cycles.filter((c) => c.check);
  const last = checked.at(-1);
  const decision = cycles.at(-1)?.decision;
  return {
    recordType: PERMIT_RECORD_TYPE,
    permitNum: permitNumber ?? defaultPermitNumber(view.planId, appliedDate),
    description: last?.check?.planName ?? view.planId,
    permitClass: 'Commercial',
    permitType: 'Building',
    jurisdiction: view.jurisdiction,
    codeEdition: last?.check?.edition ?? null,
    planId: view.planId,
    planVersion: cycles.at(-1)?.planVersion ?? 1,
    appliedDate,
    issuedDate: view.status === 'approved' ? (decision?.at ?? at).slice(0, 10) : null,
    statusCurrent: STATUS[view.status],
    statusDate: at.slice(0, 10),
    reviewCycles: cycles.length,
    occupantLoad: last?.check?.occupantLoad ?? null,
    reviewers: view.reviewers,
    decision: decision
      ? {
          decision: decision.decision,
          by: decision.actor,
          at: decision.at,
          ...(decision.summary ? { summary: decision.summary } : {}),
        }
      : null,
    violations: violationHistory(checked.map((c) => ({ cycle: c.number, violations: c.check!.violations }))),
  };
}

/** Every finding of the review once: open when the last checked cycle still has it. */
function violationHistory(checked: { cycle: number; violations: Violation[] }[]): PermitViolation[] {
  const found = new Map<string, PermitViolation>();
  const lastCycle = checked.at(-1);
  for (const { cycle, violations } of checked) {
    for (const violation of violations) {
      const key = findingKey(violation);
      const known = found.get(key);
      // The latest numbers describe the finding; the first cycle says when it was raised.
      found.set(key, { ...violation, status: 'open', firstFoundCycle: known?.firstFoundCycle ?? cycle });
    }
  }
  const open = new Set((lastCycle?.violations ?? []).map(findingKey));
  return [...found.entries()].map(([key, violation]) => {
    if (open.has(key)) return violation;
    const resolvedCycle = checked.find(
      (c) => c.cycle > violation.firstFoundCycle && !c.violations.some((v) => findingKey(v) === key),
    )?.cycle;
    return { ...violation, status: 'resolved' as const, ...(resolvedCycle ? { resolvedCycle } : {}) };
  });
}
