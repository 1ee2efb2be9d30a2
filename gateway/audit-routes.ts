import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Store } from '../db/store';
import { witnessSchema } from '../domain/audit-witness';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';

const verifyQuery = z.object({ witness: witnessSchema.optional() }).strict();

const eventsQuery = z
  .object({
    since: z.iso.datetime({ offset: true }).optional(),
    afterId: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(5000).default(1000),
  })
  .strict();

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
      },
    },
    async (request) => deps.store.audit.verify({ witness: request.query.witness }),
  );
  routes.get(
    '/v1/audit/events',
    {
      onRequest: adminOnly,
      schema: { tags: ['audit'], summary: 'Audit events in id order', querystring: eventsQuery },
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
