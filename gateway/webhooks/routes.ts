import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import type { Counter } from 'prom-client';
import { z } from 'zod';
import {
  DEFAULT_RATE_LIMIT,
  MissingEventFieldError,
  planWebhookCommand,
  type WebhookCommand,
} from '../../domain/webhook-config';
import { invalidUnicodeIn } from '../../domain/unicode';
import type { WebhookDeliveries } from '../../db/webhook-deliveries';
import { dispatchWebhookCommand, temporalRefusal } from './dispatch';
import {
  DELIVERY_HEADER,
  derivedDeliveryId,
  SIGNATURE_HEADER,
  verifySignature,
  type VerificationResult,
} from '../../platform/webhook-signatures';
import type { WebhookSource, WebhookSources } from './sources';
import { GITHUB_EVENT_HEADER, planGithubPipelineEvent, type GithubPipelineEvent } from './github-events';
import { actOnPipelineEvent, githubPipelineSettingOf, type PipelineStarter } from './github-pipelines';
import { errorBody, errorResponses } from '../responses';

export { loadWebhookSources, type WebhookSource, type WebhookSources } from './sources';

export interface WebhookRouteDeps {
  temporal: Client;
  deliveries: WebhookDeliveries;
  sources: WebhookSources;
  /** Where started workflows run unless a rule names its own task queue. */
  taskQueue: string;
  webhookVerifications?: Counter<'source' | 'result'>;
  /** Milliseconds since the epoch; tests move the clock to check signature tolerance. */
  now?: () => number;
  /** Starts pipeline runs for GitHub sources with a `pipelines:` setting (github-pipelines.ts); unset: none do. */
  startPipeline?: PipelineStarter;
}

type CountedResult = VerificationResult | 'duplicate';

const paramsSchema = z.object({ source: z.string().min(1).max(100) });
/** Delivery ids are echoed back and stored: visible ASCII, bounded. */
const DELIVERY_ID = /^[\x21-\x7e]{1,200}$/;
const IN_FLIGHT_RETRY_AFTER_SECONDS = 10;

const deliveryResponses = {
  200: z
    .object({ status: z.enum(['duplicate', 'pong']), deliveryId: z.string() })
    .describe('Done before: not repeated (duplicate); or a GitHub ping to a source that runs pipelines (pong)'),
  202: z
    .object({
      status: z.enum(['accepted', 'ignored']),
      action: z.string().optional().describe('start, signal or update'),
      workflowId: z.string().optional(),
      runId: z.string().optional().describe('action pipelineRun: the pipeline run (its workflow id)'),
      existing: z.boolean().optional().describe('action pipelineRun: the run of this sha existed already'),
      reason: z.string().optional().describe('why it was ignored (a deleted branch, say)'),
      deliveryId: z.string(),
    })
    .describe('Temporal took the action (accepted), or no rule matched or the event asks for nothing (ignored)'),
  ...errorResponses([400, 401, 404, 409, 429, 503], {
    400: 'The body is not JSON or not valid Unicode, or the delivery id is malformed',
    401: 'Signature missing, wrong or stale',
    404: 'Unknown source, or the workflow to signal or update does not exist',
    409: 'The workflow id was started already, or the same delivery is in flight (Retry-After)',
  }),
  422: errorBody
    .extend({ paths: z.array(z.string()).optional().describe('the event fields a rule needs and that are missing') })
    .describe("A field the rule needs is missing (missing_field), or the update's validator refused (rejected)"),
};

