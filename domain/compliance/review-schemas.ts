import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { isTimeZone } from '../time-zones';
import { refuseUnknownKeys } from '../validation';
import { PLAN_INLINE_MAX_BYTES } from './payload-ref';

/*
 * The complianceReview's input and messages: one schema per message, parsed by the edge
 * (gateway, CLI, the ComplianceReviews client: bad input is a 400 naming the field, and
 * nothing starts) and by the workflow itself (its input, the Update validators and the
 * Signal handlers: PlanReview.refusalOf...). The plan inside a submission is parsed by the
 * check activity (plan-schema.ts), which reports its problems to the applicant as an
 * incomplete submission. Nothing here may load the rule packs: the workflow imports it
 * (test/unit/compliance-workflow-imports.test.ts).
 */

/** A stored plan's reference (payload-ref.ts). */
const payloadRefSchema = lazySchema(() =>
  z.strictObject(
    {
      sha256: z.string({ error: 'must be a sha256 hex digest' }).regex(/^[0-9a-f]{64}$/, {
        error: 'must be a sha256 hex digest (64 lowercase hex digits)',
      }),
      bytes: z.int({ error: 'must be a whole number of bytes' }).min(2, { error: 'must be a whole number of bytes' }),
    },
    { error: 'must be {sha256, bytes}: a stored plan (POST /v1/compliance/plans)' },
  ),
);

export const reviewIdSchema = lazySchema(() =>
  z.string({ error: 'must be an id (text)' }).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, {
    error: 'must be 1-100 letters, digits, ".", "_", ":" or "-"',
  }),
);
/** A person's id: the applicant, a reviewer, the supervisor, a message's actor. */
export const personSchema = lazySchema(() =>
  z.string({ error: 'must be a text' }).trim().min(1, { error: 'must not be empty' }).max(200),
);
/**
 * Who sends a message: the token's subject at the gateway, compared as sent (not trimmed)
 * with the applicant and the reviewers.
 */
const actorSchema = lazySchema(() =>
  z
    .string({ error: 'must be a text' })
    .max(200)
    .refine((actor) => actor.trim().length > 0, { error: 'must not be empty' }),
);
const text = (max: number) =>
  z.string({ error: 'must be a text' }).trim().min(1, { error: 'must not be empty' }).max(max);

/** An IANA zone: the one reports print their dates in. */
export const timeZoneSchema = lazySchema(() =>
  z
    .string({ error: 'must be an IANA time zone such as "America/Chicago"' })
    .refine(isTimeZone, { error: 'must be an IANA time zone such as "America/Chicago"' }),
);

/** A reviewer's or supervisor's name and title as printed in a report's signature block. */
const officialSchema = lazySchema(() =>
  z.strictObject({ name: text(200), title: text(200), timeZone: timeZoneSchema.optional() }),
);
/** Officials by person id (the ids in `reviewers` and `supervisor`). */
export const officialsSchema = lazySchema(() =>
  z.record(personSchema, officialSchema, { error: 'must map person ids to {name, title, timeZone?}' }),
);

const documentSchema = lazySchema(() =>
  z.strictObject({ kind: text(100), name: text(500), ref: z.string().max(2000).optional() }),
);

/**
 * The plan travels inline (`plan`) or, when stored by content hash, as `planRef` (payload-ref.ts):
 * exactly one of the two. Runs and clients from before references send `plan`.
 */
const submissionShape = () => ({
  planVersion: z.int({ error: 'must be a whole number from 1' }).min(1, { error: 'must be a whole number from 1' }),
  plan: z.record(z.string(), z.unknown(), { error: 'must be a plan document (docs/plan-format.md)' }).optional(),
  planRef: payloadRefSchema.optional(),
  documents: z.array(documentSchema, { error: 'must be a list of {kind, name, ref?}' }).max(200),
  note: text(2000).optional(),
});

/** Exactly one of `plan` and `planRef`. */
function onePlan(submission: { plan?: unknown; planRef?: unknown }, ctx: z.RefinementCtx): void {
  if ((submission.plan === undefined) === (submission.planRef === undefined))
    ctx.addIssue({
      code: 'custom',
      path: ['plan'],
      message: 'give the plan inline (plan) or stored by content hash (planRef), one of the two',
    });
}

