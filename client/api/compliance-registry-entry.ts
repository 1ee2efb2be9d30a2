import type { z } from 'zod';
import { complianceReviewId } from '../../domain/compliance/review';
import { complianceReviewInputSchema, decisionBodySchema, resubmissionBodySchema } from '../../domain/compliance-review-schemas';
import type { MessageEntry, WorkflowEntry } from './registry';

/**
 * complianceReview through /v1/workflows and `arxflow workflows ...`: the token's subject
 * becomes `actor`, and the workflow decides whether that actor is the applicant or an
 * assigned reviewer (422 with its reason otherwise). Roles here only gate the API: a
 * permit portal acting for applicants is an operator; plan reviewers are approvers.
 */
const message = (body: z.ZodType, roles: MessageEntry['roles'], description: string): MessageEntry => ({ body, roles, identity: true, description });

export const complianceReviewEntry: WorkflowEntry = {
  type: 'complianceReview',
  description: 'A building plan application (compliance/<planId>): completeness, code check, correction cycles, plan review under business-day clocks.',
  input: complianceReviewInputSchema,
  workflowId: (input: z.infer<typeof complianceReviewInputSchema>) => complianceReviewId(input.planId),
  startRoles: ['operator'],
  updates: {
    resubmitPlan: message(resubmissionBodySchema, ['operator'], 'the applicant submits the next plan version; 422 when not the applicant, not waiting, or not a newer version'),
    reviewDecision: message(decisionBodySchema, ['approver'], 'approve, request_corrections or reject with comments per element; 422 when not an assigned reviewer or not in review'),
  },
  signals: {
    resubmitPlan: message(resubmissionBodySchema, ['operator'], 'Web UI path of resubmitPlan: refusals are recorded, not returned'),
    reviewDecision: message(decisionBodySchema, ['approver'], 'Web UI path of reviewDecision'),
  },
  queries: { status: { roles: ['viewer', 'operator', 'approver'], description: 'status, clocks, cycles with violations and diffs, decisions, timeline' } },
};
