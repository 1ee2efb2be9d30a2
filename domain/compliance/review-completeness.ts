import type { ComplianceReviewInput, ReviewPolicy, Submission } from './review-types';

/*
 * Shape checks for the review's input and messages, written by hand: the workflow runs
 * them (validators and signal handlers), and zod stays out of workflow code. The full plan
 * is parsed with zod by the check activity; here only what the process itself relies on.
 */

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown, max = 200): value is string =>
  typeof value === 'string' && value.trim().length > 0 && value.length <= max;
const DECISIONS = ['approve', 'request_corrections', 'reject'];

export function inputProblems(input: unknown): string[] {
  if (!isRecord(input)) return ['input: must be an object'];
  const problems: string[] = [];
  if (!isText(input.planId, 100)) problems.push('planId: must be a text');
  if (!isText(input.jurisdiction, 100)) problems.push('jurisdiction: must be a text');
  if (!isRecord(input.applicant) || !isText(input.applicant.id) || !isText(input.applicant.email))
    problems.push('applicant: needs id and email');
  if (!Array.isArray(input.reviewers) || input.reviewers.length === 0 || !input.reviewers.every((r) => isText(r)))
    problems.push('reviewers: name at least one reviewer');
  if (!isText(input.supervisor)) problems.push('supervisor: must be a text');
  // Four eyes: whoever applies never reviews or decides their own plan.
  const applicantId = isRecord(input.applicant) ? input.applicant.id : undefined;
  if (Array.isArray(input.reviewers) && input.reviewers.includes(applicantId))
    problems.push('reviewers: the applicant cannot review their own plan');
  if (input.supervisor !== undefined && input.supervisor === applicantId)
    problems.push('supervisor: the applicant cannot supervise their own review');
  if (input.asOf !== undefined && !(typeof input.asOf === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(input.asOf)))
    problems.push('asOf: must be YYYY-MM-DD');
  problems.push(...policyProblems(input.policy));
  problems.push(...submissionShapeProblems(input.submission, 'submission'));
  return problems;
}

/** Clock lengths must be whole business days, or a timer would never fire (or fire at once). */
function policyProblems(policy: unknown): string[] {
  if (policy === undefined) return [];
  if (!isRecord(policy)) return ['policy: must be an object'];
  const problems: string[] = [];
  for (const key of ['reviewSlaBusinessDays', 'correctionBusinessDays']) {
    const days = policy[key];
    if (days !== undefined && !(Number.isInteger(days) && (days as number) >= 1 && (days as number) <= 365))
      problems.push(`policy.${key}: must be a whole number of days, 1 to 365`);
  }
  if (
    policy.holidays !== undefined &&
    !(
      Array.isArray(policy.holidays) &&
      policy.holidays.every((d) => typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d))
    )
  ) {
    problems.push('policy.holidays: must be a list of YYYY-MM-DD days');
  }
  if (
    policy.requiredDocuments !== undefined &&
    !(Array.isArray(policy.requiredDocuments) && policy.requiredDocuments.every((k) => isText(k, 100)))
  ) {
    problems.push('policy.requiredDocuments: must be a list of document kinds');
  }
  return problems;
}

function submissionShapeProblems(value: unknown, path: string): string[] {
  if (!isRecord(value)) return [`${path}: must be an object`];
  const problems: string[] = [];
  if (!Number.isInteger(value.planVersion) || (value.planVersion as number) < 1)
    problems.push(`${path}.planVersion: must be a whole number from 1`);
  if (
    !Array.isArray(value.documents) ||
    !value.documents.every((d) => isRecord(d) && isText(d.kind, 100) && isText(d.name, 500))
  ) {
    problems.push(`${path}.documents: must be a list of {kind, name, ref?}`);
  }
  if (value.note !== undefined && !isText(value.note, 2000))
    problems.push(`${path}.note: must be a text of at most 2000 characters`);
  return problems;
}

/** Why a resubmission is not acceptable as a message (who sends it and when is the review's business). */
export function resubmissionShapeProblem(request: unknown): string | undefined {
  if (!isRecord(request)) return 'request: must be an object';
  if (!isText(request.actor)) return 'actor: must be a text';
  return submissionShapeProblems(request, 'request').join('; ') || undefined;
}

export function decisionShapeProblem(request: unknown): string | undefined {
  if (!isRecord(request)) return 'request: must be an object';
  if (!isText(request.actor)) return 'actor: must be a text';
  if (!DECISIONS.includes(request.decision as string)) return `decision: must be one of ${DECISIONS.join(', ')}`;
  if (request.summary !== undefined && !isText(request.summary, 2000))
    return 'summary: must be a text of at most 2000 characters';
  const comments = request.comments ?? [];
  if (
    !Array.isArray(comments) ||
    !comments.every(
      (c) => isRecord(c) && isText(c.comment, 2000) && (c.element === undefined || isText(c.element, 100)),
    )
  ) {
    return 'comments: must be a list of {element?, comment}';
  }
  if (request.decision !== 'approve' && comments.length === 0 && request.summary === undefined) {
    return `${request.decision}: give the applicant at least one comment or a summary`;
  }
  return undefined;
}

/**
 * What keeps a submission from being reviewed: missing required documents and plan fields
 * the process depends on. Empty when complete.
 */
export function completenessProblems(
  submission: Submission,
  input: Pick<ComplianceReviewInput, 'planId' | 'jurisdiction'>,
  policy: ReviewPolicy,
): string[] {
  const problems: string[] = [];
  const kinds = new Set(submission.documents.map((d) => d.kind));
  for (const kind of policy.requiredDocuments) if (!kinds.has(kind)) problems.push(`documents: "${kind}" is required`);
  const plan = submission.plan;
  if (!isRecord(plan)) return [...problems, 'plan: must be a plan document (docs/plan-format.md)'];
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