/** UTF-8 bytes of a value's JSON (TextEncoder: the workflow sandbox has it, Buffer it has not). */
export function jsonBytes(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value) ?? '').length;
}

/**
 * At the edge only (a start body, a resubmission body): an inline plan above
 * PLAN_INLINE_MAX_BYTES is refused naming the way round, so a message never nears Temporal's
 * payload limit. The workflow's own schemas do not bound it: runs begun with a larger inline
 * plan must still parse it on replay.
 */
function inlinePlanBounded(submission: { plan?: unknown }, ctx: z.RefinementCtx): void {
  if (submission.plan === undefined) return;
  const bytes = jsonBytes(submission.plan);
  if (bytes > PLAN_INLINE_MAX_BYTES)
    ctx.addIssue({
      code: 'custom',
      path: ['plan'],
      message: `is ${bytes} bytes inline, over ${PLAN_INLINE_MAX_BYTES}: store it (POST /v1/compliance/plans, arxflow compliance store-plan) and send its planRef`,
    });
}

/** One version of the application: the plan (docs/plan-format.md) and its documents. */
const submissionSchema = lazySchema(() => z.strictObject(submissionShape()).superRefine(onePlan));

const businessDays = lazySchema(() =>
  z
    .int({ error: 'must be a whole number of days, 1 to 365' })
    .min(1, { error: 'must be a whole number of days, 1 to 365' })
    .max(365, { error: 'must be a whole number of days, 1 to 365' }),
);

/** A jurisdiction's review clocks and required documents, over review-policy.ts's defaults. */
export const reviewPolicySchema = lazySchema(() =>
  z.strictObject({
    reviewSlaBusinessDays: businessDays.optional(),
    correctionBusinessDays: businessDays.optional(),
    holidays: z
      .array(z.iso.date({ error: 'must be a YYYY-MM-DD day' }))
      .max(366)
      .optional(),
    requiredDocuments: z.array(text(100)).max(50).optional(),
  }),
);

/** An inline plan names the application's plan; a stored one is checked where it is loaded (prepareReview, the check activity). */
const samePlanId = {
  check: (value: { planId: string; submission: { plan?: Record<string, unknown> } }) =>
    value.submission.plan === undefined || value.submission.plan.planId === value.planId,
  params: { path: ['submission', 'plan', 'planId'], message: 'must equal planId' },
};

/** What the workflow starts with (ComplianceReviewInput); the gateway builds it with prepareReview. */
export const complianceReviewInputSchema = lazySchema(() =>
  z
    .strictObject({
      planId: reviewIdSchema,
      jurisdiction: reviewIdSchema,
      applicant: z.strictObject({
        id: personSchema,
        email: z.email({ error: 'must be an email address' }),
        name: text(200).optional(),
      }),
      reviewers: z.array(personSchema).min(1, { error: 'name at least one reviewer' }).max(20),
      supervisor: personSchema,
      submission: submissionSchema,
      policy: reviewPolicySchema.optional(),
      asOf: z.iso.date({ error: 'must be YYYY-MM-DD' }).optional(),
      permitNumber: text(100).optional(),
      siteAddress: text(500).optional(),
      timeZone: timeZoneSchema.optional(),
      officials: officialsSchema.optional(),
      // Written by the workflow when it continues as new (PlanReview.carried), never by a client: the start
      // body's schema refuses it. Its own output, so only where the run resumes is checked here.
      carried: z
        .object({ phase: z.enum(['awaiting_decision', 'awaiting_resubmission']) })
        .catchall(z.unknown())
        .optional(),
      options: z.strictObject({ messagesPerRun: z.int().min(1).optional() }).optional(),
    })
    .refine(samePlanId.check, samePlanId.params)
    // Four eyes: whoever applies never reviews or decides their own plan.
    .refine((input) => !input.reviewers.includes(input.applicant.id), {
      path: ['reviewers'],
      message: 'the applicant cannot review their own plan',
    })
    .refine((input) => input.supervisor !== input.applicant.id, {
      path: ['supervisor'],
      message: 'the applicant cannot supervise their own review',
    }),
);

