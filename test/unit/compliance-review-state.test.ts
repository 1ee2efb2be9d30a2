import { PlanReview } from '../../domain/compliance/review';
import { inputProblems } from '../../domain/compliance/review-requests';
import { complianceReviewInputSchema, decisionBodySchema } from '../../domain/compliance-review-schemas';
import { reviewInput, submission } from '../fixtures/compliance-review';

const NOW = Date.parse('2026-11-27T15:00:00Z');

describe('PlanReview (the workflow state)', () => {
  it('checks completeness: required documents and the fields the process relies on', () => {
    const review = new PlanReview(reviewInput('P-1'), NOW);
    expect(review.completenessOf(submission('P-1', 1))).toEqual([]);
    const wrong = {
      ...submission('P-1', 1),
      documents: [],
      plan: { ...(submission('P-1', 1).plan as object), planId: 'OTHER', jurisdiction: 'EXAMPLE-CITY' },
    };
    expect(review.completenessOf(wrong)).toEqual([
      'documents: "floor-plans" is required',
      'documents: "code-analysis" is required',
      'plan.planId: must be "P-1" (the application\'s plan), got "OTHER"',
      'plan.jurisdiction: the application is for "IBC-2021", the plan names "EXAMPLE-CITY"',
    ]);
    expect(review.completenessOf({ ...submission('P-1', 1), plan: 'not a plan' })).toContain(
      'plan: must be a plan document (docs/plan-format.md)',
    );
  });

  it('takes a resubmission only from the applicant, while waiting on them, with a newer version', () => {
    const review = new PlanReview(reviewInput('P-1'), NOW);
    review.openCycle(submission('P-1', 1), 'arch-amy', NOW);
    const next = { ...submission('P-1', 2), actor: 'arch-amy' };
    expect(review.refusalOfResubmission(next)).toMatch(/not waiting on a resubmission/);
    review.returnToApplicant('corrections_required', NOW);
    expect(review.refusalOfResubmission({ ...next, actor: 'rev-ray' })).toMatch(/only the applicant/);
    expect(review.refusalOfResubmission({ ...next, planVersion: 1 })).toMatch(/greater than 1/);
    expect(review.refusalOfResubmission({ ...next, documents: 'none' })).toMatch(/request\.documents/);
    expect(review.refusalOfResubmission(next)).toBeUndefined();
    review.resubmit(next, NOW);
    expect(review.refusalOfResubmission({ ...next, planVersion: 3 })).toMatch(/not waiting/); // one pending at a time
    expect(review.takeResubmission()).toBe(next);
  });

  it('takes a decision only from an assigned reviewer in review; the supervisor only after escalation', () => {
    const review = new PlanReview(reviewInput('P-1'), NOW);
    review.openCycle(submission('P-1', 1), 'arch-amy', NOW);
    review.recordCheck(
      { compliant: true, planName: 'x', edition: 'IBC-2021', asOf: '2026-11-01', occupantLoad: 1, violations: [] },
      ['S101', 'D3'],
      NOW,
    );
    review.startReview(NOW);
    expect(review.refusalOfDecision({ decision: 'approve', actor: 'sup-sam' })).toMatch(
      /not an assigned plan reviewer/,
    );
    expect(review.refusalOfDecision({ decision: 'maybe', actor: 'rev-ray' })).toMatch(/^decision: must be one of/);
    expect(
      review.refusalOfDecision({
        decision: 'request_corrections',
        actor: 'rev-ray',
        comments: [{ element: 'D3', comment: 'widen' }],
      }),
    ).toBeUndefined();
    review.escalate(NOW);
    expect(review.refusalOfDecision({ decision: 'approve', actor: 'sup-sam' })).toBeUndefined();
    expect(review.sla.running).toBe(true);
  });

  it('validates the workflow input by hand, naming fields', () => {
    expect(inputProblems(reviewInput('P-1'))).toEqual([]);
    expect(inputProblems({ ...reviewInput('P-1'), reviewers: [], asOf: 'soon' })).toEqual([
      'reviewers: name at least one reviewer',
      'asOf: must be YYYY-MM-DD',
    ]);
    const own = reviewInput('P-1');
    expect(inputProblems({ ...own, reviewers: [own.applicant.id] })).toEqual([
      'reviewers: the applicant cannot review their own plan',
    ]);
    expect(inputProblems({ ...own, supervisor: own.applicant.id })).toEqual([
      'supervisor: the applicant cannot supervise their own review',
    ]);
    expect(
      inputProblems({ ...reviewInput('P-1'), policy: { reviewSlaBusinessDays: 0, holidays: ['25 Dec'] } }),
    ).toEqual([
      'policy.reviewSlaBusinessDays: must be a whole number of days, 1 to 365',
      'policy.holidays: must be a list of YYYY-MM-DD days',
    ]);
  });
});

describe('boundary schemas (gateway, CLI)', () => {
  it('accept the fixture input and refuse a mismatched plan id or unknown field with the path', () => {
    expect(complianceReviewInputSchema.safeParse(reviewInput('P-1')).success).toBe(true);
    const mismatch = complianceReviewInputSchema.safeParse({ ...reviewInput('P-1'), submission: submission('P-2', 1) });
    expect(mismatch.error?.issues.map((i) => i.path.join('.'))).toEqual(['submission.plan.planId']);
    const extra = complianceReviewInputSchema.safeParse({ ...reviewInput('P-1'), colour: 'red' });
    expect(extra.success).toBe(false);
    expect(decisionBodySchema.safeParse({ decision: 'approve', actor: 'x' }).success).toBe(false); // actor comes from the token
  });

  it('refuses an applicant among the reviewers or as the supervisor, naming the field', () => {
    const input = reviewInput('P-1');
    const own = complianceReviewInputSchema.safeParse({
      ...input,
      reviewers: [input.applicant.id],
      supervisor: input.applicant.id,
    });
    expect(own.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'reviewers: the applicant cannot review their own plan',
      'supervisor: the applicant cannot supervise their own review',
    ]);
  });
});