/**
 * POST /v1/webhooks/:source: verifies the sender's signature over the raw body, then
 * turns the event into one Temporal action by the source's rules, once per delivery id.
 * Everything lives in its own encapsulated scope: the raw-body parser and the rate limit
 * must not leak onto the gateway's other routes.
 *
 *   202 accepted | ignored   Temporal took the action / no rule matched (both recorded)
 *   200 duplicate            this delivery id was done before: acknowledged, not repeated
 *   400 body not JSON or not valid Unicode, malformed delivery id      401 signature missing, wrong or stale
 *   404 unknown source, or the workflow to signal/update does not exist
 *   409 start of a workflow id that was already started (running or closed: started
 *       with REJECT_DUPLICATE), or the same delivery still in flight (Retry-After)
 *   422 a field the rule needs is missing, or the update's validator refused
 *   429 the source's rate limit      503 Temporal unreachable
 * Nothing is recorded for a refusal: the sender's retry of a refused delivery runs again.
 * A github source with a `pipelines:` setting answers `ping` 200 pong and turns `push` and
 * `pull_request` into pipeline runs instead of rules (github-events.ts, github-pipelines.ts).
 */
export function registerWebhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps): void {
  for (const source of deps.sources.values()) githubPipelineSettingOf(source); // a bad setting stops start-up
  app.register(async (scope) => {
    acceptRawBodies(scope);
    await scope.register(rateLimit, {
      global: true,
      // One bucket per source (not per IP): senders are a few CI hosts behind shared egress.
      keyGenerator: (request) => `webhook:${knownSource(request, deps)?.name ?? '(unknown)'}`,
      max: (request) => knownSource(request, deps)?.rateLimit.max ?? DEFAULT_RATE_LIMIT.max,
      timeWindow: (request) => knownSource(request, deps)?.rateLimit.timeWindowMs ?? DEFAULT_RATE_LIMIT.timeWindowMs,
      errorResponseBuilder: (_request, context) =>
        Object.assign(new Error(`rate limit of ${context.max} deliveries exceeded, retry in ${context.after}`), {
          statusCode: 429,
          code: 'rate_limited',
        }),
    });
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/v1/webhooks/:source',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'A webhook delivery, signed by its source (no bearer token)',
          params: paramsSchema,
          security: [],
          response: deliveryResponses,
        },
        // Before the body is read: an unknown source costs nothing.
        onRequest: async (request, reply) => {
          if (!knownSource(request, deps)) {
            const { source } = request.params as { source?: string };
            return reply.code(404).send({ error: 'not_found', message: `no webhook source "${source}"` });
          }
        },
      },
      (request, reply) =>
        receiveDelivery(request, reply, deps, deps.sources.get(request.params.source) as WebhookSource),
    );
  });
}

/** Every body arrives as bytes: the signature covers the exact bytes sent, so parsing must wait for verification. */
function acceptRawBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(['application/json', '*'], { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );
}

function knownSource(request: FastifyRequest, deps: WebhookRouteDeps): WebhookSource | undefined {
  const { source } = request.params as { source?: string };
  return source === undefined ? undefined : deps.sources.get(source);
}

