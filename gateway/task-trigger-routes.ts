import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Store } from '../db/store';
import { taskTriggerSchema } from '../domain/task-triggers';
import { StoreTriggerOperations } from '../client/api/store-trigger-operations';
import { requireRole } from './auth';
import { type Authenticator } from '../platform/tokens';

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
    { onRequest, schema: { tags, summary: 'List task triggers (secrets redacted)', querystring: listQuery } },
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
      },
    },
    async (request, reply) => reply.code(202).send(await operations(request).replay(request.params.key)),
  );

  routes.put(
    '/v1/task-triggers/:id',
    {
      onRequest,
      schema: { tags, summary: 'Create or replace a task trigger', params: triggerParams, body: triggerBody },
    },
    async (request) => operations(request).put(request.params.id, request.body),
  );

  routes.get(
    '/v1/task-triggers/:id',
    { onRequest, schema: { tags, summary: 'One task trigger (secrets redacted)', params: triggerParams } },
    async (request) => operations(request).get(request.params.id),
  );

  routes.delete(
    '/v1/task-triggers/:id',
    { onRequest, schema: { tags, summary: 'Delete a task trigger', params: triggerParams } },
    async (request, reply) => {
      await operations(request).remove(request.params.id);
      return reply.code(204).send();
    },
  );
}
