import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { minorUnitsSchema } from './money';

/*
 * The vocabulary of a draw's conditions as zod schemas: what a condition asks for, the
 * budget lines it is judged against, the evidence that meets it and a waiver's request.
 * The same schemas serve the edge (gateway, CLI) and the gate inside the workflow.
 */

export const CONDITION_MODES = ['blocking', 'warning'] as const;
export const CONDITION_STATUSES = ['pending', 'passed', 'failed', 'waived'] as const;
export const WAIVER_TYPES = [
  'conditional-progress',
  'unconditional-progress',
  'conditional-final',
  'unconditional-final',
] as const;

export type ConditionStatus = (typeof CONDITION_STATUSES)[number];
export type LienWaiverType = (typeof WAIVER_TYPES)[number];

export const idSchema = lazySchema(() => z.string().trim().min(1).max(200));
export const isoDateSchema = lazySchema(() => z.iso.date());
export const isoDateTimeSchema = lazySchema(() => z.iso.datetime({ offset: true }));
const textSchema = lazySchema(() => z.string().trim().max(2000));

// ---- condition definitions ----------------------------------------------------------

// Built inside the schema below, not at import: zod is shared by every workflow and must not be called at module load.
const definitionBase = () => ({
  id: idSchema,
  // Fail closed: a condition whose author forgot the mode holds the money.
  mode: z.enum(CONDITION_MODES).default('blocking'),
  description: textSchema.optional(),
});

export const conditionDefinitionSchema = lazySchema(() =>
  z.discriminatedUnion('type', [
    z.object({ ...definitionBase(), type: z.literal('task_completed'), taskIds: z.array(idSchema).min(1) }).strict(),
    z
      .object({
        ...definitionBase(),
        type: z.literal('inspection_passed'),
        tolerancePercent: z.number().min(0).max(100).default(5),
      })
      .strict(),
    z
      .object({
        ...definitionBase(),
        type: z.literal('lien_waiver'),
        waiverType: z.enum(WAIVER_TYPES),
        from: idSchema,
        throughDate: isoDateSchema,
        amount: minorUnitsSchema.optional(),
      })
      .strict(),
    z.object({ ...definitionBase(), type: z.literal('document'), name: idSchema }).strict(),
    z.object({ ...definitionBase(), type: z.literal('insurance_valid') }).strict(),
    z.object({ ...definitionBase(), type: z.literal('compliance_approved') }).strict(),
    z.object({ ...definitionBase(), type: z.literal('change_order_executed'), changeOrderId: idSchema }).strict(),
  ]),
);

