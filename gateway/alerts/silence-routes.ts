import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ANY_ROLE } from '../../domain/roles';
import type { SilenceOperations } from '../../client/api/silence-operations';
import { requireRole } from '../auth';
import { type Authenticator } from '../../platform/tokens';
import { errorResponses } from '../responses';

const matcherSchema = z.object({ name: z.string(), op: z.enum(['=', '!=', '=~', '!~']), value: z.string() });
const silenceSchema = z.object({
  id: z.string(),
  matchers: z.array(matcherSchema),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
  state: z.enum(['pending', 'active', 'expired']),
});
/**
 * For OpenAPI and a first shape check; parseSilenceRequest then decides (its errors name
 * the field). Loose, so that a misspelt field reaches its strict check instead of being dropped.
 */
const createBody = z
  .object({
    matchers: z
      .array(
        z.union([
          z.string(),
          z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean().optional() }),
        ]),
      )
      .describe('Alertmanager matchers such as service="db", or API v2 matcher objects'),
    startsAt: z.string().optional().describe('ISO 8601; default now'),
    endsAt: z.string().optional().describe('ISO 8601; or give duration'),
    duration: z.string().optional().describe('such as "2h" or "30 minutes"'),
    comment: z.string(),
  })
  .loose();

/** /v1/silences: operators and admins create and expire silences (the token subject is createdBy); every role may list them. */
export function registerSilenceRoutes(
  app: FastifyInstance,
  deps: { silences: SilenceOperations; authenticator: Authenticator },
): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const operators = requireRole(deps.authenticator, ['operator']);

  routes.post(
    '/v1/silences',
    {
      onRequest: operators,
      schema: {
        tags: ['alerts'],
        summary: 'Create a silence (maintenance window)',
        body: createBody,
        response: { 201: silenceSchema.describe('Created'), ...errorResponses([400, 401, 403]) },
      },
    },
    async (request, reply) => reply.code(201).send(await deps.silences.add(request.body, request.principal!.subject)),
  );

  routes.get(
    '/v1/silences',
    {
      onRequest: requireRole(deps.authenticator, ANY_ROLE),
      schema: {
        tags: ['alerts'],
        summary: 'List silences',
        querystring: z.object({ state: z.enum(['current', 'all']).default('current') }).strict(),
        response: {
          200: z.object({ silences: z.array(silenceSchema) }).describe('The silences'),
          ...errorResponses([400, 401, 403]),
        },
      },
    },
    async (request) => ({ silences: await deps.silences.list(request.query.state) }),
  );

  routes.delete(
    '/v1/silences/:id',
    {
      onRequest: operators,
      schema: {
        tags: ['alerts'],
        summary: 'Expire a silence now (kept as a record)',
        params: z.object({ id: z.string().min(1).max(200) }),
        response: { 200: silenceSchema.describe('Expired now'), ...errorResponses([400, 401, 403, 404]) },
      },
    },
    async (request) => deps.silences.expire(request.params.id),
  );
}
