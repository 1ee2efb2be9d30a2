import { MAX_REFUSED_KEPT, PlanReview } from '../../domain/compliance/review';
import { MAX_CYCLES_KEPT } from '../../domain/compliance/review-bounds';
import {
  complianceReviewInputSchema,
  resubmissionBodySchema,
  resubmissionRequestSchema,
} from '../../domain/compliance/review-schemas';
import { PLAN_INLINE_MAX_BYTES } from '../../domain/compliance/payload-ref';
import type { ComplianceReviewInput } from '../../domain/compliance/review-types';
import { fieldIssues } from '../../domain/validation';
import { reviewInput, submission } from '../fixtures/compliance-review';
import { largePlan } from '../fixtures/large-plan';

const NOW = Date.parse('2026-11-27T15:00:00Z');
const REF = { sha256: 'a'.repeat(64), bytes: 1234 };

function waitingReview(options = { bounded: true }): PlanReview {
  const review = new PlanReview(reviewInput('P-1'), NOW, options);
  review.openCycle(submission('P-1', 1), 'arch-amy', NOW);
  review.returnToApplicant('incomplete', NOW, ['documents: "floor-plans" is required']);
  return review;
}

describe('PlanReview bounds (#17)', () => {
  it('counts a run of the same refusal in one entry until it is audited, then starts another', () => {
    const review = waitingReview();
    const stranger = { ...submission('P-1', 2), actor: 'mallory' };
    for (let i = 0; i < 5; i++)
      review.recordRefused('resubmit', stranger, review.refusalOfResubmission(stranger)!, NOW);
    expect(review.refused).toHaveLength(1);
    expect(review.refused[0]!.repeats).toBe(5);
    expect(review.timeline.at(-1)).toMatchObject({ event: 'refused resubmit', repeats: 5 });
    review.sealAudited(review.timeline.at(-1)!);
    review.recordRefused('resubmit', stranger, review.refusalOfResubmission(stranger)!, NOW);
    review.recordRefused('resubmit', { ...stranger, actor: 'eve' }, 'other', NOW);
    expect(review.refused.map((r) => [r.actor, r.repeats])).toEqual([
      ['mallory', 5],
      ['mallory', undefined],
      ['eve', undefined],
    ]);
    expect(review.refusedTotal).toBe(7);
    expect(review.view(NOW)).toMatchObject({ refusedTotal: 7 });
  });

  it('keeps the last refused messages and cycles with counts; runs begun before keep every cycle and repeat', () => {
    const review = waitingReview();
    for (let i = 0; i < MAX_REFUSED_KEPT + 7; i++) review.recordRefused('decide', { actor: `x${i}` }, 'no', NOW);
    expect(review.refused).toHaveLength(MAX_REFUSED_KEPT);
    expect(review.refusedDropped).toBe(7);
    for (let version = 2; version <= MAX_CYCLES_KEPT + 5; version++)
      review.openCycle(submission('P-1', version), 'arch-amy', NOW);
    expect(review.cycles).toHaveLength(MAX_CYCLES_KEPT);
    expect(review.cyclesDropped).toBe(5);
    expect(review.current!.number).toBe(MAX_CYCLES_KEPT + 5);
    expect(review.view(NOW)).toMatchObject({ cyclesDropped: 5, refusedDropped: 7 });

    const before = waitingReview({ bounded: false });
    for (let i = 0; i < 3; i++) before.recordRefused('decide', { actor: 'x' }, 'no', NOW);
    for (let version = 2; version <= MAX_CYCLES_KEPT + 5; version++)
      before.openCycle(submission('P-1', version), 'arch-amy', NOW);
    expect(before.refused).toHaveLength(3);
    expect(before.cycles).toHaveLength(MAX_CYCLES_KEPT + 5);
  });

  it('carries its whole state into the next run, which the workflow input schema accepts', () => {
    const review = waitingReview();
    review.sla.usedMs = 3_600_000;
    review.recordRefused('resubmit', { actor: 'mallory' }, 'no', NOW);
    review.recordCheck(
      { compliant: true, planName: 'p', edition: 'e', asOf: '2026-11-01', occupantLoad: 1, violations: [] },
      [],
      NOW,
      REF,
    );
    const carried = review.carried('awaiting_resubmission');
    const input = complianceReviewInputSchema.parse({ ...reviewInput('P-1'), carried }) as ComplianceReviewInput;
    const next = new PlanReview(input, NOW + 1000, { bounded: true });
    expect(next.view(NOW)).toEqual(review.view(NOW));
    expect(next.timeline).toEqual(review.timeline); // no second "submitted"
    expect(next.storedElementIds).toEqual(REF);
    expect(next.version).toBe(review.version);
  });

  it('takes a plan inline or by reference, one of the two; an inline resubmission is bounded at the edge only', () => {
    const { plan, ...withoutPlan } = submission('P-1', 2);
    const both = resubmissionRequestSchema.safeParse({ ...withoutPlan, plan, planRef: REF, actor: 'a' });
    expect(fieldIssues(both.error!.issues)).toContainEqual(expect.objectContaining({ path: 'plan' }));
    expect(resubmissionRequestSchema.safeParse({ ...withoutPlan, planRef: REF, actor: 'a' }).success).toBe(true);
    expect(resubmissionRequestSchema.safeParse({ ...withoutPlan, actor: 'a' }).success).toBe(false);
    const badRef = resubmissionRequestSchema.safeParse({
      ...withoutPlan,
      planRef: { sha256: 'x', bytes: 1 },
      actor: 'a',
    });
    expect(fieldIssues(badRef.error!.issues).map((i) => i.path)).toEqual(
      expect.arrayContaining(['planRef.sha256', 'planRef.bytes']),
    );
    const big = largePlan('P-1', 2_000, 10);
    expect(JSON.stringify(big).length).toBeGreaterThan(PLAN_INLINE_MAX_BYTES);
    const refused = resubmissionBodySchema.safeParse({ ...withoutPlan, plan: big });
    expect(fieldIssues(refused.error!.issues)[0]).toMatchObject({ path: 'plan' });
    expect(fieldIssues(refused.error!.issues)[0]!.message).toContain('planRef');
    // The workflow's own schema takes it (runs begun with inline plans replay).
    expect(resubmissionRequestSchema.safeParse({ ...withoutPlan, plan: big, actor: 'a' }).success).toBe(true);
    // A stored plan's fields are the check activity's: completeness reads only the documents.
    expect(waitingReview().completenessOf({ ...withoutPlan, planRef: REF })).toEqual([]);
  });
});
