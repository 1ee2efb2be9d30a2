import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { EscalationConfig } from '../../domain/alerts/escalation-policy';
import {
  pagerdutyAccepted,
  pagerdutyEventSchema,
  parseAlertmanagerWebhook,
  parsePagerDutyEvent,
} from '../../domain/alerts/intake-schemas';
import type { AlertEvent } from '../../domain/alerts/types';
import { InputError, issuesText } from '../../domain/validation';
import { raiseAlertEvent, type RaisedAlert } from '../../client/api/alert-intake';
import { intakeGuard, type IntakeTokens } from './intake-auth';
import { errorBody, errorResponses } from '../responses';

export interface AlertIntakeDeps {
  temporal: Client;
  taskQueue: string;
  escalation: EscalationConfig;
  tokens: IntakeTokens;
  deadlineMs?: number;
}

/** How many alerts of one Alertmanager batch are handed to Temporal at once. */
const BATCH_CONCURRENCY = 16;

const raisedSchema = z.object({
  dedupKey: z.string().describe("the alert id (arxflow's key: the workflow is alert/<dedupKey>)"),
  sourceKey: z.string().describe('the key as Alertmanager knows the alert: its fingerprint'),
  workflowId: z.string(),
  action: z.enum(['trigger', 'acknowledge', 'resolve']),
  outcome: z.enum(['raised', 'signalled', 'ignored']),
});
/** Our error body, and PagerDuty's 400 fields beside it for clients written against its API. */
const pagerdutyRefusal = errorBody
  .extend({
    status: z.literal('invalid event').optional(),
    errors: z.array(z.string()).optional().describe('each refused field, as PagerDuty lists them'),
  })
  .describe('The event is not a valid PagerDuty event: nothing was raised');

/**
 * The alert sources' endpoints. Authentication runs in onRequest, before the body is
 * read; the body is then parsed by the domain's intake schemas (their errors name the
 * field, answered 400 with nothing started). Status codes are chosen for the senders'
 * retry rules: Alertmanager retries 5xx and drops 4xx, so only a fault that a retry can
 * cure (Temporal unreachable: 503) is 5xx. No rate limit here on purpose: a 429 would make
 * Alertmanager drop the notification.
 */
export function registerAlertIntakeRoutes(app: FastifyInstance, deps: AlertIntakeDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const raise = (event: AlertEvent) =>
    raiseAlertEvent(deps.temporal, deps.taskQueue, event, deps.escalation, {
      deadlineMs: deps.deadlineMs,
      // A forward to a deployment that did not land is told in the gateway's own log.
      log: (fields, message) => app.log.warn(fields, message),
    });

  routes.post(
    '/v1/alerts/alertmanager',
    {
      onRequest: intakeGuard('alertmanager', deps.tokens.alertmanager),
      schema: {
        tags: ['alerts'],
        summary: 'Alertmanager webhook (payload version 4)',
        security: [{ bearer: [] }],
        description:
          'Point a webhook_configs receiver here (send_resolved: true, http_config.authorization with ARXFLOW_ALERTMANAGER_TOKEN). ' +
          'Each alert of the batch becomes (or feeds) the workflow alert/<dedupKey>; 200 only once Temporal has accepted all of them.',
        response: {
          200: z
            .object({ status: z.literal('accepted'), alerts: z.array(raisedSchema) })
            .describe('Temporal accepted every alert of the batch'),
          ...errorResponses([400, 401, 503]),
        },
      },
    },
    async (request) => {
      const batch = parseAlertmanagerWebhook(request.body);
      const raised = await inBatches(batch.events, BATCH_CONCURRENCY, raise);
      const alerts = raised.map((alert, i) => ({ ...alert, sourceKey: batch.events[i]!.sourceKey }));
      request.log.info(
        { groupKey: batch.groupKey, status: batch.status, alerts: alerts.length, truncated: batch.truncatedAlerts },
        'alertmanager delivery accepted',
      );
      return { status: 'accepted' as const, alerts };
    },
  );

  routes.post(
    '/v1/events',
    {
      onRequest: intakeGuard('events', deps.tokens.events),
      // The body schema is for the OpenAPI document only: parsePagerDutyEvent below parses it
      // and answers in PagerDuty's 400 shape.
      validatorCompiler: () => (value) => ({ value }),
      schema: {
        body: pagerdutyEventSchema,
        tags: ['alerts'],
        summary: 'PagerDuty Events API v2 event',
        security: [{ bearer: [] }],
        description:
          'trigger, acknowledge or resolve an alert by dedup_key (generated for a trigger without one). Bearer ARXFLOW_EVENTS_TOKEN. ' +
          "The alert id is pd-<8 hex digits of the routing key's SHA-256>-<dedup_key> (the dedup_key's SHA-256 when it has " +
          'characters outside A-Z a-z 0-9 . _ ~ - or is over 243 long); operators may name the alert by either.',
        response: {
          202: z
            .object({
              status: z.literal('success'),
              message: z.string(),
              dedup_key: z.string().describe('the key as sent (or as generated for a trigger without one)'),
              alert_id: z.string().describe('the alert id arxflow made of it'),
              workflow_id: z.string().describe('alert/<alert_id>'),
            })
            .describe("Accepted (PagerDuty's answer, with arxflow's alert id beside the dedup_key)"),
          ...errorResponses([401, 503]),
          400: pagerdutyRefusal,
        },
      },
    },
    async (request, reply) => {
      let intake;
      try {
        intake = parsePagerDutyEvent(request.body, Date.now());
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        // PagerDuty's own 400 shape beside ours, for clients written against its API.
        return reply.code(400).send({
          error: 'bad_input',
          status: 'invalid event',
          message: err.message,
          issues: err.issues,
          errors: err.issues.map((issue) => issuesText([issue])),
        });
      }
      const raised = await raise(intake.event);
      request.log.info({ dedupKey: raised.dedupKey, action: raised.action, outcome: raised.outcome }, 'event accepted');
      return reply.code(202).send(pagerdutyAccepted(intake.dedupKey, raised.dedupKey));
    },
  );
}

/** Runs `work` over `items`, at most `limit` at a time; fails with the first failure (the sender retries the whole batch). */
async function inBatches(
  items: AlertEvent[],
  limit: number,
  work: (item: AlertEvent) => Promise<RaisedAlert>,
): Promise<RaisedAlert[]> {
  const results: RaisedAlert[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
