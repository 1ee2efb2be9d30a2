import { isRecord } from '../plain-data';

/*
 * The message shape checks of runs begun before the workflow kit (patch 'compliance-review-kit'),
 * as they were written then (ab7e41f, review-requests.ts), to the letter. Signal handlers run
 * again when a run is replayed: a Signal these checks accepted and the kit's strict schemas
 * refuse (a key no schema names, an actor marked unverified) would be refused on replay,
 * and the run would take another path than its history. So those runs keep these checks;
 * runs begun on the kit use review-schemas.ts. Never tighten them: delete them once no run
 * begun before the kit is open.
 */

const isText = (value: unknown, max = 200): value is string =>
  typeof value === 'string' && value.trim().length > 0 && value.length <= max;
const DECISIONS = ['approve', 'request_corrections', 'reject'];

function submissionShapeProblemsBeforeKit(value: unknown, path: string): string[] {
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

/** Why a resubmission is not acceptable as a message, as runs begun before the kit judge it. */
export function resubmissionShapeProblemBeforeKit(request: unknown): string | undefined {
  if (!isRecord(request)) return 'request: must be an object';
  if (!isText(request.actor)) return 'actor: must be a text';
  return submissionShapeProblemsBeforeKit(request, 'request').join('; ') || undefined;
}

/** Why a decision is not acceptable as a message, as runs begun before the kit judge it. */
export function decisionShapeProblemBeforeKit(request: unknown): string | undefined {
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
