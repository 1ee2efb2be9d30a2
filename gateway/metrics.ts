import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

export interface GatewayMetrics {
  registry: Registry;
  webhookVerifications: Counter<'source' | 'result'>;
}

/** Prometheus metrics of the gateway: requests by route and status, latencies, webhook verifications. */
export function registerMetrics(app: FastifyInstance): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'arxflow_gateway_' });
  const requests = new Counter({
    name: 'arxflow_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'arxflow_http_request_duration_seconds',
    help: 'HTTP request latency by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  const webhookVerifications = new Counter({
    name: 'arxflow_webhook_verifications_total',
    help: 'Webhook signature verifications by source and result',
    labelNames: ['source', 'result'] as const,
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids in paths must not explode the label set.
    const labels = {
      route: request.routeOptions.url ?? 'unmatched',
      method: request.method,
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics of the gateway',
        security: [],
        produces: ['text/plain'],
        // A string with its own content type is sent as is, never through this schema.
        response: { 200: z.string().describe('Prometheus text exposition format') },
      },
    },
    async (_request, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()),
  );
  return { registry, webhookVerifications };
}
