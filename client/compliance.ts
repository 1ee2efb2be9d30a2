import {
  WorkflowIdConflictPolicy,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { BlobStore } from '../db/blob-store';
import { complianceReviewInputSchema } from '../domain/compliance/review-schemas';
import { complianceReviewId } from '../domain/compliance/review';
import type {
  ComplianceReviewInput,
  ReviewDecisionRequest,
  ReviewStatusView,
  ResubmissionRequest,
} from '../domain/compliance/review-types';
import { parseInput } from '../domain/validation';
import { submissionByReference } from './api/compliance-plans';
import {
  complianceDecideUpdate,
  complianceResubmitUpdate,
  complianceReview,
  complianceStatusQuery,
} from '../workflows';

/**
 * Typed helpers for services (a permit portal) that run plan reviews with the Temporal
 * client directly. The input is parsed before anything starts (InputError naming the
 * field); a start for a plan under review returns the running review. `actor` is the
 * caller's to vouch for here; the gateway takes it from tokens instead. Given the store's
 * payloads (`blobs`), plans are stored there and go by reference, as the gateway sends them:
 * a plan over about 2 MB inline is refused by Temporal.
 */
export class ComplianceReviews {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly blobs?: BlobStore,
  ) {}

  async start(input: ComplianceReviewInput): Promise<WorkflowHandleWithFirstExecutionRunId<typeof complianceReview>> {
    const parsed = parseInput(complianceReviewInputSchema, input, 'complianceReview') as ComplianceReviewInput;
    const args = this.blobs
      ? { ...parsed, submission: await submissionByReference(this.blobs, parsed.planId, parsed.submission) }
      : parsed;
    return this.client.workflow.start(complianceReview, {
      taskQueue: this.taskQueue,
      workflowId: complianceReviewId(parsed.planId),
      args: [args],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
  }

  handle(planId: string): WorkflowHandle<typeof complianceReview> {
    return this.client.workflow.getHandle<typeof complianceReview>(complianceReviewId(planId));
  }

  status(planId: string): Promise<ReviewStatusView> {
    return this.handle(planId).query(complianceStatusQuery);
  }

  /** Throws WorkflowUpdateFailedError with the review's reason when refused (not the applicant, not waiting, stale version). */
  async resubmit(planId: string, request: ResubmissionRequest): Promise<ReviewStatusView> {
    const sent = this.blobs ? { ...request, ...(await submissionByReference(this.blobs, planId, request)) } : request;
    return this.handle(planId).executeUpdate(complianceResubmitUpdate, { args: [sent] });
  }

  /** Throws WorkflowUpdateFailedError when refused (not an assigned reviewer, not in review, unknown element). */
  decide(planId: string, request: ReviewDecisionRequest): Promise<ReviewStatusView> {
    return this.handle(planId).executeUpdate(complianceDecideUpdate, { args: [request] });
  }
}
