import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Store } from '../db/store';
import { ANY_ROLE } from '../domain/roles';
import { nlpAuditBodySchema, nlpAuditEntry } from '../domain/nlp/nlp-audit';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';
import { errorResponses } from './responses';

/**
 * POST /v1/nlp/audit: a natural-language command about to run (`arxflow nlp run`), kept in the
 * audit chain with its text, engine and command, as the token's subject. Any role: the command
 * itself then meets its own route's roles and the workflows' rules.
 */
export function registerNlpRoutes(app: FastifyInstance, deps: { store: Store; authenticator: Authenticator }) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.post(
    '/v1/nlp/audit',
    {
      onRequest: requireRole(deps.authenticator, ANY_ROLE),
      schema: {
        tags: ['nlp'],
        summary: 'Record a natural-language command that runs (text, engine, command) as the caller',
        body: nlpAuditBodySchema,
        response: {
          201: z.object({ id: z.number() }).describe('The audit event'),
          ...errorResponses([400, 401, 403] as const),
        },
      },
    },
    async (request, reply) => {
      const event = await deps.store.audit.append(nlpAuditEntry(request.body, request.principal!.subject));
      return reply.code(201).send({ id: event.id });
    },
  );
}
