import { z } from 'zod';
import { lazySchema } from '../lazy-schema';

/*
 * The deployment's operator messages as the gateway and the CLI send them (`actor` and
 * `roles` from the caller's credentials), parsed by the workflow's validators and signal
 * handlers with these schemas (domain/deploy/deployment-state.ts).
 */

const actorSchema = lazySchema(() => z.string().trim().min(1).max(200));
const rolesSchema = lazySchema(() => z.array(z.string().max(100)).max(20));

export const deployActorRequestSchema = lazySchema(() => z.object({ actor: actorSchema, roles: rolesSchema }).strict());
export const deployDecisionRequestSchema = lazySchema(() =>
  z.object({ actor: actorSchema, roles: rolesSchema, comment: z.string().trim().max(2000).optional() }).strict(),
);
export const deployReasonRequestSchema = lazySchema(() =>
  z.object({ actor: actorSchema, roles: rolesSchema, reason: z.string().trim().min(1).max(500) }).strict(),
);
/** A firing alert forwarded by the deploy queue; extra fields of an alert are ignored. */
export const deployAlertSchema = lazySchema(() =>
  z.object({
    alertId: z.string().min(1).max(300),
    summary: z.string().max(2000),
    severity: z.string().max(50).optional(),
    incidentId: z.string().max(300).optional(),
    labels: z.record(z.string(), z.string()),
  }),
);
