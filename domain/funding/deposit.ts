import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { keySegment } from './gate-input';
import { currencySchema, minorUnitsSchema } from './money';

/** A lender's deposit into a project's funding account; `reference` (the bank transfer id) makes it happen once. */
export const depositInputSchema = lazySchema(() =>
  z
    .object({
      projectId: keySegment,
      reference: keySegment,
      amount: minorUnitsSchema.refine((amount) => amount > 0, 'must be more than 0'),
      currency: currencySchema,
      memo: z.string().max(500).default('lender deposit'),
    })
    .strict(),
);

export type DepositInput = z.input<typeof depositInputSchema>;

/**
 * A deposit as the fundingDeposit workflow receives it: `postedBy` is who posted it, set by
 * the API from the caller (token subject, ARXFLOW_ACTOR in CLI direct mode), never by a
 * request body; unset (older runs, the trusted typed client) the audit records the system actor.
 */
export const fundingDepositInputSchema = lazySchema(() =>
  depositInputSchema.extend({ postedBy: z.string().trim().min(1).max(200).optional() }),
);
export type FundingDepositInput = z.input<typeof fundingDepositInputSchema>;

export function depositWorkflowId(input: { projectId: string; reference: string }): string {
  return `funding-deposit/${input.projectId}/${input.reference}`;
}
