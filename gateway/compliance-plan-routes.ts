import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BlobStore } from '../db/blob-store';
import type { Store } from '../db/store';
import { PLAN_STORED_MAX_BYTES } from '../domain/compliance/payload-ref';
import { storePlan } from '../client/api/compliance-plans';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';
import { errorResponses } from './responses';

const planBody = z
  .record(z.string(), z.unknown(), { error: 'must be a plan document (docs/plan-format.md), a JSON object' })
  .describe('A plan document (docs/plan-format.md)');
const planRefSchema = z.object({
  sha256: z.string().describe('sha256 hex of the plan’s canonical JSON (keys sorted at every depth)'),
  bytes: z.number().describe('UTF-8 bytes of the canonical JSON'),
});

/**
 * A plan is stored before the review that checks it, keyed by content hash: the start and
 * resubmission bodies then carry `planRef` instead of the plan, and so does the workflow
 * (Temporal refuses a payload over 2 MiB; a plan of 100,000 spaces is about 23 MB). Storing
 * the same plan twice answers the same reference. Operators (applicants and their portals).
 */
export function registerCompliancePlanRoutes(
  app: FastifyInstance,
  deps: { store: Store; authenticator: Authenticator },
): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const blobs = new BlobStore(deps.store.db);
  routes.post(
    '/v1/compliance/plans',
    {
      onRequest: requireRole(deps.authenticator, ['operator']),
      bodyLimit: PLAN_STORED_MAX_BYTES,
      schema: {
        tags: ['compliance'],
        summary: 'Store a plan by content hash; start or resubmit a review with the planRef it answers',
        body: planBody,
        response: {
          201: z.object({ planRef: planRefSchema }).describe('Stored (or stored before): its reference'),
          ...errorResponses([400, 401, 403]),
        },
      },
    },
    async (request, reply) => {
      const planRef = await storePlan(blobs, request.body);
      return reply.code(201).send({ planRef });
    },
  );
}
