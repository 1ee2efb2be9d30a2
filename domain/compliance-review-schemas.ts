import { z } from 'zod';
import { JURISDICTIONS } from './compliance/jurisdictions';
import {
  officialsSchema,
  personSchema,
  reviewIdSchema,
  reviewPolicySchema,
  timeZoneSchema,
} from './compliance/review-schemas';
import { lazySchema } from './lazy-schema';

/*
 * The server's plan review teams (the config file's `compliance:` section). Boundary only:
 * a team's jurisdiction is checked against the rule packs (JURISDICTIONS), which the
 * workflow must not load, so this stays apart from the review's message schemas
 * (domain/compliance/review-schemas.ts), which the workflow parses with.
 */

/** One jurisdiction's review team and policy (config file, `compliance.jurisdictions`). */
const reviewJurisdictionSchema = lazySchema(() =>
  z
    .strictObject({
      id: reviewIdSchema,
      reviewers: z.array(personSchema).min(1).max(20),
      supervisor: personSchema,
      policy: reviewPolicySchema.optional(),
      /** The zone the reports print dates in (else the signing reviewer's, else UTC). */
      timeZone: timeZoneSchema.optional(),
      /** Names and titles for the reports' signature blocks, by the ids above. */
      officials: officialsSchema.optional(),
    })
    .superRefine((team, ctx) => {
      const members = new Set([...team.reviewers, team.supervisor]);
      for (const id of Object.keys(team.officials ?? {}))
        if (!members.has(id))
          ctx.addIssue({
            code: 'custom',
            path: ['officials', id],
            message: `${id} is neither a reviewer nor the supervisor of ${team.id}`,
          });
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
