import { MAX_REFUSED_KEPT, MAX_TIMELINE, PlanReview } from '../../domain/compliance/review';
import {
  complianceReviewInputSchema,
  decisionBodySchema,
  decisionRequestSchema,
  resubmissionRequestSchema,
} from '../../domain/compliance/review-schemas';
import { fieldIssues, issuesText } from '../../domain/validation';
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
    expect(review.refusalOfResubmission({ ...next, documents: 'none' })).toBe(
      'documents: must be a list of {kind, name, ref?}',
    );
    expect(review.refusalOfResubmission({ ...next, colour: 'red' })).toBe('colour: unknown field');
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

  it('refuses a decision that does not explain corrections or a rejection, naming the field', () => {
    const review = inReview();
    expect(review.refusalOfDecision({ decision: 'reject', actor: 'rev-ray' })).toBe(
      'comments: give the applicant at least one comment or a summary with reject',
    );
    expect(review.refusalOfDecision({ decision: 'reject', actor: 'rev-ray', summary: 'Out of scope' })).toBeUndefined();
    expect(review.refusalOfDecision({ decision: 'approve', actor: 'rev-ray', comments: [{ comment: '' }] })).toBe(
      'comments.0.comment: must not be empty',
    );
  });

  it('refuses a message from an identity the worker could not verify, saying so', () => {
    // Before: refused as "unverified:rev-ray is not an assigned plan reviewer", telling an
    // assigned reviewer they are not one when it is their stamp that failed.
    const review = inReview();
    expect(review.refusalOfDecision({ decision: 'approve', actor: 'unverified:rev-ray' })).toMatch(
      /^rev-ray: identity not verified/,
    );
    review.returnToApplicant('corrections_required', NOW);
    expect(review.refusalOfResubmission({ ...submission('P-1', 2), actor: 'unverified:arch-amy' })).toMatch(
      /^arch-amy: identity not verified/,
    );
  });
});

describe('PlanReview for runs begun before the workflow kit', () => {
  // Their Signals are judged again on replay: what the code of ab7e41f accepted must still be
  // accepted (and what it refused, refused), or the run leaves its history.
  it('accepts the messages the old hand-written checks accepted and the strict schemas refuse', () => {
    const review = inReview();
    const decision = {
      decision: 'approve',
      actor: 'rev-ray',
      comments: [{ element: 'D3', comment: 'ok', severity: 'info' }],
      via: 'web-ui',
    };
    expect(review.refusalOfDecision(decision)).toBe('comments.0.severity: unknown field; via: unknown field');
    expect(review.refusalOfDecisionBeforeKit(decision)).toBeUndefined();
    review.returnToApplicant('corrections_required', NOW);
    const resubmission = {
      ...submission('P-1', 2),
      documents: [{ kind: 'floor-plans', name: 'A-101.pdf', pages: 3 }],
      actor: 'arch-amy',
      via: 'web-ui',
    };
    expect(review.refusalOfResubmission(resubmission)).toBe('documents.0.pages: unknown field; via: unknown field');
    expect(review.refusalOfResubmissionBeforeKit(resubmission)).toBeUndefined();
  });

  it('refuses what the old checks refused, with their reasons; the turn rules are the same', () => {
    const review = inReview();
    expect(review.refusalOfDecisionBeforeKit({ decision: 'reject', actor: 'rev-ray' })).toBe(
      'reject: give the applicant at least one comment or a summary',
    );
    expect(review.refusalOfDecisionBeforeKit({ decision: 'approve', actor: '  ' })).toBe('actor: must be a text');
    // No unverified rule then: such an actor is simply not an assigned reviewer.
    expect(review.refusalOfDecisionBeforeKit({ decision: 'approve', actor: 'unverified:rev-ray' })).toMatch(
      /^unverified:rev-ray is not an assigned plan reviewer/,
    );
    expect(
      review.refusalOfDecisionBeforeKit({
        decision: 'approve',
        actor: 'rev-ray',
        comments: [{ element: 'X9', comment: 'x' }],
      }),
    ).toMatch(/"X9" is not an element/);
    expect(review.refusalOfResubmissionBeforeKit({ ...submission('P-1', 2), actor: 'arch-amy' })).toMatch(
      /not waiting/,
    );
    review.returnToApplicant('corrections_required', NOW);
    expect(
      review.refusalOfResubmissionBeforeKit({ ...submission('P-1', 2), documents: 'none', actor: 'arch-amy' }),
    ).toBe('request.documents: must be a list of {kind, name, ref?}');
    expect(review.refusalOfResubmissionBeforeKit({ ...submission('P-1', 1), actor: 'arch-amy' })).toMatch(
      /greater than 1/,
    );
  });
});

