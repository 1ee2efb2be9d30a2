import { z } from 'zod';
import { lazySchema } from '../lazy-schema';
import { documentIdSchema, documentTextSchema, duplicateIdIssues } from './document-fields';

/**
 * The `budget` kind: a project budget as lines of whole cents (money math stays in integers,
 * as in domain/funding/money.ts). Strict: a misspelt field is refused, not kept.
 */
const budgetLineSchema = lazySchema(() =>
  z.strictObject({
    id: documentIdSchema,
    description: documentTextSchema,
    amountCents: z
      .int({ error: 'must be a whole number of cents' })
      .nonnegative({ error: 'must be 0 or more (cents)' }),
    category: z.string({ error: 'must be a text' }).trim().min(1, { error: 'must not be empty' }).max(100).optional(),
  }),
);

export const budgetSchema = lazySchema(() =>
  z
    .strictObject({
      budgetId: documentIdSchema,
      currency: z
        .string({ error: 'must be a currency code' })
        .regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 currency code such as USD' }),
      lines: z.array(budgetLineSchema, { error: 'must be a list of budget lines' }),
    })
    .superRefine((budget, ctx) => {
      for (const issue of duplicateIdIssues('lines', budget.lines)) ctx.addIssue({ code: 'custom', ...issue });
    }),
);

export type Budget = z.output<typeof budgetSchema>;
