import { readFileSync } from 'node:fs';
import path from 'node:path';
import { prepareReview } from '../../client/api/compliance-starts';
import { complianceConfigSchema } from '../../domain/compliance-review-schemas';
import { checkPlan } from '../../domain/compliance/engine';
import { parsePlan } from '../../domain/compliance/plan-schema';
import {
  complianceReviewInputSchema,
  resubmissionBodySchema,
  reviewStartBodySchema,
} from '../../domain/compliance/review-schemas';
import { loadConfigFile } from '../../platform/config-file';
import { reviewInput } from '../fixtures/compliance-review';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');
const readExample = (name: string) => JSON.parse(readFileSync(path.join(EXAMPLES, name), 'utf8'));
const example = () => readExample('compliance-review-office.json');
const issuesOf = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (result.error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe('the complianceReview example (docs/compliance-review.md, "Try it")', () => {
  it('is a valid start body, and with the example config a valid workflow input', () => {
    const body = reviewStartBodySchema.parse(example());
    expect(body).toMatchObject({
      planId: 'OFFICE-100-MAIN',
      jurisdiction: 'EXAMPLE-CITY',
      permitNumber: 'BLD-2026-00417',
      siteAddress: '100 Main St, Example City, EX 12345',
      applicant: { email: 'amy@architects.example', name: 'Amy Archer, Archer Architects LLC' },
    });
    const config = loadConfigFile(path.join(EXAMPLES, 'compliance-review-config.yaml')).compliance;
    expect(config.jurisdictions[0]).toMatchObject({
      id: 'EXAMPLE-CITY',
      timeZone: 'America/Chicago',
      officials: { 'rev-ray': { name: 'Ray Ortiz', title: 'Senior Plan Reviewer' } },
    });
    const input = prepareReview(body, { subject: 'arch-amy', roles: ['operator'] }, config);
    expect(complianceReviewInputSchema.safeParse(input).success).toBe(true);
    expect(input).toMatchObject({ applicant: { id: 'arch-amy' }, reviewers: ['rev-ray', 'rev-rosa'] });
    // What the letter prints travels from the start body and the config file into the workflow's input.
    expect(input).toMatchObject({
      siteAddress: '100 Main St, Example City, EX 12345',
      applicant: { name: 'Amy Archer, Archer Architects LLC' },
      timeZone: 'America/Chicago',
      officials: { 'rev-ray': { name: 'Ray Ortiz' } },
    });
  });

  it('brings every document Example City requires, and a plan that gets a corrections letter (3 violations)', () => {
    const body = reviewStartBodySchema.parse(example());
    expect(body.submission.documents.map((d) => d.kind)).toEqual(['floor-plans', 'code-analysis', 'life-safety-plan']);
    const result = checkPlan(parsePlan(body.submission.plan), { jurisdiction: body.jurisdiction, asOf: body.asOf! });
    const errors = result.violations.filter((v) => v.severity === 'error').map((v) => v.elements.join(','));
    expect(errors.sort()).toEqual(['C2', 'D3', 'S201']);
  });
});

describe('the resubmission example (plan version 2, every violation corrected)', () => {
  it('is a valid resubmitPlan body whose plan passes, so the review goes to the plan reviewers', () => {
    const body = resubmissionBodySchema.parse(readExample('compliance-review-office-v2.json'));
    expect(body.planVersion).toBe(2);
    expect(body.plan?.planId).toBe(example().planId);
    expect(checkPlan(parsePlan(body.plan), { jurisdiction: 'EXAMPLE-CITY', asOf: '2026-11-01' }).compliant).toBe(true);
  });
});

describe('the optional report fields of the complianceReview input', () => {
  it('keeps an input without them valid (recorded runs), and names each bad one', () => {
    expect(complianceReviewInputSchema.safeParse(reviewInput('OLD-1')).success).toBe(true);
    const bad = complianceReviewInputSchema.safeParse({
      ...reviewInput('NEW-1'),
      applicant: { id: 'arch-amy', email: 'amy@architects.example', name: ' ' },
      siteAddress: '',
      timeZone: 'Mars/Olympus',
      officials: { 'rev-ray': { name: 'Ray Ortiz' } },
    });
    expect(issuesOf(bad)).toEqual(
      expect.arrayContaining([
        'applicant.name: must not be empty',
        'siteAddress: must not be empty',
        'timeZone: must be an IANA time zone such as "America/Chicago"',
        expect.stringMatching(/^officials\.rev-ray\.title: /),
      ]),
    );
  });

  it('refuses a time zone or officials in a start body: they come from the server', () => {
    const refused = reviewStartBodySchema.safeParse({
      ...example(),
      timeZone: 'America/Chicago',
      officials: { 'rev-ray': { name: 'Me', title: 'Chief' } },
    });
    expect(issuesOf(refused)).toEqual([
      expect.stringMatching(/^timeZone: the jurisdiction's time zone comes from the server's configuration/),
      expect.stringMatching(/^officials: the reviewers' names and titles come from the server's configuration/),
    ]);
  });

  it('refuses officials in the config who are not on the team', () => {
    const result = complianceConfigSchema.safeParse({
      jurisdictions: [
        {
          id: 'IBC-2021',
          reviewers: ['rev-ray'],
          supervisor: 'sup-sam',
          officials: { 'rev-zed': { name: 'Zed', title: 'Reviewer' } },
        },
      ],
    });
    expect(issuesOf(result)).toEqual([
      'jurisdictions.0.officials.rev-zed: rev-zed is neither a reviewer nor the supervisor of IBC-2021',
    ]);
  });
});
