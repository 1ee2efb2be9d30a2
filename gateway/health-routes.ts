import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ReadinessProbe, type ProbeDeps } from './readiness-probe';

export interface HealthRouteDeps extends ProbeDeps {
  /** How identities typed in the Temporal Web UI are treated (platform/codec/data-converter.ts describeUiIdentity). */
  uiIdentity?: string;
}

const checkSchema = z.looseObject({
  ok: z.boolean(),
  since: z.string().describe('ISO 8601: when this check last turned ok or failing'),
  detail: z.unknown().optional(),
  error: z.string().optional().describe('why the check failed'),
});
const readinessSchema = z.looseObject({
  status: z.enum(['ready', 'not ready']),
  checkedAt: z.string().describe('ISO 8601: when the background probe this answer comes from ran (every ~2 s)'),
  checks: z.looseObject({
    temporal: checkSchema.describe('Temporal answers getSystemInfo within 1 s'),
    worker: checkSchema.describe('a worker polls the task queue for workflow and activity tasks'),
    store: checkSchema.describe('the database answers a query within 1 s'),
  }),
  details: z.looseObject({ uiIdentity: z.string().optional() }).optional(),
});

/**
 * GET /healthz: liveness, the process answers. GET /readyz: readiness, answered at once from
 * the gateway's background probe (gateway/readiness-probe.ts), which starts with the gateway
 * and stops with it; a probe call starts no workflow and touches nothing.
 */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthRouteDeps): void {
  const probe = new ReadinessProbe(deps);
  app.addHook('onReady', async () => probe.start());
  app.addHook('onClose', () => probe.stop());

  // No input and no token: these probes have no 4xx (test/integration/gateway-openapi.test.ts knows it).
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness',
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }).describe('The process answers') },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  routes.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: Temporal, a polling worker and the store, from a background probe',
        security: [],
        response: {
          200: readinessSchema.describe('Ready'),
          503: readinessSchema.describe('Not ready: `checks` says which part failed and since when (with Retry-After)'),
        },
      },
    },
    async (_request, reply) => {
      const { ready, checkedAt, checks } = await probe.current();
      const details = deps.uiIdentity ? { details: { uiIdentity: deps.uiIdentity } } : {};
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not ready', checkedAt, checks, ...details });
    },
  );
}