describe('PlanReview under a flood of refused messages', () => {
  const flood = (review: PlanReview, count: number) => {
    for (let i = 0; i < count; i += 1)
      review.recordRefused('decide', { actor: `spam-${i}` }, 'not an assigned plan reviewer', NOW);
  };

  it('keeps the newest refusals and timeline entries only, so state and history stay bounded', () => {
    const review = inReview();
    flood(review, 1_000);
    expect(review.refused).toHaveLength(MAX_REFUSED_KEPT);
    expect(review.refused.at(-1)?.actor).toBe('spam-999');
    expect(review.refused[0]?.actor).toBe(`spam-${1_000 - MAX_REFUSED_KEPT}`);
    expect(review.timeline).toHaveLength(MAX_TIMELINE);
    expect(review.timeline.at(-1)?.by).toBe('spam-999');
    const view = review.view(NOW);
    expect(view.refused).toHaveLength(MAX_REFUSED_KEPT);
    expect(view.timeline).toHaveLength(MAX_TIMELINE);
  });

  it('keeps every timeline entry of a run begun before the kit (its audit reads the timeline by index)', () => {
    const review = new PlanReview(reviewInput('P-1'), NOW, { timelineMax: Infinity });
    flood(review, 1_000);
    expect(review.refused).toHaveLength(MAX_REFUSED_KEPT);
    expect(review.timeline).toHaveLength(1_001); // 'submitted' and every refusal
  });
});

/** A review of P-1 whose first version was checked (elements S101, D3) and is with the reviewers. */
function inReview(): PlanReview {
  const review = new PlanReview(reviewInput('P-1'), NOW);
  review.openCycle(submission('P-1', 1), 'arch-amy', NOW);
  review.recordCheck(
    { compliant: true, planName: 'x', edition: 'IBC-2021', asOf: '2026-11-01', occupantLoad: 1, violations: [] },
    ['S101', 'D3'],
    NOW,
  );
  review.startReview(NOW);
  return review;
}

/** What a refused input reads as: the workflow's InvalidInput message and the gateway's 400 say the same. */
const problemsOf = (input: unknown) => {
  const result = complianceReviewInputSchema.safeParse(input);
  return result.success ? [] : fieldIssues(result.error.issues).map((issue) => issuesText([issue]));
};

describe('the review input schema (the workflow parses its input with it)', () => {
  it('names each refused field', () => {
    expect(problemsOf(reviewInput('P-1'))).toEqual([]);
    expect(problemsOf({ ...reviewInput('P-1'), reviewers: [], asOf: 'soon' })).toEqual([
      'reviewers: name at least one reviewer',
      'asOf: must be YYYY-MM-DD',
    ]);
    const own = reviewInput('P-1');
    expect(problemsOf({ ...own, reviewers: [own.applicant.id] })).toEqual([
      'reviewers: the applicant cannot review their own plan',
    ]);
    expect(problemsOf({ ...own, supervisor: own.applicant.id })).toEqual([
      'supervisor: the applicant cannot supervise their own review',
    ]);
    expect(problemsOf({ ...reviewInput('P-1'), policy: { reviewSlaBusinessDays: 0, holidays: ['25 Dec'] } })).toEqual([
      'policy.reviewSlaBusinessDays: must be a whole number of days, 1 to 365',
      'policy.holidays.0: must be a YYYY-MM-DD day',
    ]);
  });

  it('is the message schema the gateway parses with, plus the actor the token names', () => {
    const decision = { decision: 'approve', comments: [{ element: 'D3', comment: 'ok' }] };
    expect(decisionBodySchema.safeParse(decision).success).toBe(true);
    expect(decisionRequestSchema.safeParse(decision).success).toBe(false);
    expect(decisionRequestSchema.safeParse({ ...decision, actor: 'rev-ray' }).success).toBe(true);
    expect(resubmissionRequestSchema.safeParse({ ...submission('P-1', 2), actor: 'arch-amy' }).success).toBe(true);
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
