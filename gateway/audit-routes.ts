import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Store } from '../db/store';
import { witnessSchema } from '../domain/audit-witness';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';
import { errorResponses, instant } from './responses';

const verifyQuery = z.object({ witness: witnessSchema.optional() }).strict();

const eventsQuery = z
  .object({
    since: z.iso.datetime({ offset: true }).optional(),
    afterId: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(5000).default(1000),
  })
  .strict();

/** db/audit-log.ts AnchorSummary. */
const anchorSchema = z.looseObject({ sequence: z.number(), hash: z.string(), at: instant, keyId: z.string() });
/** db/audit-log.ts ChainVerification: `brokenAt` and `reason` when not ok. */
const verificationSchema = z.looseObject({
  ok: z.boolean(),
  checked: z.number(),
  brokenAt: z.number().optional(),
  reason: z.string().optional(),
  anchor: anchorSchema.nullable(),
});
/** db/audit-log.ts AuditEvent. */
const eventSchema = z.looseObject({
  id: z.number(),
  at: instant,
  actor: z.string(),
  action: z.string(),
  subject: z.string(),
  workflowId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
const ADMIN_ERRORS = [400, 401, 403] as const;

/** The audit trail, for admins: verify the hash chain, page through events (CLI export). */
export function registerAuditRoutes(app: FastifyInstance, deps: { store: Store; authenticator: Authenticator }) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const adminOnly = requireRole(deps.authenticator, ['admin']);
  routes.get(
    '/v1/audit/verify',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['audit'],
        summary: 'Verify the audit hash chain and its signed anchors',
        querystring: verifyQuery,
        response: {
          200: verificationSchema.describe('The verdict: ok, or where the chain breaks'),
          ...errorResponses(ADMIN_ERRORS),
        },
      },
    },
    async (request) => deps.store.audit.verify({ witness: request.query.witness }),
  );
  routes.get(
    '/v1/audit/events',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['audit'],
        summary: 'Audit events in id order',
        querystring: eventsQuery,
        response: {
          200: z.object({ events: z.array(eventSchema) }).describe('One page of events'),
          ...errorResponses(ADMIN_ERRORS),
        },
      },
    },
    async (request) => ({
      events: await deps.store.audit.list({
        since: request.query.since ? new Date(request.query.since) : undefined,
        afterId: request.query.afterId,
        limit: request.query.limit,
      }),
    }),
  );
}
