import { canonicalJson } from '../canonical-json';
import { sha256Hex } from '../alerts/sha256';
import type { ResolvedCode } from './resolve';
import type { CycleDiff, ElementComment, PlanDocument, ReviewCycle, ReviewStatusView } from './review-types';
import type { Violation } from './violation';

/*
 * What a person reads in a compliance report, independent of the format: the HTML, PDF,
 * JSON and CSV renderers all take this model, so they cannot disagree on the content.
 */

export type ReportKind = 'corrections' | 'final';

/** The code a cycle was checked against: edition, the jurisdiction overlays applied and every rule checked. */
export interface CodeInForce {
  jurisdictionName: string;
  edition: string;
  editionTitle: string;
  asOf: string;
  overlays: ResolvedCode['overlays'];
  rules: { id: string; section: string; title: string }[];
}

export function codeInForceOf(code: ResolvedCode): CodeInForce {
  return {
    jurisdictionName: code.jurisdiction.name,
    edition: code.edition,
    editionTitle: code.editionTitle,
    asOf: code.asOf,
    overlays: code.overlays,
    rules: code.rules.map(({ definition }) => ({
      id: definition.id,
      section: definition.section,
      title: definition.title,
    })),
  };
}

/** What the document is, by outcome: a building department's corrections letter or its record of the decision. */
export type ReportHeading = 'Corrections letter' | 'Approval record' | 'Denial record' | 'Expiration record';

export interface ReportModel {
  kind: ReportKind;
  heading: ReportHeading;
  title: string;
  /** The review's workflow id: the application's number at this server. */
  application: string;
  planId: string;
  jurisdiction: string;
  status: string;
  applicant: string;
  /** Fields the application may leave out: the renderers print "not given". */
  applicantName?: string;
  permitNumber?: string;
  siteAddress?: string;
  /**
   * The zone every date is printed in, and why: the jurisdiction's (config file), else the
   * signing reviewer's, else UTC.
   */
  timeZone: { zone: string; chosen: 'jurisdiction' | 'reviewer' | 'default' };
  /** Who signs: the reviewer who decided, else the first assigned reviewer (automated corrections). */
  signer: { id: string; name?: string; title?: string; decided: boolean };
  generatedAt: string;
  /** The documents of the cycle reviewed. */
  documents: PlanDocument[];
  /** Absent when the cycle was not checked (incomplete, or closed before a check). */
  code?: CodeInForce;
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

export function reportModel(
  kind: ReportKind,
  view: ReviewStatusView,
  generatedAt: string,
  code?: CodeInForce,
): ReportModel {
  const cycle = view.cycles.at(-1)!;
  const decision = cycle.decision;
  const signerId = decision?.actor ?? view.reviewers[0] ?? view.supervisor;
  const official = view.officials?.[signerId];
  return {
    kind,
    heading: headingOf(kind, view.status),
    application: `compliance/${view.planId}`,
    title:
      kind === 'corrections' ? `Corrections required: plan ${view.planId}` : `Compliance report: plan ${view.planId}`,
    planId: view.planId,
    jurisdiction: view.jurisdiction,
    status: view.status,
    applicant: view.applicant,
    ...(view.applicantName !== undefined ? { applicantName: view.applicantName } : {}),
    ...(view.permitNumber !== undefined ? { permitNumber: view.permitNumber } : {}),
    ...(view.siteAddress !== undefined ? { siteAddress: view.siteAddress } : {}),
    timeZone: view.timeZone
      ? { zone: view.timeZone, chosen: 'jurisdiction' }
      : official?.timeZone
        ? { zone: official.timeZone, chosen: 'reviewer' }
        : { zone: 'UTC', chosen: 'default' },
    signer: {
      id: signerId,
      ...(official ? { name: official.name, title: official.title } : {}),
      decided: decision !== undefined,
    },
    generatedAt,
    documents: cycle.documents,
    ...(code ? { code } : {}),
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

/**
 * The report's content hash: SHA-256 of the model's canonical JSON (keys sorted at every
 * depth). The JSON report is the model plus this hash, so anyone holding it can recompute it;
 * the PDF and HTML print it on every page.
 */
export function reportContentHash(model: ReportModel): string {
  return sha256Hex(canonicalJson(model));
}

function headingOf(kind: ReportKind, status: ReviewStatusView['status']): ReportHeading {
  if (kind === 'corrections') return 'Corrections letter';
  if (status === 'approved') return 'Approval record';
  if (status === 'rejected') return 'Denial record';
  return 'Expiration record';
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
