import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Store } from '../db/store';
import { taskTriggerSchema } from '../domain/task-triggers';
import { StoreTriggerOperations } from '../client/api/store-trigger-operations';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';
import { errorResponses, instant, noContent } from './responses';

export interface TaskTriggerRouteDeps {
  temporal: Client;
  taskQueue: string;
  store: Store;
  authenticator: Authenticator;
}

const tags = ['task-triggers'];
/** PostgreSQL text cannot hold U+0000: refused here as bad input rather than failing in the store. */
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !value.includes('\0'), 'must not contain NUL characters');
const triggerParams = z.object({ id: text(200) });
/** Dead-letter keys hold slashes (`task-event/<project>/<event>/<trigger>/<action>`): send them URL-encoded. */
const deadLetterParams = z.object({ key: text(1000) });
const listQuery = z.object({ projectId: text(200).optional(), taskId: text(200).optional() }).strict();
const deadLetterQuery = z.object({ triggerId: text(200).optional() }).strict();
/** The trigger as stored; `id` may be left out, the path names it. */
const triggerBody = taskTriggerSchema.partial({ id: true });
/** A trigger as stored (domain/task-triggers.ts TaskTrigger), webhook secrets shown as "(redacted)". */
const triggerSchema = z.looseObject({
  id: z.string(),
  projectId: z.string(),
  taskId: z.string(),
  triggerType: z.string(),
  conditions: z.array(z.looseObject({ field: z.string(), equals: z.unknown() })),
  actions: z.array(z.looseObject({ type: z.string() }).describe('signal_gate, start_workflow, notify or webhook')),
});
/** client/api/trigger-operations.ts DeadLetterView. */
const deadLetterSchema = z.looseObject({
  key: z.string(),
  triggerId: z.string(),
  action: z.unknown(),
  error: z.string(),
  attempts: z.number(),
  createdAt: instant,
  originKey: z.string(),
  replayAttempts: z.number(),
  replayWorkflowId: z.string().nullable(),
  replayedAt: instant.nullable(),
  replayOutcome: z.string().nullable(),
  replayDeadLetterKey: z.string().nullable(),
});
const TRIGGER_ERRORS = [400, 401, 403] as const;

/**
 * /v1/task-triggers: the trigger map task events are matched against, and the dead letters
 * of actions that could not be done, with replay. Operators and admins only: a trigger
 * can signal gates and post to outside URLs. Webhook secrets go in and never come out.
 */
export function registerTaskTriggerRoutes(app: FastifyInstance, deps: TaskTriggerRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = requireRole(deps.authenticator, ['operator']); // admin holds every role
  const operations = (request: FastifyRequest) =>
    new StoreTriggerOperations({
      store: deps.store,
      temporal: async () => deps.temporal,
      taskQueue: deps.taskQueue,
      actor: request.principal!.subject,
    });

  routes.get(
    '/v1/task-triggers',
    {
      onRequest,
      schema: {
        tags,
        summary: 'List task triggers (secrets redacted)',
        querystring: listQuery,
        response: {
          200: z.object({ triggers: z.array(triggerSchema) }).describe('The triggers'),
          ...errorResponses(TRIGGER_ERRORS),
        },
      },
    },
    async (request) => ({ triggers: await operations(request).list(request.query) }),
  );

  routes.get(
    '/v1/task-triggers/dead-letters',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Dead letters of trigger actions, oldest first, with their replays',
        querystring: deadLetterQuery,
        response: {
          200: z.object({ deadLetters: z.array(deadLetterSchema) }).describe('Dead letters, oldest first'),
          ...errorResponses(TRIGGER_ERRORS),
        },
      },
    },
    async (request) => ({ deadLetters: await operations(request).deadLetters(request.query) }),
  );

  routes.post(
    '/v1/task-triggers/dead-letters/:key/replay',
    {
      onRequest,
      schema: {
        tags,
        params: deadLetterParams,
        summary: 'Replay a dead letter: 202 with the replay workflow; 409 when replayed already or in progress',
        response: {
          202: z
            .object({ key: z.string(), workflowId: z.string(), attempt: z.number() })
            .describe('The replay workflow started'),
          ...errorResponses([...TRIGGER_ERRORS, 404, 409, 422, 503], {
            409: 'Replayed already (already_replayed) or a replay is running (replay_in_progress)',
            422: 'The dead letter cannot be replayed: it would fail the same way, or breaks a trigger rule',
          }),
        },
      },
    },
    async (request, reply) => reply.code(202).send(await operations(request).replay(request.params.key)),
  );

  routes.put(
    '/v1/task-triggers/:id',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Create or replace a task trigger',
        params: triggerParams,
        body: triggerBody,
        response: { 200: triggerSchema.describe('Stored'), ...errorResponses(TRIGGER_ERRORS) },
      },
    },
    async (request) => operations(request).put(request.params.id, request.body),
  );

  routes.get(
    '/v1/task-triggers/:id',
    {
      onRequest,
      schema: {
        tags,
        summary: 'One task trigger (secrets redacted)',
        params: triggerParams,
        response: { 200: triggerSchema.describe('The trigger'), ...errorResponses([...TRIGGER_ERRORS, 404]) },
      },
    },
    async (request) => operations(request).get(request.params.id),
  );

  routes.delete(
    '/v1/task-triggers/:id',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Delete a task trigger',
        params: triggerParams,
        response: { 204: noContent, ...errorResponses([...TRIGGER_ERRORS, 404]) },
      },
    },
    async (request, reply) => {
      await operations(request).remove(request.params.id);
      return reply.code(204).send();
    },
  );
}
