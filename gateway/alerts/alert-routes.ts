import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ANY_ROLE, ROLES } from '../../domain/roles';
import { alertView, findAlertWorkflow } from '../../client/api/alert-keys';
import type { Caller, WorkflowOperations } from '../../client/api/operations';
import { notFound } from '../../client/api/errors';
import { requireRole } from '../auth';
import { type Authenticator } from '../../platform/tokens';
import { errorResponses } from '../responses';

const alertParams = z.object({
  alert: z
    .string()
    .min(1)
    .max(1000)
    .describe('the alert id (pd-…, am-…, metric-…), its workflow id, or the dedup key its sender gave (URL-encoded)'),
});
/** The workflow's AlertStatusView (domain/alerts/alert-state.ts), passed through whole. */
const viewSchema = z.looseObject({
  dedupKey: z.string().describe('the alert id'),
  sourceKey: z.string().optional().describe('the key as its sender gave it'),
  status: z.string(),
});
const answerSchema = z.object({ workflowId: z.string(), alert: viewSchema });
/** The operator verbs and the alertEscalation update each sends (its body: note, and level for escalate). */
const VERBS = { acknowledge: 'acknowledge', resolve: 'resolve', escalate: 'escalateNow' } as const;
const ALERT_ERRORS = [400, 401, 403, 404, 503] as const;

/**
 * /v1/alerts/{alert}: read and act on one alert named the way its sender or an operator
 * knows it (client/api/alert-keys.ts findAlertWorkflow): `db-disk` as posted to /v1/events
 * reaches `alert/pd-eb0de251-db-disk`. The same updates as /v1/workflows/alert%2F…/updates/…,
 * with the same role rules (checked by the operations, per message).
 */
export function registerAlertOperatorRoutes(
  app: FastifyInstance,
  deps: { operations: WorkflowOperations; authenticator: Authenticator },
): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { operations } = deps;
  const caller = (request: { principal?: Caller }): Caller => request.principal!;

  routes.get(
    '/v1/alerts/:alert',
    {
      onRequest: requireRole(deps.authenticator, ANY_ROLE),
      schema: {
        tags: ['alerts'],
        summary: "An alert's status, by alert id or by the sender's dedup key",
        params: alertParams,
        response: {
          200: answerSchema.describe('The alert'),
          ...errorResponses(ALERT_ERRORS, { 400: 'Not an alert reference, or a sender key naming several alerts' }),
        },
      },
    },
    async (request) => {
      const workflowId = await findAlertWorkflow(operations, request.params.alert, caller(request));
      const { status } = await operations.describe(workflowId);
      const view = await alertView(operations, { workflowId, status }, caller(request));
      if (!view) throw notFound(`${workflowId}: its run ended without a status (${status.toLowerCase()})`);
      return { workflowId, alert: view };
    },
  );

  for (const [verb, update] of Object.entries(VERBS)) {
    routes.post(
      `/v1/alerts/:alert/${verb}`,
      {
        onRequest: requireRole(deps.authenticator, ROLES),
        schema: {
          tags: ['alerts'],
          summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} an alert, by alert id or by the sender's dedup key`,
          params: alertParams,
          body: z
            .looseObject({
              note: z.string().optional().describe('for the timeline'),
              ...(verb === 'escalate' ? { level: z.number().optional().describe('jump to this level (1-based)') } : {}),
            })
            .optional(),
          response: {
            200: answerSchema.describe('Applied: the alert after it'),
            ...errorResponses([...ALERT_ERRORS, 422], {
              400: 'Bad body, not an alert reference, or a sender key naming several alerts',
              422: 'The alert refused it (the message says why)',
            }),
          },
        },
      },
      async (request) => {
        const workflowId = await findAlertWorkflow(operations, request.params.alert, caller(request));
        const view = await operations.update(workflowId, update, request.body ?? {}, caller(request));
        return { workflowId, alert: view as z.infer<typeof viewSchema> };
      },
    );
  }
}
