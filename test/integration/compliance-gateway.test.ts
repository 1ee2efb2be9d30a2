import type { ReviewStatusView } from '../../domain/compliance/review-types';
import { REVIEW_TEAMS, reviewStartBody, submission } from '../fixtures/compliance-review';
import { call, tokenFor } from '../support/gateway';
import { useDevServerWorld } from '../support/dev-server-world';

/** complianceReview through the gateway's generic /v1/workflows routes (registry entry): identities come from tokens, the review team from the config. */
describe('complianceReview through the gateway', () => {
  const world = useDevServerWorld('compliance-api', { gateway: { compliance: REVIEW_TEAMS } });

  it('starts by plan id, refuses bad input with the path, and runs resubmission and decision as the token subjects', async () => {
    const portal = await tokenFor('arch-amy', 'operator');
    const stranger = await tokenFor('rev-mallory', 'approver');
    const reviewer = await tokenFor('rev-ray', 'approver');
    const review = `${world.url}/v1/workflows/${encodeURIComponent('compliance/API-1')}`;

    const bad = await call(`${world.url}/v1/workflows/complianceReview`, {
      token: portal,
      body: { ...reviewStartBody('API-1'), submission: submission('OTHER', 1) },
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('submission.plan.planId');

    const started = await call(`${world.url}/v1/workflows/complianceReview`, {
      token: portal,
      body: reviewStartBody('API-1'),
    });
    expect(started.status).toBeLessThan(300);
    expect(started.json).toMatchObject({ workflowId: 'compliance/API-1' });

    let status: ReviewStatusView;
    do status = (await call(`${review}/queries/status`, { token: portal })).json.result as ReviewStatusView;
    while (status?.status !== 'corrections_required');

    const spoofed = await call(`${review}/updates/resubmitPlan`, {
      token: portal,
      body: { ...submission('API-1', 2, { fixDoor: true }), actor: 'someone' },
    });
    expect(spoofed.status).toBe(400);
    const resubmitted = await call(`${review}/updates/resubmitPlan`, {
      token: portal,
      body: submission('API-1', 2, { fixDoor: true }),
    });
    expect(resubmitted.status).toBe(200);
    do status = (await call(`${review}/queries/status`, { token: portal })).json.result as ReviewStatusView;
    while (status?.status !== 'in_review');

    const refused = await call(`${review}/updates/reviewDecision`, { token: stranger, body: { decision: 'approve' } });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('rev-mallory is not an assigned plan reviewer');
    const approved = await call(`${review}/updates/reviewDecision`, {
      token: reviewer,
      body: { decision: 'approve', comments: [{ element: 'D3', comment: 'now 36 in' }] },
    });
    expect(approved.status).toBe(200);
    const result = (await world.env.client.workflow.getHandle('compliance/API-1').result()) as ReviewStatusView;
    expect(result.status).toBe('approved');
    expect(result.cycles[1]!.decision).toMatchObject({ actor: 'rev-ray', decision: 'approve' });
  });
});
