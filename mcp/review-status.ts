import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { complianceReviewId } from '../domain/compliance/review';
import type { ReviewStatusView } from '../domain/compliance/review-types';
import { complianceStatusQuery } from '../workflows/compliance-review';
import { ReviewStatus } from '../workflows/search-attributes';

/** Thrown when no review exists for the plan: the MCP tool shows it as a plain tool error. */
export class ReviewNotFoundError extends Error {}

export type ReviewStatusAnswer =
  | { source: 'query' | 'result'; workflowId: string; execution: string; review: ReviewStatusView }
  /** Running, but no worker answered the query in time: what the server itself knows. */
  | {
      source: 'search-attributes';
      workflowId: string;
      execution: string;
      reviewStatus: string | undefined;
      note: string;
    };

const QUERY_TIMEOUT_MS = 10_000;

/**
 * A review's status by plan id. A completed review answers from its result (no worker
 * needed); a running one from the `status` query, or from its search attributes when no
 * worker is up, as does a review that failed or was terminated (it has no result).
 */
export async function reviewStatusOf(client: Client, planId: string): Promise<ReviewStatusAnswer> {
  const workflowId = complianceReviewId(planId);
  const handle = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new ReviewNotFoundError(`no compliance review for plan "${planId}" (workflow ${workflowId} not found)`);
    throw err;
  }
  const execution = description.status.name;
  if (execution === 'COMPLETED')
    return { source: 'result', workflowId, execution, review: (await handle.result()) as ReviewStatusView };
  if (execution === 'RUNNING') {
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), QUERY_TIMEOUT_MS).unref());
    const review = await Promise.race([handle.query(complianceStatusQuery), timeout]).catch(() => undefined);
    if (review) return { source: 'query', workflowId, execution, review };
  }
  return {
    source: 'search-attributes',
    workflowId,
    execution,
    reviewStatus: description.typedSearchAttributes.get(ReviewStatus),
    note:
      execution === 'RUNNING'
        ? 'no worker answered the status query; is the arxflow worker running?'
        : `the review workflow ended ${execution.toLowerCase()}`,
  };
}
