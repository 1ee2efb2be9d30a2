import type { ReviewPolicy } from './review-types';

/*
 * Each jurisdiction's review clocks and required documents, as plain data the workflow
 * reads. A real adoption adds its row; unknown jurisdictions get the default.
 */

const DEFAULT_REVIEW_POLICY: ReviewPolicy = {
  reviewSlaBusinessDays: 15,
  correctionBusinessDays: 10,
  holidays: [],
  requiredDocuments: ['floor-plans', 'code-analysis'],
};

const REVIEW_POLICIES: Readonly<Record<string, Partial<ReviewPolicy>>> = {
  'IBC-2021': {},
  // Illustrative, like the jurisdiction itself: a faster SLA, a life-safety plan required,
  // and the state's 2026 winter holidays.
  'EXAMPLE-STATE': { reviewSlaBusinessDays: 10, holidays: ['2026-12-25', '2027-01-01'] },
  'EXAMPLE-CITY': {
    reviewSlaBusinessDays: 10,
    holidays: ['2026-12-25', '2027-01-01'],
    requiredDocuments: ['floor-plans', 'code-analysis', 'life-safety-plan'],
  },
};

/** The jurisdiction's policy with the application's overrides on top. */
export function reviewPolicyFor(jurisdiction: string, overrides: Partial<ReviewPolicy> = {}): ReviewPolicy {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return { ...DEFAULT_REVIEW_POLICY, ...(REVIEW_POLICIES[jurisdiction] ?? {}), ...defined };
}
