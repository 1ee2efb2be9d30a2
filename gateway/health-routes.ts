import type { FastifyInstance } from 'fastify';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { healthCheck } from '../workflows';

export interface HealthRouteDeps {
  temporal: Client;
  taskQueue: string;
  /** How long readyz waits for the healthCheck workflow before answering 503. */
  readyTimeout?: string;
  /** How identities typed in the Temporal Web UI are treated (platform/codec/data-converter.ts describeUiIdentity). */
  uiIdentity?: string;
}

type Check = { ok: true; detail?: unknown } | { ok: false; error: string };

const checkSchema = z.looseObject({
  ok: z.boolean(),
  detail: z.unknown().optional(),
  error: z.string().optional().describe('why the check failed'),
});
const readinessSchema = z.looseObject({
  status: z.enum(['ready', 'not ready']),
  checks: z.looseObject({ temporal: checkSchema, workerAndStore: checkSchema }),
  details: z.looseObject({ uiIdentity: z.string().optional() }).optional(),
});

/**
 * GET /healthz: the process answers. GET /readyz: Temporal answers AND a worker ran the
 * healthCheck workflow, whose activity touched the store. Concurrent probes share one
 * run (same id, USE_EXISTING), so a probe storm starts one workflow at a time.
 */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthRouteDeps): void {
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
        summary: 'Readiness: Temporal, worker and store',
        security: [],
        response: {
          200: readinessSchema.describe('Ready'),
          503: readinessSchema.describe('Not ready: `checks` says which part failed'),
        },
      },
    },
    async (_request, reply) => {
      const temporal = await check(() => deps.temporal.connection.workflowService.getSystemInfo({}));
      const worker = temporal.ok
        ? await check(() => runHealthCheck(deps))
        : { ok: false as const, error: 'skipped: Temporal unreachable' };
      const ready = temporal.ok && worker.ok;
      const details = deps.uiIdentity ? { details: { uiIdentity: deps.uiIdentity } } : {};
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not ready', checks: { temporal, workerAndStore: worker }, ...details });
    },
  );
}

async function runHealthCheck({ temporal, taskQueue, readyTimeout = '5 seconds' }: HealthRouteDeps) {
  return temporal.workflow.execute<typeof healthCheck>('healthCheck', {
    taskQueue,
    workflowId: 'arxflow/health-check',
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    workflowExecutionTimeout: readyTimeout,
  });
}

async function check(probe: () => Promise<unknown>): Promise<Check> {
  try {
    const detail = await probe();
    return { ok: true, detail: summarize(detail) };
  } catch (err) {
    const error = err as Error & { cause?: Error };
    return { ok: false, error: [error.message, error.cause?.message].filter(Boolean).join(': ') };
  }
}

function summarize(detail: unknown): unknown {
  // getSystemInfo returns protobuf objects; readyz only needs to say it answered.
  return detail && typeof detail === 'object' && 'capabilities' in detail ? 'reachable' : detail;
}
