import { isRecord } from '../plain-data';
import type { ComplianceReviewInput, ReviewPolicy, Submission } from './review-types';

/*
 * Completeness: what the review itself needs before a plan is checked. The message's shape
 * is the schema's business (review-schemas.ts); a submission that has the right shape may
 * still miss a required document or name another plan. The plan is parsed in full by the
 * check activity; here only what the process itself relies on.
 */

const isText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.trim().length > 0 && value.length <= max;

/**
 * What keeps a submission from being reviewed: missing required documents and plan fields
 * the process depends on. Empty when complete. A plan stored by reference (`planRef`) is not
 * here to read: its fields are checked by the check activity that loads it (planFieldProblems).
 */
export function completenessProblems(
  submission: Submission,
  input: Pick<ComplianceReviewInput, 'planId' | 'jurisdiction'>,
  policy: ReviewPolicy,
): string[] {
  const problems: string[] = [];
  const kinds = new Set(submission.documents.map((d) => d.kind));
  for (const kind of policy.requiredDocuments) if (!kinds.has(kind)) problems.push(`documents: "${kind}" is required`);
  if (submission.plan === undefined && submission.planRef !== undefined) return problems;
  return [...problems, ...planFieldProblems(submission.plan, input)];
}

/** The plan fields the review relies on (its plan and jurisdiction, a name, a building, levels and spaces). */
export function planFieldProblems(
  plan: unknown,
  input: Pick<ComplianceReviewInput, 'planId' | 'jurisdiction'>,
): string[] {
  if (!isRecord(plan)) return ['plan: must be a plan document (docs/plan-format.md)'];
  const problems: string[] = [];
  if (plan.planId !== input.planId)
    problems.push(
      `plan.planId: must be "${input.planId}" (the application's plan), got ${JSON.stringify(plan.planId)}`,
    );
  if (plan.jurisdiction !== input.jurisdiction)
    problems.push(
      `plan.jurisdiction: the application is for "${input.jurisdiction}", the plan names ${JSON.stringify(plan.jurisdiction)}`,
    );
  if (!isText(plan.name, 500)) problems.push('plan.name: is required');
  if (!isRecord(plan.building)) problems.push('plan.building: is required');
  for (const list of ['levels', 'spaces']) {
    if (!Array.isArray(plan[list]) || (plan[list] as unknown[]).length === 0)
      problems.push(`plan.${list}: at least one is required`);
  }
  return problems;
}
