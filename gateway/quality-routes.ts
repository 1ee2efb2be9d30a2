import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Store } from '../db/store';
import { ANY_ROLE } from '../domain/roles';
import {
  qualityFlakySchema,
  qualityRemediationsSchema,
  qualityTrendSchema,
  StoreQualityReader,
} from '../client/api/quality-readers';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';
import { errorResponses } from './responses';

const tags = ['quality'];
const READ_ERRORS = [400, 401, 403] as const;
/** Rows of db/quality-results.ts, passed through whole (loose: nothing sent may be dropped). */
const row = (description: string) => z.looseObject({}).describe(description);

/**
 * /v1/quality: the quality gate's stored history (db/quality-results.ts), read through the
 * service that holds the store. Read-only, for every role: a verdict says what the pipeline
 * run already shows to viewers.
 */
export function registerQualityRoutes(
  app: FastifyInstance,
  deps: { store: Store; authenticator: Authenticator },
): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = requireRole(deps.authenticator, ANY_ROLE);
  const reader = new StoreQualityReader(deps.store.db);

  routes.get(
    '/v1/quality/trend',
    {
      onRequest,
      schema: {
        tags,
        summary: "A service's gate verdicts over time (per branch and sha), or one metric's values",
        querystring: qualityTrendSchema,
        response: {
          200: z.object({ trend: z.array(row('one verdict, or one check of it with metric')) }),
          ...errorResponses(READ_ERRORS),
        },
      },
    },
    async (request) => ({ trend: await reader.trend(request.query) }),
  );

  routes.get(
    '/v1/quality/flaky',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Tests that failed and then passed on a rerun of the same sha',
        querystring: qualityFlakySchema,
        response: { 200: z.object({ flaky: z.array(row('a flaky test')) }), ...errorResponses(READ_ERRORS) },
      },
    },
    async (request) => ({ flaky: await reader.flaky(request.query) }),
  );

  routes.get(
    '/v1/quality/remediations',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Remediation records of failed gates (open until a later run of the branch passes)',
        querystring: qualityRemediationsSchema,
        response: {
          200: z.object({ remediations: z.array(row('a remediation record')) }),
          ...errorResponses(READ_ERRORS),
        },
      },
    },
    async (request) => ({ remediations: await reader.remediations(request.query) }),
  );
}
