import type { CycleDiff, ElementComment, ReviewCycle, ReviewStatusView } from './review-types';
import type { Violation } from './violation';

/*
 * What a person reads in a compliance report, independent of the format: the HTML, PDF,
 * JSON and CSV renderers all take this model, so they cannot disagree on the content.
 */

export type ReportKind = 'corrections' | 'final';

export interface ReportModel {
  kind: ReportKind;
  title: string;
  planId: string;
  jurisdiction: string;
  status: string;
  applicant: string;
  generatedAt: string;
  cycle: {
    number: number;
    planVersion: number;
    submittedAt: string;
    planName?: string;
    edition?: string;
    asOf?: string;
    occupantLoad?: number;
  };
  /** Completeness problems of the cycle (an incomplete submission has no violations yet). */
  missing: string[];
  violations: Violation[];
  comments: (ElementComment & { by: string })[];
  decision?: { decision: string; by: string; at: string; summary?: string };
  diff?: CycleDiff;
  /** The applicant's deadline to resubmit (corrections reports). */
  respondBy?: string;
  history: { cycle: number; planVersion: number; errors: number; warnings: number; outcome: string }[];
}

export function reportModel(kind: ReportKind, view: ReviewStatusView, generatedAt: string): ReportModel {
  const cycle = view.cycles.at(-1)!;
  const decision = cycle.decision;
  return {
    kind,
    title:
      kind === 'corrections' ? `Corrections required: plan ${view.planId}` : `Compliance report: plan ${view.planId}`,
    planId: view.planId,
    jurisdiction: view.jurisdiction,
    status: view.status,
    applicant: view.applicant,
    generatedAt,
    cycle: {
      number: cycle.number,
      planVersion: cycle.planVersion,
      submittedAt: cycle.submittedAt,
      planName: cycle.check?.planName,
      edition: cycle.check?.edition,
      asOf: cycle.check?.asOf,
      occupantLoad: cycle.check?.occupantLoad,
    },
    missing: cycle.missing ?? [],
    violations: cycle.check?.violations ?? [],
    comments: (decision?.comments ?? []).map((comment) => ({ ...comment, by: decision!.actor })),
    ...(decision
      ? { decision: { decision: decision.decision, by: decision.actor, at: decision.at, summary: decision.summary } }
      : {}),
    ...(cycle.diff ? { diff: cycle.diff } : {}),
    ...(view.correctionDueAt ? { respondBy: view.correctionDueAt } : {}),
    history: view.cycles.map((c) => ({
      cycle: c.number,
      planVersion: c.planVersion,
      ...counts(c),
      outcome: outcomeOf(c),
    })),
  };
}

function counts(cycle: ReviewCycle): { errors: number; warnings: number } {
  const violations = cycle.check?.violations ?? [];
  const errors = violations.filter((v) => v.severity === 'error').length;
  return { errors, warnings: violations.length - errors };
}

function outcomeOf(cycle: ReviewCycle): string {
  if (cycle.missing?.length) return 'incomplete';
  if (cycle.decision) return cycle.decision.decision;
  if (cycle.check && !cycle.check.compliant) return 'corrections required';
  return cycle.check ? 'checked' : 'received';
}
