import { z } from 'zod';
import { lazySchema } from './lazy-schema';

/*
 * The complianceReview's input and messages as the gateway and CLI parse them (bad input is
 * a 400 naming the field, and nothing starts). Boundary only: the workflow itself checks
 * shapes by hand (review-requests.ts) so zod stays out of the workflow bundle. The plan
 * inside a submission is parsed by the check activity, which reports its problems to the
 * applicant as an incomplete submission. Kept outside domain/compliance/, where only
 * plan-schema.ts may import zod at run time (test/unit/compliance-plan.test.ts).
 */

const idSchema = lazySchema(() => z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'must be 1-100 letters, digits, ".", "_", ":" or "-"'));
const personSchema = lazySchema(() => z.string().trim().min(1).max(200));

const documentSchema = lazySchema(() => z.strictObject({
  kind: z.string().trim().min(1).max(100),
  name: z.string().trim().min(1).max(500),
  ref: z.string().max(2000).optional(),
}));

export const submissionSchema = lazySchema(() => z.strictObject({
  planVersion: z.int().min(1),
  plan: z.record(z.string(), z.unknown()),
  documents: z.array(documentSchema).max(200),
  note: z.string().trim().min(1).max(2000).optional(),
}));

const businessDays = lazySchema(() => z.int().min(1).max(365));

export const complianceReviewInputSchema = lazySchema(() => z.strictObject({
  planId: idSchema,
  jurisdiction: idSchema,
  applicant: z.strictObject({ id: personSchema, email: z.email() }),
  reviewers: z.array(personSchema).min(1).max(20),
  supervisor: personSchema,
  submission: submissionSchema,
  policy: z.strictObject({
    reviewSlaBusinessDays: businessDays.optional(),
    correctionBusinessDays: businessDays.optional(),
    holidays: z.array(z.iso.date()).max(366).optional(),
    requiredDocuments: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  }).optional(),
  asOf: z.iso.date().optional(),
  permitNumber: z.string().trim().min(1).max(100).optional(),
}).refine((input) => input.submission.plan.planId === input.planId, { path: ['submission', 'plan', 'planId'], message: 'must equal planId' })
  .refine((input) => !input.reviewers.includes(input.applicant.id), { path: ['reviewers'], message: 'the applicant cannot review their own plan' })
  .refine((input) => input.supervisor !== input.applicant.id, { path: ['supervisor'], message: 'the applicant cannot supervise their own review' }));

/** Bodies as the API receives them: `actor` is added from the caller's token. */
export const resubmissionBodySchema = submissionSchema;
export const decisionBodySchema = lazySchema(() => z.strictObject({
  decision: z.enum(['approve', 'request_corrections', 'reject']),
  comments: z.array(z.strictObject({ element: idSchema.optional(), comment: z.string().trim().min(1).max(2000) })).max(500).optional(),
  summary: z.string().trim().min(1).max(2000).optional(),
}));
