import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { durationSchema } from '../durations';
import { approvalPolicySchema } from './approvals';
import { conditionDefinitionsSchema } from './condition-schemas';
import { currencySchema } from './money';
import { drawLinesSchema, retainagePolicySchema } from './retainage';
import { gateCarriedSchema, runBoundOptionsSchema } from './gate-carried';

/** Ids that become part of a workflow id (`funding-gate/<projectId>/<milestoneId>`): no slashes. */
export const keySegment = lazySchema(() =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'letters, digits, ".", "_", ":" or "-" (no "/")'),
);

/** The draw's clocks; they pause while the gate is on hold or waiting on the applicant. */
export const gateClocksSchema = lazySchema(() =>
  z
    .object({
      /** Pending approvers are reminded this often. */
      reminderEvery: durationSchema.default('1 day'),
      /** After this, the escalation contact is told once. */
      slaAfter: durationSchema.default('5 days'),
      /** After this, the gate expires undecided and nothing is paid. */
      expireAfter: durationSchema.default('30 days'),
      escalationContact: z.string().trim().min(1).max(200),
      /** After payment: the unconditional waiver is due within this, then flagged overdue. */
      unconditionalWaiverDue: durationSchema.default('10 days'),
    })
    .strict(),
);

/** One change of a project's funding program or payees: its author may not decide draws for `window` after `at`. */
export const makerSchema = lazySchema(() =>
  z
    .object({ actor: z.string().min(1).max(200), at: z.iso.datetime({ offset: true }), what: z.string().max(200) })
    .strict(),
);
export type Maker = z.output<typeof makerSchema>;

const separationSchema = lazySchema(() =>
  z.object({ window: durationSchema, makers: z.array(makerSchema).max(200) }).strict(),
);

export const fundingGateInputSchema = lazySchema(() =>
  z
    .object({
      /** progress: a draw paid from the funding account; retainage_release: held retainage paid at substantial completion. */
      kind: z.enum(['progress', 'retainage_release']).default('progress'),
      projectId: keySegment,
      milestoneId: keySegment,
      requestedBy: z.string().trim().min(1).max(200),
      payeeId: keySegment,
      currency: currencySchema,
      lines: drawLinesSchema,
      retainage: retainagePolicySchema,
      projectPercentComplete: z.number().min(0).max(100),
      conditions: conditionDefinitionsSchema.default([]),
      approvals: approvalPolicySchema,
      clocks: gateClocksSchema,
      waiverRoles: z.array(z.string()).optional(),
      /** The funding program version the draw was resolved from (a later change does not alter it). */
      program: z
        .object({ programId: keySegment, version: z.number().int().min(1) })
        .strict()
        .optional(),
      /** Maker-checker: who changed the program or payees of the project, and for how long that bars them from deciding. */
      separation: separationSchema.optional(),
      /** A continued run's state (gate-carried.ts): written by the workflow when it continues as new. */
      carried: gateCarriedSchema.optional(),
      /** How often a run continues as new (RunBound's defaults otherwise). */
      options: runBoundOptionsSchema.optional(),
    })
    .strict()
    .refine(
      (input) =>
        input.kind === 'progress' ||
        (input.retainage.percent === 0 && !input.retainage.perLine && !input.retainage.stepDown),
      {
        message: 'a retainage release withholds nothing: use { percent: 0 }',
        path: ['retainage'],
      },
    ),
);

export type FundingGateInput = z.input<typeof fundingGateInputSchema>;
export type ParsedFundingGateInput = z.output<typeof fundingGateInputSchema>;

export function fundingGateId(input: { projectId: string; milestoneId: string }): string {
  return `funding-gate/${input.projectId}/${input.milestoneId}`;
}