export const conditionDefinitionsSchema = lazySchema(() =>
  z.array(conditionDefinitionSchema).superRefine((defs, ctx) => {
    const seen = new Set<string>();
    defs.forEach((def, index) => {
      if (seen.has(def.id))
        ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate condition id "${def.id}"` });
      seen.add(def.id);
    });
  }),
);

export type ConditionDefinition = z.output<typeof conditionDefinitionSchema>;
/** What a caller writes: `mode` and `tolerancePercent` may be left out. */
export type ConditionDefinitionInput = z.input<typeof conditionDefinitionSchema>;
export type ConditionType = ConditionDefinition['type'];

// ---- budget lines -------------------------------------------------------------------

/**
 * The figures of a draw line the rules need. Not strict: a richer line (retainage.ts's
 * BudgetLine with description and currency) is accepted and its other fields ignored.
 */
export const conditionBudgetLineSchema = lazySchema(() =>
  z
    .object({
      lineId: idSchema,
      scheduledValue: minorUnitsSchema,
      previouslyReleased: minorUnitsSchema.default(0),
      requestedAmount: minorUnitsSchema,
    })
    // A draw never takes a line past its scheduled value; that needs a change order first.
    .refine((line) => line.previouslyReleased + line.requestedAmount <= line.scheduledValue, {
      message: 'previouslyReleased + requestedAmount exceeds scheduledValue',
      path: ['requestedAmount'],
    }),
);

export const conditionBudgetLinesSchema = lazySchema(() =>
  z
    .array(conditionBudgetLineSchema)
    .min(1)
    .superRefine((lines, ctx) => {
      const seen = new Set<string>();
      lines.forEach((line, index) => {
        if (seen.has(line.lineId))
          ctx.addIssue({ code: 'custom', path: [index, 'lineId'], message: `duplicate lineId "${line.lineId}"` });
        seen.add(line.lineId);
      });
    }),
);

export type ConditionBudgetLine = z.output<typeof conditionBudgetLineSchema>;
export type ConditionBudgetLineInput = z.input<typeof conditionBudgetLineSchema>;

// ---- evidence -----------------------------------------------------------------------

/** Every kind of evidence, each with `evidenceBase`'s fields too. */
const evidenceKinds = <B extends z.ZodRawShape>(evidenceBase: B) =>
  z.discriminatedUnion('kind', [
    z.object({ ...evidenceBase, kind: z.literal('task_completed'), taskId: idSchema }).strict(),
    z
      .object({
        ...evidenceBase,
        kind: z.literal('inspection'),
        inspector: idSchema,
        lines: z.array(z.object({ lineId: idSchema, verifiedPercent: z.number().min(0).max(100) }).strict()).min(1),
      })
      .strict(),
    z
      .object({
        ...evidenceBase,
        kind: z.literal('lien_waiver'),
        waiverType: z.enum(WAIVER_TYPES),
        from: idSchema,
        throughDate: isoDateSchema,
        amount: minorUnitsSchema,
      })
      .strict(),
    z
      .object({ ...evidenceBase, kind: z.literal('document'), name: idSchema, reference: textSchema.optional() })
      .strict(),
    z
      .object({ ...evidenceBase, kind: z.literal('insurance'), certificateId: idSchema, expiresOn: isoDateSchema })
      .strict(),
    z
      .object({
        ...evidenceBase,
        kind: z.literal('compliance_result'),
        reviewId: idSchema,
        approved: z.boolean(),
        summary: textSchema.optional(),
      })
      .strict(),
    z
      .object({
        ...evidenceBase,
        kind: z.literal('change_order'),
        changeOrderId: idSchema,
        status: z.enum(['executed', 'voided']),
      })
      .strict(),
  ]);

/** Evidence as the gate keeps it: `actor` and `at` are set by the workflow from the message (gateway identity, workflow time), never trusted from the payload. */
export const evidenceSchema = lazySchema(() => evidenceKinds({ actor: idSchema, at: isoDateTimeSchema }));

/** Evidence as a caller sends it, without what arxflow sets: the CLI refuses a malformed body (exit 2) before sending it. */
export const evidenceBodySchema = lazySchema(() => evidenceKinds({}));

export type Evidence = z.output<typeof evidenceSchema>;
export type EvidenceKind = Evidence['kind'];

// ---- waivers ------------------------------------------------------------------------

export const waiverRequestSchema = lazySchema(() =>
  z
    .object({
      actor: idSchema,
      roles: z.array(z.string()),
      comment: z.string().trim().max(2000),
      at: isoDateTimeSchema,
    })
    .strict(),
);

export type WaiverRequest = z.input<typeof waiverRequestSchema>;

/** One budget line of an inspection_passed condition. Percentages are rounded to 2 decimals for display only. */
export interface InspectionLineReport {
  lineId: string;
  requestedAmount: number;
  /** Share of the scheduled value paid once this draw is released: (previouslyReleased + requestedAmount) / scheduledValue. */
  claimedPercent: number;
  /** claimedPercent minus the tolerance, not below 0. */
  requiredPercent: number;
  verifiedPercent?: number;
  inspector?: string;
  result: 'passed' | 'failed' | 'missing' | 'not_requested';
}