async function receiveDelivery(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: WebhookRouteDeps,
  source: WebhookSource,
) {
  const count = (result: CountedResult) => deps.webhookVerifications?.inc({ source: source.name, result });
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const signatureHeader = singleHeader(request, SIGNATURE_HEADER[source.scheme]);
  const verification = verifySignature(source.scheme, {
    header: signatureHeader,
    body,
    secrets: source.secrets,
    nowMs: (deps.now ?? Date.now)(),
    toleranceMs: source.tolerance,
  });
  if (verification.result !== 'valid') {
    count(verification.result);
    request.log.warn({ source: source.name, result: verification.result }, `webhook refused: ${verification.reason}`);
    return reply.code(401).send({ error: 'unauthorized', message: verification.reason });
  }

  let counted: CountedResult = 'valid';
  try {
    const deliveryId = deliveryIdOf(request, source, signatureHeader ?? '', body);
    if (deliveryId === undefined) {
      return reply.code(400).send({
        error: 'bad_input',
        message: `${DELIVERY_HEADER[source.scheme]}: must be 1 to 200 visible ASCII characters`,
      });
    }
    const event = parseJson(body);
    if (!event.ok) return reply.code(400).send({ error: 'bad_input', message: `body is not JSON: ${event.message}` });
    // Final, so 400 (a 5xx from Temporal's gRPC would be retried by the sender forever).
    const notUnicode = invalidUnicodeIn(event.value, 'body');
    if (notUnicode) return reply.code(400).send({ error: 'bad_input', message: notUnicode });

    let command: WebhookCommand | undefined;
    let pipelineEvent: GithubPipelineEvent | undefined;
    try {
      const pipelines = deps.startPipeline && githubPipelineSettingOf(source);
      if (pipelines) {
        pipelineEvent = planGithubPipelineEvent(singleHeader(request, GITHUB_EVENT_HEADER), event.value, pipelines);
        if (pipelineEvent?.kind === 'ping') return reply.code(200).send({ status: 'pong', deliveryId });
      }
      if (!pipelineEvent) command = planWebhookCommand(source.name, source.events, event.value);
    } catch (err) {
      if (!(err instanceof MissingEventFieldError)) throw err;
      return reply.code(422).send({ error: 'missing_field', message: err.message, paths: err.paths });
    }

    // Only now is anything written: every refusal above leaves no trace.
    const claim = await deps.deliveries.claim(source.name, deliveryId);
    if (!claim.claimed) {
      counted = 'duplicate';
      if (claim.status === 'done') return reply.code(200).send({ status: 'duplicate', deliveryId });
      return reply
        .code(409)
        .header('retry-after', String(IN_FLIGHT_RETRY_AFTER_SECONDS))
        .send({ error: 'in_progress', message: `delivery ${deliveryId} is being processed; retry later` });
    }

    if (pipelineEvent && pipelineEvent.kind !== 'ping' && deps.startPipeline) {
      return await actOnPipelineEvent(request, reply, {
        event: pipelineEvent,
        claim,
        start: deps.startPipeline,
        source: source.name,
        deliveryId,
      });
    }

    if (!command) {
      await claim.complete({ status: 'ignored' });
      return reply.code(202).send({ status: 'ignored', deliveryId });
    }

    try {
      await dispatchWebhookCommand(deps.temporal, command, { taskQueue: deps.taskQueue, deliveryId });
    } catch (err) {
      await claim.release().catch((releaseError: unknown) =>
        // The claim goes stale after a minute and the sender's retry takes it over.
        request.log.error({ err: releaseError, source: source.name, deliveryId }, 'webhook claim not released'),
      );
      const refusal = temporalRefusal(err, command);
      if (!refusal) throw err;
      request.log.warn(
        { source: source.name, deliveryId, workflowId: command.workflowId },
        `webhook refused by Temporal: ${refusal.message}`,
      );
      return reply.code(refusal.statusCode).send({ error: refusal.error, message: refusal.message });
    }

    const accepted = {
      status: 'accepted',
      action: command.action,
      workflowId: command.workflowId,
      deliveryId,
    } as const;
    await claim.complete(accepted).catch((err: unknown) =>
      // Temporal has it: answering 5xx would make the sender retry an action that happened.
      request.log.error({ err, source: source.name, deliveryId }, 'webhook delivery acted on but not marked done'),
    );
    request.log.info(
      { source: source.name, deliveryId, action: command.action, workflowId: command.workflowId },
      'webhook accepted',
    );
    return reply.code(202).send(accepted);
  } finally {
    count(counted);
  }
}

/** The sender's delivery id, else one derived from the signed request; undefined when the header is malformed. */
function deliveryIdOf(
  request: FastifyRequest,
  source: WebhookSource,
  signatureHeader: string,
  body: Buffer,
): string | undefined {
  const header = singleHeader(request, DELIVERY_HEADER[source.scheme])?.trim();
  if (header === undefined || header === '') return derivedDeliveryId(signatureHeader, body);
  return DELIVERY_ID.test(header) ? header : undefined;
}

/** A header sent twice is as good as absent: which copy was signed is anyone's guess. */
function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}
