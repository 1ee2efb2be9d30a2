import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditEvent } from '../db/audit-log';
import type { Store } from '../db/store';
import { ApiError } from '../client/api/errors';
import { ANY_ROLE } from '../domain/roles';
import {
  eventTopicOf,
  parseStreamTopics,
  STREAM_AREAS,
  topicsMatcher,
  topicsRefusal,
  type StreamEvent,
  type StreamTopic,
} from '../domain/stream-topics';
import type { Authenticator } from '../platform/tokens';
import { requireRole } from './auth';
import { errorResponses } from './responses';
import { AuditTailer, auditSourceOf, type AuditTailerOptions } from './stream/audit-tailer';
import { eventStreamBody, lastEventIdOf, openEventStream } from './stream/event-stream';

const tags = ['stream'];
const afterSchema = z.coerce
  .number()
  .int()
  .min(0)
  .optional()
  .describe('resume after this audit event id (a Last-Event-ID header wins); unset: from now');
const streamQuery = z
  .object({
    topics: z
      .string()
      .describe(
        `comma-separated topics: an area (${STREAM_AREAS.join(', ')}) or <area>/<subject> (sync/plan-7, funding/P-1/M-2)`,
      ),
    after: afterSchema,
  })
  .strict();
const syncParams = z.object({
  documentId: z.string().min(1).max(500).describe('the document id, URL-encoded'),
});
const EVENTS_DESCRIPTION =
  'Server-sent events read from the audit chain, one per audit event of the topics, in id order: ' +
  '`id` = the audit event id (send it back as Last-Event-ID to resume without gaps or repeats), ' +
  '`event` = its action (`sync.committed`, `funding.released`, ...), `data` = ' +
  '`{id, at, topic, action, subject, workflowId, actor, data}`. First an `id:` line alone (where the stream ' +
  'began, so a reconnect before any event resumes there), a `: keep-alive` comment every 15 s, and an ' +
  '`error` event if the store fails (reconnect with Last-Event-ID).';
const STREAM_ERRORS = [400, 401, 403, 503] as const;
const FORBIDDEN = { 403: 'The token may not see a topic: the message names it and the roles its area needs' };

/**
 * GET /v1/stream and GET /v1/sync/:documentId/events: the service's one live-event stream
 * (domain/stream-topics.ts names the topics and who may see them). One AuditTailer per
 * gateway reads the chain for every subscriber; it stops when the gateway closes.
 */
export function registerStreamRoutes(
  app: FastifyInstance,
  deps: { store: Store; authenticator: Authenticator; tailer?: AuditTailerOptions },
): AuditTailer {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const tailer = new AuditTailer(auditSourceOf(deps.store), {
    onError: (err) => app.log.warn({ err }, 'reading the audit chain for the live stream failed'),
    ...deps.tailer,
  });
  // Before the server waits for its connections to end: open streams end now.
  app.addHook('preClose', () => tailer.close());
  // Any gateway role gets in; each topic's area decides then (403 naming the topic).
  const anyRole = requireRole(deps.authenticator, ANY_ROLE);

  routes.get(
    '/v1/stream',
    {
      onRequest: anyRole,
      schema: {
        tags,
        summary: 'Live events of the topics (server-sent events), resumable with Last-Event-ID',
        description:
          'Areas and who may see them: funding, compliance, alerts, incidents (viewer, operator, approver), ' +
          'deploy (every role), sync (viewer); admin sees all. A topic `<area>/<subject>` is one subject of ' +
          'the area (for alerts, incidents and deploy without the repeated prefix: `alerts/<key>`).',
        querystring: streamQuery,
        response: { 200: eventStreamBody(EVENTS_DESCRIPTION), ...errorResponses(STREAM_ERRORS, FORBIDDEN) },
      },
    },
    async (request, reply) => {
      const topics = parseStreamTopics(request.query.topics, 'querystring.topics');
      return stream(request, reply, tailer, topics, request.query.after);
    },
  );

  routes.get(
    '/v1/sync/:documentId/events',
    {
      onRequest: anyRole,
      schema: {
        tags: ['sync'],
        summary: "A document's commits as they land: GET /v1/stream with topic sync/<documentId>",
        params: syncParams,
        querystring: z.object({ after: afterSchema }).strict(),
        response: { 200: eventStreamBody(EVENTS_DESCRIPTION), ...errorResponses(STREAM_ERRORS, FORBIDDEN) },
      },
    },
    async (request, reply) => {
      const topics = parseStreamTopics([`sync/${request.params.documentId}`], 'params.documentId');
      return stream(request, reply, tailer, topics, request.query.after);
    },
  );
  return tailer;
}

/** Checks the caller may see every topic, then streams until the client goes or the gateway closes. */
async function stream(
  request: FastifyRequest,
  reply: FastifyReply,
  tailer: AuditTailer,
  topics: StreamTopic[],
  after: number | undefined,
) {
  const refusal = topicsRefusal(topics, request.principal!.roles);
  if (refusal) throw new ApiError(refusal, 403, 'forbidden');
  const from = lastEventIdOf(request) ?? after ?? (await tailer.head());
  const matches = topicsMatcher(topics);
  const events = openEventStream(reply);
  const keep = (event: AuditEvent) => {
    const topic = eventTopicOf(event);
    return topic !== undefined && matches(topic);
  };
  try {
    await events.mark(from);
    for await (const event of tailer.follow(from, keep, events.signal)) {
      await events.send({ event: event.action, id: event.id, data: streamEventOf(event) });
    }
  } catch (err) {
    // The status line is sent: the failure can only be told as an event; the client resumes with Last-Event-ID.
    request.log.warn({ err }, 'live stream failed');
    await events.send({ event: 'error', data: { message: (err as Error).message } });
  } finally {
    events.end();
  }
}

function streamEventOf(event: AuditEvent): StreamEvent {
  return {
    id: event.id,
    at: event.at.toISOString(),
    topic: eventTopicOf(event)!,
    action: event.action,
    subject: event.subject,
    workflowId: event.workflowId,
    actor: event.actor,
    data: event.data,
  };
}
