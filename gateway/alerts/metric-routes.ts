import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { metricSampleSchema, parseMetricSamples } from '../../domain/alerts/intake-schemas';
import { submitMetricSamples, type MetricIntakeConfig } from '../../client/api/metric-intake';
import { intakeGuard } from './intake-auth';
import { errorResponses } from '../responses';

export interface MetricIntakeDeps {
  temporal: Client;
  taskQueue: string;
  config: MetricIntakeConfig;
  /** Settings.alertTokens.metrics; unset, loopback callers only. */
  token: string | undefined;
  deadlineMs?: number;
}

/**
 * `POST /v1/metrics`: samples for the threshold rules of the config file's `metricRules:`.
 * Same door as the other intake routes (bearer token or loopback, checked before the body
 * is read); the body is parsed by the domain schema (400 naming the field, nothing
 * signalled); 202 once Temporal has accepted the signal to the evaluator, 503 when it is
 * unreachable. The evaluator, not this route, decides when a breach becomes an alert.
 */
export function registerMetricIntakeRoute(app: FastifyInstance, deps: MetricIntakeDeps): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/metrics',
    {
      onRequest: intakeGuard('metrics', deps.token),
      // The body schema is for the OpenAPI document only: parseMetricSamples below takes one
      // sample, a list or {samples}, and its errors name the field.
      validatorCompiler: () => (value) => ({ value }),
      schema: {
        body: z.union([
          metricSampleSchema,
          z.array(metricSampleSchema),
          z.object({ samples: z.array(metricSampleSchema) }),
        ]),
        tags: ['alerts'],
        summary: 'Metric samples for the threshold rules',
        security: [{ bearer: [] }],
        description:
          'One sample {name, value, unit?, source?, tags?, timestamp?}, a list, or {samples: [...]}. Bearer ARXFLOW_METRICS_TOKEN. ' +
          'A rule breached for its `for` duration raises alert/<dedupKey>; recovery, or no sample for 5 minutes, resolves it.',
        response: {
          202: z
            .object({
              status: z.literal('accepted'),
              accepted: z.number(),
              ignored: z.number(),
              evaluator: z.string().optional(),
            })
            .describe('Temporal accepted the samples (ignored: no rule watches them)'),
          ...errorResponses([400, 401, 503]),
        },
      },
    },
    async (request, reply) => {
      const samples = parseMetricSamples(request.body, Date.now());
      const submitted = await submitMetricSamples(deps.temporal, deps.taskQueue, samples, deps.config, {
        deadlineMs: deps.deadlineMs,
      });
      request.log.debug({ accepted: submitted.accepted, ignored: submitted.ignored }, 'metric samples accepted');
      return reply.code(202).send({
        status: 'accepted' as const,
        accepted: submitted.accepted,
        ignored: submitted.ignored,
        ...(submitted.workflowId ? { evaluator: submitted.workflowId } : {}),
      });
    },
  );
}
