import { z } from 'zod';
import { JURISDICTIONS } from './compliance/jurisdictions';
import { lazySchema } from './lazy-schema';

/*
 * The complianceReview's input and messages as the gateway and CLI parse them (bad input is
 * a 400 naming the field, and nothing starts). Boundary only: the workflow itself checks
 * shapes by hand (review-requests.ts) so zod stays out of the workflow bundle. The plan
 * inside a submission is parsed by the check activity, which reports its problems to the
 * applicant as an incomplete submission. Kept outside domain/compliance/, where only
 * plan-schema.ts may import zod at run time (test/unit/compliance-plan.test.ts).
 */

const idSchema = lazySchema(() =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'must be 1-100 letters, digits, ".", "_", ":" or "-"'),
);
const personSchema = lazySchema(() => z.string().trim().min(1).max(200));

const documentSchema = lazySchema(() =>
  z.strictObject({
    kind: z.string().trim().min(1).max(100),
    name: z.string().trim().min(1).max(500),
    ref: z.string().max(2000).optional(),
  }),
);

export const submissionSchema = lazySchema(() =>
  z.strictObject({
    planVersion: z.int().min(1),
    plan: z.record(z.string(), z.unknown()),
    documents: z.array(documentSchema).max(200),
    note: z.string().trim().min(1).max(2000).optional(),
  }),
);

const businessDays = lazySchema(() => z.int().min(1).max(365));

/** A jurisdiction's review clocks and required documents, over domain/compliance/review-policy.ts's defaults. */
export const reviewPolicySchema = lazySchema(() =>
  z.strictObject({
    reviewSlaBusinessDays: businessDays.optional(),
    correctionBusinessDays: businessDays.optional(),
    holidays: z.array(z.iso.date()).max(366).optional(),
    requiredDocuments: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
  }),
);

export const complianceReviewInputSchema = lazySchema(() =>
  z
    .strictObject({
      planId: idSchema,
      jurisdiction: idSchema,
      applicant: z.strictObject({ id: personSchema, email: z.email() }),
      reviewers: z.array(personSchema).min(1).max(20),
      supervisor: personSchema,
      submission: submissionSchema,
      policy: reviewPolicySchema.optional(),
      asOf: z.iso.date().optional(),
      permitNumber: z.string().trim().min(1).max(100).optional(),
    })
    .refine((input) => input.submission.plan.planId === input.planId, {
      path: ['submission', 'plan', 'planId'],
      message: 'must equal planId',
    })
    .refine((input) => !input.reviewers.includes(input.applicant.id), {
      path: ['reviewers'],
      message: 'the applicant cannot review their own plan',
    })
    .refine((input) => input.supervisor !== input.applicant.id, {
      path: ['supervisor'],
      message: 'the applicant cannot supervise their own review',
    }),
);

/** Bodies as the API receives them: `actor` is added from the caller's token. */
export const resubmissionBodySchema = submissionSchema;
export const decisionBodySchema = lazySchema(() =>
  z.strictObject({
    decision: z.enum(['approve', 'request_corrections', 'reject']),
    comments: z
      .array(z.strictObject({ element: idSchema.optional(), comment: z.string().trim().min(1).max(2000) }))
      .max(500)
      .optional(),
    summary: z.string().trim().min(1).max(2000).optional(),
  }),
);

/** Fields of the workflow input that the server decides; a start body naming one is refused with the reason. */
const SERVER_DECIDES: Record<string, string> = {
  reviewers: "the jurisdiction's plan reviewers come from the server's configuration (compliance.jurisdictions)",
  supervisor: "the jurisdiction's supervisor comes from the server's configuration (compliance.jurisdictions)",
  policy: "the jurisdiction's review policy comes from the server's configuration (compliance.jurisdictions)",
  actor: 'the applicant is the authenticated caller',
};
const APPLICANT_DECIDED: Record<string, string> = { id: 'the applicant is the authenticated caller' };

function refuseOtherKeys(
  body: Record<string, unknown>,
  known: Record<string, unknown>,
  reasons: Record<string, string>,
  ctx: z.RefinementCtx,
): void {
  for (const key of Object.keys(body)) {
    if (Object.hasOwn(known, key)) continue;
    const reason = Object.hasOwn(reasons, key) ? reasons[key] : 'unknown field';
    ctx.addIssue({ code: 'custom', path: [key], message: `${reason}: not accepted in a review start` });
  }
}

const startKnownKeys = { planId: 1, jurisdiction: 1, applicant: 1, submission: 1, asOf: 1, permitNumber: 1 };

/**
 * What an applicant sends to start a review (POST /v1/workflows/complianceReview, `arxflow
 * workflows start complianceReview`): the plan and a contact email. The applicant is the
 * caller; reviewers, supervisor and policy come from the jurisdiction's configuration.
 */
export const reviewStartBodySchema = lazySchema(() =>
  z
    .object({
      planId: idSchema,
      jurisdiction: idSchema,
      applicant: z
        .object({ email: z.email() })
        .catchall(z.unknown())
        .superRefine((applicant, ctx) => refuseOtherKeys(applicant, { email: 1 }, APPLICANT_DECIDED, ctx)),
      submission: submissionSchema,
      asOf: z.iso.date().optional(),
      permitNumber: z.string().trim().min(1).max(100).optional(),
    })
    .catchall(z.unknown())
    .superRefine((body, ctx) => refuseOtherKeys(body, startKnownKeys, SERVER_DECIDES, ctx))
    .refine((body) => body.submission.plan.planId === body.planId, {
      path: ['submission', 'plan', 'planId'],
      message: 'must equal planId',
    }),
);

export type ReviewStartBody = z.output<typeof reviewStartBodySchema>;
export type ReviewStartBodyInput = z.input<typeof reviewStartBodySchema>;

/** One jurisdiction's review team and policy (config file, `compliance.jurisdictions`). */
export const reviewJurisdictionSchema = lazySchema(() =>
  z
    .strictObject({
      id: idSchema,
      reviewers: z.array(personSchema).min(1).max(20),
      supervisor: personSchema,
      policy: reviewPolicySchema.optional(),
    })
    .refine((team) => JURISDICTIONS.some((known) => known.id === team.id), {
      path: ['id'],
      message: `not a jurisdiction arxflow has rules for (${JURISDICTIONS.map((known) => known.id).join(', ')})`,
    }),
);

/** The config file's `compliance:` section: which jurisdictions this server reviews plans for, and who reviews them. */
export const complianceConfigSchema = lazySchema(() =>
  z.strictObject({ jurisdictions: z.array(reviewJurisdictionSchema).default([]) }).superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.jurisdictions.forEach((team, index) => {
      if (seen.has(team.id))
        ctx.addIssue({
          code: 'custom',
          path: ['jurisdictions', index, 'id'],
          message: `${team.id} is configured twice`,
        });
      seen.add(team.id);
    });
  }),
);

export type ComplianceConfig = z.output<typeof complianceConfigSchema>;
export type ReviewJurisdiction = z.output<typeof reviewJurisdictionSchema>;