/** A resubmission as the API receives it: `actor` is added from the caller's token. */
export const resubmissionBodySchema = lazySchema(() =>
  z.strictObject(submissionShape()).superRefine(onePlan).superRefine(inlinePlanBounded),
);

/** A resubmission as the workflow receives it (ResubmissionRequest). */
export const resubmissionRequestSchema = lazySchema(() =>
  z.strictObject({ ...submissionShape(), actor: actorSchema }).superRefine(onePlan),
);

const DECISIONS = ['approve', 'request_corrections', 'reject'] as const;

const decisionShape = () => ({
  decision: z.enum(DECISIONS, { error: `must be one of ${DECISIONS.join(', ')}` }),
  comments: z
    .array(z.strictObject({ element: reviewIdSchema.optional(), comment: text(2000) }), {
      error: 'must be a list of {element?, comment}',
    })
    .max(500)
    .optional(),
  summary: text(2000).optional(),
});

/** Corrections and a rejection tell the applicant why: at least one comment or a summary. */
function explained(
  decision: { decision: (typeof DECISIONS)[number]; comments?: unknown[]; summary?: string },
  ctx: z.RefinementCtx,
): void {
  if (decision.decision === 'approve' || (decision.comments?.length ?? 0) > 0 || decision.summary !== undefined) return;
  ctx.addIssue({
    code: 'custom',
    path: ['comments'],
    message: `give the applicant at least one comment or a summary with ${decision.decision}`,
  });
}

/** A plan reviewer's decision as the API receives it: `actor` is added from the caller's token. */
export const decisionBodySchema = lazySchema(() => z.strictObject(decisionShape()).superRefine(explained));

/** A decision as the workflow receives it (ReviewDecisionRequest). */
export const decisionRequestSchema = lazySchema(() =>
  z.strictObject({ ...decisionShape(), actor: actorSchema }).superRefine(explained),
);

/** Fields of the workflow input that the server decides; a start body naming one is refused with the reason. */
const SERVER_DECIDES: Record<string, string> = {
  reviewers: "the jurisdiction's plan reviewers come from the server's configuration (compliance.jurisdictions)",
  supervisor: "the jurisdiction's supervisor comes from the server's configuration (compliance.jurisdictions)",
  policy: "the jurisdiction's review policy comes from the server's configuration (compliance.jurisdictions)",
  timeZone: "the jurisdiction's time zone comes from the server's configuration (compliance.jurisdictions)",
  officials: "the reviewers' names and titles come from the server's configuration (compliance.jurisdictions)",
  actor: 'the applicant is the authenticated caller',
};
const START_KEYS = ['planId', 'jurisdiction', 'applicant', 'submission', 'asOf', 'permitNumber', 'siteAddress'];

/**
 * What an applicant sends to start a review (POST /v1/workflows/complianceReview, `arxflow
 * workflows start complianceReview`): the plan and a contact email. The applicant is the
 * caller; reviewers, supervisor and policy come from the jurisdiction's configuration.
 */
export const reviewStartBodySchema = lazySchema(() =>
  z
    .object({
      planId: reviewIdSchema,
      jurisdiction: reviewIdSchema,
      applicant: z
        .object({ email: z.email({ error: 'must be an email address' }), name: text(200).optional() })
        .catchall(z.unknown())
        .superRefine(
          refuseUnknownKeys(['email', 'name'], { id: 'the applicant is the authenticated caller' }, 'a review start'),
        ),
      submission: submissionSchema,
      asOf: z.iso.date({ error: 'must be YYYY-MM-DD' }).optional(),
      permitNumber: text(100).optional(),
      siteAddress: text(500).optional(),
    })
    .catchall(z.unknown())
    .superRefine(refuseUnknownKeys(START_KEYS, SERVER_DECIDES, 'a review start'))
    .refine(samePlanId.check, samePlanId.params),
);

export type ReviewStartBody = z.output<typeof reviewStartBodySchema>;
export type ReviewStartBodyInput = z.input<typeof reviewStartBodySchema>;
