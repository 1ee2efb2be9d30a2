import type { z } from 'zod';
import { complianceReviewId } from '../../domain/compliance/review';
import {
  decisionBodySchema,
  resubmissionBodySchema,
  reviewStartBodySchema,
  type ReviewStartBody,
} from '../../domain/compliance/review-schemas';
import { submissionByReference } from './compliance-plans';
import { prepareReview } from './compliance-starts';
import { startConfigOf } from './start-config';
import type { MessageEntry, WorkflowEntry } from './registry';

/**
 * complianceReview through /v1/workflows and `arxflow workflows ...`: a start's applicant
 * is the token's subject and its reviewers, supervisor and policy are the jurisdiction's
 * configured ones (prepareReview); on messages the token's subject becomes `actor`, and the
 * workflow decides whether that actor is the applicant or an assigned reviewer (422 with
 * its reason otherwise). Roles here only gate the API: applicants (or a permit portal
 * acting as them) are operators; plan reviewers are approvers.
 */
const message = (body: z.ZodType, roles: MessageEntry['roles'], description: string): MessageEntry => ({
  body,
  roles,
  identity: true,
  description,
});

export const complianceReviewEntry: WorkflowEntry = {
  type: 'complianceReview',
  description:
    "A building plan application (compliance/<planId>): completeness, code check, correction cycles, plan review under business-day clocks. The applicant is the caller; reviewers, supervisor and review policy come from the jurisdiction's configuration (compliance.jurisdictions).",
  input: reviewStartBodySchema,
  // The plan goes by reference where the server has a store (the gateway, the CLI on Temporal directly).
  prepare: async (body: ReviewStartBody, caller, context) => {
    const input = prepareReview(body, caller, startConfigOf(context).compliance);
    if (!context.blobs) return input;
    return { ...input, submission: await submissionByReference(await context.blobs(), input.planId, input.submission) };
  },
  workflowId: (input: { planId: string }) => complianceReviewId(input.planId),
  startRoles: ['operator'],
  updates: {
    resubmitPlan: message(
      resubmissionBodySchema,
      ['operator'],
      'the applicant submits the next plan version; 422 when not the applicant, not waiting, or not a newer version',
    ),
    reviewDecision: message(
      decisionBodySchema,
      ['approver'],
      'approve, request_corrections or reject with comments per element; 422 when not an assigned reviewer or not in review',
    ),
  },
  signals: {
    resubmitPlan: message(
      resubmissionBodySchema,
      ['operator'],
      'Web UI path of resubmitPlan: refusals are recorded, not returned',
    ),
    reviewDecision: message(decisionBodySchema, ['approver'], 'Web UI path of reviewDecision'),
  },
  queries: {
    status: {
      roles: ['viewer', 'operator', 'approver'],
      description: 'status, clocks, cycles with violations and diffs, decisions, timeline',
    },
  },
};
