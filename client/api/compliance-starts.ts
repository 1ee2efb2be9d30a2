import type { ComplianceConfig } from '../../domain/compliance-review-schemas';
import { complianceReviewInputSchema, type ReviewStartBody } from '../../domain/compliance/review-schemas';
import type { ComplianceReviewInput } from '../../domain/compliance/review-types';
import { InputError, parseInput } from '../../domain/validation';
import { rejected } from './errors';
import type { Caller } from './operations';

/**
 * Turns an applicant's start body into the complianceReview input: the applicant is the
 * caller, the reviewers, supervisor and review policy are the jurisdiction's in the server's
 * configuration (copied into the review, so a later config change leaves it alone).
 * Refused (422) before anything starts when the jurisdiction has no configured team, or
 * when the caller is on it: no one applies for a review they would decide (four eyes).
 */
export function prepareReview(body: ReviewStartBody, caller: Caller, config: ComplianceConfig): ComplianceReviewInput {
  const { jurisdiction } = body;
  const team = config.jurisdictions.find((candidate) => candidate.id === jurisdiction);
  if (!team) {
    const configured = config.jurisdictions.map((candidate) => candidate.id).join(', ') || 'none';
    throw rejected(
      `jurisdiction: ${jurisdiction} has no plan review team on this server (compliance.jurisdictions in the config file; configured: ${configured})`,
    );
  }
  const applicant = caller.subject;
  if (team.reviewers.includes(applicant)) {
    throw rejected(
      `applicant: ${applicant} is a configured plan reviewer of ${jurisdiction} and cannot apply for a review they would decide (four eyes)`,
    );
  }
  if (team.supervisor === applicant) {
    throw rejected(
      `applicant: ${applicant} supervises ${jurisdiction}'s plan reviews and cannot apply for a review they would decide (four eyes)`,
    );
  }
  const input = {
    planId: body.planId,
    jurisdiction,
    applicant: {
      id: applicant,
      email: body.applicant.email,
      ...(body.applicant.name === undefined ? {} : { name: body.applicant.name }),
    },
    reviewers: team.reviewers,
    supervisor: team.supervisor,
    submission: body.submission,
    ...(team.policy ? { policy: team.policy } : {}),
    ...(team.timeZone ? { timeZone: team.timeZone } : {}),
    ...(team.officials ? { officials: team.officials } : {}),
    ...(body.asOf === undefined ? {} : { asOf: body.asOf }),
    ...(body.permitNumber === undefined ? {} : { permitNumber: body.permitNumber }),
    ...(body.siteAddress === undefined ? {} : { siteAddress: body.siteAddress }),
  };
  try {
    // What the workflow itself accepts (e.g. the token's subject as an applicant id).
    return parseInput(complianceReviewInputSchema, input, 'complianceReview input') as ComplianceReviewInput;
  } catch (err) {
    if (err instanceof InputError) throw rejected(err.message);
    throw err;
  }
}
